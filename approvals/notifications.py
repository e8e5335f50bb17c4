"""In-app notifications and their e-mails.

Rows are written in the caller's transaction (they exist exactly when the change does); the
e-mails leave on commit. Nobody is told about their own action.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core import mail
from django.db import transaction
from django.urls import reverse

from accounts.roles import OrgRole
from approvals import permissions
from approvals.models import Decision, Notification, Post, ReviewComment, Stage, Verdict
from socialhub import authz
from socialhub.links import absolute_url

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    message: str,
    subject: str,
    post: Post | None = None,
    url: str = "",
    actor: Any = None,
) -> list[Notification]:
    people = {
        person.pk: person
        for person in recipients
        if person is not None and person.is_active and (actor is None or person.pk != actor.pk)
    }
    if not people:
        return []
    rows = Notification.objects.bulk_create(
        [
            Notification(recipient=person, kind=kind, post=post, message=message[:300], url=url)
            for person in people.values()
        ]
    )
    addresses = [person.email for person in people.values() if person.email]
    # Made absolute now, while the request that caused the notice (if any) is known.
    link = absolute_url(url)
    transaction.on_commit(lambda: _send(addresses, subject, message, link))
    return rows


def _send(addresses: list[str], subject: str, message: str, link: str) -> None:
    """Runs after the commit: a mail server that is down must not turn a saved decision into an
    error page (the in-app notification exists already), so failures are logged."""
    text = f"{message}\n\n{link}\n\n— SocialHub" if link else f"{message}\n\n— SocialHub"
    subject = f"[SocialHub] {subject}"
    try:
        mail.send_mass_mail(
            [(subject, text, None, [address]) for address in addresses], fail_silently=False
        )
    except Exception:
        logger.exception("Could not e-mail %d notification(s): %s", len(addresses), subject)


def _post_url(post: Post, *, review: bool = False) -> str:
    return reverse("post_review" if review else "post_detail", args=[post.pk])


def _reviewers(post: Post, stages: Iterable[str]) -> list[User]:
    """People who decide the given stages on the post's account (never the author)."""
    roles: dict[str, str] = {
        Stage.COMMS: OrgRole.COMMS_REVIEWER,
        Stage.LEGAL: OrgRole.LEGAL_REVIEWER,
    }
    wanted = [roles[stage] for stage in stages]
    holders = authz.users_holding(permissions.REVIEW_ON, post.brand_account)
    people: dict[int, User] = {}
    for role in wanted:
        for person in holders.filter(pk__in=authz.users_with_org_role(role).values("pk")):
            people[person.pk] = person
    people.pop(post.author_id, None)
    return list(people.values())


def post_submitted(post: Post, *, actor: Any, revised: bool = False) -> None:
    """A submission (or a revision under review) reaches the queue of every pending stage."""
    stages = post.required_stages()
    verb = "revised" if revised else "submitted"
    message = (
        f"{post.author} {verb} post #{post.pk} on {post.brand_account.display_name} "
        f"(revision {post.revision_number}) for review"
    )
    if Stage.LEGAL in stages:
        message += " — legal review needed"
    notify(
        recipients=_reviewers(post, stages),
        kind=Notification.Kind.SUBMITTED,
        message=message,
        subject=f"Post #{post.pk} waits for your review",
        post=post,
        url=_post_url(post, review=True),
        actor=actor,
    )


def decision_made(post: Post, decision: Decision, *, complete: bool) -> None:
    stage = decision.get_stage_display()
    if decision.verdict == Verdict.APPROVE:
        what = "approved" if complete else f"approved the {stage.lower()} stage of"
    elif decision.verdict == Verdict.CHANGES:
        what = "requested changes to"
    else:
        what = "rejected"
    message = f"{decision.reviewer} {what} your post #{post.pk}"
    if decision.note:
        message += f": {decision.note}"
    notify(
        recipients=[post.author],
        kind=Notification.Kind.DECISION,
        message=message,
        subject=f"Post #{post.pk}: {decision.get_verdict_display().lower()}"
        + ("" if complete or decision.verdict != Verdict.APPROVE else f" ({stage.lower()})"),
        post=post,
        url=_post_url(post),
        actor=decision.reviewer,
    )


def post_withdrawn(post: Post, *, actor: Any) -> None:
    notify(
        recipients=[post.author],
        kind=Notification.Kind.DECISION,
        message=f"{actor} withdrew your post #{post.pk}",
        subject=f"Post #{post.pk} withdrawn",
        post=post,
        url=_post_url(post),
        actor=actor,
    )


def comment_added(comment: ReviewComment) -> None:
    """The post's author, and everyone who took part in the conversation, hear of a comment."""
    post = comment.post
    earlier = ReviewComment.objects.filter(post=post).exclude(pk=comment.pk)
    participant_ids = set(earlier.values_list("author_id", flat=True))
    from accounts.models import User

    recipients = list(User.objects.filter(pk__in=participant_ids | {post.author_id}))
    kind = "replied to a comment on" if comment.parent_id else "commented on"
    excerpt = comment.body if len(comment.body) <= 120 else comment.body[:117] + "…"
    notify(
        recipients=recipients,
        kind=Notification.Kind.COMMENT,
        message=f"{comment.author} {kind} post #{post.pk}: {excerpt}",
        subject=f"New comment on post #{post.pk}",
        post=post,
        url=_post_url(post) + f"#comment-{comment.pk}",
        actor=comment.author,
    )


def schedule_missed(post: Post, *, reason: str) -> None:
    recipients = [post.author]
    if post.scheduled_by is not None:
        recipients.append(post.scheduled_by)
    notify(
        recipients=recipients,
        kind=Notification.Kind.SCHEDULE_MISSED,
        subject=f"Post #{post.pk} missed its scheduled time",
        message=(
            f"Post #{post.pk} was not published: its scheduled time came during a crisis pause "
            f"({reason}). Reschedule it when publishing resumes."
        ),
        post=post,
        url=_post_url(post),
    )


def publish_failed(post: Post, *, error: str) -> None:
    """The platform refused the post, or retries ran out: the author and whoever scheduled or
    sent it are told, with the platform's own words."""
    from approvals.models import AuditEvent

    recipients: list[Any] = [post.author]
    sender = (
        AuditEvent.objects.for_target(post)
        .filter(action__in=("post.schedule", "post.publish_now", "post.retry"))
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    if sender is not None and sender.actor is not None:
        recipients.append(sender.actor)
    notify(
        recipients=recipients,
        kind=Notification.Kind.PUBLISH_FAILED,
        subject=f"Post #{post.pk} was not published",
        message=f"Post #{post.pk} was not published: {error}",
        post=post,
        url=_post_url(post),
    )


def connection_broken(account: Any, *, problem: str) -> None:
    """A brand account's stored credentials stopped working: the people who can connect it
    again (its managers, org admins) are told, with the platform's own words."""
    recipients = [
        *authz.users_holding("manage", account),
        *authz.users_with_org_role(OrgRole.ORG_ADMIN),
    ]
    notify(
        recipients=recipients,
        kind=Notification.Kind.CONNECTION,
        subject=f"{account.display_name} needs connecting again",
        message=f"{account.display_name} needs connecting again: {problem}",
        url=reverse("brandaccount_detail", args=[account.pk]),
    )
