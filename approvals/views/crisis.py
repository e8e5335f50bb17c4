"""Crisis pauses: the list with the form that sets one, and lifting one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from approvals import permissions, selectors, services
from approvals.forms import CrisisPauseForm, NoteForm
from core.errors import DomainError
from core.paging import page_of


@login_required
def crisis_pause_list(request: HttpRequest) -> HttpResponse:
    can_manage = permissions.can_manage_crisis(request.user)
    form = CrisisPauseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_manage:
            messages.error(request, "Only org admins and comms reviewers can pause publishing.")
            status = 403
        elif form.is_valid():
            try:
                pause = services.crisis_pause_set(
                    actor=request.user,  # type: ignore[arg-type]
                    reason=form.cleaned_data["reason"],
                    brand_account=form.cleaned_data["brand_account"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status_code
            else:
                scope = pause.brand_account.display_name if pause.brand_account else "everything"
                messages.success(request, f"Publishing is paused ({scope}).")
                return redirect("crisis_pause_list")
        else:
            status = 400
    context = {
        "active": selectors.crisis_pause_list(active=True),
        # Earlier pauses a page at a time (?page=); the active ones are few by nature.
        "history": page_of(request, selectors.crisis_pause_list(active=False)),
        "form": form,
        "can_manage": can_manage,
    }
    return render(request, "approvals/crisis.html", context, status=status)


@login_required
@require_POST
def crisis_pause_lift(request: HttpRequest, pk: int) -> HttpResponse:
    pause = permissions.access_crisis_pause(request.user, pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.crisis_pause_lift(pause=pause, actor=request.user, note=note)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        context = {
            "active": selectors.crisis_pause_list(active=True),
            # Earlier pauses a page at a time (?page=); the active ones are few by nature.
            "history": page_of(request, selectors.crisis_pause_list(active=False)),
            "form": CrisisPauseForm(),
            "can_manage": permissions.can_manage_crisis(request.user),
        }
        return render(request, "approvals/crisis.html", context, status=exc.status_code)
    messages.success(request, "The pause is lifted: scheduling and publishing resume.")
    return redirect("crisis_pause_list")
