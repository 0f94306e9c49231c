"""Every collector builds its client through the client library's one factory.

The exporter and Home Assistant then poll with identically built clients, and a collector
that logs in shares one login guard with its client: the qBittorrent client's memory of a
rejection and the exporter's back-off are the same object, so neither undoes the other.
"""

from __future__ import annotations

import pytest
from stepheybot_music_clients.factory import ClientSettings, make_client
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.stackfile import BackendConfig
from stepheybot_music_exporter.collectors import collector_class, make_collector
from stepheybot_music_exporter.config import CollectorOptions

OPTIONS = CollectorOptions(login_backoff=42, max_login_failures=2)


def backend(kind: BackendKind, **fields: str) -> BackendConfig:
    return BackendConfig(
        name=str(kind),
        kind=kind,
        url="http://127.0.0.1:9/",
        username="user",
        password="pw-Very-Secret-1",
        api_key="k" * 32,
        timeout=3.5,
        verify_ssl=False,
        **fields,
    )


@pytest.mark.parametrize("kind", list(BackendKind))
async def test_the_collector_builds_the_factory_s_client(kind: BackendKind) -> None:
    collector = make_collector(backend(kind), OPTIONS)
    try:
        client = collector.client()
        assert client is collector.client(), "one long-lived client"
        reference = make_client(
            kind, collector.session(), ClientSettings(url="http://127.0.0.1:9/")
        )
        assert type(client) is type(reference) is collector_class(kind).client_type
        assert client.timeout == 3.5
        assert client.verify_ssl is False
        assert "pw-Very-Secret-1" not in repr(client)
    finally:
        await collector.close()


@pytest.mark.parametrize(
    ("kind", "logs_in"),
    [
        (BackendKind.QBITTORRENT, True),
        (BackendKind.TRANSMISSION, True),
        (BackendKind.LIDARR, False),
        (BackendKind.NAVIDROME, False),
    ],
)
async def test_backends_that_log_in_have_a_guard_of_the_exporter_s_policy(
    kind: BackendKind, logs_in: bool
) -> None:
    collector = make_collector(backend(kind), OPTIONS)
    guard = collector.login_guard
    assert (guard is not None) is logs_in
    if guard is not None:
        assert guard.policy.backoff == 42
        assert guard.policy.max_failures == 2
    await collector.close()


async def test_jackett_logs_in_only_with_an_admin_password() -> None:
    with_password = make_collector(backend(BackendKind.JACKETT), OPTIONS)
    assert with_password.login_guard is not None
    without = make_collector(
        BackendConfig(name="jackett", kind=BackendKind.JACKETT, url="http://127.0.0.1:9/"),
        OPTIONS,
    )
    assert without.login_guard is None


async def test_qbittorrent_remembers_rejections_in_the_exporter_s_guard() -> None:
    collector = make_collector(backend(BackendKind.QBITTORRENT), OPTIONS)
    try:
        client = collector.client()
        assert client.login_guard is collector.login_guard  # type: ignore[attr-defined]
    finally:
        await collector.close()
