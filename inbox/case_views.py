"""The case panel on the conversation page (htmx: create, status, retry) and the org-admin
page for the helpdesk connection with *Check connection*. Thin: they call the services the
API calls."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import authz
from core.errors import DomainError
from inbox import permissions
from inbox.helpdesks.registry import HelpdeskKind, setting_fields
from inbox.models import Case, CaseDelivery, Conversation, Outcome
from inbox.services import cases, helpdesk


def case_panel_context(user: Any, conversation: Conversation) -> dict[str, Any]:
    """What the panel shows; the conversation page includes it with the same context."""
    case = Case.objects.filter(conversation=conversation).first()
    may_act = cases.can_hand_over(user, conversation)
    # Without a helpdesk the panel says how one is connected instead of offering a case.
    connected = case is not None or helpdesk.helpdesk_connection() is not None
    return {
        "conversation": conversation,
        "case": case,
        "case_offered": conversation.outcome == Outcome.CUSTOMER_SERVICE,
        "helpdesk_connected": connected,
        "may_connect_helpdesk": not connected and authz.is_org_admin(user),
        "can_create_case": case is None and connected and may_act,
        "can_retry_case": case is not None and case.state == CaseDelivery.FAILED and may_act,
        "case_pending": case is not None
        and case.state in (CaseDelivery.QUEUED, CaseDelivery.CREATING),
    }


def _panel(request: HttpRequest, conversation: Conversation, status: int = 200) -> HttpResponse:
    if request.headers.get("HX-Request"):
        context = case_panel_context(request.user, conversation)
        return render(request, "inbox/_case_panel.html", context, status=status)
    return redirect("inbox:conversation", pk=conversation.pk)


@login_required
def case_panel(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = permissions.access_conversation(request.user, pk)
    context = case_panel_context(request.user, conversation)
    return render(request, "inbox/_case_panel.html", context)


@login_required
@require_POST
def case_create(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = permissions.access_conversation(request.user, pk)
    try:
        cases.case_create(actor=request.user, conversation=conversation)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return _panel(request, conversation, exc.status_code)
    messages.success(request, "Handed to the helpdesk.")
    return _panel(request, conversation)


@login_required
@require_POST
def case_retry(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = permissions.access_conversation(request.user, pk)
    case = Case.objects.filter(conversation=conversation).first()
    if case is None:
        raise Http404
    try:
        cases.case_retry(actor=request.user, case=case)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return _panel(request, conversation, exc.status_code)
    messages.success(request, "Queued again.")
    return _panel(request, conversation)


def _settings_context(kind: str, values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    connection = helpdesk.helpdesk_connection()
    return {
        "connection": connection,
        "kinds": HelpdeskKind.choices,
        "kind": kind,
        "helpdesks": [
            {
                "kind": choice,
                "label": label,
                "fields": [
                    {
                        "field": field,
                        "name": f"{choice}-{field.name}",
                        # Secrets are write-only: never shown again.
                        "value": "" if field.secret else values.get(field.name, ""),
                        "error": errors.get(field.name, "") if choice == kind else "",
                    }
                    for field in setting_fields(choice)
                ],
            }
            for choice, label in HelpdeskKind.choices
        ],
        "form_error": errors.get("", ""),
    }


@login_required
def helpdesk_settings(request: HttpRequest) -> HttpResponse:
    """Org admins only (404 for everyone else, as for a page that is not there)."""
    if not authz.is_org_admin(request.user):
        raise Http404
    connection = helpdesk.helpdesk_connection()
    kind = connection.kind if connection else HelpdeskKind.DJANGO_HELPDESK
    values = dict(connection.public_settings) if connection else {}
    if request.method != "POST":
        return render(request, "inbox/helpdesk_settings.html", _settings_context(kind, values, {}))
    status = 200
    errors: dict[str, str] = {}
    if "check" in request.POST:
        try:
            helpdesk.helpdesk_connection_check(actor=request.user)  # type: ignore[arg-type]
        except DomainError as exc:
            errors[""] = exc.message
            status = exc.status_code
        else:
            messages.success(request, "The helpdesk accepted the stored settings.")
            return redirect("inbox:helpdesk")
    else:
        kind = request.POST.get("kind", "")
        values = {
            field.name: request.POST.get(f"{kind}-{field.name}", "")
            for field in setting_fields(kind)
        }
        try:
            helpdesk.helpdesk_connection_save(
                actor=request.user,  # type: ignore[arg-type]
                kind=kind,
                data=values,
            )
        except DomainError as exc:
            field = exc.field if exc.field and exc.field in values else ""
            errors[field] = exc.message
            status = exc.status_code
        else:
            messages.success(request, "Saved: the helpdesk accepted these settings.")
            return redirect("inbox:helpdesk")
    context = _settings_context(kind, values, errors)
    return render(request, "inbox/helpdesk_settings.html", context, status=status)
