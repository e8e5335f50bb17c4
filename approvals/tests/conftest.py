"""The workflow's usual setting: a sales account that sales drafts on and comms (whose
department holds the reviewers) reviews and publishes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import Department, User
from approvals.models import Post
from approvals.tests.factories import make_account, make_post
from channels_app.models import BrandAccount
from core.tests.celery_broker import QueuedTask, take_queued_tasks


@pytest.fixture
def account(sales: Department, comms_department: Department) -> BrandAccount:
    return make_account(
        sales,
        display_name="Sales news",
        drafters=[sales],
        reviewers=[comms_department],
        publishers=[comms_department],
    )


@pytest.fixture
def draft(sme: User, account: BrandAccount) -> Post:
    return make_post(sme, account)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """The cast's passwords are hashed once per test: a fast hasher keeps the suite quick (the
    production hashers are not what these tests are about)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    """Uploaded images go to a folder of this test's own, never var/media."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def queued() -> Callable[[], list[QueuedTask]]:
    """queued() -> the tasks this test put on the (in-memory) broker since it started, taken
    off it."""
    take_queued_tasks()  # whatever an earlier test left behind
    return take_queued_tasks


# Real platform peers for the engine's tests (the connectors' own fixtures, shared).
from channels_app.tests.peers.fixtures import (  # noqa: E402
    make_httpserver,
    mastodon_peer,
    x_api,
)

__all__ = ["make_httpserver", "mastodon_peer", "x_api"]
