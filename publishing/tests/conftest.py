"""The engine's tests use the workflow's usual setting (a sales account, a draft, the tasks
queued on the in-memory broker, real platform peers): the same fixtures as approvals' tests."""

from __future__ import annotations

from approvals.tests.conftest import (  # noqa: F401  (fixtures, found by name)
    account,
    draft,
    fast_password_hashing,
    make_httpserver,
    mastodon_peer,
    media_root,
    queued,
    x_api,
)
from channels_app.tests.peers.fixtures import bluesky_peer  # noqa: F401  (a fixture)
