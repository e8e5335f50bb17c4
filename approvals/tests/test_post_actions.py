"""The post page's buttons and the API's `actions` come from one function (post_actions): for
every role and every state they offer the same actions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from accounts.models import Department, User
from accounts.tests.factories import UserFactory, add_member
from approvals.models import Post, PostState
from approvals.post_actions import post_actions, post_actions_by_post
from approvals.tests.factories import force_state, submitted_post
from channels_app.models import BrandAccount

ROLES = [
    "author",
    "colleague",
    "manager",
    "comms_reviewer",
    "legal_reviewer",
    "hr",
    "org_admin",
    "outsider",
]


@pytest.fixture
def cast(
    sme: User,
    manager: User,
    comms_reviewer: User,
    legal_reviewer: User,
    hr_user: User,
    org_admin: User,
    outsider: User,
    sales: Department,
) -> dict[str, User]:
    colleague = UserFactory.create(email="colleague@example.test")
    add_member(colleague, sales)
    return {
        "author": sme,
        "colleague": colleague,
        "manager": manager,
        "comms_reviewer": comms_reviewer,
        "legal_reviewer": legal_reviewer,
        "hr": hr_user,
        "org_admin": org_admin,
        "outsider": outsider,
    }


def _page_actions(client: Client, post: Post) -> set[str] | None:
    """The actions the post's pages offer, read from the buttons and forms they show."""
    detail = client.get(f"/posts/{post.pk}/")
    if detail.status_code == 404:
        return None
    assert detail.status_code == 200
    html = detail.content.decode()
    found = {
        action
        for action, marker in (
            ("revise", f'href="/posts/{post.pk}/edit/"'),
            ("submit", f'action="/posts/{post.pk}/submit/"'),
            ("publish_now", f'action="/posts/{post.pk}/publish-now/"'),
            ("unschedule", f'action="/posts/{post.pk}/unschedule/"'),
            ("reschedule", f'action="/posts/{post.pk}/reschedule/"'),
            ("retry", f'action="/posts/{post.pk}/retry/"'),
            ("schedule", f'action="/posts/{post.pk}/schedule/"'),
            ("withdraw", f'"/posts/{post.pk}/withdraw/"'),
            ("copy_to_draft", f'action="/posts/{post.pk}/copy/"'),
        )
        if marker in html
    }
    review = client.get(f"/posts/{post.pk}/review/").content.decode()
    verdicts = set(re.findall(r'name="verdict" value="(\w+)"', review))
    names = {"approve": "approve", "changes": "request_changes", "reject": "reject"}
    return found | {names[verdict] for verdict in verdicts}


def _api_actions(user: User, post: Post) -> set[str] | None:
    client = Client()
    client.force_login(user)
    response = client.get(f"/api/v1/posts/{post.pk}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    return set(response.json()["actions"])


@pytest.mark.parametrize("role", ROLES)
def test_the_page_and_the_api_offer_the_same_actions(
    role: str, cast: dict[str, User], account: BrandAccount
) -> None:
    user = cast[role]
    client = Client()
    client.force_login(user)
    offered: dict[str, set[str] | None] = {}
    for state in PostState.values:
        post = force_state(submitted_post(cast["author"], account), state)
        page, api = _page_actions(client, post), _api_actions(user, post)
        assert page == api, (role, state)
        offered[state] = api
    if role in {"outsider", "hr"}:  # another department's posts; HR follows training only
        assert set(offered.values()) == {None}  # 404 on the page and on the API alike
    elif role in {"colleague", "manager"}:  # they see the department's posts, act on none
        assert all(actions == set() for actions in offered.values())
    else:
        assert any(offered.values()), role  # the comparison compared real buttons


def test_what_each_role_may_do(cast: dict[str, User], account: BrandAccount) -> None:
    post = submitted_post(cast["author"], account)
    assert post_actions(cast["author"], post) == ["revise", "withdraw"]
    assert post_actions(cast["comms_reviewer"], post) == [
        "approve",
        "request_changes",
        "reject",
        "withdraw",
    ]
    assert post_actions(cast["legal_reviewer"], post) == ["approve", "request_changes", "reject"]
    assert post_actions(cast["colleague"], post) == []
    draft = force_state(submitted_post(cast["author"], account), PostState.DRAFT)
    assert post_actions(cast["author"], draft) == ["revise", "submit", "withdraw"]
    approved = force_state(submitted_post(cast["author"], account), PostState.APPROVED)
    assert post_actions(cast["comms_reviewer"], approved) == [
        "schedule",
        "publish_now",
        "withdraw",
    ]


def test_a_reviewer_who_wrote_the_post_never_decides_on_it(
    comms_reviewer: User, comms_department: Department, account: BrandAccount
) -> None:
    from approvals.tests.factories import make_account

    own = make_account(comms_department, drafters=[comms_department], reviewers=[comms_department])
    post = submitted_post(comms_reviewer, own)
    assert "approve" not in post_actions(comms_reviewer, post)


def test_a_list_reads_the_same_actions_as_one_post(
    cast: dict[str, User], account: BrandAccount, django_assert_num_queries: Any
) -> None:
    posts = [
        force_state(submitted_post(cast["author"], account), state) for state in PostState.values
    ]
    reviewer = User.objects.get(pk=cast["comms_reviewer"].pk)
    # One by one first: the reviewer's roles and each post's account are read (and kept) here.
    one_by_one = {post.pk: post_actions(reviewer, post) for post in posts}
    # The reviewer's grants (direct, through groups), and the crisis pauses once for the list.
    with django_assert_num_queries(3):
        together = post_actions_by_post(reviewer, posts)
    assert together == one_by_one


@pytest.mark.parametrize("org_wide", [True, False])
def test_a_crisis_pause_hides_publish_now_on_the_page_and_in_the_api_alike(
    org_wide: bool, cast: dict[str, User], account: BrandAccount
) -> None:
    from approvals import services

    reviewer = cast["comms_reviewer"]
    approved = force_state(submitted_post(cast["author"], account), PostState.APPROVED)
    services.crisis_pause_set(
        actor=cast["org_admin"], reason="Incident", brand_account=None if org_wide else account
    )
    client = Client()
    client.force_login(reviewer)
    assert _api_actions(reviewer, approved) == {"schedule", "withdraw"}
    assert _page_actions(client, approved) == {"schedule", "withdraw"}
    assert post_actions_by_post(reviewer, [approved]) == {approved.pk: ["schedule", "withdraw"]}
    # Another account's approved post is not held by a pause on this one.
    from approvals.tests.factories import make_account

    other = make_account(account.department, drafters=[account.department])
    elsewhere = force_state(submitted_post(cast["author"], other), PostState.APPROVED)
    listed = post_actions_by_post(User.objects.get(pk=cast["org_admin"].pk), [approved, elsewhere])
    assert ("publish_now" in listed[elsewhere.pk]) is not org_wide
    assert "publish_now" not in listed[approved.pk]
