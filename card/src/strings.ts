/** The card's words, by language (English is the fallback for every key). */

const EN = {
  title: "Music",
  search_placeholder: "Artist or album",
  search: "Search",
  searching: "Searching…",
  no_results: "Nothing found for “{query}”.",
  request: "Request",
  request_latest: "Latest album",
  requesting: "Requesting…",
  retry: "Retry",
  play: "Play",
  media_player: "Play on",
  requests: "Requests",
  no_requests: "No requests in flight.",
  library: "Library",
  artists: "artists",
  albums: "albums",
  tracks: "tracks",
  missing: "missing",
  group_library: "In your library",
  group_lidarr: "Lidarr",
  group_indexers: "Indexers",
  group_music_brain: "Music Brain",
  stage_requested: "Requested",
  stage_searching: "Searching",
  stage_downloading: "Downloading",
  stage_importing: "Importing",
  stage_in_library: "In library",
  stage_failed: "Failed",
  stalled: "Stalled",
  stalled_why: "No progress: no peers, or the VPN is down.",
  eta: "{time} left",
  vpn_on: "VPN on",
  vpn_on_in: "VPN on · {country}",
  vpn_down: "VPN down",
  vpn_unknown: "VPN unknown",
  vpn_leak: "VPN leak",
  attention_vpn_down: "{backend}: the VPN is down ({names}); downloads wait for it.",
  attention_vpn_leak: "{backend}: a download client is seen from your own address, not the VPN's.",
  attention_reauth: "{backend} rejected its credentials: reauthenticate it on the integration page.",
  attention_unavailable: "{backend} does not answer.",
  attention_container: "{backend}: containers not healthy: {names}.",
  attention_indexers: "{backend}: indexers failing: {names}.",
  attention_disk: "{backend}: the disk is nearly full{names}.",
  attention_stalled: "Stalled: {names}.",
  error: "{message}",
  choose_stack: "Choose a stack",
  theme: "Theme",
  theme_default: "Home Assistant",
  theme_neon: "Neon",
  show_attention: "Attention strip",
  show_search: "Search",
  show_requests: "Requests",
  show_library: "Library",
} as const;

export type StringKey = keyof typeof EN;

const DE: Partial<Record<StringKey, string>> = {
  title: "Musik",
  search_placeholder: "Künstler oder Album",
  search: "Suchen",
  request: "Anfordern",
  requests: "Anfragen",
  library: "Bibliothek",
  retry: "Erneut",
  play: "Abspielen",
  vpn_down: "VPN getrennt",
};

const LANGUAGES: Record<string, Partial<Record<StringKey, string>>> = { en: EN, de: DE };

/** The text of ``key`` in ``language`` (or English), with ``{name}`` placeholders filled. */
export function localize(
  language: string | undefined,
  key: StringKey,
  values: Record<string, string | number> = {},
): string {
  const table = LANGUAGES[(language ?? "en").split("-")[0]] ?? EN;
  const template = table[key] ?? EN[key];
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ""));
}
