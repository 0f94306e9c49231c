"""The exporter and a real Prometheus scraping it with the project's alert rules."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from .children import HOST, Child, DemoError, free_port, http_ok, wait_until

JOB = "stepheybot-music"
"""The scrape job; the alert rule for a dead exporter matches jobs named like this."""


def alert_rule_files(root: Path) -> list[Path]:
    """The alert rule files of ``grafana/alerts`` (not their unit tests)."""
    return sorted((root / "grafana" / "alerts").glob("*.rules.yml"))


def exporter_command(bin_dir: Path, stack_file: Path, port: int) -> list[str]:
    """The exporter's command line (its console script, else the module)."""
    script = bin_dir / "stepheybot-music-exporter"
    args = ["--config", str(stack_file), "--listen", f"{HOST}:{port}"]
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "stepheybot_music_exporter", *args]


def exporter_child(bin_dir: Path, stack_file: Path, logs: Path) -> tuple[Child, str]:
    """The exporter on a free port (not started yet) and its base URL."""
    port = free_port()
    child = Child(
        "exporter", exporter_command(bin_dir, stack_file, port), log=logs / "exporter.log"
    )
    return child, f"http://{HOST}:{port}"


async def wait_for_exporter(session: aiohttp.ClientSession, child: Child, url: str) -> None:
    """Wait until the exporter answers ``/healthz``."""
    await wait_until(
        "the exporter", lambda: http_ok(session, f"{url}/healthz"), child=child, timeout=30
    )


def prometheus_config(exporter_url: str, stack_name: str, rule_files: list[Path]) -> dict[str, Any]:
    """A Prometheus configuration scraping the exporter every 5 s with the alert rules."""
    target = exporter_url.removeprefix("http://")
    return {
        "global": {
            "scrape_interval": "5s",
            "scrape_timeout": "4s",
            "evaluation_interval": "5s",
        },
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [
            {
                "job_name": JOB,
                "static_configs": [{"targets": [target], "labels": {"stack": stack_name}}],
            }
        ],
    }


def prometheus_child(workdir: Path, config: dict[str, Any], logs: Path) -> tuple[Child, str]:
    """Prometheus on a free port with ``config`` (not started yet) and its URL."""
    binary = shutil.which("prometheus")
    if binary is None:
        raise DemoError(
            "prometheus is not installed; run the demo inside the toolbox (scripts/demo does)"
        )
    config_file = workdir / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    port = free_port()
    child = Child(
        "prometheus",
        [
            binary,
            f"--config.file={config_file}",
            f"--storage.tsdb.path={workdir / 'tsdb'}",
            f"--web.listen-address={HOST}:{port}",
            "--log.level=warn",
        ],
        log=logs / "prometheus.log",
        cwd=workdir,
    )
    return child, f"http://{HOST}:{port}"


async def wait_for_prometheus(session: aiohttp.ClientSession, child: Child, url: str) -> None:
    """Wait until Prometheus is ready."""
    await wait_until("Prometheus", lambda: http_ok(session, f"{url}/-/ready"), child=child)


async def prometheus_query(session: aiohttp.ClientSession, url: str, query: str) -> list[Any]:
    """Evaluate PromQL; the result vector."""
    async with session.get(f"{url}/api/v1/query", params={"query": query}) as resp:
        body = await resp.json()
    if body.get("status") != "success":
        raise DemoError(f"Prometheus refused {query!r}: {body.get('error')}")
    result: list[Any] = body["data"]["result"]
    return result


async def loaded_alert_rules(session: aiohttp.ClientSession, url: str) -> list[str]:
    """The names of the alerting rules Prometheus has loaded."""
    async with session.get(f"{url}/api/v1/rules", params={"type": "alert"}) as resp:
        body = await resp.json()
    return [rule["name"] for group in body["data"]["groups"] for rule in group["rules"]]


async def web_ui(session: aiohttp.ClientSession, url: str) -> str:
    """Prometheus's web UI, or "" where it has none (Debian's package serves only its API)."""
    async with session.get(f"{url}/query") as resp:
        page = await resp.text()
    return url if resp.status == 200 and "does not include" not in page else ""
