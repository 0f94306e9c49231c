"""Home Assistant and the exporter on real Transmission daemons that refuse them.

Three daemons of one version: one answers, one has rpc-whitelist without loopback, one was
locked by failed logins (anti-brute-force) before Home Assistant started. Home Assistant
raises the ``whitelist_refused`` and ``locked_out`` repair issues (each with its own fix) and
starts no reauthentication (the credentials it holds are right); the exporter reports
``reason="whitelist_refused"`` and ``reason="locked_out"``. Before the fix both 4.x refusals
were "not in rpc-whitelist" with a reauthentication flow.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from homeassistant.config_entries import SOURCE_REAUTH, ConfigSubentryData
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from stepheybot_music_clients.errors import InvalidAuthError, LockedOutError
from stepheybot_music_clients.transmission import TransmissionClient

from custom_components.stepheybot_music.const import DOMAIN
from tests.compat import REAL, compat
from tests.exporter.conftest import exporter_config, running_exporter
from tests.servers import transmission as trx
from tests.servers.transmission import transmission_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.real_server

NAMES = ("answers", "whitelist", "locked")
LOCK_AFTER = {"4": 2, "3.00": 100}


async def _lock(server: trx.TransmissionServer, threshold: int) -> None:
    """Fail logins (in this process, as a wrong password in a form would) until it locks."""
    async with aiohttp.ClientSession() as session:
        wrong = TransmissionClient(session, server.base_url, username="admin", password="wrong")
        for _ in range(threshold + 1):
            try:
                await wrong.probe()
            except InvalidAuthError:
                continue
            except LockedOutError:
                return
        raise AssertionError("the daemon did not lock")


def _subentry(name: str, server: trx.TransmissionServer) -> ConfigSubentryData:
    return ConfigSubentryData(
        data={
            CONF_URL: server.base_url,
            CONF_USERNAME: server.username,
            CONF_PASSWORD: server.password,
            CONF_VERIFY_SSL: True,
        },
        subentry_id=f"01SUBTRANSMISSION{name.upper():0<9}"[:26],
        subentry_type="transmission",
        title=f"Transmission {name}",
        unique_id=f"transmission_{server.base_url}",
    )


@compat("transmission", "4.1", proof=REAL, source="transmission-daemon 4.1.x (Debian sid)")
@compat("transmission", "3.00", proof=REAL, source="transmission-daemon 3.00 (Debian 12)")
@pytest.mark.parametrize("version", trx.VERSIONS)
async def test_lockout_and_whitelist_raise_their_own_issues_and_reasons(
    hass: HomeAssistant,
    transmission_server: Callable[..., trx.TransmissionServer],  # noqa: F811
    tmp_path: Path,
    version: str,
) -> None:
    threshold = LOCK_AFTER[version]
    servers = {
        "answers": transmission_server(version),
        "whitelist": transmission_server(version, whitelist="10.77.0.9"),
        "locked": transmission_server(version, anti_brute_force_threshold=threshold),
    }
    await _lock(servers["locked"], threshold)
    subentries = [_subentry(name, servers[name]) for name in NAMES]
    entry = MockConfigEntry(domain=DOMAIN, title="Refusals", data={}, subentries_data=subentries)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    ids = {name: sub["subentry_id"] for name, sub in zip(NAMES, subentries, strict=True)}
    issues = ir.async_get(hass)
    locked = issues.async_get_issue(DOMAIN, f"locked_out_{ids['locked']}")
    refused = issues.async_get_issue(DOMAIN, f"whitelist_refused_{ids['whitelist']}")
    assert locked is not None
    assert refused is not None
    assert locked.translation_placeholders == {
        "backend": "Transmission locked",
        "url": servers["locked"].base_url,
    }
    assert issues.async_get_issue(DOMAIN, f"whitelist_refused_{ids['locked']}") is None
    assert issues.async_get_issue(DOMAIN, f"locked_out_{ids['whitelist']}") is None
    assert issues.async_get_issue(DOMAIN, f"ip_banned_{ids['locked']}") is None
    # the credentials Home Assistant holds are right: nothing asks for new ones
    assert not [
        f
        for f in hass.config_entries.flow.async_progress()
        if f["context"].get("source") == SOURCE_REAUTH
    ]

    stack: dict[str, Any] = {
        "name": "refusals",
        "backends": [
            {
                "kind": "transmission",
                "name": f"transmission_{name}",
                "url": servers[name].base_url,
                "username": servers[name].username,
                "password": servers[name].password,
            }
            for name in NAMES
        ],
    }
    path = tmp_path / "stack.yaml"
    path.write_text(yaml.safe_dump(stack))
    async with running_exporter(exporter_config(path)) as exporter:
        scrape = await exporter.scrape()
    assert scrape.up("transmission_answers") == 1
    for name, reason in (("whitelist", "whitelist_refused"), ("locked", "locked_out")):
        backend = f"transmission_{name}"
        assert scrape.up(backend) == 0
        assert (
            scrape.value("stepheybot_music_backend_failure", backend=backend, reason=reason) == 1
        ), scrape.text
    assert await hass.config_entries.async_unload(entry.entry_id)
