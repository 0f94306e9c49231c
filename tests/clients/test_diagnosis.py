"""The diagnosis chain: each cause alone, their order, unknown is never clear, spoken text."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from stepheybot_music_clients.diagnosis import (
    CHAIN,
    DISK_FULL_BYTES,
    Cause,
    DiagnosisStatus,
    StackObservation,
    diagnose,
    metadata_outage,
    spoken,
)

GIB = 1024**3

HEALTHY = StackObservation(
    vpn_running=True,
    vpn_leak=False,
    forwarded_port=51413,
    listen_ports={"qBittorrent": 51413, "Transmission": 51413},
    stalled_downloads={"qBittorrent": 0, "Transmission": 0},
    indexers_enabled=3,
    indexers_failing=1,
    import_blocked=0,
    metadata_down=False,
    free_disk={"qBittorrent's save path": 500 * GIB, "the music folder /music": 2000 * GIB},
    not_scanned={"Navidrome": 0},
)
"""Every fact read, nothing wrong (one of three indexers failing is not every indexer)."""

BROKEN: dict[Cause, dict[str, object]] = {
    Cause.VPN_DOWN: {"vpn_running": False},
    Cause.VPN_LEAK: {"vpn_leak": True},
    Cause.PORT_MISMATCH: {"listen_ports": {"qBittorrent": 6881, "Transmission": 51413}},
    Cause.NO_PEERS: {"stalled_downloads": {"qBittorrent": 2, "Transmission": 0}},
    Cause.INDEXERS_FAILING: {"indexers_failing": 3},
    Cause.IMPORT_BLOCKED: {
        "import_blocked": 1,
        "import_messages": ("Has unmatched tracks, see https://wiki.servarr.com/lidarr",),
    },
    Cause.METADATA_DOWN: {"metadata_down": True},
    Cause.DISK_FULL: {"free_disk": {"qBittorrent's save path": 200 * 1024**2}},
    Cause.NOT_SCANNED: {"not_scanned": {"Navidrome": 2}},
}
"""For each cause, the facts that make it hold on an otherwise healthy stack."""

URL = re.compile(r"https?://|www\.", re.IGNORECASE)


def test_healthy_stack_is_clear() -> None:
    result = diagnose(HEALTHY)
    assert result.status is DiagnosisStatus.CLEAR
    assert result.cause is None
    assert result.unknown == ()
    assert "Nothing is blocking" in result.speech


def test_chain_covers_every_cause_in_the_issue_order() -> None:
    assert [c.value for c in CHAIN] == [
        "vpn_down",
        "vpn_leak",
        "port_mismatch",
        "no_peers",
        "indexers_failing",
        "import_blocked",
        "metadata_down",
        "disk_full",
        "not_scanned",
    ]
    assert set(BROKEN) == set(CHAIN)


@pytest.mark.parametrize("cause", CHAIN)
def test_each_cause_alone_is_the_finding(cause: Cause) -> None:
    result = diagnose(replace(HEALTHY, **BROKEN[cause]))  # type: ignore[arg-type]
    assert result.status is DiagnosisStatus.BLOCKED
    assert result.cause is cause
    assert result.holding == (cause,)
    assert result.finding is not None
    assert result.finding.text
    assert result.finding.fix
    assert not URL.search(result.speech), result.speech


def test_first_cause_in_the_chain_wins_and_every_holding_one_is_listed() -> None:
    facts: dict[str, object] = {}
    for cause in (Cause.DISK_FULL, Cause.NO_PEERS, Cause.PORT_MISMATCH):
        facts.update(BROKEN[cause])
    result = diagnose(replace(HEALTHY, **facts))  # type: ignore[arg-type]
    assert result.cause is Cause.PORT_MISMATCH
    assert result.holding == (Cause.PORT_MISMATCH, Cause.NO_PEERS, Cause.DISK_FULL)


def test_port_mismatch_names_both_ports_and_the_action() -> None:
    result = diagnose(replace(HEALTHY, listen_ports={"qBittorrent": 6881}))
    assert result.finding is not None
    assert result.finding.text == (
        "qBittorrent listens on port 6881, not on 51413, the port the VPN forwarded, "
        "so peers cannot connect."
    )
    assert "set qBittorrent's listening port to 51413" in result.finding.fix
    assert result.finding.action == "sync_forwarded_port"


def test_no_forwarded_port_means_no_mismatch() -> None:
    """Most VPN providers forward no port: then the listen port cannot be wrong."""
    result = diagnose(replace(HEALTHY, forwarded_port=0, listen_ports={"qBittorrent": 6881}))
    assert result.status is DiagnosisStatus.CLEAR


def test_unknown_is_never_clear() -> None:
    result = diagnose(StackObservation())
    assert result.status is DiagnosisStatus.UNKNOWN
    assert result.unknown == CHAIN
    assert "cannot tell" in result.speech
    assert "the VPN's status" in result.speech


@pytest.mark.parametrize("cause", CHAIN)
def test_one_unread_fact_makes_the_stack_unknown_not_clear(cause: Cause) -> None:
    unread = {key: None for key in BROKEN[cause] if key != "import_messages"}
    result = diagnose(replace(HEALTHY, **unread))  # type: ignore[arg-type]
    assert result.status is DiagnosisStatus.UNKNOWN
    assert result.unknown == (cause,)


def test_an_unknown_before_the_finding_is_reported_with_it() -> None:
    result = diagnose(replace(HEALTHY, vpn_running=None, import_blocked=2))
    assert result.cause is Cause.IMPORT_BLOCKED
    assert result.unknown == (Cause.VPN_DOWN,)


def test_an_unknown_after_the_finding_is_not_listed() -> None:
    result = diagnose(replace(HEALTHY, vpn_running=False, free_disk=None))
    assert result.cause is Cause.VPN_DOWN
    assert result.unknown == ()
    assert result.unread == (Cause.DISK_FULL,)


def test_state_of_each_cause_is_true_for_the_finding_only_and_none_when_unread() -> None:
    facts: dict[str, object] = {**BROKEN[Cause.NO_PEERS], **BROKEN[Cause.DISK_FULL]}
    result = diagnose(replace(HEALTHY, vpn_leak=None, **facts))  # type: ignore[arg-type]
    assert {c: result.state_of(c) for c in CHAIN} == {
        Cause.VPN_DOWN: False,
        Cause.VPN_LEAK: None,
        Cause.PORT_MISMATCH: False,
        Cause.NO_PEERS: True,
        Cause.INDEXERS_FAILING: False,
        Cause.IMPORT_BLOCKED: False,
        Cause.METADATA_DOWN: False,
        Cause.DISK_FULL: False,
        Cause.NOT_SCANNED: False,
    }


def test_not_applicable_causes_are_neither_checked_nor_unknown() -> None:
    """A stack without gluetun can be clear: its VPN causes do not apply."""
    no_vpn = replace(
        HEALTHY,
        vpn_running=None,
        vpn_leak=None,
        forwarded_port=None,
        not_applicable=frozenset({Cause.VPN_DOWN, Cause.VPN_LEAK, Cause.PORT_MISMATCH}),
    )
    assert diagnose(no_vpn).status is DiagnosisStatus.CLEAR


def test_no_enabled_indexer_is_a_cause() -> None:
    result = diagnose(replace(HEALTHY, indexers_enabled=0, indexers_failing=0))
    assert result.cause is Cause.INDEXERS_FAILING
    assert result.finding is not None
    assert "No indexer is enabled" in result.finding.text


def test_import_blocked_quotes_lidarr_without_its_urls() -> None:
    result = diagnose(replace(HEALTHY, **BROKEN[Cause.IMPORT_BLOCKED]))  # type: ignore[arg-type]
    assert result.finding is not None
    assert result.finding.text == (
        "Lidarr cannot import 1 finished download. It says: Has unmatched tracks, see."
    )


def test_disk_full_threshold() -> None:
    just_enough = replace(HEALTHY, free_disk={"/music": DISK_FULL_BYTES})
    assert diagnose(just_enough).status is DiagnosisStatus.CLEAR
    assert diagnose(just_enough, disk_full_bytes=DISK_FULL_BYTES + 1).cause is Cause.DISK_FULL


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("see https://example.org/a?b=c for more", "see for more"),
        ("open www.example.org now", "open now"),
        ("qbittorrent://magnet:x and http://[::1]:8080/", "and"),
        ("no link here.", "no link here."),
    ],
)
def test_spoken_removes_urls(text: str, said: str) -> None:
    assert spoken(text) == said


@pytest.mark.parametrize(
    ("source", "message", "problem", "outage"),
    [
        ("ServerSideNotificationService", "Lidarr's metadata server is down", True, True),
        ("ServerSideNotificationService", "Unable to communicate with LidarrAPI", True, True),
        ("ServerSideNotificationService", "Metadata server outage", False, False),
        ("ServerSideNotificationService", "Please update to the latest version", True, False),
        ("IndexerStatusCheck", "Indexer metadata unavailable", True, False),
    ],
)
def test_metadata_outage_is_a_server_notice_naming_the_metadata_server(
    source: str, message: str, problem: bool, outage: bool
) -> None:
    """Lidarr v2.14.5.4824 has no metadata health check: only the relayed server notice tells."""
    assert metadata_outage(source, message, problem=problem) is outage


def test_not_scanned_names_the_server_and_the_scan_action() -> None:
    result = diagnose(replace(HEALTHY, not_scanned={"Navidrome": 1}))
    assert result.finding is not None
    assert result.finding.text == (
        "Navidrome has not listed 1 imported album, and it is not scanning the library."
    )
    assert result.finding.action == "start_scan"
    assert "Start a library scan of Navidrome" in result.finding.fix
