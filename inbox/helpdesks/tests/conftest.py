"""Real peers for the helpdesk connector tests: django-helpdesk from PyPI as a server process,
and local stand-ins speaking the Zendesk and Salesforce HTTP APIs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from channels_app.tests.peers.fixtures import make_httpserver
from inbox.tests.peers.django_helpdesk import django_helpdesk_peer
from inbox.tests.peers.helpdesk_standins import FakeSalesforce, FakeZendesk

__all__ = ["django_helpdesk_peer", "make_httpserver", "salesforce_api", "zendesk_api"]


@pytest.fixture
def zendesk_api(httpserver: HTTPServer) -> Iterator[FakeZendesk]:
    fake = FakeZendesk(httpserver).install()
    yield fake
    assert fake.problems == [], "requests that do not have Zendesk's documented shape"


@pytest.fixture
def salesforce_api(httpserver: HTTPServer) -> Iterator[FakeSalesforce]:
    fake = FakeSalesforce(httpserver).install()
    yield fake
    assert fake.problems == [], "requests that do not have Salesforce's documented shape"
