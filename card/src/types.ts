/** What the integration's websocket API sends (custom_components/stepheybot_music/card_state.py). */

export type AttentionKind =
  | "vpn_down"
  | "vpn_leak"
  | "reauth"
  | "unavailable"
  | "container"
  | "indexers"
  | "disk"
  | "stalled";

export interface AttentionItem {
  kind: AttentionKind;
  backend: string;
  names: string[];
}

export interface VpnState {
  backend: string;
  available: boolean;
  connected: boolean | null;
  status: string | null;
  country: string | null;
  leak: boolean | null;
}

export type Stage = "requested" | "searching" | "downloading" | "importing" | "in_library" | "failed";

/** Why a request does not progress, as Home Assistant's diagnosis says it (no URLs). */
export interface WaitingFor {
  cause: string;
  text: string;
  fix: string | null;
}

export interface RequestState {
  request_id: string;
  title: string;
  artist: string;
  album: string | null;
  kind: string;
  stage: Stage;
  progress: number | null;
  eta: number | null;
  size: number | null;
  speed: number | null;
  stalled: boolean;
  failure: string | null;
  message: string | null;
  /** What holds it back (the stack's diagnosis), null while it moves. */
  waiting_for: WaitingFor | null;
  created_at: string;
  stage_changed_at: string;
  progress_changed_at: string;
}

export interface DownloadClientState {
  backend: string;
  kind: string;
  available: boolean;
  download_rate: number | null;
  upload_rate: number | null;
  active: number | null;
  counts: Record<string, number> | null;
  free_space: number | null;
}

export interface LibraryState {
  backend: string;
  kind: string;
  artists: number | null;
  albums: number | null;
  tracks: number | null;
  missing?: number | null;
}

export interface CardState {
  entry_id: string;
  title: string;
  attention: AttentionItem[];
  vpn: VpnState[];
  requests: RequestState[];
  downloads: DownloadClientState[];
  library: LibraryState[];
  backends: { title: string; kind: string; available: boolean; reauth: boolean }[];
}

export type SearchSource = "library" | "lidarr" | "indexers" | "music_brain";

export interface SearchHit {
  id: string;
  kind: "artist" | "album" | "track" | "release";
  title: string;
  artist: string | null;
  album: string | null;
  year: number | null;
  availability: "in_library" | "monitored" | "downloadable" | "available";
  sources: SearchSource[];
  artist_mbid: string | null;
  album_mbid: string | null;
  size: number | null;
  seeders: number | null;
  indexer: string | null;
  info_hash: string | null;
  /** The picture's path in Home Assistant, signed for this session (library hits only). */
  cover?: string | null;
}

export interface SearchResponse {
  query: string;
  results: SearchHit[];
  omitted: number;
  sources: Record<string, { status: string; count: number; error: string | null; omitted: number }>;
}

export interface RequestAnswer {
  status: "requested" | "already_requested" | "already_in_library";
  message: string;
  request: { request_id: string; title: string; stage: Stage } | null;
}

export interface CardConfig {
  type: string;
  entry_id?: string;
  theme?: "default" | "neon";
  show_attention?: boolean;
  show_search?: boolean;
  show_requests?: boolean;
  show_library?: boolean;
  /** Where Play sends a finished album (media_player entity ids); none: the only player. */
  media_player?: string;
}

/** The little of Home Assistant's frontend object the card uses. */
export interface HomeAssistant {
  language?: string;
  connection: {
    subscribeMessage<T>(callback: (message: T) => void, message: Record<string, unknown>): Promise<() => Promise<void>>;
  };
  callWS<T>(message: Record<string, unknown>): Promise<T>;
  /** The frontend's translations: ``component.<domain>.<category>.…`` once loaded. */
  localize?(key: string, values?: Record<string, string | number>): string;
  /** Loads a category of an integration's translations into ``localize`` (HA's frontend). */
  loadBackendTranslation?(category: string, integration?: string | string[]): Promise<unknown>;
}
