"""The post list, one post's page, submit, withdraw (with its confirmation page) and copying a
closed post into a new draft."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from approvals import permissions, selectors, services
from approvals.forms import WithdrawForm
from approvals.models import Post, PostState
from approvals.views.page_context import _detail_context, _refused, _simple_action
from core.errors import DomainError
from core.paging import page_of

# The post list's filters besides the state tab and the scope, as the selector names them.
POST_LIST_FILTERS = ("department", "brand_account", "day")


@login_required
def post_list(request: HttpRequest) -> HttpResponse:
    """My posts by state (or every post I can see), one tab per state with its count, a page at
    a time. Filters in the URL: department, brand_account and day (the calendar's "+N more")."""
    scope = request.GET.get("scope", "mine")
    filters: dict[str, Any] = {"author": "me"} if scope != "all" else {}
    extra = {key: request.GET.get(key, "").strip() for key in POST_LIST_FILTERS}
    filters.update({key: value for key, value in extra.items() if value})
    state = request.GET.get("state", "")
    if state not in PostState.values:
        state = ""
    status = 200
    try:
        base = selectors.post_list(user=request.user, filters=filters)
        counts = selectors.post_state_counts(posts=base)
    except DomainError as exc:
        messages.error(request, exc.message)
        base, status = Post.objects.none(), exc.status_code
        counts = dict.fromkeys(PostState.values, 0)
    page = page_of(request, base.filter(state=state) if state else base)
    tabs = [
        {"state": value, "label": label, "count": counts[value]}
        for value, label in PostState.choices
    ]
    context = {
        "page": page,
        "posts": list(page.object_list),
        "tabs": tabs,
        "state": state,
        "scope": "all" if scope == "all" else "mine",
        "day": extra["day"] if status == 200 else "",
        "total": sum(counts.values()),
        # Reviewers may act on several posts at once (each post is checked again); from their
        # roles, read once per request already, so no query of its own.
        "may_bulk": bool(permissions.reviewer_stages(request.user)),
        "bulk_actions": services.BulkAction.choices,
        "review_reasons": selectors.review_reasons_offered(),
        "here": request.get_full_path(),
    }
    return render(request, "approvals/post_list.html", context, status=status)


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
@require_http_methods(["GET", "POST"])
def post_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw: the author from the post page in one step; anyone else (comms) on this
    confirmation page, with the reason the author is told."""
    post = permissions.access_post(request.user, pk)
    if not permissions.can_withdraw(request.user, post):
        raise PermissionDenied("Only the author or comms can withdraw a post.")
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.post_withdraw(
                post=post,
                actor=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            if exc.field != "reason":
                return _refused(request, post, exc)
            form.add_error("reason", exc.message)
            status = exc.status_code
        else:
            messages.success(request, "The post was withdrawn.")
            return redirect("post_detail", pk=post.pk)
    context = {"post": post, "form": form, "is_author": permissions.is_author(request.user, post)}
    return render(request, "approvals/post_withdraw.html", context, status=status)


@login_required
@require_POST
def post_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """The author starts a new draft from a withdrawn or rejected post."""
    post = permissions.access_post(request.user, pk)
    try:
        copy = services.post_copy_to_draft(post=post, actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        return _refused(request, post, exc)
    messages.success(request, f"Post #{copy.pk} is a new draft with the text of post #{post.pk}.")
    return redirect("post_edit", pk=copy.pk)
