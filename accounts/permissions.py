"""Access to departments, their members and invitations, and the person's API tokens.

Each access_* helper answers one question for pages, the API and the services alike: may this
person reach this object? NotFound (404) when they may not even see it — the same answer as for
a missing id, so nothing leaks what exists — and PermissionDenied (403) when they see it but
lack the permission asked for. lock=True reads the row FOR UPDATE inside the caller's
transaction, for check-then-write services that must not race.
"""

from __future__ import annotations

from typing import Any, Literal

from accounts import authz
from accounts.models import ApiToken, Department, Invitation, Membership, User
from core.errors import NotFound

DepartmentPerm = Literal["view", "manage"]

MANAGE_MESSAGE = "Only the department's managers and org admins can do that."


def require_department_perm(user: Any, department: Department, perm: DepartmentPerm) -> None:
    """403 unless the person holds perm on a department they were shown to see."""
    if perm == "manage":
        authz.require(authz.can_manage_department(user, department), MANAGE_MESSAGE)


def access_department(
    user: Any,
    slug: str,
    *,
    perm: DepartmentPerm = "view",
    lock: bool = False,
    with_member_count: bool = False,
) -> Department:
    """A department the person looks into (their own; every one for HR and org admins)."""
    departments = Department.objects.visible_to(user)
    if with_member_count:
        departments = departments.with_member_count()
    department = authz.get_visible_or_404(departments, lock=lock, slug=slug)
    require_department_perm(user, department, perm)
    return department


def access_department_activity(user: Any, slug: str) -> Department:
    """A department whose activity report the person asked for: its managers, comms reviewers
    (they work every department's posts) and org admins. 404 when it does not exist or they may
    not know it exists (the same answer); 403 when they see the department but not its activity
    (a plain member, HR)."""
    department = authz.get_visible_or_404(Department.objects.all(), slug=slug)
    if authz.can_see_department_activity(user, department):
        return department
    if authz.can_view_department(user, department):
        authz.require(
            False,
            "Department activity is for the department's managers, comms reviewers and org admins.",
        )
    raise NotFound()


def access_membership(
    user: Any,
    pk: Any,
    *,
    department: Department,
    perm: DepartmentPerm = "view",
    lock: bool = False,
) -> Membership:
    """A membership of a department found with access_department; 404 for one of another."""
    membership = authz.get_visible_or_404(
        Membership.objects.select_related("user", "department"),
        lock=lock,
        pk=pk,
        department=department,
    )
    require_department_perm(user, department, perm)
    return membership


def access_invitation(
    user: Any,
    pk: Any,
    *,
    department: Department,
    perm: DepartmentPerm = "manage",
    lock: bool = False,
    open_only: bool = True,
) -> Invitation:
    """An open invitation of a department found with access_department: a used or revoked one
    is no longer among the department's invitations (404). open_only=False finds it anyway, for
    the service that locks the row and then says why it can no longer be revoked (409)."""
    invitations = Invitation.objects.select_related("department", "invited_by")
    if open_only:
        invitations = invitations.filter(accepted_at=None, revoked_at=None)
    invitation = authz.get_visible_or_404(
        invitations,
        lock=lock,
        pk=pk,
        department=department,
    )
    require_department_perm(user, department, perm)
    return invitation


def access_api_token(user: Any, pk: Any, *, lock: bool = False) -> ApiToken:
    """One of the person's own API tokens: nobody sees another's."""
    return authz.get_visible_or_404(ApiToken.objects.filter(user_id=user.pk or 0), lock=lock, pk=pk)


# --- People and their organisation roles (the people page, the people API) --------------------

PEOPLE_MESSAGE = "Only org admins manage people's organisation roles."


def can_manage_people(user: Any) -> bool:
    """The people page and API: org admins give and take organisation roles."""
    return authz.is_org_admin(user)


def require_people_manager(user: Any) -> None:
    """403 for the list of people (its address is no secret) unless the person is an org admin."""
    authz.require(can_manage_people(user), PEOPLE_MESSAGE)


def access_person(user: Any, pk: Any, *, lock: bool = False) -> User:
    """One person, for the people page and API: only org admins reach anyone (404 for
    everybody else, the same answer as for a missing id)."""
    people = User.objects.all() if can_manage_people(user) else User.objects.none()
    return authz.get_visible_or_404(people, lock=lock, pk=pk)
