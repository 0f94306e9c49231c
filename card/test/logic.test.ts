import { describe, expect, it } from "vitest";

import {
  attentionLine,
  canPlay,
  canRetry,
  formatBytes,
  formatEta,
  formatSpeed,
  groupResults,
  libraryLine,
  normalizeConfig,
  playFields,
  progressPercent,
  requestDetail,
  requestFields,
  retryFields,
  stageLabel,
  vpnChip,
} from "../src/logic";
import de from "../../custom_components/stepheybot_music/translations/de.json";
import en from "../../custom_components/stepheybot_music/translations/en.json";
import { EN, localize, TRANSLATION_PREFIX, useTranslations } from "../src/strings";

/** The card's words in custom_components/stepheybot_music/translations/<language>.json. */
function translations(language: "en" | "de"): Record<string, string> {
  return (language === "en" ? en : de).selector.card.options;
}
import type { CardState, RequestState, SearchHit, VpnState } from "../src/types";

function request(overrides: Partial<RequestState> = {}): RequestState {
  return {
    request_id: "r1",
    title: "The Iron Atlas – Static Paper Radio",
    artist: "The Iron Atlas",
    album: "Static Paper Radio",
    kind: "download",
    stage: "downloading",
    progress: 0.5351,
    eta: 17,
    size: 313524224,
    speed: 8388608,
    stalled: false,
    failure: null,
    message: null,
    waiting_for: null,
    created_at: "2026-11-24T12:00:00+00:00",
    stage_changed_at: "2026-11-24T12:00:30+00:00",
    progress_changed_at: "2026-11-24T12:00:30+00:00",
    ...overrides,
  };
}

function hit(overrides: Partial<SearchHit> = {}): SearchHit {
  return {
    id: "album:1",
    kind: "album",
    title: "Static Paper Radio",
    artist: "The Iron Atlas",
    album: null,
    year: 2019,
    availability: "available",
    sources: ["lidarr"],
    artist_mbid: null,
    album_mbid: null,
    size: null,
    seeders: null,
    indexer: null,
    info_hash: null,
    ...overrides,
  };
}

const VPN: VpnState = {
  backend: "gluetun",
  available: true,
  connected: true,
  status: "running",
  country: "Netherlands",
  leak: false,
};

describe("formatting", () => {
  it("writes bytes, speeds and times as people read them", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(313524224)).toBe("299 MiB");
    expect(formatBytes(5 * 1024 ** 3 + 512 * 1024 ** 2)).toBe("5.5 GiB");
    expect(formatSpeed(8388608)).toBe("8.0 MiB/s");
    expect(formatEta(17)).toBe("17 s");
    expect(formatEta(600)).toBe("10 min");
    expect(formatEta(3 * 3600 + 20 * 60)).toBe("3 h 20 min");
    expect(formatEta(2 * 86400 + 4 * 3600)).toBe("2 d 4 h");
    expect(formatEta(-5)).toBe("0 s");
  });
});

describe("requests", () => {
  it("fills the bar from the progress, and fully once the download is done", () => {
    expect(progressPercent(request())).toBe(53.5);
    expect(progressPercent(request({ progress: null, stage: "requested" }))).toBe(0);
    expect(progressPercent(request({ progress: 0.4, stage: "importing" }))).toBe(100);
    expect(progressPercent(request({ progress: 1.7 }))).toBe(100);
  });

  it("says stalled, and why, for a download that does not move", () => {
    const stalled = request({ stalled: true, speed: 0 });
    expect(stageLabel(stalled)).toBe("Stalled");
    expect(requestDetail(stalled)).toBe(localize("en", "stalled_why"));
    expect(stageLabel(request())).toBe("Downloading");
    expect(requestDetail(request())).toBe("8.0 MiB/s · 17 s left · 299 MiB");
  });

  it("says what holds a request back and the fix, when the diagnosis knows", () => {
    const waiting = request({
      stalled: true,
      speed: 0,
      waiting_for: { cause: "vpn_down", text: "The VPN is down.", fix: "Restart gluetun." },
    });
    expect(requestDetail(waiting)).toBe("The VPN is down. Restart gluetun.");
    const searching = request({
      stage: "searching",
      waiting_for: { cause: "unknown", text: "Lidarr is still searching.", fix: null },
    });
    expect(requestDetail(searching)).toBe("Lidarr is still searching.");
  });

  it("offers a retry of a failed request with the same artist and album", () => {
    const failed = request({ stage: "failed", failure: "nothing_found", message: "No release found." });
    expect(canRetry(failed)).toBe(true);
    expect(canRetry(request())).toBe(false);
    expect(requestDetail(failed)).toBe("No release found.");
    expect(retryFields(failed)).toEqual({ artist: "The Iron Atlas", album: "Static Paper Radio" });
    expect(retryFields(request({ album: null }))).toEqual({ artist: "The Iron Atlas" });
  });
});

describe("VPN and attention", () => {
  it("colours the VPN chip: a leak and a dropped tunnel are bad", () => {
    expect(vpnChip(VPN)).toEqual({ text: "VPN on · Netherlands", tone: "ok" });
    expect(vpnChip({ ...VPN, connected: false, status: "stopped" })?.tone).toBe("bad");
    expect(vpnChip({ ...VPN, leak: true })).toEqual({ text: "VPN leak", tone: "bad" });
    expect(vpnChip({ ...VPN, available: false, connected: null })?.tone).toBe("unknown");
    expect(vpnChip(undefined)).toBeNull();
  });

  it("words each attention item with its backend and names", () => {
    expect(attentionLine({ kind: "vpn_down", backend: "gluetun", names: ["stopped"] })).toEqual({
      text: "gluetun: the VPN is down (stopped); downloads wait for it.",
      tone: "bad",
    });
    expect(attentionLine({ kind: "indexers", backend: "Jackett", names: ["a", "b"] })).toEqual({
      text: "Jackett: indexers failing: a, b.",
      tone: "warn",
    });
    expect(attentionLine({ kind: "disk", backend: "qBittorrent", names: [] }).text).toBe(
      "qBittorrent: the disk is nearly full.",
    );
    expect(attentionLine({ kind: "disk", backend: "Lidarr", names: ["/music"] }).text).toBe(
      "Lidarr: the disk is nearly full (/music).",
    );
  });
});

describe("search", () => {
  it("groups hits by where they come from, the library first", () => {
    const hits = [
      hit({ id: "a", sources: ["lidarr"] }),
      hit({ id: "b", sources: ["indexers"], kind: "release" }),
      hit({ id: "c", sources: ["library", "lidarr"], availability: "in_library" }),
      hit({ id: "d", sources: ["music_brain"] }),
      hit({ id: "e", sources: ["lidarr", "music_brain"] }),
    ];
    expect(groupResults(hits).map((g) => [g.group, g.hits.map((h) => h.id)])).toEqual([
      ["library", ["c"]],
      ["lidarr", ["a", "e"]],
      ["indexers", ["b"]],
      ["music_brain", ["d"]],
    ]);
  });

  it("requests albums and releases by result id, an artist's latest album by name", () => {
    expect(requestFields(hit())).toEqual({ result_id: "album:1" });
    expect(requestFields(hit({ kind: "release", id: "release:x" }))).toEqual({ result_id: "release:x" });
    expect(requestFields(hit({ kind: "artist", title: "The Iron Atlas" }))).toEqual({
      artist: "The Iron Atlas",
      latest: true,
    });
    expect(requestFields(hit({ availability: "in_library" }))).toBeNull();
    expect(requestFields(hit({ kind: "track" }))).toBeNull();
  });
});

describe("library and config", () => {
  it("shows the first library with counts, and Lidarr's missing albums", () => {
    const state = {
      library: [
        { backend: "Navidrome", kind: "navidrome", artists: null, albums: null, tracks: null },
        { backend: "Lidarr", kind: "lidarr", artists: 24, albums: 84, tracks: 781, missing: 8 },
      ],
    } as unknown as CardState;
    expect(libraryLine(state)).toBe("24 artists · 84 albums · 781 tracks · 8 missing");
    expect(libraryLine({ library: [] } as unknown as CardState)).toBeNull();
  });

  it("fills defaults and refuses an unknown theme", () => {
    expect(normalizeConfig({ type: "custom:stepheybot-music-card" })).toEqual({
      type: "custom:stepheybot-music-card",
      entry_id: undefined,
      media_player: undefined,
      theme: "default",
      show_attention: true,
      show_search: true,
      show_requests: true,
      show_library: true,
    });
    expect(() => normalizeConfig({ type: "x", theme: "pink" as "neon" })).toThrow("Unknown theme: pink");
    expect(() => normalizeConfig(undefined)).toThrow();
  });

  it("speaks Home Assistant's loaded translations, English until they are loaded", () => {
    expect(localize("de", "search")).toBe("Search");
    expect(localize(undefined, "eta", { time: "3 min" })).toBe("3 min left");
    const german = translations("de");
    // what hass.localize answers: the loaded text, "" for a key it does not know
    useTranslations((key, values) =>
      (german[key.slice(TRANSLATION_PREFIX.length)] ?? "").replace(/\{(\w+)\}/g, (_, n: string) =>
        String(values[n] ?? ""),
      ),
    );
    try {
      expect(localize("de", "search")).toBe("Suchen");
      expect(localize("de", "stalled")).toBe("Stalled"); // not translated: English
    } finally {
      useTranslations(undefined);
    }
    expect(localize("de", "search")).toBe("Search");
  });

  it("has the integration's translations as its English, and German with the same placeholders", () => {
    expect(translations("en")).toEqual(EN);
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, text] of Object.entries(translations("de"))) {
      expect(Object.keys(EN)).toContain(key);
      expect(placeholders(text)).toEqual(placeholders(EN[key as keyof typeof EN]));
    }
  });
});

describe("play", () => {
  it("offers Play for a download in the library, on the chosen player", () => {
    const done = request({ stage: "in_library", progress: 1 });
    expect(canPlay(done)).toBe(true);
    expect(canPlay(request())).toBe(false);
    expect(canPlay(request({ stage: "in_library", kind: "upgrade" }))).toBe(false);
    expect(playFields(done)).toEqual({ artist: "The Iron Atlas", album: "Static Paper Radio" });
    expect(playFields(done, "media_player.kitchen")).toEqual({
      artist: "The Iron Atlas",
      album: "Static Paper Radio",
      media_player: "media_player.kitchen",
    });
  });
});
