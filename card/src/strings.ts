/** The card's words. They live in the integration's translations
 * (custom_components/stepheybot_music/translations/<language>.json, `selector.card.options`,
 * a category Home Assistant's frontend loads for any integration); the card asks for them with
 * `hass.loadBackendTranslation` and reads them with `hass.localize`. This English table is
 * only the fallback until they are loaded (a test keeps it equal to en.json). */

export const TRANSLATION_PREFIX = "component.stepheybot_music.selector.card.options.";

export const EN = {
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


type Lookup = (key: string, values: Record<string, string | number>) => string;

let backend: Lookup | undefined;

/** Use Home Assistant's loaded translations (``hass.localize``) from now on. */
export function useTranslations(lookup: Lookup | undefined): void {
  backend = lookup;
}

/** The text of ``key`` in Home Assistant's language (or English), with ``{name}`` placeholders
 * filled. ``language`` is kept for callers; the translations loaded are the user's language. */
export function localize(
  _language: string | undefined,
  key: StringKey,
  values: Record<string, string | number> = {},
): string {
  const translated = backend?.(TRANSLATION_PREFIX + key, values);
  if (translated) return translated;
  return EN[key].replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ""));
}
