"""Crisis pauses: setting and lifting one, and the check that refuses scheduling or publishing
while one holds for an account."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from activity.audit import audit_record
from approvals import permissions
from approvals.models import CrisisPause
from approvals.services.checks import _clean_note
from channels_app.models import BrandAccount
from core.errors import Conflict, InvalidInput, NotAllowed

if TYPE_CHECKING:
    from accounts.models import User


def crisis_pause_covering(account: BrandAccount) -> CrisisPause | None:
    """The crisis pause that holds for the account (an org-wide one first), if any."""
    return (
        crisis_pauses_covering(account.pk)
        .order_by(F("brand_account").asc(nulls_first=True), "started_at")
        .first()
    )


def crisis_pauses_covering(account_id: int) -> QuerySet[CrisisPause]:
    """The pauses that hold for the account, as a query (the publishing engine's claim puts it
    in its own statement: NOT EXISTS)."""
    return CrisisPause.objects.filter(
        Q(brand_account__isnull=True) | Q(brand_account_id=account_id), lifted_at__isnull=True
    )


def paused_account_ids(account_ids: Iterable[int]) -> set[int]:
    """Those of the accounts a crisis pause holds for (all of them under an org-wide one): one
    query whatever their number, for lists."""
    ids = set(account_ids)
    scopes = set(
        CrisisPause.objects.filter(
            Q(brand_account__isnull=True) | Q(brand_account__in=ids), lifted_at__isnull=True
        ).values_list("brand_account_id", flat=True)
    )
    return ids if None in scopes else ids & scopes


def _require_no_crisis_pause(account: BrandAccount) -> None:
    pause = crisis_pause_covering(account)
    if pause is not None:
        scope = "across the organisation" if pause.is_org_wide else f"on {account.display_name}"
        raise NotAllowed(
            f"Publishing is paused {scope} ({pause.reason}). Nothing can be scheduled or "
            "published until an org admin or comms lifts the pause.",
            code="crisis_pause",
        )


def crisis_pause_set(
    *, actor: User, reason: str, brand_account: BrandAccount | None = None
) -> CrisisPause:
    """Stop all scheduling and publishing, org-wide or on one account, until lifted."""
    if not permissions.can_manage_crisis(actor):
        raise NotAllowed(
            "Only org admins and comms reviewers can pause publishing.", code="not_allowed"
        )
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise InvalidInput(
            "Give the reason: everyone sees it in the banner while the pause holds.",
            field="reason",
        )
    if len(reason) > 500:
        raise InvalidInput("Keep the reason under 500 characters.", field="reason")
    scope = f"on {brand_account.display_name}" if brand_account else "across the organisation"
    already = CrisisPause.objects.filter(lifted_at__isnull=True, brand_account=brand_account)
    if already.exists():
        raise Conflict(f"Publishing is already paused {scope}.", code="already_paused")
    with transaction.atomic():
        try:
            with transaction.atomic():
                pause = CrisisPause.objects.create(
                    brand_account=brand_account, reason=reason, set_by=actor
                )
        except IntegrityError as exc:  # a concurrent request paused the same scope
            raise Conflict(f"Publishing is already paused {scope}.", code="already_paused") from exc
        audit_record(
            actor=actor,
            action="crisis_pause.set",
            target=pause,
            department=brand_account.department if brand_account else None,
            to_state="paused",
            note=reason,
            data={"brand_account": brand_account.pk if brand_account else None},
        )
    return pause


def crisis_pause_lift(*, pause: CrisisPause, actor: User, note: str = "") -> CrisisPause:
    """Resume publishing. Posts held back during the pause stay approved until rescheduled."""
    if not permissions.can_manage_crisis(actor):
        raise NotAllowed(
            "Only org admins and comms reviewers can lift a pause.", code="not_allowed"
        )
    note = _clean_note(note, required=False, what="")
    with transaction.atomic():
        updated = CrisisPause.objects.filter(pk=pause.pk, lifted_at__isnull=True).update(
            lifted_at=timezone.now(), lifted_by=actor, lift_note=note
        )
        if updated != 1:
            raise Conflict("This pause was already lifted.", code="already_lifted")
        pause.refresh_from_db()
        audit_record(
            actor=actor,
            action="crisis_pause.lifted",
            target=pause,
            department=pause.brand_account.department if pause.brand_account else None,
            from_state="paused",
            to_state="lifted",
            note=note,
            data={"brand_account": pause.brand_account_id},
        )
    return pause
