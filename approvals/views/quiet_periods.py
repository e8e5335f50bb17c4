"""Quiet periods: the list with the form that plans one, changing and cancelling one, and legal's
per-post exceptions (granted and withdrawn from the post and review pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from approvals import permissions, selectors, services
from approvals.forms import NoteForm, QuietPeriodForm
from approvals.models import QuietPeriod
from approvals.views.page_context import _refused
from core.errors import DomainError
from core.paging import page_of

HISTORY_ROWS = 50


def _list_context(request: HttpRequest, form: QuietPeriodForm) -> dict[str, Any]:
    user = request.user
    return {
        "current": list(selectors.quiet_period_list(user=user, state="current")),
        # Upcoming periods a page at a time (?page=); those holding now are few by nature, and
        # the ended and cancelled ones are their latest HISTORY_ROWS.
        "upcoming": page_of(request, selectors.quiet_period_list(user=user, state="upcoming")),
        "past": list(selectors.quiet_period_list(user=user, state="past")[:HISTORY_ROWS]),
        "cancelled": list(selectors.quiet_period_list(user=user, state="cancelled")[:HISTORY_ROWS]),
        "form": form,
        "can_manage": permissions.can_manage_quiet_periods(user),
        "user_timezone": timezone.get_current_timezone_name(),
    }


def _form_error(form: QuietPeriodForm, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
def quiet_period_list(request: HttpRequest) -> HttpResponse:
    form = QuietPeriodForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not permissions.can_manage_quiet_periods(request.user):
            messages.error(request, "Only org admins and legal reviewers plan quiet periods.")
            status = 403
        elif form.is_valid():
            try:
                period = services.quiet_period_create(
                    actor=request.user,  # type: ignore[arg-type]
                    **form.cleaned_data,
                )
            except DomainError as exc:
                _form_error(form, exc)
                status = exc.status_code
            else:
                messages.success(request, f"Quiet period planned on {period.scope_label}.")
                return redirect("quiet_period_list")
        else:
            status = 400
    return render(
        request, "approvals/quiet_periods.html", _list_context(request, form), status=status
    )


def _initial(period: QuietPeriod) -> dict[str, Any]:
    return {
        "department": period.department,
        "brand_account": period.brand_account,
        "starts_at": period.starts_at,
        "ends_at": period.ends_at,
        "reason": period.reason,
    }


@login_required
def quiet_period_edit(request: HttpRequest, pk: int) -> HttpResponse:
    period = permissions.access_quiet_period(request.user, pk)
    status = 200
    if request.method == "POST":
        form = QuietPeriodForm(request.POST)
        if not permissions.can_manage_quiet_periods(request.user):
            messages.error(request, "Only org admins and legal reviewers change quiet periods.")
            status = 403
        elif form.is_valid():
            try:
                services.quiet_period_update(
                    period=period,
                    actor=request.user,  # type: ignore[arg-type]
                    **form.cleaned_data,
                )
            except DomainError as exc:
                _form_error(form, exc)
                status = exc.status_code
            else:
                messages.success(request, "Quiet period changed.")
                return redirect("quiet_period_list")
        else:
            status = 400
    else:
        form = QuietPeriodForm(initial=_initial(period))
        if not permissions.can_manage_quiet_periods(request.user):
            status = 403
    context = {
        "period": period,
        "form": form,
        "can_manage": permissions.can_manage_quiet_periods(request.user),
        "user_timezone": timezone.get_current_timezone_name(),
    }
    return render(request, "approvals/quiet_period_edit.html", context, status=status)


@login_required
@require_POST
def quiet_period_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    period = permissions.access_quiet_period(request.user, pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.quiet_period_cancel(period=period, actor=request.user, note=note)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return render(
            request,
            "approvals/quiet_periods.html",
            _list_context(request, QuietPeriodForm()),
            status=exc.status_code,
        )
    messages.success(request, "Quiet period cancelled: posts it held go out at their time.")
    return redirect("quiet_period_list")


def _review_template(request: HttpRequest) -> str:
    if request.POST.get("next_page") == "review":
        return "approvals/post_review.html"
    return "approvals/post_detail.html"


def _back(request: HttpRequest, pk: int) -> HttpResponse:
    name = "post_review" if request.POST.get("next_page") == "review" else "post_detail"
    return redirect(name, pk=pk)


@login_required
@require_POST
def quiet_period_exception_grant(request: HttpRequest, pk: int, period_pk: int) -> HttpResponse:
    post = permissions.access_post(request.user, pk)
    period = permissions.access_quiet_period(request.user, period_pk)
    try:
        # The note goes to the service as sent: it says what is missing or wrong with it.
        services.quiet_period_exception_grant(
            post=post,
            period=period,
            actor=request.user,  # type: ignore[arg-type]
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return _refused(request, post, exc, template=_review_template(request))
    messages.success(
        request,
        f"Post #{post.pk} may be published during the quiet period on {period.scope_label}.",
    )
    return _back(request, post.pk)


@login_required
@require_POST
def quiet_period_exception_revoke(request: HttpRequest, pk: int, period_pk: int) -> HttpResponse:
    post = permissions.access_post(request.user, pk)
    period = permissions.access_quiet_period(request.user, period_pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.quiet_period_exception_revoke(
            post=post,
            period=period,
            actor=request.user,  # type: ignore[arg-type]
            note=note,
        )
    except DomainError as exc:
        return _refused(request, post, exc, template=_review_template(request))
    messages.success(request, "Exception withdrawn: the quiet period holds this post again.")
    return _back(request, post.pk)
