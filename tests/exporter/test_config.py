"""Command line, environment and stack file: what the exporter accepts and what it says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from stepheybot_music_exporter.__main__ import main
from stepheybot_music_exporter.config import ConfigError, load_config, parse_listen

STACK = """\
name: home
backends:
  - kind: navidrome
    url: http://127.0.0.1:4533
    username: admin
    password: nd-secret
  - kind: qbittorrent
    url: http://127.0.0.1:8080
    username: admin
    password_file: qb-password
"""


@pytest.fixture
def stack_path(tmp_path: Path) -> Path:
    (tmp_path / "qb-password").write_text("qb-secret\n")
    path = tmp_path / "stack.yaml"
    path.write_text(STACK)
    return path


def test_defaults(stack_path: Path) -> None:
    config = load_config(["--config", str(stack_path)], {})
    assert (config.listen_host, config.listen_port) == (None, 10089)
    assert config.scrape_timeout == 10
    assert config.options.per_torrent is False
    assert config.options.login_backoff == 300
    assert config.options.max_login_failures == 3
    assert config.basic_auth_username == ""
    assert config.tls_cert_file is None
    assert config.default_stack.name == "home"
    assert config.default_stack.backend("qbittorrent").password == "qb-secret"
    assert "qb-secret" not in repr(config)


def test_environment_overrides_defaults_and_the_stack_file(
    stack_path: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "basic"
    secret.write_text("hunter2\n")
    env = {
        "STEPHEYBOT_MUSIC_EXPORTER_CONFIG": str(stack_path),
        "STEPHEYBOT_MUSIC_EXPORTER_LISTEN": "127.0.0.1:9999",
        "STEPHEYBOT_MUSIC_EXPORTER_SCRAPE_TIMEOUT": "20",
        "STEPHEYBOT_MUSIC_EXPORTER_PER_TORRENT": "true",
        "STEPHEYBOT_MUSIC_EXPORTER_LOGIN_BACKOFF": "60",
        "STEPHEYBOT_MUSIC_EXPORTER_MAX_LOGIN_FAILURES": "2",
        "STEPHEYBOT_MUSIC_EXPORTER_BASIC_AUTH_USERNAME": "prom",
        "STEPHEYBOT_MUSIC_EXPORTER_BASIC_AUTH_PASSWORD_FILE": str(secret),
        "STEPHEYBOT_MUSIC_EXPORTER_LOG_LEVEL": "debug",
        "STEPHEYBOT_NAVIDROME_PASSWORD": "from-env",
    }
    config = load_config([], env)
    assert (config.listen_host, config.listen_port) == ("127.0.0.1", 9999)
    assert config.scrape_timeout == 20
    assert config.options.per_torrent is True
    assert config.options.login_backoff == 60
    assert config.options.max_login_failures == 2
    assert (config.basic_auth_username, config.basic_auth_password) == ("prom", "hunter2")
    assert config.log_level == "DEBUG"
    assert config.default_stack.backend("navidrome").password == "from-env"
    assert "hunter2" not in repr(config)

    flags = load_config(["--listen", "[::1]:8000", "--scrape-timeout", "5"], env)
    assert (flags.listen_host, flags.listen_port) == ("::1", 8000)
    assert flags.scrape_timeout == 5


def test_basic_auth_password_from_environment(stack_path: Path) -> None:
    env = {
        "STEPHEYBOT_MUSIC_EXPORTER_BASIC_AUTH_USERNAME": "prom",
        "STEPHEYBOT_MUSIC_EXPORTER_BASIC_AUTH_PASSWORD": "inline",
    }
    config = load_config(["--config", str(stack_path)], env)
    assert config.basic_auth_password == "inline"


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            [],
            {},
            "No stack file given. Pass --config PATH or set STEPHEYBOT_MUSIC_EXPORTER_CONFIG "
            "(the simulator writes one with scripts/simulate).",
        ),
        (
            ["--listen", "localhost"],
            {},
            "--listen 'localhost' is not ADDR:PORT; use for example ':10089' or '127.0.0.1:10089'.",
        ),
        (
            ["--listen", ":70000"],
            {},
            "--listen ':70000' is not ADDR:PORT; use for example ':10089' or '127.0.0.1:10089'.",
        ),
        (
            ["--max-login-failures", "5"],
            {},
            "--max-login-failures must be between 1 and 4, not 5.",
        ),
        (
            [],
            {"STEPHEYBOT_MUSIC_EXPORTER_SCRAPE_TIMEOUT": "soon"},
            "--scrape-timeout must be a number, not 'soon'.",
        ),
        (
            [],
            {"STEPHEYBOT_MUSIC_EXPORTER_PER_TORRENT": "maybe"},
            "PER_TORRENT must be true or false, not 'maybe'.",
        ),
        (
            ["--log-level", "chatty"],
            {},
            "--log-level must be one of DEBUG, INFO, WARNING, ERROR, not 'CHATTY'.",
        ),
        (
            ["--basic-auth-username", "prom"],
            {},
            "Basic auth needs both a user name (--basic-auth-username) and a password "
            "(--basic-auth-password-file or STEPHEYBOT_MUSIC_EXPORTER_BASIC_AUTH_PASSWORD).",
        ),
        (
            ["--basic-auth-username", "prom", "--basic-auth-password-file", "/nonexistent/pw"],
            {},
            "Cannot read the basic auth password file /nonexistent/pw: No such file or directory.",
        ),
        (
            ["--tls-cert-file", "/nonexistent/cert.pem"],
            {},
            "TLS needs both --tls-cert-file and --tls-key-file.",
        ),
        (
            ["--tls-cert-file", "/nonexistent/cert.pem", "--tls-key-file", "/nonexistent/key"],
            {},
            "--tls-cert-file /nonexistent/cert.pem does not exist or is not a file.",
        ),
    ],
)
def test_invalid_options(
    stack_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    no_config = message.startswith("No stack file")
    argv = args if no_config else ["--config", str(stack_path), *args]
    with pytest.raises(ConfigError) as caught:
        load_config(argv, env)
    assert caught.value.message == message


def test_two_navidromes_in_one_stack_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(
        "name: home\nbackends:\n"
        "  - {kind: navidrome, url: 'http://a:4533', username: u, password: p}\n"
        "  - {kind: navidrome, name: second, url: 'http://b:4533', username: u, password: p}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(["--config", str(path)], {})
    assert caught.value.message == (
        "Stack 'home' has 2 navidrome backends (navidrome, second); the exporter exports one "
        "navidrome per stack. Put the others in stacks of their own and scrape them with "
        "/probe?target=."
    )


def test_two_download_clients_in_one_stack_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(
        "name: home\nbackends:\n"
        "  - {kind: qbittorrent, url: 'http://a:8080', username: u, password: p}\n"
        "  - {kind: qbittorrent, name: seedbox, url: 'http://b:8080', username: u, password: p}\n"
        "  - {kind: transmission, url: 'http://c:9091'}\n"
    )
    config = load_config(["--config", str(path)], {})
    assert [b.name for b in config.default_stack.backends] == [
        "qbittorrent",
        "seedbox",
        "transmission",
    ]


def test_parse_listen() -> None:
    assert parse_listen(":10089") == (None, 10089)
    assert parse_listen("0.0.0.0:1") == ("0.0.0.0", 1)  # noqa: S104
    assert parse_listen("[::]:10089") == ("::", 10089)


def test_main_reports_errors_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--config", str(tmp_path / "missing.yaml")])
    assert caught.value.code == 2
    assert capsys.readouterr().err == (
        f"stepheybot-music-exporter: Cannot read the stack file {tmp_path / 'missing.yaml'}: "
        "No such file or directory.\n"
    )


def test_help_documents_every_option_and_its_variable() -> None:
    script = Path(sys.executable).parent / "stepheybot-music-exporter"
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, check=True, timeout=60
    )
    text = " ".join(result.stdout.split())
    for option in (
        "config",
        "listen",
        "scrape-timeout",
        "per-torrent",
        "login-backoff",
        "max-login-failures",
        "basic-auth-username",
        "basic-auth-password-file",
        "tls-cert-file",
        "tls-key-file",
        "log-level",
    ):
        assert f"--{option}" in text
        assert f"STEPHEYBOT_MUSIC_EXPORTER_{option.upper().replace('-', '_')}" in text
    assert "/probe?target=STACK" in text
    assert "/healthz" in text
    assert "STEPHEYBOT_<BACKEND>_<FIELD>" in text
