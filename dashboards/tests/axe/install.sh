#!/usr/bin/env bash
# Installs axe-core for the accessibility browser tests (dashboards/tests/test_browser_a11y.py)
# from npm, exactly as package-lock.json pins it, into node_modules here (git-ignored). The
# tests inject node_modules/axe-core/axe.min.js into each page: no CDN. Idempotent: does nothing
# when node_modules was installed from the current lock files. Exits non-zero when something
# cannot be installed; the tests then skip (or fail, in CI).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install.sh: installing npm from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  command -v npm >/dev/null 2>&1 || { echo "install.sh: npm is needed (apt-get install npm)" >&2; exit 1; }
fi

stamp=$(sha256sum package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [ -f node_modules/.socialhub-stamp ] && [ "$(cat node_modules/.socialhub-stamp)" = "$stamp" ]; then
  exit 0
fi
echo "install.sh: installing axe-core from npm"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
test -f node_modules/axe-core/axe.min.js
echo "$stamp" >node_modules/.socialhub-stamp
echo "install.sh: axe-core $(node -p "require('./node_modules/axe-core/package.json').version") ready"
