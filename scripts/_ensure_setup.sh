# Sourced by scripts/test, demo, simulate and bench before anything else: runs scripts/setup when
# .venv is missing or was made from other requirements, so a fresh clone needs only one command.
# The fingerprint covers every file that decides what setup installs (card/package-lock.json too:
# setup runs npm ci from it); setup writes it when done.
# shellcheck shell=bash

_setup_fingerprint() {
  local root=$1
  (cd "$root" && cat requirements_test.txt clients/pyproject.toml exporter/pyproject.toml \
    scripts/setup scripts/_host_packages.sh scripts/_card.sh card/package-lock.json 2>/dev/null) \
    | sha256sum | cut -d' ' -f1
}

_ensure_setup() {
  local root stamp
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  stamp="$root/.venv/.setup-fingerprint"
  # (.venv/bin/python links to the toolbox's python3.14: test pyvenv.cfg, which the host sees)
  if [ -f "$root/.venv/pyvenv.cfg" ] && [ -f "$stamp" ] \
    && [ "$(cat "$stamp")" = "$(_setup_fingerprint "$root")" ]; then
    return 0
  fi
  echo "$(basename "$0"): .venv is missing or out of date: running scripts/setup first" >&2
  bash "$root/scripts/setup"
}
# STEPHEYBOT_VENV (scripts/_env.sh) names a venv its caller made and keeps: no setup for it
[ -n "${STEPHEYBOT_SETUP_RUNNING:-}" ] || [ -n "${STEPHEYBOT_VENV:-}" ] || _ensure_setup
