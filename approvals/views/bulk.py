"""Bulk review from the queue and the post lists: one action on the chosen posts, each through
its own single-post service, and a page that says for each post whether it went through."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from approvals import services
from approvals.forms import ScheduleForm
from approvals.views.page_context import _next_or
from core.errors import DomainError, InvalidInput


@login_required
@require_POST
def posts_bulk(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "")
    ids = request.POST.getlist("ids")
    labels = dict(services.BulkAction.choices)
    # Back to where the person came from (the queue or a post list, with its filters).
    context: dict[str, Any] = {"back": _next_or(request, "review_queue")}
    try:
        when = None
        if action == services.BulkAction.SCHEDULE:
            form = ScheduleForm(request.POST)
            if not form.is_valid():
                raise InvalidInput("Pick a date and time to publish at.", field="scheduled_at")
            when = form.cleaned_data["scheduled_at"]
        if not ids:
            raise InvalidInput("Choose at least one post.", field="ids")
        results = services.posts_bulk_apply(
            actor=request.user,  # type: ignore[arg-type]
            action=action,
            ids=ids,
            note=request.POST.get("note", ""),
            reason=request.POST.get("reason", ""),
            scheduled_at=when,
            # The revision each row showed (rev-<id>), so nobody approves a text they did not see.
            revisions={
                key[4:]: value
                for key, value in request.POST.items()
                if key.startswith("rev-") and key[4:] in ids
            },
        )
    except DomainError as exc:
        context["error"] = exc
        return render(request, "approvals/bulk_results.html", context, status=exc.status_code)
    context.update(
        {
            "action": action,
            "label": labels.get(action, action),
            "results": results,
            "done": sum(1 for r in results if r.ok),
            "failed": sum(1 for r in results if not r.ok),
        }
    )
    return render(request, "approvals/bulk_results.html", context)
