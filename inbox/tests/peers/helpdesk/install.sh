#!/usr/bin/env bash
# Installs the django-helpdesk test peer: a virtualenv of its own in .venv (git-ignored) with
# django-helpdesk from PyPI as requirements.txt pins it, never in SocialHub's virtualenv (the
# two must not share packages). Idempotent: does nothing when .venv was installed from the
# current requirements.txt. Exits non-zero when something cannot be installed; the tests then
# skip (or fail, in CI).
set -euo pipefail
cd "$(dirname "$0")"

python=${HELPDESK_PEER_PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3
stamp=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ -f .venv/.socialhub-stamp ] && [ "$(cat .venv/.socialhub-stamp)" = "$stamp" ]; then
  exit 0
fi
echo "install.sh: installing django-helpdesk into inbox/tests/peers/helpdesk/.venv"
rm -rf .venv
"$python" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
.venv/bin/python -c "import helpdesk, django; print('install.sh: django-helpdesk peer ready (Django', django.get_version() + ')')"
echo "$stamp" >.venv/.socialhub-stamp
