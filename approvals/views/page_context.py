"""What a post's detail and review pages show (the buttons a person sees, the revision, its
comments), and how a refused action re-renders them with the service's message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from approvals import guidance, handover, permissions, selectors, services
from approvals.forms import CommentForm, DecisionForm, ScheduleForm
from approvals.models import Post, PostState
from approvals.revision_diff import has_changes, word_diff
from approvals.state_machine import EDITABLE_STATES, TRANSITIONS, Action
from core.errors import DomainError


def _can(state: str, action: str) -> bool:
    return (state, action) in TRANSITIONS


def _post_flags(user: Any, post: Post) -> dict[str, bool]:
    """Which buttons the person sees. The services check again on every request."""
    account = post.brand_account
    author = permissions.is_author(user, post)
    drafter = author and permissions.can_draft(user, account)
    stages = permissions.reviewer_stages(user)
    reviewer = bool(stages) and not author and permissions.can_review(user, account)
    publisher = permissions.can_publish(user, account)
    return {
        "is_author": author,
        "can_edit": drafter and post.state in EDITABLE_STATES,
        "can_submit": drafter and _can(post.state, Action.SUBMIT),
        "can_decide": reviewer and post.state == PostState.IN_REVIEW,
        "can_withdraw": _can(post.state, Action.WITHDRAW) and permissions.can_withdraw(user, post),
        "can_schedule": publisher and _can(post.state, Action.SCHEDULE),
        "can_unschedule": publisher and _can(post.state, Action.UNSCHEDULE),
        "can_publish_now": publisher and _can(post.state, Action.PUBLISH_NOW),
        "can_retry": publisher and _can(post.state, Action.RETRY),
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
    context = {
        "attempts": attempts,
        "post": post,
        "images": images,
        "flags": _post_flags(request.user, post),
        "stages": selectors.stage_statuses(post),
        "timeline": selectors.timeline(post=post),
        "threads": selectors.comment_threads(post=post),
        "result": result,
        "pause": services.crisis_pause_covering(post.brand_account),
        "schedule_form": ScheduleForm(),
        "comment_form": CommentForm(),
        "user_timezone": timezone.get_current_timezone_name(),
    }
    context.update(extra)
    return context


def _refused(
    request: HttpRequest,
    post: Post,
    exc: DomainError,
    *,
    template: str = "approvals/post_detail.html",
    **extra: Any,
) -> HttpResponse:
    messages.error(request, exc.message)
    post = selectors.post_get(user=request.user, pk=post.pk)
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
        }
    )
    context.update(extra)
    return context


def _simple_action(request: HttpRequest, pk: int, run: Any, done: str) -> HttpResponse:
    post = selectors.post_get(user=request.user, pk=pk)
    try:
        run(post)
    except DomainError as exc:
        return _refused(request, post, exc)
    messages.success(request, done)
    return redirect("post_detail", pk=post.pk)
