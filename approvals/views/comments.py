"""Review comments: adding one (a reply, a suggestion), resolving it, applying a suggestion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from approvals import permissions, services
from approvals.forms import CommentForm
from approvals.models import Post
from approvals.views.page_context import _detail_context, _refused, _review_context
from core.errors import DomainError


def _back(request: HttpRequest, post: Post) -> str:
    """Back to the review screen or the post page, whichever the form was on."""
    if request.POST.get("next") == "review":
        return reverse("post_review", args=[post.pk])
    if request.POST.get("next") == "edit":
        return reverse("post_edit", args=[post.pk])
    return reverse("post_detail", args=[post.pk])


@login_required
@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    post = permissions.access_post(request.user, pk)
    form = CommentForm(request.POST)
    template = (
        "approvals/post_review.html"
        if request.POST.get("next") == "review"
        else "approvals/post_detail.html"
    )
    builder = _review_context if request.POST.get("next") == "review" else _detail_context
    if not form.is_valid():
        messages.error(request, "Write a comment first.")
        return render(request, template, builder(request, post, comment_form=form), status=400)
    parent = None
    if form.cleaned_data["parent"]:
        parent = permissions.access_comment(request.user, form.cleaned_data["parent"], post=post)
    try:
        comment = services.comment_add(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            body=form.cleaned_data["body"],
            quote=form.cleaned_data["quote"] or form.cleaned_data["quote_typed"],
            quote_occurrence=form.cleaned_data["quote_occurrence"] or 0,
            parent=parent,
            suggestion=form.cleaned_data["suggestion"],
        )
    except DomainError as exc:
        return _refused(request, post, exc, template=template, comment_form=form)
    messages.success(request, "Comment added.")
    return redirect(_back(request, post) + f"#comment-{comment.pk}")


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    post = permissions.access_post(request.user, pk)
    comment = permissions.access_comment(request.user, comment_id, post=post)
    resolved = request.POST.get("resolved", "1") != "0"
    try:
        services.comment_resolve(comment=comment, actor=request.user, resolved=resolved)  # type: ignore[arg-type]
    except DomainError as exc:
        return _refused(request, post, exc)
    messages.success(request, "Comment resolved." if resolved else "Comment reopened.")
    return redirect(_back(request, post) + f"#comment-{comment.pk}")


@login_required
@require_POST
def comment_apply(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    post = permissions.access_post(request.user, pk)
    comment = permissions.access_comment(request.user, comment_id, post=post)
    try:
        post = services.comment_apply_suggestion(comment=comment, actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        return _refused(request, post, exc)
    messages.success(request, f"Suggestion applied as revision {post.revision_number}.")
    return redirect("post_detail", pk=post.pk)
