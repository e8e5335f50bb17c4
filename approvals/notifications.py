"""What the workflow tells people, in its own words; activity.notify writes the notice (in the
caller's transaction) and e-mails it on commit. Nobody is told about their own action."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from accounts import authz
from accounts.models import User
from accounts.roles import OrgRole
from activity.models import AuditEvent, Notification, target_key
from activity.notifications import notify
from approvals import permissions
from approvals.models import Decision, Post, ReviewComment, Stage, Verdict
from channels_app.codenames import BrandAccountPerm


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
        target=post,
        url=_post_url(post, review=True),
        actor=actor,
    )


def stages_opened(post: Post, stages: Iterable[Any], *, actor: Any) -> None:
    """Approval-rule stages whose turn came (at submission, or once the stages before them
    approved): their reviewers are told, like comms and legal on submission."""
    for stage in stages:
        people = User.objects.filter(pk__in=stage.reviewer_ids, is_active=True).exclude(
            pk=post.author_id
        )
        notify(
            recipients=list(people),
            kind=Notification.Kind.SUBMITTED,
            message=f"Post #{post.pk} on {post.brand_account.display_name} by {post.author} "
            f"waits for the {stage.name} stage (revision {post.revision_number}): {stage.reason}",
            subject=f"Post #{post.pk} waits for your review ({stage.name})",
            target=post,
            url=_post_url(post, review=True),
            actor=actor,
        )


def decision_made(post: Post, decision: Decision, *, complete: bool) -> None:
    stage = decision.stage_label
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
        target=post,
        url=_post_url(post),
        actor=decision.reviewer,
    )


def post_withdrawn(post: Post, *, actor: Any, reason: str) -> None:
    notify(
        recipients=[post.author],
        kind=Notification.Kind.DECISION,
        message=f"{actor} withdrew your post #{post.pk}: {reason} You can copy it into a new "
        "draft from its page.",
        subject=f"Post #{post.pk} withdrawn",
        target=post,
        url=_post_url(post),
        actor=actor,
    )


def post_waits_on_connection(post: Post, *, problem: str) -> None:
    """A post cannot go out because its account is not connected (or needs connecting again):
    the account's managers and the org admins, who can connect it, are told once per post (a
    second hold or a retry of the same post tells nobody again); the author and whoever
    scheduled it hear that it was not published."""
    account = post.brand_account
    target_type, target_id = target_key(post)
    already_told = Notification.objects.filter(
        kind=Notification.Kind.CONNECTION, target_type=target_type, target_id=target_id
    ).exists()
    if not already_told:
        notify(
            recipients=[
                *authz.users_holding(BrandAccountPerm.MANAGE, account),
                *authz.users_with_org_role(OrgRole.ORG_ADMIN),
            ],
            kind=Notification.Kind.CONNECTION,
            subject=f"Post #{post.pk} waits for {account.display_name} to be connected",
            message=f"Post #{post.pk} waits for {account.display_name}: {problem}",
            target=post,
            url=reverse("brandaccount_detail", args=[account.pk]),
        )
    _schedule_missed(post, f"{problem} Reschedule it once it is.")


def approval_expired(post: Post, *, notice: str, subject: str = "the approval expired") -> None:
    notify(
        recipients=[post.author],
        kind=Notification.Kind.DECISION,
        subject=f"Post #{post.pk}: {subject}",
        message=f"Post #{post.pk}: {notice}",
        target=post,
        url=_post_url(post),
    )


def comment_added(comment: ReviewComment, *, mentioned: Iterable[User] = ()) -> None:
    """The post's author, and everyone who took part in the conversation, hear of a comment;
    people it mentions hear of the mention instead (one notice each)."""
    post = comment.post
    mentioned = list(mentioned)
    mentioned_ids = {person.pk for person in mentioned}
    earlier = ReviewComment.objects.filter(post=post).exclude(pk=comment.pk)
    participant_ids = set(earlier.values_list("author_id", flat=True))
    recipients = list(
        User.objects.filter(pk__in=(participant_ids | {post.author_id}) - mentioned_ids)
    )
    kind = "replied to a comment on" if comment.parent_id else "commented on"
    excerpt = comment.body if len(comment.body) <= 120 else comment.body[:117] + "…"
    url = _post_url(post) + f"#comment-{comment.pk}"
    notify(
        recipients=recipients,
        kind=Notification.Kind.COMMENT,
        message=f"{comment.author} {kind} post #{post.pk}: {excerpt}",
        subject=f"New comment on post #{post.pk}",
        target=post,
        url=url,
        actor=comment.author,
    )
    notify(
        recipients=mentioned,
        kind=Notification.Kind.MENTION,
        message=f"{comment.author} mentioned you on post #{post.pk}: {excerpt}",
        subject=f"You were mentioned on post #{post.pk}",
        target=post,
        url=url,
        actor=comment.author,
    )


def schedule_missed(post: Post, *, reason: str) -> None:
    _schedule_missed(
        post,
        f"its scheduled time came during a crisis pause ({reason}). Reschedule it when "
        "publishing resumes.",
    )


def quiet_period_held(post: Post, *, period: Any, actor: Any) -> None:
    """A window planned over a scheduled post: the author and whoever scheduled it hear that it
    will not go out at its time unless legal grants an exception or it is moved."""
    recipients = [post.author]
    if post.scheduled_by is not None:
        recipients.append(post.scheduled_by)
    notify(
        recipients=recipients,
        kind=Notification.Kind.QUIET_PERIOD,
        subject=f"Post #{post.pk} is held by a quiet period",
        message=(
            f"Post #{post.pk} is held: its scheduled time falls in a quiet period on "
            f"{period.scope_label} ({period.reason}). Move it outside the window, or ask legal "
            "for an exception."
        ),
        target=post,
        url=_post_url(post),
        actor=actor,
    )


def schedule_missed_in_quiet_period(post: Post, *, reason: str) -> None:
    _schedule_missed(
        post,
        f"its scheduled time came during a quiet period ({reason}). Reschedule it outside the "
        "window.",
    )


def _schedule_missed(post: Post, why: str) -> None:
    """The author and whoever scheduled the post hear that it was not published, and why."""
    recipients = [post.author]
    if post.scheduled_by is not None:
        recipients.append(post.scheduled_by)
    notify(
        recipients=recipients,
        kind=Notification.Kind.SCHEDULE_MISSED,
        subject=f"Post #{post.pk} missed its scheduled time",
        message=f"Post #{post.pk} was not published: {why}",
        target=post,
        url=_post_url(post),
    )


def publish_failed(post: Post, *, error: str) -> None:
    """The platform refused the post, or retries ran out: the author and whoever scheduled or
    sent it are told, with the platform's own words."""
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
        target=post,
        url=_post_url(post),
    )
