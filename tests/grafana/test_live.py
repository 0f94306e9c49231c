"""Live proof: simulator -> exporter -> a real Prometheus 3.x; every dashboard query and the rules.

The simulator (``python -m simulator``: ``async with Simulator(seed, speed)`` plus
``write_stack_file``), the exporter (its command line) and Prometheus (from the toolbox)
run as subprocesses, so the simulated stack keeps running between tests, and are stopped
by PID. Prometheus scrapes the
exporter with the scrape configs of ``grafana/prometheus.example.yml`` (only addresses and
intervals changed): ``/metrics`` for the simulated stack and ``/probe?target=`` for it and
for an "offline" stack whose only backend nobody answers for. Every panel query is then
evaluated with the dashboard variables resolved the way Grafana does it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import pytest_socket
import yaml
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.stackfile import (
    BackendConfig,
    StackConfig,
    dump_stack_file,
    load_stack_file,
)

from tests.loopback import free_port

from .dashboards import (
    EXAMPLE_CONFIG,
    REPO,
    RULES,
    Target,
    dashboard_files,
    load,
    parse_label_values,
    targets,
)

pytestmark = [pytest.mark.real_server, pytest.mark.asyncio(loop_scope="module")]

SCRAPE_SECONDS = 2
SCRAPE_INTERVAL = f"{SCRAPE_SECONDS}s"
RATE_INTERVAL = "1m"
"""What ``$__rate_interval`` becomes (Grafana: 4 x the scrape interval at least)."""
MIN_SCRAPES = 4
STARTUP_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0
SIMULATOR_SEED = 7
SIMULATOR_SPEED = 10
SINGLE_JOB = "stepheybot-music"
PROBE_JOB = "stepheybot-music-stacks"
OFFLINE = "offline"

DASHBOARDS = {path.name: load(path) for path in dashboard_files()}
TARGETS = [t for name, dashboard in DASHBOARDS.items() for t in targets(name, dashboard)]


@dataclass
class Live:
    """The running pipeline."""

    prometheus: str
    """Prometheus's base URL."""
    exporter: str
    """The exporter's ``host:port``."""
    stack: str
    """The simulated stack's name."""
    session: aiohttp.ClientSession
    variables: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """Dashboard file -> variable -> the values Prometheus offers for it."""
    at: float | None = None
    """Evaluation time of the checks: a moment at which every backend was up."""

    async def api(self, path: str, **params: str) -> Any:
        """GET a Prometheus API path; the ``data`` of a successful answer."""
        async with self.session.get(f"{self.prometheus}{path}", params=params) as response:
            body = await response.json()
        assert body.get("status") == "success", f"{path} {params}: {body}"
        return body["data"]

    async def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        """Evaluate an instant query (at ``at``, else :attr:`at`, else now)."""
        when = at if at is not None else self.at
        params = {"query": expr} if when is None else {"query": expr, "time": f"{when:.3f}"}
        data = await self.api("/api/v1/query", **params)
        result = data["result"]
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": result}]
        assert isinstance(result, list)
        return result


# ------------------------------------------------------------------ Grafana's substitution
def regex_escape(value: str) -> str:
    """A label value escaped for a regex inside a PromQL string, as Grafana does it."""
    return re.sub(r"([\\^$*+?.()|{}\[\]'])", r"\\\\\1", value)


def substitute(expr: str, values: dict[str, list[str]]) -> str:
    """Replace ``$var``/``${var}`` like Grafana: one value as is, several as ``(a|b)``."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name == "__rate_interval":
            return RATE_INTERVAL
        chosen = [regex_escape(v) for v in values[name]]
        return chosen[0] if len(chosen) == 1 else "(" + "|".join(chosen) + ")"

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", replace, expr)


async def test_substitute_escapes_like_grafana() -> None:
    values = {"instance": ["127.0.0.1:9"], "job": ["a", "b-c"]}
    expr = 'x{job=~"$job", instance=~"${instance}"}[$__rate_interval]'
    assert substitute(expr, values) == r'x{job=~"(a|b-c)", instance=~"127\\.0\\.0\\.1:9"}[1m]'


# ------------------------------------------------------------------ the pipeline
def prometheus_config(exporter: str, stack: str) -> dict[str, Any]:
    """The example config with this test's addresses, targets and intervals."""
    config: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    config["global"] = {
        "scrape_interval": SCRAPE_INTERVAL,
        "scrape_timeout": SCRAPE_INTERVAL,
        "evaluation_interval": "1s",
    }
    config["rule_files"] = [str(RULES)]
    single, probe = config["scrape_configs"]
    assert single["job_name"] == SINGLE_JOB
    assert "stack" in single["static_configs"][0]["labels"]
    single["static_configs"] = [{"targets": [exporter], "labels": {"stack": stack}}]
    assert probe["job_name"] == PROBE_JOB
    assert probe["metrics_path"] == "/probe"
    probe["static_configs"] = [{"targets": [stack, OFFLINE]}]
    (address,) = [r for r in probe["relabel_configs"] if r.get("target_label") == "__address__"]
    address["replacement"] = exporter
    return config


async def _wait_http(session: aiohttp.ClientSession, url: str, what: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(url) as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.2)
    pytest.fail(f"{what} did not come up at {url}:\n{log.read_text(errors='replace')[-3000:]}")


async def _wait_log(log: Path, text: str, what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        await asyncio.sleep(0.2)
    pytest.fail(f"{what} did not start:\n{log.read_text(errors='replace')[-3000:]}")


async def _start(command: list[str], log: Path) -> asyncio.subprocess.Process:
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            *command,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            cwd=REPO,
        )


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()


async def _wait_for_scrapes_and_rules(live: Live) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    scrapes = f'count_over_time(up{{job=~"{SINGLE_JOB}|{PROBE_JOB}"}}[5m]) >= {MIN_SCRAPES}'
    while time.monotonic() < deadline:
        ready = len(await live.query(scrapes)) == 3
        groups = (await live.api("/api/v1/rules"))["groups"]
        evaluated = groups and all(
            not rule["lastEvaluation"].startswith("0001-")
            for group in groups
            for rule in group["rules"]
        )
        if ready and evaluated:
            return
        await asyncio.sleep(0.5)
    pytest.fail("Prometheus did not scrape the exporter and evaluate the rules in time")


async def _pick_healthy_moment(live: Live) -> None:
    """Fix :attr:`Live.at` to a moment when every target and simulated backend was up.

    A scrape in which a backend timed out (a loaded machine) marks its series stale; the
    checks evaluate at a fixed good moment so they never depend on one unlucky scrape.
    """
    deadline = time.monotonic() + STARTUP_TIMEOUT
    checks = (
        f'min(up{{job=~"{SINGLE_JOB}|{PROBE_JOB}"}})',
        f'min(stepheybot_music_backend_up{{stack="{live.stack}"}})',
    )
    while time.monotonic() < deadline:
        # Old enough that every scrape started before it has been stored.
        moment = time.time() - SCRAPE_SECONDS - 1
        values = [await live.query(check, at=moment) for check in checks]
        if all(v and float(v[0]["value"][1]) == 1 for v in values):
            live.at = moment
            return
        await asyncio.sleep(1)
    pytest.fail("no scrape had every simulated backend up")


async def _resolve_variables(live: Live) -> None:
    """Resolve each dashboard's query variables in order, as Grafana does."""
    for name, dashboard in DASHBOARDS.items():
        values: dict[str, list[str]] = {}
        for variable in dashboard["templating"]["list"]:
            if variable["type"] != "query":
                continue
            selector, label = parse_label_values(variable["query"])
            assert live.at is not None
            found = await live.api(
                f"/api/v1/label/{label}/values",
                **{
                    "match[]": substitute(selector, values),
                    "start": f"{live.at - 60:.3f}",
                    "end": f"{live.at:.3f}",
                },
            )
            assert found, f"{name}: ${variable['name']} has no values"
            values[variable["name"]] = sorted(found)
        live.variables[name] = values


def _with_offline_stack(simulated: Path, out: Path) -> str:
    """Write the simulator's stack plus an "offline" one; the simulated stack's name."""
    (stack,) = load_stack_file(simulated, {})
    offline = StackConfig(
        name=OFFLINE,
        backends=(
            BackendConfig(
                name="navidrome",
                kind=BackendKind.NAVIDROME,
                url=f"http://127.0.0.1:{free_port()}",
                username="admin",
                password="nobody-listens",
            ),
        ),
    )
    dump_stack_file([stack, offline], out)
    return stack.name


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Live]:
    """Simulator, exporter and Prometheus, running until the module's tests are done."""
    # Module fixtures run before the per-test fixture that lifts Home Assistant's socket
    # block; everything here talks to 127.0.0.1 only.
    pytest_socket.enable_socket()
    prometheus_binary = shutil.which("prometheus")
    assert prometheus_binary is not None, "prometheus is not on PATH: run inside the toolbox"
    work = tmp_path_factory.mktemp("grafana-live")
    processes: list[asyncio.subprocess.Process] = []
    async with aiohttp.ClientSession() as session:
        try:
            simulated_file, simulator_log = work / "simulated.yaml", work / "simulator.log"
            processes.append(
                await _start(
                    [
                        sys.executable,
                        "-m",
                        "simulator",
                        f"--seed={SIMULATOR_SEED}",
                        f"--speed={SIMULATOR_SPEED}",
                        f"--stack-file={simulated_file}",
                    ],
                    simulator_log,
                )
            )
            await _wait_log(simulator_log, "stack file:", "the simulator")
            stack_file = work / "stack.yaml"
            stack = _with_offline_stack(simulated_file, stack_file)

            exporter = f"127.0.0.1:{free_port()}"
            exporter_log = work / "exporter.log"
            processes.append(
                await _start(
                    [
                        sys.executable,
                        "-m",
                        "stepheybot_music_exporter",
                        f"--config={stack_file}",
                        f"--listen={exporter}",
                        "--per-torrent",
                    ],
                    exporter_log,
                )
            )
            await _wait_http(session, f"http://{exporter}/healthz", "the exporter", exporter_log)

            config_file = work / "prometheus.yml"
            config_file.write_text(yaml.safe_dump(prometheus_config(exporter, stack)))
            prometheus = f"http://127.0.0.1:{free_port()}"
            prometheus_log = work / "prometheus.log"
            processes.append(
                await _start(
                    [
                        prometheus_binary,
                        f"--config.file={config_file}",
                        f"--storage.tsdb.path={work / 'tsdb'}",
                        f"--web.listen-address={prometheus.removeprefix('http://')}",
                        "--log.level=warn",
                    ],
                    prometheus_log,
                )
            )
            await _wait_http(session, f"{prometheus}/-/ready", "Prometheus", prometheus_log)
            running = Live(prometheus, exporter, stack, session)
            await _wait_for_scrapes_and_rules(running)
            await _pick_healthy_moment(running)
            await _resolve_variables(running)
            yield running
        finally:
            for process in reversed(processes):
                await _stop(process)


# ------------------------------------------------------------------ the tests
async def test_both_scrape_jobs_carry_the_stack_label(live: Live) -> None:
    series = await live.query("stepheybot_music_backend_up")
    labels = {(s["metric"]["job"], s["metric"]["instance"], s["metric"]["stack"]) for s in series}
    assert (SINGLE_JOB, live.exporter, live.stack) in labels
    assert (PROBE_JOB, live.stack, live.stack) in labels
    assert (PROBE_JOB, OFFLINE, OFFLINE) in labels
    up = await live.query('up{job=~"stepheybot-music.*"}')
    assert sorted(float(s["value"][1]) for s in up) == [1.0, 1.0, 1.0]


async def test_the_offline_stack_reports_why_its_backend_is_down(live: Live) -> None:
    failures = await live.query(f'stepheybot_music_backend_failure{{stack="{OFFLINE}"}}')
    assert [(s["metric"]["backend"], s["metric"]["reason"]) for s in failures] == [
        ("navidrome", "unreachable")
    ]


async def test_dashboard_variables_resolve(live: Live) -> None:
    for name, values in live.variables.items():
        assert values["job"] == sorted([SINGLE_JOB, PROBE_JOB]), name
        assert set(values["instance"]) == {live.exporter, live.stack, OFFLINE}, name
        assert values["stack"] == sorted([live.stack, OFFLINE]), name
    assert live.variables["downloads.json"]["client"] == ["qbittorrent", "transmission"]
    assert "gluetun" in live.variables["infrastructure.json"]["container"]


@pytest.mark.parametrize(
    "target", TARGETS, ids=[f"{t.dashboard[:-5]}:{t.panel}:{t.ref}" for t in TARGETS]
)
async def test_panel_query_returns_data(live: Live, target: Target) -> None:
    expr = substitute(target.expr, live.variables[target.dashboard])
    result = await live.query(expr)
    assert result, f"no data for {target}\n(evaluated as {expr})"


async def test_every_panel_query_is_tested() -> None:
    panels_with_queries = {
        (name, p["title"])
        for name, d in DASHBOARDS.items()
        for p in d["panels"]
        if p.get("targets")
    }
    assert {(t.dashboard, t.panel) for t in TARGETS} == panels_with_queries
    assert len(TARGETS) >= 60


async def test_the_rules_are_loaded_and_healthy(live: Live) -> None:
    groups = (await live.api("/api/v1/rules"))["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    expected = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    names = [r["alert"] for g in expected["groups"] for r in g["rules"]]
    assert sorted(rule["name"] for rule in rules) == sorted(names)
    for rule in rules:
        assert rule["health"] == "ok", rule
        assert not rule.get("lastError"), rule


async def test_backend_down_is_pending_for_the_offline_stack(live: Live) -> None:
    alerts = (await live.api("/api/v1/alerts"))["alerts"]
    offline = [
        a
        for a in alerts
        if a["labels"]["alertname"] == "StepheyBotMusicBackendDown"
        and a["labels"].get("stack") == OFFLINE
    ]
    assert len(offline) == 1, alerts
    (alert,) = offline
    assert alert["state"] == "pending"
    assert alert["labels"]["backend"] == "navidrome"
    assert alert["labels"]["instance"] == OFFLINE
    assert "(reason: unreachable)" in alert["annotations"]["description"]
