"""Customer-service conversations handed to the helpdesk exactly once, and followed back.

``case_create`` writes the Case (queued) with its audit event and queues the delivery task on
commit. ``case_deliver`` (the task's body) claims the case by compare-and-swap (queued →
creating) and, whenever a create request may already have left (an unknown outcome, a worker
that died mid-request), looks the case up by its external id before sending again. The sweep
puts back cases left in *creating* past a grace period. ``cases_follow`` reads the status of
open cases, closes solved conversations when the setting says so, and appends the customer's
new messages as notes, each once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from core.errors import Conflict, NotAllowed
from inbox import permissions
from inbox.helpdesks.base import (
    CaseRef,
    CaseRequest,
    CaseState,
    ConnectorError,
    CustomerMessage,
    HelpdeskSettings,
    OutcomeUnknownError,
    PermanentError,
    RetryableError,
)
from inbox.helpdesks.registry import connector_for
from inbox.models import (
    Case,
    CaseDelivery,
    Conversation,
    ConversationState,
    HelpdeskConnection,
    InboxItem,
    Outcome,
)
from inbox.services.common import record
from inbox.services.helpdesk import helpdesk_connection, helpdesk_settings
from inbox.services.ownership import close_solved

logger = logging.getLogger(__name__)

DELIVER_TASK = "inbox.case_deliver"


def external_id_for(conversation: Conversation) -> str:
    return f"socialhub-conversation-{conversation.pk}"


def enqueue(case_id: int, *, countdown: float = 0) -> None:
    """Queue the delivery; a broker that refuses is logged, and the sweep queues it again."""
    try:
        current_app.tasks[DELIVER_TASK].apply_async(args=(case_id,), countdown=countdown)
    except Exception as exc:  # the broker is down or unreachable
        logger.warning("Could not queue case %s (%s).", case_id, type(exc).__name__)


def can_hand_over(user: Any, conversation: Conversation) -> bool:
    """Triagers and comms; the owner once someone owns it (one owner at a time); before that
    the assigned person or a member of the assigned department."""
    if permissions.sees_every_conversation(user):
        return True
    if conversation.owner_id is not None:
        return bool(conversation.owner_id == user.pk)
    return permissions.is_responder(user, conversation)


def case_create(*, actor: User, conversation: Conversation) -> Case:
    """Hand a customer-service conversation to the helpdesk (404 is the caller's access
    check; 403 here for the wrong role; 409 for another outcome or an existing case)."""
    if not can_hand_over(actor, conversation):
        raise NotAllowed("Only the people answering this conversation can open a case.")
    if conversation.outcome != Outcome.CUSTOMER_SERVICE:
        raise Conflict("Only customer-service conversations become helpdesk cases.")
    if helpdesk_connection() is None:
        raise Conflict("No helpdesk is connected: an org admin sets it up first.")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if Case.objects.filter(conversation=locked).exists():
            raise Conflict("This conversation already has a case.", code="case_exists")
        case = Case.objects.create(
            conversation=locked,
            external_id=external_id_for(locked),
            requested_by=actor,
        )
        record(locked, actor=actor, action="inbox.case_requested", to_state=CaseDelivery.QUEUED)
        transaction.on_commit(lambda: enqueue(case.pk))
    return case


def case_retry(*, actor: User, case: Case) -> Case:
    if not can_hand_over(actor, case.conversation):
        raise NotAllowed("Only the people answering this conversation can retry its case.")
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, state=CaseDelivery.FAILED).update(
            state=CaseDelivery.QUEUED, attempts=0, updated_at=timezone.now()
        )
        if not updated:
            raise Conflict("Only a failed case can be retried.", code="case_not_failed")
        record(
            case.conversation,
            actor=actor,
            action="inbox.case_retried",
            from_state=CaseDelivery.FAILED,
            to_state=CaseDelivery.QUEUED,
        )
        transaction.on_commit(lambda: enqueue(case.pk))
    case.refresh_from_db()
    return case


def _customer_item_rows(case: Case) -> QuerySet[InboxItem]:
    """The customer's own items (not those our brand account wrote), oldest first."""
    conversation = case.conversation
    return (
        InboxItem.objects.filter(conversation=conversation)
        .exclude(author_handle__iexact=conversation.brand_account.handle)
        .order_by("created_at", "id")
    )


def _customer_items(case: Case) -> list[InboxItem]:
    return list(_customer_item_rows(case))


def case_request(case: Case, items: list[InboxItem]) -> CaseRequest:
    """Only what the customer wrote and their public handle: nothing written in SocialHub."""
    conversation = case.conversation
    return CaseRequest(
        external_id=case.external_id,
        subject=conversation.subject or "Customer service conversation",
        platform=conversation.platform,
        customer_handle=conversation.author_handle or "unknown",
        customer_name=conversation.author_name,
        customer_url=conversation.author_url,
        messages=tuple(
            CustomerMessage(text=item.text, sent_at=item.created_at, url=item.url) for item in items
        ),
    )


def _claim(case_id: int) -> tuple[Case, bool] | None:
    """queued → creating under the row lock. Returns the case and whether a create request may
    already have left before (then look it up first); None when there is nothing to do."""
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("conversation__brand_account")
            .filter(pk=case_id)
            .first()
        )
        if case is None or case.state != CaseDelivery.QUEUED:
            return None
        maybe_sent = case.maybe_sent
        # From here on a create request may leave: should this worker die, the next one
        # looks the case up before sending.
        Case.objects.filter(pk=case.pk, state=CaseDelivery.QUEUED).update(
            state=CaseDelivery.CREATING,
            maybe_sent=True,
            attempts=F("attempts") + 1,
            claimed_at=timezone.now(),
            updated_at=timezone.now(),
        )
        case.refresh_from_db()
    return case, maybe_sent


def retry_delay(attempts: int, retry_after: float | None = None) -> float:
    base = settings.SOCIALHUB_HELPDESK_RETRY_BASE * 2 ** max(0, attempts - 1)
    delay = min(base, settings.SOCIALHUB_HELPDESK_RETRY_MAX)
    return max(delay, retry_after or 0)


def _leave_creating(
    case: Case, to_state: str, *, action: str, note: str, data: Any = None, **fields: Any
) -> bool:
    """Move a case this worker holds out of "creating", audited in the same transaction; False
    when it is no longer "creating" (the sweep or another worker moved it: nothing written)."""
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, state=CaseDelivery.CREATING).update(
            state=to_state, updated_at=timezone.now(), **fields
        )
        if updated:
            record(
                case.conversation,
                actor=None,
                action=action,
                from_state=CaseDelivery.CREATING,
                to_state=to_state,
                note=note,
                data=data,
            )
    return bool(updated)


def _created(case: Case, ref: CaseRef, kind: str, item_ids: list[int]) -> None:
    _leave_creating(
        case,
        CaseDelivery.CREATED,
        action="inbox.case_created",
        note=f"Case {ref.number} in the helpdesk.",
        data={"case_id": ref.case_id, "number": ref.number, "url": ref.url},
        maybe_sent=False,
        helpdesk_kind=kind,
        helpdesk_case_id=ref.case_id,
        helpdesk_number=ref.number,
        helpdesk_url=ref.url,
        status=CaseState.OPEN,
        last_error="",
        sent_item_ids=item_ids,
        delivered_at=timezone.now(),
    )


def _failed(case: Case, message: str) -> None:
    _leave_creating(
        case,
        CaseDelivery.FAILED,
        action="inbox.case_failed",
        note=message,
        maybe_sent=False,
        last_error=message,
    )


def _again(case: Case, message: str, *, maybe_sent: bool, retry_after: float | None) -> None:
    if case.attempts >= settings.SOCIALHUB_HELPDESK_MAX_ATTEMPTS:
        _failed(case, f"Gave up after {case.attempts} attempts: {message}")
        return
    delay = retry_delay(case.attempts, retry_after)
    if _leave_creating(
        case,
        CaseDelivery.QUEUED,
        action="inbox.case_retried",
        note=f"Tried again in {delay:.0f} s (attempt {case.attempts}): {message}",
        data={"automatic": "back-off", "attempt": case.attempts, "delay_seconds": delay},
        maybe_sent=maybe_sent,
        last_error=message,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    ):
        # After the commit (at once when no outer transaction holds this one).
        transaction.on_commit(lambda: enqueue(case.pk, countdown=delay))


def case_deliver(case_id: int) -> str:
    """Create the case in the helpdesk, exactly once. Returns the state it left the case in."""
    claimed = _claim(case_id)
    if claimed is None:
        return "skipped"
    case, maybe_sent = claimed
    connection = helpdesk_connection()
    if connection is None:
        _failed(case, "No helpdesk is connected.")
        return CaseDelivery.FAILED
    connector = connector_for(connection.kind)
    items = _customer_items(case)
    item_ids = [item.pk for item in items]
    try:
        values = helpdesk_settings(connection)
        if maybe_sent:
            found = connector.find_case(values, case.external_id)
            if found is not None:
                _created(case, found, connection.kind, item_ids)
                return CaseDelivery.CREATED
        ref = connector.create_case(values, case_request(case, items))
    except OutcomeUnknownError as exc:
        _again(case, exc.message, maybe_sent=True, retry_after=None)
        return CaseDelivery.QUEUED
    except RetryableError as exc:
        # Not created (the helpdesk said so), unless a look-up above was what failed.
        _again(case, exc.message, maybe_sent=maybe_sent, retry_after=exc.retry_after)
        return CaseDelivery.QUEUED
    except (PermanentError, ConnectorError, Conflict, ValueError) as exc:
        _failed(case, getattr(exc, "message", str(exc)))
        return CaseDelivery.FAILED
    _created(case, ref, connection.kind, item_ids)
    return CaseDelivery.CREATED


def cases_sweep(*, now: Any = None) -> int:
    """Put back cases left in *creating* past the grace period (a worker died mid-request):
    marked maybe-sent, so the next attempt looks the case up before sending. Also queues
    again queued cases whose message was lost (a grace period after they were queued, or
    after their retry was due). Returns how many were queued."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.SOCIALHUB_HELPDESK_SWEEP_GRACE)
    lost = Q(state=CaseDelivery.QUEUED) & (
        Q(next_attempt_at__isnull=True, updated_at__lt=stale) | Q(next_attempt_at__lt=stale)
    )
    stuck = Q(state=CaseDelivery.CREATING, claimed_at__lt=stale)
    found = list(
        Case.objects.filter(stuck | lost)
        .select_related("conversation__department")
        .order_by("pk")[:500]
    )
    queued = 0
    for case in found:
        # Conditional updates: a worker that claimed the case meanwhile keeps it.
        with transaction.atomic():
            was = CaseDelivery.CREATING
            updated = (
                Case.objects.filter(pk=case.pk)
                .filter(stuck)
                .update(state=CaseDelivery.QUEUED, maybe_sent=True, updated_at=now)
            )
            if not updated:
                was = CaseDelivery.QUEUED
                updated = (
                    Case.objects.filter(pk=case.pk)
                    .filter(lost)
                    .update(next_attempt_at=None, updated_at=now)
                )
            if not updated:
                continue
            record(
                case.conversation,
                actor=None,
                action="inbox.case_retried",
                from_state=was,
                to_state=CaseDelivery.QUEUED,
                note=(
                    "Left half-done by a worker that stopped: looked up before any resend."
                    if was == CaseDelivery.CREATING
                    else "Its delivery message was lost: queued again."
                ),
                data={"automatic": "sweep"},
            )
        enqueue(case.pk)
        queued += 1
    return queued


NOTES_TASK = "inbox.case_notes_send"


def case_follow(case: Case, *, now: Any = None) -> None:
    """Read the case's status back; new customer messages go to it as notes, each once; a
    solved case closes its conversation when SOCIALHUB_HELPDESK_CLOSE_WHEN_SOLVED says so."""
    connection = helpdesk_connection()
    if connection is None or case.state != CaseDelivery.CREATED:
        return
    now = now or timezone.now()
    case_notes_send(case.pk, now=now, connection=connection)
    connector = connector_for(case.helpdesk_kind or connection.kind)
    status = connector.case_status(helpdesk_settings(connection), case.helpdesk_case_id)
    _status_changed(case, status.state, status.helpdesk_status, now=now)


def _enqueue_notes(case_id: int, *, countdown: float) -> None:
    """A retry of the notes at its back-off time (the status beat also tries them again)."""
    try:
        current_app.tasks[NOTES_TASK].apply_async(args=(case_id,), countdown=countdown)
    except Exception as exc:  # the broker is down: the next status beat sends them
        logger.warning("Could not queue the notes of case %s (%s).", case_id, type(exc).__name__)


def _next_note(case_id: int, now: Any) -> tuple[Case, InboxItem] | None:
    """Under the case row lock: the oldest customer item not sent yet, marked as being sent
    (committed before the request leaves). None when there is nothing to send now: nothing
    new, a retry not due yet, or another worker sending this case's notes."""
    grace = timedelta(seconds=settings.SOCIALHUB_HELPDESK_SWEEP_GRACE)
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("conversation__brand_account")
            .filter(pk=case_id, state=CaseDelivery.CREATED)
            .first()
        )
        if case is None or (case.notes_retry_at is not None and case.notes_retry_at > now):
            return None
        sent = list(case.sent_item_ids)
        if case.note_sending_item_id is not None:
            if case.note_sending_at is not None and case.note_sending_at > now - grace:
                return None  # another worker is sending it now
            # Its sender stopped mid-request: the note may be there; never sent twice.
            logger.info("A note of case %s may be missing (its sender stopped).", case.pk)
            sent.append(case.note_sending_item_id)
        item = _customer_item_rows(case).exclude(pk__in=sent).first()
        if item is None and case.note_sending_item_id is None:
            return None  # nothing new: nothing written
        case.sent_item_ids = sent
        case.note_sending_item_id = item.pk if item is not None else None
        case.note_sending_at = now if item is not None else None
        case.save(update_fields=["sent_item_ids", "note_sending_item_id", "note_sending_at"])
    return (case, item) if item is not None else None


def _note_done(
    case: Case, item: InboxItem, *, now: Any, error: ConnectorError | None = None
) -> float | None:
    """Record what became of the note, under the case row lock. Returns the back-off delay
    when the note is to be tried again later, else None (sent, or given up with a message)."""
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if locked.note_sending_item_id != item.pk:
            return None  # taken over past the grace period: that worker remembered it
        locked.note_sending_item_id = None
        locked.note_sending_at = None
        fields = ["sent_item_ids", "note_sending_item_id", "note_sending_at", "note_attempts"]
        fields += ["notes_retry_at", "note_error", "note_error_at"]
        retry_in: float | None = None
        if isinstance(error, RetryableError):
            # The helpdesk said it did not add it: the same note again, later; the notes
            # after it wait, so they reach the case in order.
            locked.note_attempts += 1
            if locked.note_attempts < settings.SOCIALHUB_HELPDESK_MAX_ATTEMPTS:
                retry_in = retry_delay(locked.note_attempts, error.retry_after)
                locked.notes_retry_at = now + timedelta(seconds=retry_in)
                locked.save(update_fields=fields)
                return retry_in
            error = PermanentError(
                f"Gave up after {locked.note_attempts} attempts: {error.message}",
                platform=error.platform,
            )
        # Sent, not known (never sent twice: remembered as sent), or refused for good.
        locked.sent_item_ids = [*locked.sent_item_ids, item.pk]
        locked.note_attempts = 0
        locked.notes_retry_at = None
        if error is not None and not isinstance(error, OutcomeUnknownError):
            when = item.created_at.strftime("%Y-%m-%d %H:%M UTC")
            locked.note_error = f"The message of {when} was not added as a note: {error.message}"
            locked.note_error_at = now
            record(
                case.conversation,
                actor=None,
                action="inbox.case_note_failed",
                note=locked.note_error,
                data={"item_id": item.pk},
            )
        locked.save(update_fields=fields)
    return retry_in


def case_notes_send(
    case_id: int, *, now: Any = None, connection: HelpdeskConnection | None = None
) -> int:
    """Append the customer's new messages to the case as notes, oldest first, each once:
    marked as being sent under the case row lock before each request, remembered as sent after
    it (or when its answer was lost: the helpdesk has no idempotent notes, so a note may be
    missing rather than doubled). A 5xx or 429 is tried again with back-off, the later notes
    waiting; a refusal is shown on the case panel. Returns how many notes were added.
    ``connection``: the helpdesk connection when the caller has read it (the status beat)."""
    now = now or timezone.now()
    connection = connection or helpdesk_connection()
    if connection is None:
        return 0
    added = 0
    values: HelpdeskSettings | None = None  # decrypted once, when there is a note to send
    while (picked := _next_note(case_id, now)) is not None:
        case, item = picked
        connector = connector_for(case.helpdesk_kind or connection.kind)
        values = values if values is not None else helpdesk_settings(connection)
        try:
            connector.add_note(values, case.helpdesk_case_id, _note_text(item))
        except ConnectorError as exc:
            logger.info("Note for case %s not added: %s", case.pk, exc.message)
            retry_in = _note_done(case, item, now=now, error=exc)
            if retry_in is not None:
                _enqueue_notes(case_id, countdown=retry_in)
                return added
            continue
        _note_done(case, item, now=now)
        added += 1
    return added


def _note_text(item: InboxItem) -> str:
    when = item.created_at.strftime("%Y-%m-%d %H:%M UTC")
    text = f"{item.author_handle} wrote [{when}]: {item.text}"
    return f"{text}\n{item.url}" if item.url else text


def _status_changed(case: Case, state: str, helpdesk_status: str, *, now: Any) -> None:
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("conversation")
            .get(pk=case.pk)
        )
        changed = locked.status != state
        locked.status = state
        locked.helpdesk_status = helpdesk_status[:100]
        locked.status_checked_at = now
        if changed and state == CaseState.SOLVED:
            locked.solved_at = now
        locked.save(update_fields=["status", "helpdesk_status", "status_checked_at", "solved_at"])
        if not changed:
            return
        record(
            locked.conversation,
            actor=None,
            action="inbox.case_status",
            from_state=case.status,
            to_state=state,
            note=f"The helpdesk says: {helpdesk_status}.",
        )
        if (
            state == CaseState.SOLVED
            and settings.SOCIALHUB_HELPDESK_CLOSE_WHEN_SOLVED
            and locked.conversation.state == ConversationState.TRIAGED
        ):
            close_solved(locked.conversation)
    case.status = state


def cases_follow(*, now: Any = None) -> int:
    """Beat: follow every created case that is not solved yet. Returns how many were read."""
    count = 0
    for case in (
        Case.objects.filter(state=CaseDelivery.CREATED)
        .exclude(status=CaseState.SOLVED)
        .select_related("conversation__brand_account")
    ):
        try:
            case_follow(case, now=now)
        except (ConnectorError, Conflict) as exc:
            logger.info("Status of case %s not read: %s", case.pk, getattr(exc, "message", exc))
            continue
        count += 1
    return count
