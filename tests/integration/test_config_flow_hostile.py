"""Hostile and malformed input in every form: a clear, translated error, never a crash.

Add and reconfigure a backend, reauthenticate one, name and rename the stack: URLs that are
malformed, of the wrong scheme, huge, with control or bidi characters or with credentials;
names and credentials that are huge, unicode or hold control characters.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stepheybot_music.const import CONF_NAME, CONF_SUBENTRY_ID, DOMAIN
from simulator import Simulator

from .conftest import ENTRY_ID, STACK_TITLE, stack_entry, subentry_id
from .helpers import form_input, text

HUGE = 100_000
BAD_URLS = {
    "empty": "",
    "blank": "   ",
    "no scheme": "127.0.0.1:8686",
    "words": "not a url",
    "ftp": "ftp://127.0.0.1:21",
    "javascript": "javascript:alert(1)",
    "file": "file:///etc/passwd",
    "no host": "http://",
    "port only": "http://:8080",
    "open bracket": "http://[::1",
    "port too big": "http://127.0.0.1:99999",
    "negative port": "http://127.0.0.1:-1",
    "space in host": "http://ho st:8686",
    "newline inside": "http://127.0.0.1\n:8686",
    "nul in path": "http://127.0.0.1:8686/\x00",
    "bidi override": "http://\u202e127.0.0.1:8686",
    "huge path": "http://127.0.0.1:8686/" + "a" * HUGE,
    "huge text": "h" * HUGE,
}
CREDENTIALS_IN_URL = {
    "user and password": "http://admin:s3cret@127.0.0.1:{port}",
    "user only": "http://admin@127.0.0.1:{port}",
    "https": "https://admin:s3cret@127.0.0.1:{port}",
}
BAD_NAMES = {
    "huge": "n" * HUGE,
    "nul": "Lidarr\x00",
    "newline": "Li\ndarr",
    "escape": "\x1b[31mred",
    "bidi": "\u202eradiL",
}
BAD_CREDENTIALS = {
    "newline": "pass\nword",
    "header injection": "p\r\nX-Injected: 1",
    "nul": "k\x00",
    "tab": "pass\tword",
    "huge": "p" * HUGE,
    "bidi": "\u202esecret",
}
KIND_OF_CREDENTIAL = {
    CONF_USERNAME: "transmission",
    CONF_PASSWORD: "qbittorrent",
    CONF_API_KEY: "lidarr",
}


@pytest.fixture(autouse=True)
def _no_unexpected_error(caplog: pytest.LogCaptureFixture) -> Any:
    """Nothing in these tests may end as "Unexpected error" (a crash in the flow)."""
    yield
    crashes = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [m for m in crashes if "nexpected" in m], crashes


async def _stack(hass: HomeAssistant, sim: Simulator, names: list[str]) -> MockConfigEntry:
    entry = stack_entry(sim, names)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


async def _add(hass: HomeAssistant, kind: str, user_input: dict[str, Any]) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (ENTRY_ID, kind), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)
    await hass.async_block_till_done()
    return dict(result)


async def _reconfigure(
    hass: HomeAssistant, kind: str, user_input: dict[str, Any]
) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (ENTRY_ID, kind),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id(kind)},
    )
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)
    await hass.async_block_till_done()
    return dict(result)


def _message(kind: str, result: dict[str, Any], field: str) -> str:
    """The translated text of the error on ``field``: it must exist and be filled in."""
    assert result["type"] is FlowResultType.FORM, result
    key = result["errors"][field]
    message = text(
        "config_subentries", kind, "error", key, **result.get("description_placeholders") or {}
    )
    assert message
    assert "{" not in message
    return message


@pytest.mark.parametrize("url", BAD_URLS.values(), ids=BAD_URLS.keys())
async def test_bad_urls_are_refused_when_adding_and_reconfiguring(
    hass: HomeAssistant, sim: Simulator, url: str
) -> None:
    await _stack(hass, sim, ["lidarr"])
    for flow in (_add, _reconfigure):
        result = await flow(hass, "lidarr", form_input(sim, "lidarr", url=url))
        assert result["errors"] == {CONF_URL: "invalid_url"}, flow.__name__
        assert _message("lidarr", result, CONF_URL).startswith("This is not a valid URL.")
    # nothing was saved: the backend keeps its URL
    entry = hass.config_entries.async_get_entry(ENTRY_ID)
    assert entry is not None
    assert entry.subentries[subentry_id("lidarr")].data[CONF_URL] == sim.url("lidarr")


@pytest.mark.parametrize("url", CREDENTIALS_IN_URL.values(), ids=CREDENTIALS_IN_URL.keys())
async def test_urls_with_credentials_are_refused(
    hass: HomeAssistant, sim: Simulator, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await _stack(hass, sim, ["qbittorrent"])
    hostile = url.format(port=sim.spec("qbittorrent").port)
    for flow in (_add, _reconfigure):
        result = await flow(hass, "qbittorrent", form_input(sim, "qbittorrent", url=hostile))
        assert result["errors"] == {CONF_URL: "url_credentials"}, flow.__name__
        assert _message("qbittorrent", result, CONF_URL).startswith(
            "Remove the user name and password from the URL"
        )
    assert "s3cret" not in caplog.text


async def test_docker_socket_urls(hass: HomeAssistant, sim: Simulator) -> None:
    await _stack(hass, sim, ["gluetun"])
    for url in ("unix:", "unix://", "unix:///var/run/\ndocker.sock", "/" + "d" * HUGE):
        result = await _add(hass, "docker", form_input(sim, "docker", url=url))
        assert result["errors"] == {CONF_URL: "invalid_url"}, repr(url[:30])
        _message("docker", result, CONF_URL)


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
async def test_bad_backend_names(hass: HomeAssistant, sim: Simulator, name: str) -> None:
    await _stack(hass, sim, ["lidarr"])
    for flow in (_add, _reconfigure):
        result = await flow(hass, "lidarr", form_input(sim, "lidarr", **{CONF_NAME: name}))
        assert result["errors"] == {CONF_NAME: "invalid_name"}, flow.__name__
        assert _message("lidarr", result, CONF_NAME).startswith("Use a name of at most 100")


async def test_unicode_names_and_paths_are_fine(hass: HomeAssistant, sim: Simulator) -> None:
    await _stack(hass, sim, ["gluetun"])
    name = "Lïdärr 音楽 🎵"
    result = await _add(hass, "lidarr", form_input(sim, "lidarr", **{CONF_NAME: name}))
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    assert result["title"] == name
    # a unicode URL base reaches the server (which has nothing there): a clear error
    url = sim.url("gluetun") + "/ünïcödé"
    result = await _add(hass, "prowlarr", form_input(sim, "gluetun", url=url))
    assert result["type"] is FlowResultType.FORM
    assert "base" in result["errors"]
    _message("prowlarr", result, "base")


@pytest.mark.parametrize("value", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
@pytest.mark.parametrize("field", KIND_OF_CREDENTIAL)
async def test_bad_credentials_are_refused_before_anything_is_sent(
    hass: HomeAssistant, sim: Simulator, field: str, value: str
) -> None:
    kind = KIND_OF_CREDENTIAL[field]
    await _stack(hass, sim, [kind])
    # another URL for the same server, so adding it is not a duplicate (nothing is sent)
    other_url = sim.url(kind).replace("127.0.0.1", "localhost")
    for flow, url in ((_add, other_url), (_reconfigure, sim.url(kind))):
        result = await flow(hass, kind, form_input(sim, kind, **{field: value, CONF_URL: url}))
        assert result["errors"] == {field: "invalid_credential"}, flow.__name__
        assert _message(kind, result, field).startswith("This cannot be right")


@pytest.mark.parametrize("value", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
async def test_reauth_refuses_bad_credentials(
    hass: HomeAssistant, sim: Simulator, value: str
) -> None:
    entry = await _stack(hass, sim, ["transmission"])
    entry.async_start_reauth(hass, data={CONF_SUBENTRY_ID: subentry_id("transmission")})
    await hass.async_block_till_done()
    (flow,) = entry.async_get_active_flows(hass, {"reauth"})
    good = form_input(sim, "transmission")
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_USERNAME: good[CONF_USERNAME], CONF_PASSWORD: value}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PASSWORD: "invalid_credential"}
    assert text("config", "error", "invalid_credential").startswith("This cannot be right")
    # the right ones still work afterwards
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_USERNAME: good[CONF_USERNAME], CONF_PASSWORD: good[CONF_PASSWORD]}
    )
    assert result["reason"] == "reauth_successful"


@pytest.mark.parametrize(
    "name", [*BAD_NAMES.values(), "", " \t "], ids=[*BAD_NAMES, "empty", "blank"]
)
async def test_bad_stack_names(hass: HomeAssistant, name: str) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: name})
    key = "empty_name" if not name.strip() else "invalid_name"
    assert result["errors"] == {CONF_NAME: key}
    assert text("config", "error", key)

    entry = MockConfigEntry(domain=DOMAIN, title=STACK_TITLE, entry_id=ENTRY_ID, data={})
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: name})
    assert result["errors"] == {CONF_NAME: key}
    assert entry.title == STACK_TITLE
