# Sourced by scripts/test and scripts/host-servers on the host, before they enter the toolbox:
# starts the "host anchor", a host-side process the tests inside the toolbox use to run Debian 12's
# transmission-daemon 3.00, dockerd and podman in the host's mount namespace
# (nsenter --mount=/proc/$STEPHEYBOT_HOST_ANCHOR/ns/mnt, see tests/servers/hostside.py).
# The anchor watches the calling script's PID (it survives the exec into the toolbox); when that
# ends, it cleans up whatever host-side server a test left behind (listed in the registry) and exits.
#
# Run as `bash scripts/_host_anchor.sh --watch PID REGISTRY` it is the anchor itself.
# shellcheck shell=bash

_host_anchor_cleanup() {
  # every registry entry is "PID STARTTIME DIR" for a server the tests started (still running,
  # since fixtures remove the entry when they stop it). For each: run DIR/host-cleanup.sh
  # `before` (e.g. remove containers), stop the server by PID (SIGTERM to it, SIGKILL to its
  # process group after 15 s; only if the PID is still that process), run the script `after`
  # (e.g. unmount and remove state elsewhere), remove DIR
  local reg=$1 entry pid start dir now i
  for entry in "$reg"/*.server; do
    [ -e "$entry" ] || continue
    read -r pid start dir <"$entry" || continue
    echo "cleaning up after server PID $pid ($dir)" >>"$reg/anchor.log"
    if [ -f "$dir/host-cleanup.sh" ]; then
      timeout 60 bash "$dir/host-cleanup.sh" before >>"$reg/anchor.log" 2>&1 || true
    fi
    now=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f20 || true)
    if [ -n "$now" ] && [ "$now" = "$start" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      for i in $(seq 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    if [ -f "$dir/host-cleanup.sh" ]; then
      timeout 60 bash "$dir/host-cleanup.sh" after >>"$reg/anchor.log" 2>&1 || true
    fi
    case "$dir" in */.tmp/realservers/*) rm -rf --one-file-system "$dir" ;; esac
    rm -f "$entry"
  done
}

if [ "${1:-}" = --watch ]; then
  watched=$2 reg=$3
  trap '' HUP INT
  echo $$ >"$reg/anchor.pid"
  tail --pid="$watched" -f /dev/null 2>/dev/null || while kill -0 "$watched" 2>/dev/null; do sleep 1; done
  _host_anchor_cleanup "$reg"
  rm -rf "$reg"
  exit 0
fi

_host_anchor_start() {
  local root reg i
  # inside the toolbox, or an anchor is already running for an outer command: nothing to do
  [ -z "${STEPHEYBOT_IN_TOOLBOX:-}" ] && [ "${TOOLBOX:-}" != 1 ] || return 0
  if [ -n "${STEPHEYBOT_HOST_ANCHOR:-}" ] && kill -0 "$STEPHEYBOT_HOST_ANCHOR" 2>/dev/null; then
    return 0
  fi
  [ "$(id -u)" = 0 ] || {
    echo "note: not root, so no host anchor: tests that need host-side servers will fail" >&2
    return 0
  }
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  mkdir -p "$root/.tmp/realservers"
  reg=$(mktemp -d "$root/.tmp/realservers/anchor-$$-XXXX")
  setsid bash "$root/scripts/_host_anchor.sh" --watch "$$" "$reg" </dev/null >>"$reg/anchor.log" 2>&1 &
  for i in $(seq 100); do [ -s "$reg/anchor.pid" ] && break; sleep 0.05; done
  [ -s "$reg/anchor.pid" ] || { echo "warning: the host anchor did not start (see $reg/anchor.log)" >&2; return 0; }
  STEPHEYBOT_HOST_ANCHOR=$(cat "$reg/anchor.pid")
  export STEPHEYBOT_HOST_ANCHOR STEPHEYBOT_HOST_REGISTRY=$reg
}
_host_anchor_start
