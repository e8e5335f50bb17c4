"""In-app notifications and e-mails: a submission reaches the queue, a decision reaches the
author, a comment reaches the conversation. E-mails leave only once the change is committed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from accounts.models import Department, User
from accounts.roles import OrgRole
from accounts.tests.factories import UserFactory, add_member, give_org_role
from activity.models import Notification
from approvals import services
from approvals.models import Post
from approvals.tests.factories import make_post, submitted_post
from channels_app.models import BrandAccount
from core.errors import Conflict


def _told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def test_a_submission_reaches_the_reviewers_of_the_account(
    draft: Post,
    sme: User,
    comms_reviewer: User,
    legal_reviewer: User,
    comms_department: Department,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    elsewhere = give_org_role(UserFactory.create(), OrgRole.COMMS_REVIEWER)  # no review_on here
    colleague = UserFactory.create()
    add_member(colleague, comms_department)  # review_on through the group, but not a reviewer

    with django_capture_on_commit_callbacks(execute=True):
        services.post_submit(post=draft, actor=sme)

    assert _told("submitted") == {comms_reviewer.email}
    assert elsewhere.email not in _told("submitted")
    assert colleague.email not in _told("submitted")
    (notification,) = Notification.objects.filter(kind="submitted")
    assert notification.url == f"/posts/{draft.pk}/review/"
    assert [m.to for m in mail.outbox] == [[comms_reviewer.email]]
    assert mail.outbox[0].subject == f"[SocialHub] Post #{draft.pk} waits for your review"
    assert "Sam Sales submitted post" in mail.outbox[0].body
    assert f"/posts/{draft.pk}/review/" in mail.outbox[0].body
    assert legal_reviewer.email not in _told("submitted")


def test_a_sensitive_submission_also_reaches_legal(
    sme: User, account: BrandAccount, comms_reviewer: User, legal_reviewer: User
) -> None:
    post = make_post(sme, account, "Our earnings are up.")
    services.post_submit(post=post, actor=sme)
    assert _told("submitted") == {comms_reviewer.email, legal_reviewer.email}
    assert Notification.objects.filter(message__contains="legal review needed").count() == 2


def test_no_email_leaves_when_the_change_is_rolled_back(
    draft: Post,
    sme: User,
    comms_reviewer: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    """A refused submit writes no notification and sends nothing."""
    Post.objects.filter(pk=draft.pk).update(state="in_review")
    draft.refresh_from_db()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Conflict),
    ):
        services.post_submit(post=draft, actor=sme)
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_a_decision_reaches_the_author(
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    post = submitted_post(sme, account)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_request_changes(post=post, actor=comms_reviewer, note="Add the hours.")
    (notification,) = Notification.objects.filter(kind="decision")
    assert notification.recipient == sme
    assert notification.message == (
        f"Colin Comms requested changes to your post #{post.pk}: Add the hours."
    )
    assert [m.to for m in mail.outbox] == [[sme.email]]
    assert mail.outbox[0].subject == f"[SocialHub] Post #{post.pk}: changes requested"


def test_a_comment_reaches_the_author_and_the_conversation_but_not_its_writer(
    sme: User,
    account: BrandAccount,
    comms_reviewer: User,
    legal_reviewer: User,
) -> None:
    post = submitted_post(sme, account, "Our earnings are up.")
    services.comment_add(post=post, actor=comms_reviewer, body="Which quarter?")
    assert _told("comment") == {sme.email}

    Notification.objects.filter(kind="comment").delete()
    services.comment_add(post=post, actor=legal_reviewer, body="Say Q3 explicitly.")
    assert _told("comment") == {sme.email, comms_reviewer.email}

    Notification.objects.filter(kind="comment").delete()
    first = post.comments.first()
    services.comment_add(post=post, actor=sme, body="Q3, yes.", parent=first)
    assert _told("comment") == {comms_reviewer.email, legal_reviewer.email}
    assert Notification.objects.filter(message__contains="replied to a comment").count() == 2


def test_a_mail_server_that_is_down_does_not_undo_or_break_the_action(
    draft: Post,
    sme: User,
    comms_reviewer: User,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2

    with django_capture_on_commit_callbacks(execute=True):
        services.post_submit(post=draft, actor=sme)

    draft.refresh_from_db()
    assert draft.state == "in_review"
    assert Notification.objects.filter(recipient=comms_reviewer).exists()
    assert "Could not e-mail 1 notification(s)" in caplog.text
