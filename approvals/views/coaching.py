"""Coaching pages: the review-reason taxonomy (org admins), a person's own feedback, and the
reasons of the departments a manager leads (org admins and HR: any department)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from approvals import permissions, selectors, services
from approvals.models import ReviewReason
from approvals.services import coaching
from core.errors import DomainError
from core.paging import page_of
from training.models import Course

FEEDBACK_ROWS = 20


class ReviewReasonForm(forms.Form):
    name = forms.CharField(max_length=coaching.MAX_NAME)
    description = forms.CharField(max_length=coaching.MAX_DESCRIPTION, required=False)
    course = forms.ModelChoiceField(
        queryset=Course.objects.none(),
        required=False,
        empty_label="No course",
        help_text="Assigned to a person whose reviews keep finding this reason.",
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Offered to reviewers")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.published().order_by("title")  # type: ignore[attr-defined]


def _require_admin(request: HttpRequest) -> None:
    if not permissions.can_edit_review_reasons(request.user):
        raise Http404


@login_required
def review_reason_list(request: HttpRequest) -> HttpResponse:
    """The taxonomy with the form that adds a reason (org admins only)."""
    _require_admin(request)
    form = ReviewReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reason = services.review_reason_create(
                    actor=request.user,  # type: ignore[arg-type]
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    course=form.cleaned_data["course"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, f"Reason '{reason.name}' added.")
                return redirect("review_reason_list")
        else:
            status = 400
    reasons = ReviewReason.objects.select_related("course")
    return render(
        request,
        "approvals/review_reasons.html",
        {
            "reasons": reasons,
            "form": form,
            "threshold": settings.SOCIALHUB_COACHING_THRESHOLD,
            "window_days": settings.SOCIALHUB_COACHING_WINDOW_DAYS,
        },
        status=status,
    )


@login_required
def review_reason_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    reason = permissions.access_review_reason(request.user, pk)
    initial = {
        "name": reason.name,
        "description": reason.description,
        "course": reason.course,
        "is_active": reason.is_active,
    }
    form = ReviewReasonForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.review_reason_update(
                    actor=request.user,  # type: ignore[arg-type]
                    reason=reason,
                    **form.cleaned_data,
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, f"Reason '{form.cleaned_data['name']}' saved.")
                return redirect("review_reason_list")
        else:
            status = 400
    return render(
        request,
        "approvals/review_reason_edit.html",
        {"reason": reason, "form": form},
        status=status,
    )


@login_required
def my_feedback(request: HttpRequest) -> HttpResponse:
    """What reviewers found in a person's own posts, by reason and month, and the courses
    assigned because of it."""
    decisions = selectors.reasoned_decisions(user=request.user, person=request.user)
    page = page_of(
        request, decisions.select_related("reason", "post", "reviewer"), per_page=FEEDBACK_ROWS
    )
    return render(
        request,
        "approvals/my_feedback.html",
        {
            "page": page,
            "summary": selectors.reasons_by_month(decisions=decisions),
            "coaching": selectors.my_coaching(user=request.user),
        },
    )


@login_required
def review_reason_summary(request: HttpRequest) -> HttpResponse:
    """Managers: the reasons their departments' posts collected, by month, and who was
    assigned coaching. Org admins and HR choose any department (or all)."""
    scope = selectors.review_reason_summary_scope(
        user=request.user, department_slug=request.GET.get("department", "")
    )
    return render(
        request,
        "approvals/review_reason_summary.html",
        {
            "departments": scope.departments,
            "department": scope.department,
            "summary": selectors.reasons_by_month(decisions=scope.decisions),
            "coaching": scope.coaching[: selectors.COACHING_ROWS],
            "can_edit_reasons": permissions.can_edit_review_reasons(request.user),
        },
    )
