"""What a person still lacks before they may submit posts on a brand account.

One function, asked by the workflow on submit and by the compose page to explain. It costs two
queries whatever the number of courses, requirements or accounts: one for the requirements
that apply with the person's certificate state, one for the current policy with their
acknowledgement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from training.models import Certification, CertificationRequirement, Policy, PolicyAcknowledgement


@dataclass(frozen=True)
class MissingRequirement:
    kind: str  # "certification" (missing, expired or revoked) or "policy" (not acknowledged)
    message: str  # tells the person what to do, e.g. "Pass the course 'Posting on X'."
    course_id: int | None = None
    policy_id: int | None = None
    # Why a certification is missing: "missing", "expired" or "revoked" (empty for a policy).
    reason: str = ""
    # Where the person can fix it (the course player or the policy page).
    url: str = ""


def missing_requirements(
    user: Any, brand_account: Any, *, now: datetime | None = None
) -> list[MissingRequirement]:
    """Every certification and policy acknowledgement the person lacks for this account.

    An empty list means they may submit. A certificate counts while now < expires_at (an
    instant, so time zones cannot shift it); a revoked one never counts. Requirements on an
    unpublished course are not enforced: nobody could take that course.
    """
    return missing_requirements_for_accounts(user, [brand_account], now=now)[brand_account.pk]


_UNSET: Any = object()


def missing_requirements_for_accounts(
    user: Any,
    brand_accounts: Iterable[Any],
    *,
    now: datetime | None = None,
    policy_state: Any = _UNSET,
) -> dict[int, list[MissingRequirement]]:
    """missing_requirements for several accounts at once, still in two queries (one when the
    caller passes the current_policy_state it already read)."""
    accounts = list(brand_accounts)
    now = now or timezone.now()
    result: dict[int, list[MissingRequirement]] = {account.pk: [] for account in accounts}
    if not accounts:
        return result

    held = Certification.objects.filter(user=user, course=OuterRef("course"))
    scope = Q(platform="", brand_account__isnull=True)
    platforms = {account.platform for account in accounts}
    scope |= Q(platform__in=platforms) | Q(brand_account__in=[a.pk for a in accounts])
    requirements = list(
        CertificationRequirement.objects.filter(scope, course__is_published=True)
        .annotate(
            is_valid=Exists(held.filter(revoked_at__isnull=True, expires_at__gt=now)),
            is_expired=Exists(held.filter(revoked_at__isnull=True, expires_at__lte=now)),
            is_revoked=Exists(held.filter(revoked_at__isnull=False)),
        )
        .values(
            "course_id",
            "course__title",
            "platform",
            "brand_account_id",
            "is_valid",
            "is_expired",
            "is_revoked",
        )
        .order_by("course__title", "course_id")
    )
    policy = current_policy_state(user, now=now) if policy_state is _UNSET else policy_state

    for account in accounts:
        seen: set[int] = set()
        for req in requirements:
            applies = (req["platform"] == "" and req["brand_account_id"] is None) or (
                req["platform"] == account.platform or req["brand_account_id"] == account.pk
            )
            if not applies or req["is_valid"] or req["course_id"] in seen:
                continue
            seen.add(req["course_id"])
            title = req["course__title"]
            if req["is_expired"]:
                reason, message = "expired", f"Your certificate in '{title}' expired: retake it."
            elif req["is_revoked"]:
                reason = "revoked"
                message = f"Your certificate in '{title}' was revoked: take the course again."
            else:
                reason, message = "missing", f"Pass the course '{title}'."
            result[account.pk].append(
                MissingRequirement(
                    kind="certification",
                    message=message,
                    course_id=req["course_id"],
                    reason=reason,
                    url=reverse("training_course", args=[req["course_id"]]),
                )
            )
        if policy is not None and not policy["acknowledged"]:
            result[account.pk].append(
                MissingRequirement(
                    kind="policy",
                    message=(
                        f"Read and acknowledge the social media policy "
                        f"(version {policy['version']})."
                    ),
                    policy_id=policy["id"],
                    url=reverse("training_policy"),
                )
            )
    return result


def current_policy_state(user: Any, *, now: datetime | None = None) -> dict[str, Any] | None:
    """The policy in force with whether the person acknowledged it (one query), or None."""
    now = now or timezone.now()
    acks = PolicyAcknowledgement.objects.filter(policy=OuterRef("pk"), user=user)
    return (
        Policy.objects.in_force_at(now)
        .annotate(acknowledged=Exists(acks))
        .values("id", "version", "title", "effective_at", "acknowledged")
        .first()
    )


def annotate_requirement_coverage(
    rows: QuerySet[Any], *, account: str, department: str, now: datetime | None = None
) -> QuerySet[Any]:
    """The rule of missing_requirements for a whole team at once, in SQL.

    rows each name a brand account (the lookup `account`) and a department (`department`), e.g.
    the department groups' draft grants. Each row gets:
    - `members`: the department's active members;
    - `certified`: those holding every certification the account requires (valid at now: not
      revoked, expiring after now; requirements of unpublished courses do not count);
    - `ready`: those certified who also acknowledged the policy in force (all of the certified
      when no policy is in force) — exactly the people for whom missing_requirements is empty.
    Correlated subqueries: one query for every row, whatever the head count.
    """
    now = now or timezone.now()
    members = Membership.objects.filter(
        department=OuterRef(department), user__is_active=True
    ).order_by()
    held = Certification.objects.valid_at(now).filter(
        user=OuterRef(OuterRef("user_id")), course=OuterRef("course_id")
    )
    applies = CertificationRequirement.objects.filter(course__is_published=True).filter(
        Q(platform="", brand_account__isnull=True)
        | Q(platform=OuterRef(OuterRef(f"{account}__platform")))
        | Q(brand_account=OuterRef(OuterRef(account)))
    )
    certified = members.filter(~Exists(applies.filter(~Exists(held))))
    in_force = Policy.objects.in_force_at(now)
    acknowledged = PolicyAcknowledgement.objects.filter(
        user=OuterRef("user_id"), policy=Subquery(in_force.values("pk")[:1])
    )
    ready = certified.filter(~Exists(in_force) | Exists(acknowledged))

    def count(people: QuerySet[Any]) -> Coalesce:
        counted = people.values("department").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    return rows.annotate(members=count(members), certified=count(certified), ready=count(ready))
