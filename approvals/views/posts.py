"""The post list, one post's page, and the author's submit and withdraw buttons."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from approvals import permissions, selectors, services
from approvals.forms import NoteForm
from approvals.models import PostState
from approvals.views.page_context import _detail_context, _simple_action


@login_required
def post_list(request: HttpRequest) -> HttpResponse:
    """My posts by state (or every post I can see), one tab per state with its count."""
    scope = request.GET.get("scope", "mine")
    filters: dict[str, Any] = {"author": "me"} if scope != "all" else {}
    state = request.GET.get("state", "")
    if state not in PostState.values:
        state = ""
    base = selectors.post_list(user=request.user, filters=filters)
    counts = selectors.post_state_counts(posts=base)
    posts = base.filter(state=state) if state else base
    tabs = [
        {"state": value, "label": label, "count": counts[value]}
        for value, label in PostState.choices
    ]
    context = {
        "posts": posts,
        "tabs": tabs,
        "state": state,
        "scope": "all" if scope == "all" else "mine",
        "total": sum(counts.values()),
        # Reviewers may act on several posts at once (each post is checked again); from their
        # roles, read once per request already, so no query of its own.
        "may_bulk": bool(permissions.reviewer_stages(request.user)),
        "bulk_actions": services.BulkAction.choices,
        "here": request.get_full_path(),
    }
    return render(request, "approvals/post_list.html", context)


@login_required
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = permissions.access_post(request.user, pk)
    return render(request, "approvals/post_detail.html", _detail_context(request, post))


@login_required
@require_POST
def post_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(
        request,
        pk,
        lambda post: services.post_submit(post=post, actor=request.user),  # type: ignore[arg-type]
        "Submitted for review.",
    )


@login_required
@require_POST
def post_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _simple_action(
        request,
        pk,
        lambda post: services.post_withdraw(post=post, actor=request.user, note=note),  # type: ignore[arg-type]
        "The post was withdrawn.",
    )
