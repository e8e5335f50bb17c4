"""The demo inbox: feed questions read through the internal connector, one conversation in each
outcome, a public response claimed by its SME; a second run changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from approvals.models import Post
from dashboards.demo import seed_demo
from inbox import tasks
from inbox.models import Conversation, InboxItem
from publishing import tasks as publishing_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_an_inbox_in_every_state(transactional_db: None, queued: Any) -> None:
    seed_demo()
    assert "inbox.demo_feed_questions" in [task.name for task in queued()]
    for post in Post.objects.filter(state="publishing"):  # what the worker does
        publishing_tasks.publish_post(post.pk)
    assert tasks.demo_feed_questions() == 1
    snapshot = (Conversation.objects.count(), InboxItem.objects.count())

    seed_demo()
    tasks.demo_feed_questions()

    assert (Conversation.objects.count(), InboxItem.objects.count()) == snapshot
    outcomes = set(Conversation.objects.values_list("outcome", flat=True))
    assert outcomes >= {"", "no_response", "customer_service", "public_response"}
    feed = Conversation.objects.get(platform="internal")  # the feed's questions, one entry
    assert (feed.item_count, feed.outcome) == (2, "public_response")
    answered = Conversation.objects.get(thread_key="demo-3")
    assert answered.owner is not None
    assert answered.owner.email == "sme.sales@demo.socialhub.test"
    assert Conversation.objects.get(thread_key="demo-4").suggested_outcome == "public_response"


def test_the_demo_connects_no_helpdesk_and_its_case_panel_says_how(
    transactional_db: None,
) -> None:
    from django.test import Client

    from accounts.demo import demo_email
    from accounts.models import User
    from inbox.models import HelpdeskConnection

    seed_demo()
    assert not HelpdeskConnection.objects.exists()  # nothing faked
    order = Conversation.objects.get(thread_key="demo-2")
    assert order.outcome == "customer_service"
    client = Client()
    client.force_login(User.objects.get(email=demo_email("support")))
    page = client.get(f"/inbox/{order.pk}/").content.decode()
    assert "data-no-helpdesk" in page
    assert "An org admin connects the organisation's helpdesk" in page
