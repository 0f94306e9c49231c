"""The stack file: one format for the exporter's configuration and the simulator's output."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.stackfile import (
    BackendConfig,
    StackConfig,
    StackFileError,
    dump_stack_file,
    load_stack_file,
    parse_stacks,
)


def test_round_trip_is_private(tmp_path: Path) -> None:
    stack = StackConfig(
        name="home",
        backends=(
            BackendConfig(
                name="qb",
                kind=BackendKind.QBITTORRENT,
                url="http://127.0.0.1:8080",
                username="admin",
                password="s3cret",
                category="tunes",
            ),
            BackendConfig(
                name="docker",
                kind=BackendKind.DOCKER,
                url="unix:///var/run/docker.sock",
                containers=("lidarr", "navidrome"),
                timeout=3,
                verify_ssl=False,
            ),
        ),
    )
    path = tmp_path / "stack.yaml"
    dump_stack_file([stack], path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_stack_file(path, env={}) == [stack]
    assert stack.backend("qb").password == "s3cret"
    assert "s3cret" not in repr(stack)
    assert stack.to_dict(include_secrets=False)["backends"][0]["password"] == "**REDACTED**"
    with pytest.raises(KeyError):
        stack.backend("nope")


def test_multi_stack_files_secrets_and_env(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("from-file\n")
    path = tmp_path / "stacks.yaml"
    path.write_text(
        """
stacks:
  - name: home
    backends:
      - kind: lidarr
        url: http://lidarr:8686
        api_key_file: key
  - name: cabin
    backends:
      - kind: lidarr
        url: http://cabin:8686
        api_key: inline
      - name: qb-main
        kind: qbittorrent
        url: http://cabin:8080
"""
    )
    stacks = load_stack_file(
        path,
        env={
            "STEPHEYBOT_CABIN_QB_MAIN_PASSWORD": "env-pass",
            "STEPHEYBOT_CABIN_QB_MAIN_TIMEOUT": "2.5",
            "STEPHEYBOT_CABIN_QB_MAIN_VERIFY_SSL": "no",
            "STEPHEYBOT_HOME_LIDARR_URL": "http://other:8686",
        },
    )
    home, cabin = stacks
    assert home.backend("lidarr").api_key == "from-file"
    assert home.backend("lidarr").url == "http://other:8686"
    qb = cabin.backend("qb-main")
    assert (qb.password, qb.timeout, qb.verify_ssl) == ("env-pass", 2.5, False)
    assert cabin.backend("lidarr").api_key == "inline"


def test_single_stack_env_override_of_secret_file(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("rotated")
    stacks = parse_stacks(
        {"backends": [{"kind": "navidrome", "url": "http://nd:4533", "username": "u"}]},
        env={
            "STEPHEYBOT_NAVIDROME_PASSWORD_FILE": str(secret),
            "STEPHEYBOT_NAVIDROME_CONTAINERS": "a, b",
        },
    )
    assert stacks[0].name == "default"
    assert stacks[0].backends[0].password == "rotated"
    assert stacks[0].backends[0].containers == ("a", "b")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be a mapping"),
        ({"stacks": []}, "non-empty list"),
        ({"stacks": ["x"]}, "must be a mapping"),
        ({"backends": []}, "'backends' must be a non-empty list"),
        ({"backends": ["x"]}, "at least 'kind' and 'url'"),
        ({"backends": [{"kind": "plex", "url": "http://x"}]}, "'kind' must be one of"),
        ({"backends": [{"kind": "lidarr"}]}, "needs a 'url'"),
        (
            {"backends": [{"kind": "lidarr", "url": "http://x", "apikey": "k"}]},
            "unknown keys: apikey",
        ),
        (
            {"backends": [{"kind": "lidarr", "url": "http://x", "timeout": "soon"}]},
            "number of seconds",
        ),
        ({"backends": [{"kind": "lidarr", "url": "http://x", "timeout": 0}]}, "between 0 and 300"),
        (
            {"backends": [{"kind": "lidarr", "url": "http://x", "verify_ssl": "maybe"}]},
            "true or false",
        ),
        (
            {"backends": [{"kind": "docker", "url": "unix:///x", "containers": "a"}]},
            "list of container",
        ),
        (
            {
                "backends": [
                    {"kind": "lidarr", "url": "http://a"},
                    {"kind": "lidarr", "url": "http://b"},
                ]
            },
            "two backends called 'lidarr'",
        ),
        (
            {"stacks": [{"name": "a", "backends": [{"kind": "lidarr", "url": "http://a"}]}] * 2},
            "Two stacks are called 'a'",
        ),
        (
            {"backends": [{"kind": "lidarr", "url": "http://x", "api_key_file": "/nonexistent/k"}]},
            "cannot read api_key_file",
        ),
    ],
)
def test_invalid_stack_files(data: object, message: str) -> None:
    with pytest.raises(StackFileError, match=message):
        parse_stacks(data, env={})


def test_bad_env_and_unreadable_files(tmp_path: Path) -> None:
    data = {"backends": [{"kind": "lidarr", "url": "http://x"}]}
    with pytest.raises(StackFileError, match="STEPHEYBOT_LIDARR_TIMEOUT"):
        parse_stacks(data, env={"STEPHEYBOT_LIDARR_TIMEOUT": "x"})
    with pytest.raises(StackFileError, match="STEPHEYBOT_LIDARR_API_KEY_FILE"):
        parse_stacks(data, env={"STEPHEYBOT_LIDARR_API_KEY_FILE": str(tmp_path / "none")})
    with pytest.raises(StackFileError, match="Cannot read the stack file"):
        load_stack_file(tmp_path / "missing.yaml", env={})
    bad = tmp_path / "bad.yaml"
    bad.write_text("backends: [unclosed")
    with pytest.raises(StackFileError, match="not valid YAML"):
        load_stack_file(bad, env={})


def test_messages_name_the_file_stack_backend_and_field(tmp_path: Path) -> None:
    """Every problem of a mapping at once, each with where it is and what is allowed."""
    path = tmp_path / "stacks.yaml"
    path.write_text(
        """
stacks:
  - name: home
    backends:
      - kind: lidarr
        url: http://lidarr:8686
  - name: cabin
    backends:
      - kind: lidarr
        url: http://cabin:8686
      - name: seedbox
        kind: qbittorrent
        url: http://cabin:8080
        timeout: 900
        verify_ssl: maybe
"""
    )
    with pytest.raises(StackFileError) as caught:
        load_stack_file(path, env={})
    where = f"{path}: stack 'cabin', backend #2 'seedbox' (qbittorrent)"
    assert caught.value.message.splitlines() == [
        f"{where}: 'timeout' must be a number of seconds between 0 and 300 (0 excluded), not 900.",
        f"{where}: 'verify_ssl' must be true or false, not 'maybe'.",
    ]


@pytest.mark.parametrize(
    ("backend", "message"),
    [
        (
            {"kind": "lidarr", "url": "http://x", "apikey": "k"},
            "stack 'default', backend #1 (lidarr) has unknown keys: apikey (did you mean "
            "api_key?); allowed: api_key, api_key_file, category, containers, kind, "
            "music_folders, name, password, password_file, timeout, url, username, verify_ssl.",
        ),
        (
            {"kind": "plex", "url": "http://x"},
            "stack 'default', backend #1 (plex): 'kind' must be one of music_brain, navidrome, "
            "lidarr, qbittorrent, transmission, jackett, prowlarr, gluetun, docker.",
        ),
        (
            {"kind": "lidarr", "url": ""},
            "stack 'default', backend #1 (lidarr): 'url' must be its address, "
            "e.g. http://10.0.0.2:8686.",
        ),
        (
            {"kind": "transmission", "url": "http://x", "music_folders": ["hot_downloads"]},
            "stack 'default', backend #1 (transmission): 'music_folders' must be a list of "
            "absolute folders, e.g. [/hot_downloads] ([] for none).",
        ),
        (
            {"name": "box", "kind": "docker", "url": "unix:///x", "containers": "lidarr"},
            "stack 'default', backend #1 'box' (docker): 'containers' must be a list of "
            "container names.",
        ),
    ],
)
def test_single_problems_read_in_full(backend: dict[str, object], message: str) -> None:
    with pytest.raises(StackFileError) as caught:
        parse_stacks({"backends": [backend]}, env={}, source="stack.yaml")
    assert caught.value.message == f"stack.yaml: {message}"


def test_null_means_not_given_and_inline_secrets_win(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("from-file")
    (stack,) = parse_stacks(
        {
            "name": None,
            "backends": [
                {
                    "kind": "qbittorrent",
                    "url": "http://qb:8080",
                    "name": None,
                    "password": None,
                    "timeout": None,
                    "category": None,
                },
                {"kind": "navidrome", "url": "http://nd:4533", "password_file": "pw"},
                {
                    "kind": "lidarr",
                    "url": "http://lidarr:8686",
                    "password": 1234,
                    "password_file": "pw",
                },
            ],
        },
        env={},
        base=tmp_path,
    )
    assert stack.name == "default"
    qb = stack.backend("qbittorrent")
    assert (qb.password, qb.timeout, qb.category) == ("", 10.0, "music")
    assert stack.backend("navidrome").password == "from-file"
    assert stack.backend("lidarr").password == "1234"


def test_music_folders_default_to_the_brains_and_may_be_none(tmp_path: Path) -> None:
    (stack,) = parse_stacks(
        {
            "backends": [
                {"kind": "transmission", "url": "http://tr:9091"},
                {
                    "name": "none",
                    "kind": "transmission",
                    "url": "http://t2:9091",
                    "music_folders": [],
                },
                {"name": "env", "kind": "qbittorrent", "url": "http://qb:8080"},
            ]
        },
        env={"STEPHEYBOT_ENV_MUSIC_FOLDERS": "/music, /downloads/music"},
    )
    assert stack.backend("transmission").music_folders == ("/hot_downloads",)
    assert stack.backend("none").music_folders == ()
    assert stack.backend("env").music_folders == ("/music", "/downloads/music")
    assert "music_folders" not in stack.backend("transmission").to_dict()
    assert stack.backend("none").to_dict()["music_folders"] == []
