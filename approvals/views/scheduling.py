"""Scheduling and publishing buttons: schedule, unschedule, publish now, retry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from approvals import permissions, services
from approvals.forms import ScheduleForm
from approvals.views.page_context import _detail_context, _refused, _simple_action
from core.errors import DomainError


@login_required
@require_POST
def post_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    post = permissions.access_post(request.user, pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick a date and time to publish at.")
        return render(
            request,
            "approvals/post_detail.html",
            _detail_context(request, post, schedule_form=form),
            status=400,
        )
    try:
        post = services.post_schedule(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            scheduled_at=form.cleaned_data["scheduled_at"],
        )
    except DomainError as exc:
        return _refused(request, post, exc, schedule_form=form)
    local = timezone.localtime(post.scheduled_at)
    messages.success(request, f"Scheduled for {local:%d %b %Y, %H:%M} ({local.tzname()}).")
    return redirect("post_detail", pk=post.pk)


@login_required
@require_POST
def post_unschedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(
        request,
        pk,
        lambda post: services.post_unschedule(post=post, actor=request.user),  # type: ignore[arg-type]
        "Unscheduled: the post is approved and waits for a new time.",
    )


@login_required
@require_POST
def post_publish_now(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(
        request,
        pk,
        lambda post: services.post_publish_now(post=post, actor=request.user),  # type: ignore[arg-type]
        "Handed over for publishing.",
    )


@login_required
@require_POST
def post_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(
        request,
        pk,
        lambda post: services.post_retry(post=post, actor=request.user),  # type: ignore[arg-type]
        "Handed over for publishing again.",
    )
