"""Triage: each conversation gets exactly one outcome, and an owner when it needs an answer.

- no_response: a reason (and a note for "other"); the conversation closes, and stays
  searchable.
- customer_service: a department (support when none is named) or a person.
- public_response: one department or one person.
Re-triage and re-assignment go through the same service, audited as such.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Department, Membership, User
from core.errors import InvalidInput, NotAllowed
from inbox import permissions
from inbox.models import Conversation, ConversationState, NoResponseReason, Outcome
from inbox.services.common import department_members, record, swap, tell

SUPPORT_DEPARTMENT = "support"


def _department(value: Any) -> Department | None:
    if value in (None, ""):
        return None
    if isinstance(value, Department):
        return value
    department = Department.objects.filter(pk=value).first() if str(value).isdigit() else None
    if department is None:
        department = Department.objects.filter(slug=str(value)).first()
    if department is None:
        raise InvalidInput("No such department.", field="department")
    return department


def _assignee(value: Any) -> User | None:
    if value in (None, ""):
        return None
    if isinstance(value, User):
        return value
    user = User.objects.filter(pk=value, is_active=True).first() if str(value).isdigit() else None
    if user is None:
        raise InvalidInput("No such person.", field="assignee")
    return user


def _owner_for(
    outcome: str, department: Department | None, assignee: User | None
) -> tuple[Department | None, User | None]:
    """Check and complete the assignment an outcome needs."""
    if outcome == Outcome.NO_RESPONSE:
        if department is not None or assignee is not None:
            raise InvalidInput(
                "A conversation left unanswered is assigned to nobody.", field="assignee"
            )
        return None, None
    if department is None and assignee is None:
        if outcome == Outcome.PUBLIC_RESPONSE:
            raise InvalidInput(
                "Assign a public response to one department or one person.", field="department"
            )
        department = Department.objects.filter(slug=SUPPORT_DEPARTMENT).first()
        if department is None:
            raise InvalidInput(
                "There is no support department: name the department or person.",
                field="department",
            )
    if assignee is not None:
        memberships = Membership.objects.filter(user=assignee)
        if department is not None:
            if not memberships.filter(department=department).exists():
                raise InvalidInput(f"{assignee} is not a member of {department}.", field="assignee")
        else:
            department_ids = list(memberships.values_list("department_id", flat=True)[:2])
            if not department_ids:
                raise InvalidInput(f"{assignee} is in no department.", field="assignee")
            if len(department_ids) > 1:
                raise InvalidInput(
                    f"{assignee} is in several departments: name the department too.",
                    field="department",
                )
            department = Department.objects.get(pk=department_ids[0])
    return department, assignee


def conversation_triage(
    *,
    actor: User,
    conversation: Conversation,
    outcome: str,
    reason: str = "",
    note: str = "",
    department: Any = None,
    assignee: Any = None,
    version: int | None = None,
) -> Conversation:
    """Set the outcome (and owner). `version` is the one the triager saw: when another triager
    changed the conversation since, this one gets a conflict instead of overwriting."""
    if not permissions.is_triager(actor):
        raise NotAllowed("Only people with the triage role choose a conversation's outcome.")
    if outcome not in Outcome.values:
        raise InvalidInput(
            "Choose one outcome: no_response, customer_service or public_response.",
            field="outcome",
        )
    note = (note or "").strip()
    if outcome == Outcome.NO_RESPONSE:
        if reason not in NoResponseReason.values:
            raise InvalidInput(
                "Say why it needs no response: spam, praise, off_topic, already_handled or other.",
                field="reason",
            )
        if reason == NoResponseReason.OTHER and not note:
            raise InvalidInput("Add a note saying why it needs no response.", field="note")
    elif reason:
        raise InvalidInput("A reason is given only for no response.", field="reason")
    target_department, target_assignee = _owner_for(
        outcome, _department(department), _assignee(assignee)
    )
    expected = conversation.version if version is None else version
    now = timezone.now()
    before_state, before_outcome = conversation.state, conversation.outcome
    before_department, before_assignee = conversation.department_id, conversation.assignee_id
    retriage = before_state != ConversationState.NEW
    # One owner at a time: the assigned person owns it from now; a department's members claim
    # it. An owner who is no longer among the responders loses it.
    owner = conversation.owner
    if target_assignee is not None:
        owner = target_assignee
    elif owner is not None and (
        target_department is None
        or not Membership.objects.filter(user=owner, department=target_department).exists()
    ):
        owner = None
    closed = outcome == Outcome.NO_RESPONSE
    with transaction.atomic():
        swap(
            conversation,
            expected_version=expected,
            state=ConversationState.CLOSED if closed else ConversationState.TRIAGED,
            outcome=outcome,
            no_response_reason=reason if closed else "",
            note=note,
            department=target_department,
            assignee=target_assignee,
            owner=owner,
            triaged_at=conversation.triaged_at or now,
            closed_at=now if closed else None,
        )
        reassigned = retriage and (
            before_department != conversation.department_id
            or before_assignee != conversation.assignee_id
        )
        record(
            conversation,
            actor=actor,
            action="inbox.retriaged" if retriage else "inbox.triaged",
            from_state=before_outcome or before_state,
            to_state=outcome,
            note=note,
            data={
                "reason": reason,
                "department": target_department.slug if target_department else "",
                "assignee": target_assignee.email if target_assignee else "",
                "reassigned": reassigned,
            },
        )
        if not closed and (not retriage or reassigned or before_outcome != outcome):
            recipients = (
                [target_assignee] if target_assignee else department_members(target_department)
            )
            label = Outcome(outcome).label.lower()
            tell(
                recipients,
                conversation,
                actor=actor,
                subject=f"Inbox: a conversation for you ({label})",
                message=(
                    f"{actor} assigned you a conversation on {conversation.brand_account}"
                    f" ({label}): {conversation.subject[:120]}"
                ),
            )
    return conversation
