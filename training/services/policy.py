"""The social media policy: drafting a version, publishing it, and people acknowledging it."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from accounts import authz
from accounts.models import User
from activity.audit import audit_record
from core.errors import Conflict, InvalidInput
from training.models import Policy, PolicyAcknowledgement


def policy_create(
    *,
    actor: User | None,
    title: str,
    body: str,
    effective_at: datetime,
    summary_of_changes: str = "",
) -> Policy:
    """A draft of the next policy version (numbered here, so versions never collide)."""
    if actor is not None:
        authz.require(authz.can_publish_policies(actor), "Only org admins can write policies.")
    title = (title or "").strip()
    if not title:
        raise InvalidInput("A policy needs a title.", field="title")
    if not (body or "").strip():
        raise InvalidInput("A policy needs a text.", field="body")
    if timezone.is_naive(effective_at):
        raise InvalidInput("Give the effective date with a time zone.", field="effective_at")
    with transaction.atomic():
        # Lock the newest row so two drafts created at once get different numbers.
        latest = Policy.objects.select_for_update().order_by("-version").first()
        version = (latest.version if latest else 0) + 1
        policy = Policy.objects.create(
            version=version,
            title=title,
            body=body,
            summary_of_changes=summary_of_changes,
            effective_at=effective_at,
            created_by=actor,
        )
        audit_record(actor=actor, action="policy.created", target=policy, to_state="draft")
    return policy


def policy_update_draft(
    *,
    actor: User,
    policy: Policy,
    title: str,
    body: str,
    effective_at: datetime,
    summary_of_changes: str,
) -> Policy:
    authz.require(authz.can_publish_policies(actor), "Only org admins can write policies.")
    if policy.is_published:
        raise Conflict("A published policy is never edited: write a new version instead.")
    if not title.strip():
        raise InvalidInput("A policy needs a title.", field="title")
    if not body.strip():
        raise InvalidInput("A policy needs a text.", field="body")
    with transaction.atomic():
        policy.title = title.strip()
        policy.body = body
        policy.effective_at = effective_at
        policy.summary_of_changes = summary_of_changes
        policy.save(update_fields=["title", "body", "effective_at", "summary_of_changes"])
        audit_record(actor=actor, action="policy.edited", target=policy, to_state="draft")
    return policy


def policy_publish(*, actor: User | None, policy: Policy, now: datetime | None = None) -> Policy:
    """Publish a version. From its effective date everyone must acknowledge it (again)."""
    if actor is not None:
        authz.require(authz.can_publish_policies(actor), "Only org admins can publish policies.")
    if policy.is_published:
        raise Conflict("This policy version is published already.")
    now = now or timezone.now()
    newest_published = Policy.objects.published().aggregate(v=Max("effective_at"))["v"]
    if newest_published is not None and policy.effective_at < newest_published:
        raise InvalidInput(
            "A newer published version takes effect later than this one: pick an effective "
            "date after it.",
            field="effective_at",
        )
    with transaction.atomic():
        policy.published_at = now
        policy.save(update_fields=["published_at"])
        audit_record(
            actor=actor,
            action="policy.published",
            target=policy,
            from_state="draft",
            to_state="published",
            data={"version": policy.version, "effective_at": policy.effective_at.isoformat()},
        )
    return policy


def policy_acknowledge(
    *, actor: User, policy: Policy, now: datetime | None = None
) -> tuple[PolicyAcknowledgement, bool]:
    """Record that the person read and accepts this version. Acknowledging twice is harmless.

    The current version and an upcoming published one can be acknowledged; a superseded one
    cannot (it would not count, and the person should read what changed).
    """
    now = now or timezone.now()
    if not policy.is_published:
        raise Http404("Not found.")
    current = Policy.objects.in_force_at(now).first()
    if current is not None and policy.effective_at < current.effective_at:
        raise Conflict(
            f"Version {policy.version} was replaced by version {current.version}: "
            "acknowledge the current one.",
            code="superseded",
        )
    existing = PolicyAcknowledgement.objects.filter(user=actor, policy=policy).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            ack = PolicyAcknowledgement.objects.create(
                user=actor, policy=policy, acknowledged_at=now
            )
            audit_record(
                actor=actor,
                action="policy.acknowledged",
                target=policy,
                data={"version": policy.version, "user": actor.email},
            )
    except IntegrityError:  # a double click: the first one won
        return PolicyAcknowledgement.objects.get(user=actor, policy=policy), False
    return ack, True
