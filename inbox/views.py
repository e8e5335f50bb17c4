"""The inbox pages (htmx where it helps): thin, they parse, call a selector or a service, and
render. The rules are the services'; the API calls the same ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Membership
from channels_app.platforms import Platform
from core.errors import DomainError
from core.paging import page_of
from inbox import permissions, selectors, sla
from inbox.case_views import case_panel_context
from inbox.forms import NoteForm, ReplyForm, TriageForm
from inbox.models import Conversation, ConversationState, Outcome
from inbox.services import ownership, replies, triage


def _default_tab(user: Any) -> str:
    tabs = selectors.tabs_for(user)
    return "new" if "new" in tabs else "mine"


@login_required
def inbox_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not permissions.can_use_inbox(user):
        raise PermissionDenied("The inbox is for triagers, comms and members of a department.")
    filters = {key: request.GET.get(key, "") for key in selectors.FILTERS}
    tabs = selectors.tabs_for(user)
    if filters["tab"] not in tabs:
        filters["tab"] = _default_tab(user)
    status = 200
    try:
        conversations = selectors.conversation_list(user=user, filters=filters)
    except DomainError as exc:
        messages.error(request, exc.message)
        conversations, status = Conversation.objects.none(), 400
    page = page_of(request, conversations)
    now = timezone.now()
    rows = [
        {
            "conversation": c,
            "due_at": sla.due_at(c),
            "breached": sla.is_breached(c, now=now),
        }
        for c in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "tabs": tabs,
        "filters": filters,
        "platforms": Platform.choices,
        "outcomes": Outcome.choices,
        "states": ConversationState.choices,
    }
    partial = bool(getattr(request, "htmx", False))  # django-htmx's middleware sets it
    template = "inbox/_list.html" if partial else "inbox/inbox_list.html"
    return render(request, template, context, status=status)


def _people(conversation: Conversation) -> list[tuple[int, str]]:
    """People a triager may assign: members of any department (one query)."""
    rows = (
        Membership.objects.select_related("user", "department")
        .filter(user__is_active=True)
        .order_by("department__name", "user__email")
    )
    return [(m.user_id, f"{m.user} ({m.department.name})") for m in rows]


def _detail_context(
    request: HttpRequest,
    conversation: Conversation,
    form: TriageForm | None = None,
    reply_form: ReplyForm | None = None,
) -> dict[str, Any]:
    user = request.user
    triager = permissions.is_triager(user)
    if triager and form is None:
        form = TriageForm(
            people=_people(conversation),
            initial={
                "outcome": conversation.outcome or conversation.suggested_outcome,
                "department": conversation.department or conversation.suggested_department,
                "assignee": conversation.assignee_id or conversation.suggested_assignee_id,
                "reason": conversation.no_response_reason,
                "version": conversation.version,
            },
        )
    now = timezone.now()
    is_owner = conversation.owner_id == user.pk
    can_reply = is_owner and conversation.state == ConversationState.TRIAGED
    saved = list(selectors.saved_reply_list(user=user).filter(is_active=True)) if can_reply else []
    return {
        "conversation": conversation,
        "replies": replies.conversation_replies(conversation=conversation),
        "can_reply": can_reply,
        "reply_form": reply_form
        or ReplyForm(saved_replies=saved, initial={"private": conversation.is_private}),
        "items": selectors.conversation_items(conversation=conversation),
        "timeline": selectors.conversation_timeline(conversation=conversation),
        "form": form,
        "is_triager": triager,
        "can_claim": permissions.can_claim(user, conversation) and conversation.owner_id is None,
        "can_release": conversation.owner_id is not None
        and permissions.can_release(user, conversation),
        "can_close": conversation.state == ConversationState.TRIAGED
        and permissions.can_close(user, conversation),
        "can_reopen": conversation.state == ConversationState.CLOSED
        and permissions.can_reopen(user, conversation),
        "due_at": sla.due_at(conversation),
        "breached": sla.is_breached(conversation, now=now),
        **case_panel_context(user, conversation),
    }


@login_required
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = permissions.access_conversation(request.user, pk)
    return render(request, "inbox/conversation.html", _detail_context(request, conversation))


@login_required
@require_POST
def conversation_triage(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = permissions.access_conversation(request.user, pk)
    form = TriageForm(request.POST, people=_people(conversation))
    if not form.is_valid():
        return render(
            request,
            "inbox/conversation.html",
            _detail_context(request, conversation, form),
            status=400,
        )
    data = form.cleaned_data
    try:
        triage.conversation_triage(
            actor=request.user,  # type: ignore[arg-type]
            conversation=conversation,
            outcome=data["outcome"],
            reason=data["reason"],
            note=data["note"],
            department=data["department"],
            assignee=data["assignee"],
            version=data["version"],
        )
    except DomainError as exc:
        if exc.field and exc.field in form.fields:
            form.add_error(exc.field, exc.message)
        else:
            form.add_error(None, exc.message)
        conversation = permissions.access_conversation(request.user, pk)
        return render(
            request,
            "inbox/conversation.html",
            _detail_context(request, conversation, form),
            status=exc.status_code,
        )
    messages.success(request, "Triaged.")
    return redirect("inbox:conversation", pk=pk)


def _action(
    request: HttpRequest, pk: int, act: Callable[[Conversation, dict[str, Any]], Any], done: str
) -> HttpResponse:
    conversation = permissions.access_conversation(request.user, pk)
    form = NoteForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {"note": "", "version": None}
    try:
        act(conversation, data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return render(
            request,
            "inbox/conversation.html",
            _detail_context(request, permissions.access_conversation(request.user, pk)),
            status=exc.status_code,
        )
    messages.success(request, done)
    return redirect("inbox:conversation", pk=pk)


@login_required
@require_POST
def conversation_claim(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda c, _d: ownership.conversation_claim(actor=request.user, conversation=c),  # type: ignore[arg-type]
        "It is yours to answer.",
    )


@login_required
@require_POST
def conversation_release(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda c, d: ownership.conversation_release(
            actor=request.user,  # type: ignore[arg-type]
            conversation=c,
            version=d.get("version"),
        ),
        "Released: the department can claim it.",
    )


@login_required
@require_POST
def conversation_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda c, d: ownership.conversation_close(
            actor=request.user,  # type: ignore[arg-type]
            conversation=c,
            note=d.get("note", ""),
            version=d.get("version"),
        ),
        "Closed.",
    )


@login_required
@require_POST
def conversation_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda c, d: ownership.conversation_reopen(
            actor=request.user,  # type: ignore[arg-type]
            conversation=c,
            note=d.get("note", ""),
            version=d.get("version"),
        ),
        "Reopened.",
    )


@login_required
@require_POST
def conversation_reply(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = permissions.access_conversation(request.user, pk)
    saved = list(selectors.saved_reply_list(user=request.user).filter(is_active=True))
    form = ReplyForm(request.POST, saved_replies=saved)

    def again(status: int) -> HttpResponse:
        context = _detail_context(request, conversation, reply_form=form)
        return render(request, "inbox/conversation.html", context, status=status)

    if not form.is_valid():
        return again(400)
    data = form.cleaned_data
    chosen = next((r for r in saved if str(r.pk) == data["saved_reply"]), None)
    try:
        post = replies.conversation_reply(
            actor=request.user,  # type: ignore[arg-type]
            conversation=conversation,
            text=data["body"],
            private=data["private"],
            submit=data["submit"],
            saved_reply=chosen,
        )
    except DomainError as exc:
        form.add_error(exc.field if exc.field in ("body", "saved_reply") else None, exc.message)
        return again(exc.status_code)
    messages.success(request, f"Reply saved as post #{post.pk} ({post.get_state_display()}).")
    return redirect("inbox:conversation", pk=pk)
