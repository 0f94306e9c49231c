/** The visual editor: which stack, which theme, which sections (Home Assistant's ha-form). */

import { LitElement, html, type TemplateResult } from "lit";

import { normalizeConfig } from "./logic";
import { localize, type StringKey } from "./strings";
import type { CardConfig, HomeAssistant } from "./types";

/** The editor's form: Home Assistant's selectors (the stack picker lists this integration's entries). */
export const EDITOR_SCHEMA = [
  { name: "entry_id", selector: { config_entry: { integration: "stepheybot_music" } } },
  {
    name: "theme",
    selector: {
      select: {
        mode: "dropdown",
        options: [
          { value: "default", label: "Home Assistant" },
          { value: "neon", label: "Neon" },
        ],
      },
    },
  },
  { name: "media_player", selector: { entity: { domain: "media_player" } } },
  { name: "show_attention", selector: { boolean: {} } },
  { name: "show_search", selector: { boolean: {} } },
  { name: "show_requests", selector: { boolean: {} } },
  { name: "show_library", selector: { boolean: {} } },
] as const;

const LABELS: Record<string, StringKey> = {
  entry_id: "choose_stack",
  theme: "theme",
  media_player: "media_player",
  show_attention: "show_attention",
  show_search: "show_search",
  show_requests: "show_requests",
  show_library: "show_library",
};

export class StepheyBotMusicCardEditor extends LitElement {
  static override properties = {
    hass: { attribute: false },
    _config: { state: true },
  };

  declare hass?: HomeAssistant;
  declare _config?: CardConfig;

  setConfig(config: CardConfig): void {
    this._config = config;
  }

  protected override render(): TemplateResult {
    if (!this.hass || !this._config) return html``;
    return html`<ha-form
      .hass=${this.hass}
      .data=${normalizeConfig(this._config)}
      .schema=${EDITOR_SCHEMA}
      .computeLabel=${(item: { name: string }) =>
        localize(this.hass?.language, LABELS[item.name] ?? "title")}
      @value-changed=${this._changed}
    ></ha-form>`;
  }

  private _changed(event: CustomEvent<{ value: CardConfig }>): void {
    event.stopPropagation();
    const config = { ...event.detail.value };
    if (!config.entry_id) delete config.entry_id;
    if (!config.media_player) delete config.media_player;
    this._config = config;
    this.dispatchEvent(new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }));
  }
}
