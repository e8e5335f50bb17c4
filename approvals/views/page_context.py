"""What a post's detail and review pages show (the buttons a person sees, the revision, its
comments), and how a refused action re-renders them with the service's message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from approvals import guidance, handover, permissions, selectors, services
from approvals.forms import CommentForm, DecisionForm, ScheduleForm
from approvals.models import Post
from approvals.post_actions import COPY_TO_DRAFT, post_actions
from approvals.revision_diff import has_changes, word_diff
from approvals.state_machine import TRANSITIONS, Action
from core.errors import DomainError


def _next_or(request: HttpRequest, default: str) -> str:
    """The posted `next` page (where the form was, with its filters) if it is a page of this
    site, else the named default page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _can(state: str, action: str) -> bool:
    return (state, action) in TRANSITIONS


def _post_flags(user: Any, post: Post, *, paused: bool | None = None) -> dict[str, bool]:
    """Which buttons the person sees: the actions post_actions offers them, the same list the
    post API returns as `actions`. The services check again on every request."""
    actions = set(post_actions(user, post, paused=paused))
    return {
        "is_author": permissions.is_author(user, post),
        "can_edit": Action.REVISE in actions,
        "can_submit": Action.SUBMIT in actions,
        # Approve, request changes and reject go together: the review page offers all three.
        "can_decide": Action.APPROVE in actions,
        "can_withdraw": Action.WITHDRAW in actions,
        "can_schedule": Action.SCHEDULE in actions,
        "can_reschedule": Action.RESCHEDULE in actions,
        "can_unschedule": Action.UNSCHEDULE in actions,
        "can_publish_now": Action.PUBLISH_NOW in actions,
        "can_retry": Action.RETRY in actions,
        "can_copy": COPY_TO_DRAFT in actions,
    }


def _detail_context(request: HttpRequest, post: Post, **extra: Any) -> dict[str, Any]:
    images = list(selectors.media_list(post=post))
    result = guidance.check_for_account(
        body=post.body,
        account=post.brand_account,
        alt_texts=[image.alt_text for image in images],
    )
    attempts = None
    if permissions.can_see_attempts(request.user, post):
        attempts = handover.publishing_attempts(post)
    pause = services.crisis_pause_covering(post.brand_account)
    flags = _post_flags(request.user, post, paused=pause is not None)
    context = {
        "attempts": attempts,
        "post": post,
        "images": images,
        "flags": flags,
        "stages": selectors.stage_statuses(post),
        "timeline": selectors.timeline(post=post),
        "threads": selectors.comment_threads(post=post),
        "result": result,
        "pause": pause,
        "quiet_periods": services.quiet_periods_for_post(post=post),
        "closed_states": sorted(services.quiet_periods.CLOSED_STATES),
        "can_grant_quiet_exception": permissions.can_grant_quiet_period_exception(request.user),
        "schedule_form": _schedule_form(post),
        "comment_form": CommentForm(),
        "user_timezone": timezone.get_current_timezone_name(),
    }
    context.update(extra)
    return context


def _schedule_form(post: Post) -> ScheduleForm:
    """The schedule form, offering the time the author asked for when it still lies ahead."""
    wish = post.requested_at
    if wish is None or wish <= timezone.now():
        return ScheduleForm()
    return ScheduleForm(initial={"scheduled_at": timezone.localtime(wish)})


def _refused(
    request: HttpRequest,
    post: Post,
    exc: DomainError,
    *,
    template: str = "approvals/post_detail.html",
    **extra: Any,
) -> HttpResponse:
    messages.error(request, exc.message)
    post = permissions.access_post(request.user, post.pk)
    builder = _review_context if template.endswith("post_review.html") else _detail_context
    return render(request, template, builder(request, post, **extra), status=exc.status_code)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _review_context(request: HttpRequest, post: Post, **extra: Any) -> dict[str, Any]:
    revisions = list(selectors.revision_list(post=post))
    current = revisions[-1] if revisions else None
    compare_from = _int(request.GET.get("from"))
    base = None
    if compare_from:
        base = next((r for r in revisions if r.number == compare_from), None)
    if base is None and len(revisions) > 1:
        # By default: what changed since the revision reviewers last decided on, else the last.
        decided = {d.revision_id for d in selectors.decision_list(post=post)}
        earlier = [r for r in revisions[:-1] if r.pk in decided] or revisions[:-1]
        base = earlier[-1]
    diff = word_diff(base.body, current.body) if base and current else []
    context = _detail_context(request, post)
    images_changed = False
    if base is not None:
        before = [(m.checksum, m.alt_text) for m in selectors.media_of_revision(revision=base)]
        images_changed = before != [(m.checksum, m.alt_text) for m in context["images"]]
    context.update(
        {
            "images_changed": images_changed,
            "revisions": revisions,
            "base": base,
            "diff": diff,
            "diff_has_changes": has_changes(diff),
            "decision_form": DecisionForm(initial={"revision": post.revision_number}),
            "reviewer_stages": permissions.reviewer_stages(request.user),
            # Offered with request-changes and reject (a lazy queryset: read only when shown).
            "review_reasons": selectors.review_reasons_offered(),
        }
    )
    context.update(extra)
    return context


def _simple_action(request: HttpRequest, pk: int, run: Any, done: str) -> HttpResponse:
    post = permissions.access_post(request.user, pk)
    try:
        run(post)
    except DomainError as exc:
        return _refused(request, post, exc)
    messages.success(request, done)
    return redirect("post_detail", pk=post.pk)
