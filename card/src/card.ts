/**
 * custom:stepheybot-music-card: search → request → follow music, and what needs attention.
 *
 * State comes from the integration's websocket subscription (stepheybot_music/subscribe_card_state);
 * search is stepheybot_music/search; a request is the request_download action (call_service with
 * return_response), whose answer is shown in place ("already on its way", "already in your library").
 */

import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from "lit";

import {
  attentionLine,
  canPlay,
  canRetry,
  groupResults,
  hitDetail,
  libraryLine,
  normalizeConfig,
  playFields,
  progressPercent,
  requestDetail,
  requestFields,
  retryFields,
  stageLabel,
  vpnChip,
} from "./logic";
import { localize, useTranslations, type StringKey } from "./strings";
import type {
  CardConfig,
  CardState,
  HomeAssistant,
  RequestAnswer,
  RequestState,
  SearchHit,
  SearchResponse,
} from "./types";

const DOMAIN = "stepheybot_music";
const RESUBSCRIBE_MS = 3000;

type Config = ReturnType<typeof normalizeConfig>;

export class StepheyBotMusicCard extends LitElement {
  static override properties = {
    hass: { attribute: false },
    _config: { state: true },
    _state: { state: true },
    _error: { state: true },
    _query: { state: true },
    _searching: { state: true },
    _search: { state: true },
    _answers: { state: true },
    _busy: { state: true },
  };

  declare hass?: HomeAssistant;
  private _translationsFor?: string;
  declare _config?: Config;
  declare _state?: CardState;
  declare _error?: string;
  declare _query: string;
  declare _searching: boolean;
  declare _search?: SearchResponse;
  declare _answers: Record<string, string>;
  declare _busy: Record<string, boolean>;

  private _unsubscribe?: Promise<() => Promise<void>>;
  private _subscribedTo?: string;
  private _retryTimer?: ReturnType<typeof setTimeout>;

  constructor() {
    super();
    this._query = "";
    this._searching = false;
    this._answers = {};
    this._busy = {};
  }

  static getConfigElement(): HTMLElement {
    return document.createElement("stepheybot-music-card-editor");
  }

  static getStubConfig(): CardConfig {
    return { type: "custom:stepheybot-music-card" };
  }

  setConfig(config: CardConfig): void {
    this._config = normalizeConfig(config);
  }

  getCardSize(): number {
    return 6;
  }

  /** Full width of its section, as tall as its content (a fixed row count would let it
   * overlap the cards below). */
  getGridOptions(): Record<string, number | string> {
    return { columns: 12, min_columns: 6, rows: "auto" };
  }

  private _t(key: StringKey, values: Record<string, string | number> = {}): string {
    return localize(this.hass?.language, key, values);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hass && this._config) this._subscribe();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._unsubscribeNow();
  }

  /** Loads the integration's translations (the card's words) for the user's language. */
  private _loadTranslations(): void {
    const hass = this.hass;
    if (!hass?.loadBackendTranslation || this._translationsFor === hass.language) return;
    this._translationsFor = hass.language;
    hass
      .loadBackendTranslation("selector", DOMAIN)
      .then(() => {
        useTranslations((key, values) => this.hass?.localize?.(key, values) ?? "");
        this.requestUpdate();
      })
      .catch(() => undefined); // the English fallback stays
  }

  protected override updated(changed: PropertyValues): void {
    const wanted = this._config?.entry_id ?? "";
    if (changed.has("hass")) this._loadTranslations();
    if ((changed.has("hass") || changed.has("_config")) && this.hass && this._config) {
      if (this._unsubscribe === undefined || this._subscribedTo !== wanted) this._subscribe();
    }
  }

  private _unsubscribeNow(): void {
    clearTimeout(this._retryTimer);
    const pending = this._unsubscribe;
    this._unsubscribe = undefined;
    this._subscribedTo = undefined;
    pending?.then((unsub) => unsub()).catch(() => undefined);
  }

  private _subscribe(): void {
    if (!this.hass || !this._config) return;
    this._unsubscribeNow();
    const message: Record<string, unknown> = { type: `${DOMAIN}/subscribe_card_state` };
    if (this._config.entry_id) message.entry_id = this._config.entry_id;
    this._subscribedTo = this._config.entry_id ?? "";
    this._unsubscribe = this.hass.connection.subscribeMessage<CardState | { unloaded: true }>(
      (event) => {
        if ("unloaded" in event) {
          // the stack reloads: its coordinators are new, so subscribe to them again
          this._unsubscribe = undefined;
          this._retryTimer = setTimeout(() => this._subscribe(), RESUBSCRIBE_MS);
          return;
        }
        this._error = undefined;
        this._state = event;
      },
      message,
    );
    this._unsubscribe.catch((err: { message?: string }) => {
      this._error = err?.message ?? String(err);
      this._unsubscribe = undefined;
      this._retryTimer = setTimeout(() => this._subscribe(), RESUBSCRIBE_MS * 5);
    });
  }

  private _stackFields(): Record<string, string> {
    const id = this._config?.entry_id ?? this._state?.entry_id;
    return id ? { config_entry_id: id } : {};
  }

  private async _runSearch(event?: Event): Promise<void> {
    event?.preventDefault();
    const query = this._query.trim();
    if (!query || !this.hass) return;
    this._searching = true;
    this._answers = {};
    try {
      const message: Record<string, unknown> = { type: `${DOMAIN}/search`, query, limit: 20 };
      if (this._config?.entry_id) message.entry_id = this._config.entry_id;
      this._search = await this.hass.callWS<SearchResponse>(message);
      this._error = undefined;
    } catch (err) {
      this._error = (err as { message?: string }).message ?? String(err);
    } finally {
      this._searching = false;
    }
  }

  private async _request(
    key: string,
    fields: Record<string, unknown>,
    service = "request_download",
  ): Promise<void> {
    if (!this.hass) return;
    this._busy = { ...this._busy, [key]: true };
    try {
      const answer = await this.hass.callWS<{ response: RequestAnswer }>({
        type: "call_service",
        domain: DOMAIN,
        service,
        service_data: { ...this._stackFields(), ...fields },
        return_response: true,
      });
      this._answers = { ...this._answers, [key]: answer.response.message };
    } catch (err) {
      this._answers = { ...this._answers, [key]: (err as { message?: string }).message ?? String(err) };
    } finally {
      this._busy = { ...this._busy, [key]: false };
    }
  }

  protected override render(): TemplateResult {
    const config = this._config;
    if (!config) return html``;
    const state = this._state;
    const chip = vpnChip(state?.vpn[0], this.hass?.language);
    return html`
      <ha-card class=${config.theme === "neon" ? "neon" : ""}>
        <div class="header">
          <div class="title">${state?.title ?? this._t("title")}</div>
          ${chip ? html`<span class="chip ${chip.tone}" data-testid="vpn">${chip.text}</span>` : nothing}
        </div>
        ${this._error ? html`<div class="error" role="alert">${this._error}</div>` : nothing}
        ${config.show_attention && state ? this._renderAttention(state) : nothing}
        ${config.show_search ? this._renderSearch() : nothing}
        ${config.show_requests && state ? this._renderRequests(state) : nothing}
        ${config.show_library && state ? this._renderLibrary(state) : nothing}
      </ha-card>
    `;
  }

  private _renderAttention(state: CardState): TemplateResult | typeof nothing {
    if (!state.attention.length) return nothing;
    return html`<ul class="attention" data-testid="attention">
      ${state.attention.map((item) => {
        const line = attentionLine(item, this.hass?.language);
        return html`<li class=${line.tone} data-kind=${item.kind}>${line.text}</li>`;
      })}
    </ul>`;
  }

  private _renderSearch(): TemplateResult {
    const search = this._search;
    return html`
      <form class="search" @submit=${this._runSearch}>
        <input
          type="search"
          .value=${this._query}
          placeholder=${this._t("search_placeholder")}
          aria-label=${this._t("search_placeholder")}
          @input=${(e: Event) => (this._query = (e.target as HTMLInputElement).value)}
        />
        <button type="submit" ?disabled=${this._searching}>
          ${this._searching ? this._t("searching") : this._t("search")}
        </button>
      </form>
      ${search
        ? search.results.length
          ? html`<div class="results" data-testid="results">
              ${groupResults(search.results).map(
                (group) => html`<section class="group" data-group=${group.group}>
                  <h3>${this._t(`group_${group.group}` as StringKey)}</h3>
                  <ul>
                    ${group.hits.map((hit) => this._renderHit(hit))}
                  </ul>
                </section>`,
              )}
            </div>`
          : html`<div class="empty">${this._t("no_results", { query: search.query })}</div>`
        : nothing}
    `;
  }

  private _renderHit(hit: SearchHit): TemplateResult {
    const fields = requestFields(hit);
    const answer = this._answers[hit.id];
    return html`<li class="hit" data-kind=${hit.kind}>
      ${hit.cover
        ? html`<img class="cover" src=${hit.cover} alt="" loading="lazy" width="40" height="40" />`
        : nothing}
      <div class="text">
        <div class="name">${hit.title}</div>
        <div class="detail">${hitDetail(hit)}</div>
        ${answer ? html`<div class="answer" role="status">${answer}</div>` : nothing}
      </div>
      ${fields
        ? html`<button
            class="request"
            ?disabled=${this._busy[hit.id] || Boolean(answer)}
            @click=${() => this._request(hit.id, fields)}
          >
            ${this._busy[hit.id]
              ? this._t("requesting")
              : hit.kind === "artist"
                ? this._t("request_latest")
                : this._t("request")}
          </button>`
        : nothing}
    </li>`;
  }

  private _renderRequests(state: CardState): TemplateResult {
    return html`<section class="requests" data-testid="requests">
      <h2>${this._t("requests")}</h2>
      ${state.requests.length
        ? html`<ul>
            ${state.requests.map((request) => this._renderRequest(request))}
          </ul>`
        : html`<div class="empty">${this._t("no_requests")}</div>`}
    </section>`;
  }

  private _renderRequest(request: RequestState): TemplateResult {
    const language = this.hass?.language;
    const percent = progressPercent(request);
    const tone =
      request.stage === "failed" ? "bad" : request.stalled ? "warn" : request.stage === "in_library" ? "ok" : "";
    const key = `retry:${request.request_id}`;
    const play = `play:${request.request_id}`;
    const answer = this._answers[key] ?? this._answers[play];
    return html`<li class="request-row ${tone}" data-stage=${request.stage} ?data-stalled=${request.stalled}>
      <div class="line">
        <span class="name">${request.title}</span>
        <span class="stage">${stageLabel(request, language)}</span>
      </div>
      <div
        class="bar"
        role="progressbar"
        aria-valuemin="0"
        aria-valuemax="100"
        aria-valuenow=${percent}
        aria-label=${request.title}
      >
        <div class="fill" style="width: ${percent}%"></div>
      </div>
      <div class="line detail">
        <span>${requestDetail(request, language)}</span>
        ${canPlay(request)
          ? html`<button
              class="play"
              ?disabled=${this._busy[play]}
              @click=${() => this._request(play, playFields(request, this._config?.media_player), "play")}
            >
              ${this._t("play")}
            </button>`
          : nothing}
        ${canRetry(request)
          ? html`<button
              class="retry"
              ?disabled=${this._busy[key] || Boolean(answer)}
              @click=${() => this._request(key, retryFields(request))}
            >
              ${this._t("retry")}
            </button>`
          : nothing}
      </div>
      ${answer ? html`<div class="answer" role="status">${answer}</div>` : nothing}
    </li>`;
  }

  private _renderLibrary(state: CardState): TemplateResult | typeof nothing {
    const line = libraryLine(state, this.hass?.language);
    if (!line) return nothing;
    return html`<div class="library" data-testid="library">
      <span class="label">${this._t("library")}</span> <span>${line}</span>
    </div>`;
  }

  static override styles = css`
    :host {
      --sbm-accent: var(--primary-color, #03a9f4);
      --sbm-ok: var(--success-color, #43a047);
      --sbm-warn: var(--warning-color, #ffa600);
      --sbm-bad: var(--error-color, #db4437);
      --sbm-muted: var(--secondary-text-color, #727272);
      --sbm-track: var(--divider-color, rgba(127, 127, 127, 0.25));
      display: block;
    }
    ha-card {
      padding: 12px 16px 16px;
      box-sizing: border-box;
      overflow: hidden;
      max-width: 100%;
    }
    ha-card.neon {
      --sbm-accent: #ff2bd6;
      --sbm-ok: #2bfff1;
      --sbm-warn: #ffd22b;
      --sbm-bad: #ff3b6b;
      --sbm-muted: #b9a6ff;
      --sbm-track: rgba(139, 92, 246, 0.25);
      background: linear-gradient(160deg, #140028 0%, #1b0a3d 55%, #061a3d 100%);
      color: #f3e8ff;
    }
    .header {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 8px;
      flex-wrap: wrap;
    }
    .title {
      font-size: 1.25em;
      font-weight: 500;
      min-width: 0;
      overflow-wrap: anywhere;
    }
    .neon .title {
      text-shadow: 0 0 8px var(--sbm-accent);
    }
    .chip {
      border-radius: 12px;
      padding: 2px 10px;
      font-size: 0.85em;
      white-space: nowrap;
      color: #fff;
      background: var(--sbm-muted);
    }
    .chip.ok {
      background: var(--sbm-ok);
    }
    .chip.bad {
      background: var(--sbm-bad);
    }
    .error {
      color: var(--sbm-bad);
      margin: 8px 0;
      overflow-wrap: anywhere;
    }
    ul {
      list-style: none;
      margin: 0;
      padding: 0;
    }
    .attention {
      margin: 10px 0 4px;
      display: grid;
      gap: 6px;
    }
    .attention li {
      border-left: 4px solid var(--sbm-warn);
      padding: 6px 10px;
      border-radius: 4px;
      background: color-mix(in srgb, var(--sbm-warn) 14%, transparent);
      overflow-wrap: anywhere;
    }
    .attention li.bad {
      border-left-color: var(--sbm-bad);
      background: color-mix(in srgb, var(--sbm-bad) 16%, transparent);
    }
    .search {
      display: flex;
      gap: 8px;
      margin: 12px 0 8px;
    }
    .search input {
      flex: 1 1 auto;
      min-width: 0;
      font: inherit;
      padding: 8px 10px;
      border-radius: 6px;
      border: 1px solid var(--sbm-track);
      background: var(--card-background-color, transparent);
      color: inherit;
    }
    button {
      font: inherit;
      border: none;
      border-radius: 6px;
      padding: 6px 12px;
      background: var(--sbm-accent);
      color: var(--text-primary-color, #fff);
      cursor: pointer;
      flex: 0 0 auto;
      white-space: nowrap;
    }
    button[disabled] {
      opacity: 0.6;
      cursor: default;
    }
    .neon button {
      box-shadow: 0 0 10px var(--sbm-accent);
    }
    h2,
    h3 {
      font-size: 1em;
      font-weight: 500;
      margin: 12px 0 6px;
    }
    h3 {
      color: var(--sbm-muted);
      font-size: 0.9em;
    }
    .results {
      max-height: 420px;
      overflow-y: auto;
      overflow-x: hidden;
    }
    .hit,
    .request-row {
      padding: 6px 0;
      border-bottom: 1px solid var(--sbm-track);
      min-width: 0;
    }
    .hit {
      display: flex;
      align-items: center;
      gap: 8px;
    }
    .cover {
      flex: 0 0 40px;
      width: 40px;
      height: 40px;
      border-radius: 4px;
      object-fit: cover;
    }
    .hit .text {
      flex: 1 1 auto;
      min-width: 0;
    }
    .name {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
      min-width: 0;
    }
    .detail,
    .answer,
    .empty {
      color: var(--sbm-muted);
      font-size: 0.85em;
      overflow-wrap: anywhere;
    }
    .answer {
      color: var(--sbm-accent);
    }
    .line {
      display: flex;
      justify-content: space-between;
      align-items: center;
      gap: 8px;
      min-width: 0;
    }
    .line .name {
      flex: 1 1 auto;
    }
    .stage {
      flex: 0 0 auto;
      font-size: 0.85em;
    }
    .request-row.ok .stage {
      color: var(--sbm-ok);
    }
    .request-row.warn .stage {
      color: var(--sbm-warn);
    }
    .request-row.bad .stage {
      color: var(--sbm-bad);
    }
    .bar {
      height: 6px;
      border-radius: 3px;
      background: var(--sbm-track);
      margin: 4px 0;
      overflow: hidden;
    }
    .fill {
      height: 100%;
      background: var(--sbm-accent);
      transition: width 0.6s ease;
    }
    .request-row.ok .fill {
      background: var(--sbm-ok);
    }
    .request-row.warn .fill {
      background: var(--sbm-warn);
    }
    .request-row.bad .fill {
      background: var(--sbm-bad);
    }
    .neon .fill {
      background: linear-gradient(90deg, #ff2bd6, #8b5cf6, #2bb8ff);
      box-shadow: 0 0 8px #ff2bd6, 0 0 14px #2bb8ff;
    }
    .library {
      margin-top: 12px;
      font-size: 0.9em;
      overflow-wrap: anywhere;
    }
    .library .label {
      color: var(--sbm-muted);
    }
  `;
}
