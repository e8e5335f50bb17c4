"""A person's notifications, and marking them read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from activity import selectors as activity_selectors
from activity import services as activity_services
from core.paging import page_of


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = page_of(request, activity_selectors.notification_list(user=request.user))
    context = {"page": page, "notifications": page.object_list}
    return render(request, "approvals/notifications.html", context)


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    activity_services.notifications_mark_read(user=request.user)
    return redirect("notification_list")
