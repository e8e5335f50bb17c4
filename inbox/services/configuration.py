"""Routing rules (org admins and triagers) and saved replies (org admins and comms)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Department, Membership, User
from activity.audit import audit_record
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from core.errors import InvalidInput, NotAllowed
from inbox import permissions
from inbox.models import Outcome, RoutingRule, SavedReply

RULE_FIELDS = (
    "name",
    "priority",
    "is_active",
    "brand_account",
    "platform",
    "keywords",
    "language",
    "outcome",
    "department",
    "assignee",
)
SAVED_REPLY_FIELDS = ("title", "text", "department", "is_active")


def _check_rule(values: dict[str, Any]) -> None:
    if not str(values.get("name", "")).strip():
        raise InvalidInput("Name the rule.", field="name")
    if values.get("outcome") not in Outcome.values:
        raise InvalidInput(
            "Choose one outcome: no_response, customer_service or public_response.",
            field="outcome",
        )
    if values.get("platform") and values["platform"] not in Platform.values:
        raise InvalidInput("Unknown platform.", field="platform")
    account = values.get("brand_account")
    if account is not None and not isinstance(account, BrandAccount):
        raise InvalidInput("No such brand account.", field="brand_account")
    department: Department | None = values.get("department")
    assignee: User | None = values.get("assignee")
    if values["outcome"] == Outcome.NO_RESPONSE and (department or assignee):
        raise InvalidInput("A rule for no response assigns nobody.", field="department")
    if values["outcome"] == Outcome.PUBLIC_RESPONSE and not (department or assignee):
        raise InvalidInput("Name the department or person who answers.", field="department")
    if (
        assignee is not None
        and department is not None
        and not Membership.objects.filter(user=assignee, department=department).exists()
    ):
        raise InvalidInput(f"{assignee} is not a member of {department}.", field="assignee")
    if assignee is not None and not Membership.objects.filter(user=assignee).exists():
        raise InvalidInput(f"{assignee} is in no department.", field="assignee")


def routing_rule_save(
    *, actor: User, rule: RoutingRule | None = None, values: dict[str, Any]
) -> RoutingRule:
    if not permissions.can_manage_routing(actor):
        raise NotAllowed("Only org admins and triagers set routing rules.")
    current = {name: getattr(rule, name) for name in RULE_FIELDS} if rule else {}
    merged = {**current, **{k: v for k, v in values.items() if k in RULE_FIELDS}}
    merged.setdefault("is_active", True)
    merged.setdefault("priority", 100)
    for text_field in ("platform", "keywords", "language", "name"):
        merged[text_field] = str(merged.get(text_field) or "").strip()
    _check_rule(merged)
    with transaction.atomic():
        if rule is None:
            rule = RoutingRule.objects.create(**merged)
            action = "inbox.routing_rule_created"
        else:
            for name, value in merged.items():
                setattr(rule, name, value)
            rule.save()
            action = "inbox.routing_rule_changed"
        audit_record(actor=actor, action=action, target=rule, data={"outcome": rule.outcome})
    return rule


def routing_rule_delete(*, actor: User, rule: RoutingRule) -> None:
    if not permissions.can_manage_routing(actor):
        raise NotAllowed("Only org admins and triagers set routing rules.")
    with transaction.atomic():
        audit_record(actor=actor, action="inbox.routing_rule_deleted", target=rule)
        rule.delete()


def saved_reply_save(
    *, actor: User, saved_reply: SavedReply | None = None, values: dict[str, Any]
) -> SavedReply:
    """Saved by comms (or an org admin) is approved by comms: the text is approved as saved."""
    if not permissions.can_manage_saved_replies(actor):
        raise NotAllowed("Only org admins and comms reviewers write saved replies.")
    current = (
        {name: getattr(saved_reply, name) for name in SAVED_REPLY_FIELDS} if saved_reply else {}
    )
    merged = {**current, **{k: v for k, v in values.items() if k in SAVED_REPLY_FIELDS}}
    merged.setdefault("is_active", True)
    merged["title"] = str(merged.get("title") or "").strip()
    merged["text"] = str(merged.get("text") or "").strip()
    if not merged["title"]:
        raise InvalidInput("Give the saved reply a title.", field="title")
    if not merged["text"]:
        raise InvalidInput("Write the reply's text.", field="text")
    with transaction.atomic():
        if saved_reply is None:
            saved_reply = SavedReply(**merged)
            action = "inbox.saved_reply_created"
        else:
            for name, value in merged.items():
                setattr(saved_reply, name, value)
            action = "inbox.saved_reply_changed"
        saved_reply.approved_by = actor
        saved_reply.approved_at = timezone.now()
        saved_reply.save()
        audit_record(actor=actor, action=action, target=saved_reply)
    return saved_reply


def saved_reply_delete(*, actor: User, saved_reply: SavedReply) -> None:
    if not permissions.can_manage_saved_replies(actor):
        raise NotAllowed("Only org admins and comms reviewers write saved replies.")
    with transaction.atomic():
        audit_record(actor=actor, action="inbox.saved_reply_deleted", target=saved_reply)
        saved_reply.delete()
