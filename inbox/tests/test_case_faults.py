"""Fault test of the helpdesk hand-over with real processes: Celery workers and beat
(`celery -A socialhub worker|beat` subprocesses, publishing's fault-test cluster) on Redis,
against the test database on PostgreSQL, creating tickets on the Zendesk stand-in served over
HTTP on 127.0.0.1.

200 conversations are handed over while a worker is killed (SIGKILL, its whole process group)
in the middle of its requests and started again: 200 tickets on the stand-in, none twice. The
cases the dead worker left in *creating* are swept back after the grace period and looked up
by their external id before anything is sent again.

Like publishing's fault tests it skips without PostgreSQL and Redis, except in CI (CI=true),
where a missing requirement fails the run.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from accounts.models import Department, User
from core.tests.celery_broker import celery_broker
from inbox.models import Case, CaseDelivery, Conversation
from inbox.services import cases
from inbox.services.helpdesk import helpdesk_connection_save
from inbox.services.triage import conversation_triage
from inbox.tests.factories import make_conversation
from inbox.tests.peers.helpdesk_standins import FakeZendesk
from publishing.tests.test_publishing_faults import Cluster, requirements, wait_until

__all__ = ["requirements"]  # the module fixture, found by name

# Short back-offs and grace periods, so every fault resolves within seconds.
HELPDESK_ENV = {
    "SOCIALHUB_HELPDESK_RETRY_BASE": "0.5",
    "SOCIALHUB_HELPDESK_RETRY_MAX": "2",
    "SOCIALHUB_HELPDESK_SWEEP_GRACE": "3",
    "SOCIALHUB_HELPDESK_SWEEP_INTERVAL": "1",
    "SOCIALHUB_HELPDESK_STATUS_INTERVAL": "3600",
    "SOCIALHUB_HELPDESK_MAX_ATTEMPTS": "50",
}


@pytest.fixture(scope="module")
def helpdesk_cluster(
    requirements: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    queue = f"socialhub-case-faults-{uuid.uuid4().hex[:10]}"
    running = Cluster(requirements, queue, Path(tmp_path_factory.mktemp("celery")))
    running.env.update(HELPDESK_ENV)
    try:
        running.start_worker("alpha")
        running.start_worker("bravo")
        running.start_beat()
        with celery_broker(requirements, queue=queue):
            yield running
    finally:
        running.stop()
        running.clean_broker(requirements)


class SlowZendesk(FakeZendesk):
    """Every ticket is created at once but answered `delay` seconds later: a worker killed
    meanwhile leaves tickets the database does not know about."""

    delay: float = 0.0

    def dispatch(self, request: Request) -> Response:
        response = super().dispatch(request)
        if request.method == "POST" and self.delay:
            time.sleep(self.delay)
        return response


@pytest.fixture
def zendesk_server(httpserver: HTTPServer) -> SlowZendesk:
    return SlowZendesk(httpserver).install()  # type: ignore[return-value]


@pytest.fixture
def cluster(helpdesk_cluster: Cluster, transactional_db: None) -> Iterator[Cluster]:
    """The workers and beat, stopped as the test ends: before the database is emptied, which a
    sweep still reading the tables would otherwise deadlock with."""
    yield helpdesk_cluster
    helpdesk_cluster.stop()


def test_200_conversations_while_a_worker_is_killed_make_200_tickets_none_twice(
    cluster: Cluster,
    settings: Any,
    zendesk_server: SlowZendesk,
    org_admin: User,
    triager: User,
    agent: User,
    support: Department,
    account: Any,
) -> None:
    settings.SOCIALHUB_HELPDESK_SWEEP_GRACE = float(HELPDESK_ENV["SOCIALHUB_HELPDESK_SWEEP_GRACE"])
    helpdesk_connection_save(actor=org_admin, kind="zendesk", data=zendesk_server.settings())
    conversations: list[Conversation] = []
    for number in range(200):
        conversation = make_conversation(account, f"@acme order {number:03d} is late")
        conversations.append(
            conversation_triage(
                actor=triager,
                conversation=conversation,
                outcome="customer_service",
                department=support,
            )
        )
    zendesk_server.delay = 0.3
    for conversation in conversations:
        cases.case_create(actor=agent, conversation=conversation)
    ids = [c.pk for c in conversations]

    # Kill a worker while its requests are in flight, then start it again.
    wait_until(
        lambda: Case.objects.filter(state=CaseDelivery.CREATED).count() >= 20,
        timeout=60,
        what="the first cases",
        cluster=cluster,
    )
    cluster.kill("alpha")
    zendesk_server.delay = 0.0
    cluster.start_worker("alpha")

    wait_until(
        lambda: (
            Case.objects.filter(conversation_id__in=ids, state=CaseDelivery.CREATED).count() == 200
        ),
        timeout=180,
        what="200 cases to be created",
        cluster=cluster,
    )
    by_external_id = Counter(t["external_id"] for t in zendesk_server.tickets.values())
    assert len(by_external_id) == 200
    assert max(by_external_id.values()) == 1  # 0 duplicates
    stored = set(Case.objects.values_list("helpdesk_case_id", flat=True))
    assert stored == {str(t) for t in zendesk_server.tickets}
    # The kill left cases in creating (every worker process is mid-request at any moment,
    # each request taking 0.3 s): they were swept back and looked up, not sent again.
    assert Case.objects.filter(conversation_id__in=ids, attempts__gt=1).exists()
    print(  # the figure for the report (pytest -s)
        f"cases: 200, tickets: {len(zendesk_server.tickets)}, "
        f"attempts: {sum(Case.objects.values_list('attempts', flat=True))}"
    )
