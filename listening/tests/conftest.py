"""Listening's tests use the workflow's usual cast and the platform stand-ins."""

from __future__ import annotations

from approvals.tests.conftest import (  # noqa: F401  (fixtures, found by name)
    fast_password_hashing,
    make_httpserver,
    mastodon_peer,
    x_api,
)
