# Sourced by scripts/setup on the host, before it enters the toolbox: installs the Debian 12
# packages whose servers the real-server tests run on the host side (tests/servers/hostside.py):
# transmission-daemon 3.00, dockerd (docker.io), podman with runc, and the static busybox that
# becomes the containers' image. Idempotent and quiet; their system services are not started.
# shellcheck shell=bash

_host_packages() {
  local pkgs="transmission-daemon docker.io podman runc busybox-static" p missing=""
  # inside the toolbox (scripts/setup re-runs itself there): the host part is done already
  [ -z "${STEPHEYBOT_IN_TOOLBOX:-}" ] && [ "${TOOLBOX:-}" != 1 ] || return 0
  for p in $pkgs; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing="$missing $p"
  done
  [ -n "$missing" ] || return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "warning: no apt-get on this host, so the real-server tests will fail: install" \
      "transmission-daemon 3.00, docker.io (dockerd), podman, runc and busybox-static (the" \
      "Debian 12 packages) on the host yourself; missing:$missing" >&2
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "warning: not root, so the host packages for the real-server tests are not" \
      "installed; as root run: apt-get install -y$missing" >&2
    return 0
  fi
  echo "setup: installing host packages for the real-server tests:$missing" >&2
  # no service may start on install (the tests run their own daemons): a policy-rc.d says so
  local policy=/usr/sbin/policy-rc.d own_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
  fi
  local rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
             --no-install-recommends $missing; }; } >/tmp/.stepheybot-host-apt.log 2>&1 || rc=$?
  [ -z "$own_policy" ] || rm -f "$policy"
  if [ "$rc" != 0 ]; then
    tail -20 /tmp/.stepheybot-host-apt.log >&2
    echo "error: apt-get install$missing failed on the host (log: /tmp/.stepheybot-host-apt.log)" >&2
    return 1
  fi
}
_host_packages
