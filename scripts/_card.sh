# Sourced by scripts/setup and scripts/test on the host, before they enter the toolbox (Node.js
# and npm are on the host, not in the toolbox): the music card in card/ (Lit + TypeScript).
#   setup: `npm ci` from the committed package-lock.json (the only time anything downloads);
#   test:  tsc, the committed bundle equals a fresh build (esbuild), vitest.
# Inside the toolbox (the re-run of the calling script) there is nothing left to do.
# shellcheck shell=bash

_card_dir() { cd "$(dirname "${BASH_SOURCE[0]}")/../card" && pwd; }

_card_on_host() {
  [ -z "${STEPHEYBOT_IN_TOOLBOX:-}" ] && [ "${TOOLBOX:-}" != 1 ]
}

_card_need_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "error: the music card (card/) needs Node.js >= 20 and npm on this machine: install them" \
      "(e.g. apt-get install nodejs npm), then run scripts/setup" >&2
    return 1
  fi
}

_card_setup() {
  _card_on_host || return 0
  _card_need_node || return 1
  local dir
  dir=$(_card_dir)
  echo "setup: npm ci in card/ (from package-lock.json)" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || {
    echo "error: npm ci failed in card/ (the npm registry must be reachable during setup)" >&2
    return 1
  }
  # what node_modules was installed from, for _card_test to compare with the lock file
  sha256sum <"$dir/package-lock.json" >"$dir/node_modules/.stepheybot-lock.sha256"
}

_card_test() {
  _card_on_host || return 0
  _card_need_node || return 1
  local dir
  dir=$(_card_dir)
  if [ "$(cat "$dir/node_modules/.stepheybot-lock.sha256" 2>/dev/null)" \
    != "$(sha256sum <"$dir/package-lock.json")" ]; then
    echo "error: card/node_modules is missing or was not installed from card/package-lock.json:" \
      "run scripts/setup (it runs npm ci in card/)" >&2
    return 1
  fi
  echo "== music card: tsc"
  (cd "$dir" && ./node_modules/.bin/tsc --noEmit -p .)
  echo "== music card: the committed bundle is the build of card/src"
  (cd "$dir" && node build.mjs --check)
  echo "== music card: vitest"
  (cd "$dir" && ./node_modules/.bin/vitest run --reporter=dot)
}
