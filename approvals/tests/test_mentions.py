"""@mentions in review comments: who may be mentioned (the people who may see the post), the
notices (one per person, linked to the post), and the autocomplete endpoint
GET /api/v1/posts/{id}/mention-candidates/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Department, User
from accounts.tests.factories import UserFactory, add_member
from activity.models import AuditEvent, Notification
from approvals import selectors, services
from approvals.models import Post
from approvals.tests.factories import make_post, submitted_post
from channels_app.models import BrandAccount

ApiAs = Callable[[User | None], Any]


@pytest.fixture
def colleague(sales: Department) -> User:
    user = UserFactory.create(email="casey@example.test", full_name="Casey Colleague")
    add_member(user, sales)
    return user


@pytest.fixture
def cast(
    sme: User,
    colleague: User,
    manager: User,
    outsider: User,
    comms_reviewer: User,
    legal_reviewer: User,
    hr_user: User,
    org_admin: User,
) -> list[User]:
    return [sme, colleague, manager, outsider, comms_reviewer, legal_reviewer, hr_user, org_admin]


def _mentions(user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=Notification.Kind.MENTION))


# --- Who may be mentioned -------------------------------------------------------------------------


@pytest.mark.parametrize("submitted", [False, True])
def test_the_audience_is_who_may_see_the_post(
    cast: list[User], sme: User, account: BrandAccount, submitted: bool
) -> None:
    """post_audience is Post.objects.visible_to read the other way round, for every role."""
    post = submitted_post(sme, account) if submitted else make_post(sme, account)
    audience = set(selectors.post_audience(post=post))
    seeing = {person for person in cast if Post.objects.visible_to(person).filter(pk=post.pk)}
    assert audience & set(cast) == seeing
    assert not submitted or {p.email for p in seeing} >= {"comms@example.test"}


def test_mentions_notify_visible_people_once_and_leave_others_as_text(
    sme: User,
    colleague: User,
    outsider: User,
    hr_user: User,
    account: BrandAccount,
    comms_reviewer: User,
) -> None:
    post = submitted_post(sme, account)
    body = (
        "@casey and @Casey, see this. @sme too (again: @sme@example.test). "
        "Not @outsider, not @hr, not @nobody, nor mail like x@casey.example. And me: @comms."
    )

    comment = services.comment_add(post=post, actor=comms_reviewer, body=body)

    assert len(_mentions(colleague)) == 1
    notice = _mentions(colleague)[0]
    assert notice.url == f"/posts/{post.pk}/#comment-{comment.pk}"
    assert (notice.target_type, notice.target_id) == ("approvals.post", str(post.pk))
    assert "Colin Comms mentioned you on post" in notice.message
    # The author is mentioned: one notice (the mention), not a comment notice besides.
    assert len(_mentions(sme)) == 1
    assert Notification.objects.filter(recipient=sme).count() - _submitted_count(sme) == 1
    # People who may not see the post hear nothing; the text stays as written.
    assert _mentions(outsider) == _mentions(hr_user) == []
    assert _mentions(comms_reviewer) == []
    assert comment.body == body
    event = AuditEvent.objects.get(action="post.commented")
    assert sorted(event.data["mentions"]) == sorted([sme.pk, colleague.pk])


def _submitted_count(user: User) -> int:
    return (
        Notification.objects.filter(recipient=user)
        .exclude(kind__in=[Notification.Kind.MENTION, Notification.Kind.COMMENT])
        .count()
    )


def test_a_shared_first_part_needs_the_whole_address(
    sme: User, sales: Department, account: BrandAccount, comms_reviewer: User
) -> None:
    one = UserFactory.create(email="alex@example.test", full_name="Alex One")
    two = UserFactory.create(email="alex@other.test", full_name="Alex Two")
    add_member(one, sales)
    add_member(two, sales)
    post = submitted_post(sme, account)

    services.comment_add(post=post, actor=comms_reviewer, body="@alex, which one?")
    assert _mentions(one) == _mentions(two) == []
    services.comment_add(post=post, actor=comms_reviewer, body="@alex@other.test: you.")
    assert _mentions(one) == []
    assert len(_mentions(two)) == 1

    candidates = selectors.mention_candidates(post=post, user=comms_reviewer, query="alex")
    assert sorted(c.handle for c in candidates) == ["alex@example.test", "alex@other.test"]


# --- The autocomplete endpoint --------------------------------------------------------------------


def test_candidates_are_people_who_may_see_the_post(
    api_as: ApiAs,
    cast: list[User],
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
) -> None:
    post = submitted_post(sme, account)
    url = f"/api/v1/posts/{post.pk}/mention-candidates/"

    everyone = api_as(comms_reviewer).get(url)
    found = api_as(comms_reviewer).get(url + "?q=cas")
    by_name = api_as(comms_reviewer).get(url + "?q=@Lena")

    assert everyone.status_code == 200
    emails = {row["email"] for row in everyone.json()}
    assert "outsider@example.test" not in emails
    assert "hr@example.test" not in emails
    assert "comms@example.test" not in emails  # not oneself
    assert {"sme@example.test", "casey@example.test", "legal@example.test"} <= emails
    assert found.json() == [
        {
            "id": cast[1].pk,
            "name": "Casey Colleague",
            "email": "casey@example.test",
            "handle": "casey",
        }
    ]
    assert [row["handle"] for row in by_name.json()] == ["legal"]


def test_candidates_outsider_404_and_bad_input_400(
    api_as: ApiAs, sme: User, outsider: User, account: BrandAccount
) -> None:
    post = make_post(sme, account)
    url = f"/api/v1/posts/{post.pk}/mention-candidates/"
    assert api_as(outsider).get(url).status_code == 404
    assert api_as(outsider).get("/api/v1/posts/987654/mention-candidates/").status_code == 404
    too_long = api_as(sme).get(url + "?q=" + "a" * 101)
    assert too_long.status_code == 400
    assert "q" in too_long.json()
    assert api_as(None).get(url).status_code in (401, 403)


def test_candidates_are_limited_and_cost_constant_queries(
    api_as: ApiAs, sme: User, sales: Department, account: BrandAccount
) -> None:
    post = make_post(sme, account)
    client = api_as(sme)
    url = f"/api/v1/posts/{post.pk}/mention-candidates/?q=p"
    client.get(url)
    add_member(UserFactory.create(email="pat0@example.test", full_name="Pat 0"), sales)
    with CaptureQueriesContext(connection) as first:
        assert len(client.get(url).json()) == 1
    for i in range(1, 15):
        add_member(UserFactory.create(email=f"pat{i}@example.test", full_name=f"Pat {i}"), sales)
    with CaptureQueriesContext(connection) as many:
        answer = client.get(url).json()
    # Session and user, roles, memberships, the post; the people; the shared first parts.
    assert len(many.captured_queries) == len(first.captured_queries)
    assert len(answer) == selectors.MENTION_LIMIT


def test_the_comment_form_offers_the_autocomplete(
    sme: User, account: BrandAccount, comms_reviewer: User
) -> None:
    post = submitted_post(sme, account)
    client = Client()
    client.force_login(comms_reviewer)
    page = client.get(f"/posts/{post.pk}/review/").content.decode()
    assert f'data-mention-url="/api/v1/posts/{post.pk}/mention-candidates/"' in page
    assert "approvals/mentions.js" in page

    client.post(f"/posts/{post.pk}/comments/", {"body": "@sme please look", "next": "review"})
    assert len(_mentions(sme)) == 1
