# Sourced by the scripts in this folder: make sure we run with Python >= 3.14.2.
# Where the machine has no python3.14 but the project's toolbox is beside the
# checkout (../shared/tools/toolbox), the calling script re-runs itself inside it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# every script asks the toolbox for the same extra packages (chromium for the demo's browser
# test, transmission-daemon 4.x for the real-server tests), so switching between scripts never
# makes it reinstall
export TOOLBOX_EXTRA="${TOOLBOX_EXTRA:-chromium transmission-daemon}"

if ! command -v python3.14 >/dev/null 2>&1; then
  TOOLBOX="${TOOLBOX:-$ROOT/../shared/tools/toolbox}"
  if [ -z "${STEPHEYBOT_IN_TOOLBOX:-}" ] && [ -x "$TOOLBOX" ]; then
    echo "python3.14 not found: re-running $(basename "$0") inside $TOOLBOX" >&2
    export STEPHEYBOT_IN_TOOLBOX=1
    exec "$TOOLBOX" run env STEPHEYBOT_IN_TOOLBOX=1 CI="${CI:-}" TOOLBOX_EXTRA="${TOOLBOX_EXTRA:-}" \
      STEPHEYBOT_VENV="${STEPHEYBOT_VENV:-}" bash "$0" "$@"
  fi
  echo "error: Python 3.14 (>= 3.14.2) is required; install python3.14 or provide ../shared/tools/toolbox" >&2
  exit 1
fi

PY=python3.14
# another venv (STEPHEYBOT_VENV) for a script to run in, e.g. the fresh one without Home
# Assistant that tests/clients/test_no_ha_venv.py runs scripts/simulate in
VENV="${STEPHEYBOT_VENV:-$ROOT/.venv}"
