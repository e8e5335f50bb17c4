"""Defects people saw on the post pages (issue 17): each stays fixed."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from accounts.models import Department, User
from approvals import services
from approvals.tests.factories import approved_post, make_account
from channels_app.models import BrandAccount


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_compose_page_prints_no_template_comment(sme: User, account: BrandAccount) -> None:
    html = _client(sme).get(reverse("post_create")).content.decode()
    assert "Images of the post being composed" not in html
    assert "{#" not in html
    # The picker's message is a live region that is always there, so a refusal is read out.
    assert 'aria-live="assertive" data-media-error' in html


def test_publish_now_is_hidden_during_a_crisis_pause(
    sme: User, comms_reviewer: User, account: BrandAccount
) -> None:
    post = approved_post(sme, account, comms_reviewer)
    page = _client(comms_reviewer).get(reverse("post_detail", args=[post.pk])).content.decode()
    assert "Publish now" in page
    services.crisis_pause_set(actor=comms_reviewer, reason="Outage")
    page = _client(comms_reviewer).get(reverse("post_detail", args=[post.pk])).content.decode()
    assert "Publish now" not in page
    assert "Publishing is paused" in page


def test_no_empty_what_you_can_do_card(
    sme: User,
    comms_reviewer: User,
    legal_reviewer: User,
    sales: Department,
    comms_department: Department,
) -> None:
    """A legal reviewer on an approved post that comms publishes has nothing to do there."""
    account = make_account(sales, drafters=[sales], reviewers=[comms_department], publishers=[])
    post = approved_post(sme, account, comms_reviewer)
    page = _client(legal_reviewer).get(reverse("post_detail", args=[post.pk]))
    assert page.status_code == 200
    assert "What you can do" not in page.content.decode()
    # The author still sees theirs (edit, withdraw).
    page = _client(sme).get(reverse("post_detail", args=[post.pk]))
    assert "What you can do" in page.content.decode()
