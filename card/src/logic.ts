/** The card's logic, without Lit or the DOM (unit-tested with vitest). */

import { localize, type StringKey } from "./strings";
import type {
  AttentionItem,
  CardConfig,
  CardState,
  RequestState,
  SearchHit,
  SearchSource,
  VpnState,
} from "./types";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** Bytes as people read them: ``313.5 MiB``. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Bytes per second: ``8.0 MiB/s``. */
export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Seconds left as ``45 s``, ``12 min``, ``3 h 20 min``, ``2 d 4 h``. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** The progress bar's width, 0 to 100 (a finished request is full). */
export function progressPercent(request: RequestState): number {
  if (request.stage === "importing" || request.stage === "in_library") return 100;
  const value = request.progress ?? 0;
  return Math.round(Math.min(1, Math.max(0, value)) * 1000) / 10;
}

/** The request's stage in words; a stalled download says so. */
export function stageLabel(request: RequestState, language?: string): string {
  if (request.stalled && request.stage === "downloading") return localize(language, "stalled");
  return localize(language, `stage_${request.stage}` as StringKey);
}

/** The small line under a request: speed and time left, or why it stopped (the diagnosis). */
export function requestDetail(request: RequestState, language?: string): string {
  if (request.stage === "failed") return request.message ?? localize(language, "stalled_why");
  // the diagnosis names the cause and the fix (in Home Assistant's language, like Assist)
  if (request.waiting_for) {
    const { text, fix } = request.waiting_for;
    return fix ? `${text} ${fix}` : text;
  }
  if (request.stalled && request.stage === "downloading") {
    return request.message ?? localize(language, "stalled_why");
  }
  const parts: string[] = [];
  if (request.stage === "downloading") {
    if (request.speed != null) parts.push(formatSpeed(request.speed));
    if (request.eta != null && request.speed) {
      parts.push(localize(language, "eta", { time: formatEta(request.eta) }));
    }
  }
  if (request.size != null && request.size > 0) parts.push(formatBytes(request.size));
  if (!parts.length && request.message) parts.push(request.message);
  return parts.join(" · ");
}

/** Whether the card offers to ask again (a failed download, or one stalled). */
export function canRetry(request: RequestState): boolean {
  return request.stage === "failed";
}

/** Whether the card offers to play a request: a download that reached the library. */
export function canPlay(request: RequestState): boolean {
  return request.stage === "in_library" && request.kind === "download";
}

/** The fields of the ``play`` action for a finished request (``media_player`` when chosen). */
export function playFields(request: RequestState, mediaPlayer?: string): Record<string, string> {
  const fields: Record<string, string> = { artist: request.artist };
  if (request.album) fields.album = request.album;
  if (mediaPlayer) fields.media_player = mediaPlayer;
  return fields;
}

/** The fields of ``request_download`` that ask for a request again. */
export function retryFields(request: RequestState): Record<string, string> {
  return request.album ? { artist: request.artist, album: request.album } : { artist: request.artist };
}

export type Tone = "ok" | "warn" | "bad" | "unknown";

/** The VPN chip: its words and colour (a leak is as bad as a dropped tunnel). */
export function vpnChip(vpn: VpnState | undefined, language?: string): { text: string; tone: Tone } | null {
  if (!vpn) return null;
  if (vpn.leak) return { text: localize(language, "vpn_leak"), tone: "bad" };
  if (!vpn.available || vpn.connected == null) return { text: localize(language, "vpn_unknown"), tone: "unknown" };
  if (!vpn.connected) return { text: localize(language, "vpn_down"), tone: "bad" };
  return {
    text: vpn.country
      ? localize(language, "vpn_on_in", { country: vpn.country })
      : localize(language, "vpn_on"),
    tone: "ok",
  };
}

const SEVERE = new Set(["vpn_down", "vpn_leak", "reauth", "unavailable", "container"]);

/** One attention item in words, and how bad it is. */
export function attentionLine(item: AttentionItem, language?: string): { text: string; tone: Tone } {
  let names = item.names.join(", ");
  if (item.kind === "disk") names = names ? ` (${names})` : "";
  return {
    text: localize(language, `attention_${item.kind}` as StringKey, { backend: item.backend, names }),
    tone: SEVERE.has(item.kind) ? "bad" : "warn",
  };
}

export type Group = "library" | "lidarr" | "indexers" | "music_brain";
export const GROUP_ORDER: Group[] = ["library", "lidarr", "indexers", "music_brain"];

/** Where a hit is shown: in your library first, then the first source that found it. */
export function groupOf(hit: SearchHit): Group {
  if (hit.availability === "in_library") return "library";
  const first: SearchSource | undefined = hit.sources.find((s) => s !== "library") ?? hit.sources[0];
  return (first ?? "music_brain") as Group;
}

/** The hits by group, in :data:`GROUP_ORDER`, each group keeping the ranking's order. */
export function groupResults(hits: SearchHit[]): { group: Group; hits: SearchHit[] }[] {
  const groups = new Map<Group, SearchHit[]>();
  for (const hit of hits) {
    const group = groupOf(hit);
    groups.set(group, [...(groups.get(group) ?? []), hit]);
  }
  return GROUP_ORDER.filter((g) => groups.has(g)).map((group) => ({ group, hits: groups.get(group)! }));
}

/** What a Request button sends to ``request_download`` for a hit; null when none applies. */
export function requestFields(hit: SearchHit): Record<string, string | boolean> | null {
  if (hit.availability === "in_library") return null;
  if (hit.kind === "album" || hit.kind === "release") return { result_id: hit.id };
  if (hit.kind === "artist") return { artist: hit.title, latest: true };
  return null;
}

/** A hit's second line: artist, year, size and seeders where known. */
export function hitDetail(hit: SearchHit): string {
  const parts: string[] = [];
  if (hit.kind !== "artist" && hit.artist) parts.push(hit.artist);
  if (hit.year) parts.push(String(hit.year));
  if (hit.size) parts.push(formatBytes(hit.size));
  if (hit.seeders != null) parts.push(`${hit.seeders} seeders`);
  if (hit.indexer) parts.push(hit.indexer);
  return parts.join(" · ");
}

/** The library line: the first backend with counts (Navidrome before Lidarr and the Brain). */
export function libraryLine(state: CardState, language?: string): string | null {
  const row = state.library.find((r) => r.artists != null);
  if (!row) return null;
  const parts = [
    `${row.artists} ${localize(language, "artists")}`,
    `${row.albums ?? "?"} ${localize(language, "albums")}`,
    `${row.tracks ?? "?"} ${localize(language, "tracks")}`,
  ];
  const missing = state.library.find((r) => r.missing)?.missing;
  if (missing) parts.push(`${missing} ${localize(language, "missing")}`);
  return parts.join(" · ");
}

/** The config with every default filled in; throws on what cannot work. */
export function normalizeConfig(
  config: Partial<CardConfig> | undefined,
): Required<Omit<CardConfig, "entry_id" | "media_player">> & { entry_id?: string; media_player?: string } {
  if (!config || typeof config !== "object") throw new Error("Invalid configuration");
  const theme = config.theme ?? "default";
  if (theme !== "default" && theme !== "neon") throw new Error(`Unknown theme: ${String(theme)}`);
  return {
    type: config.type ?? "custom:stepheybot-music-card",
    entry_id: config.entry_id || undefined,
    media_player: config.media_player || undefined,
    theme,
    show_attention: config.show_attention ?? true,
    show_search: config.show_search ?? true,
    show_requests: config.show_requests ?? true,
    show_library: config.show_library ?? true,
  };
}
