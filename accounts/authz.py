"""Authorisation in one place.

This is the only module that talks to django-guardian. Pages, the API, the admin and the
services ask it; none of them decides on their own who may do what.

Two answers matter to callers: 404 when the person may not even know that an object exists
(the same answer as for a missing one), 403 when they can see it but may not do the thing.

Guardian (and the user model) are imported inside the functions that use them: this module is
loaded while Django loads the models (accounts' querysets use it), before guardian's models can
be imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, cast

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models

from accounts.roles import GROUP_NAMES, OrgRole
from core.errors import NotFound

# A signed-in User or an AnonymousUser (request.user): both answer is_authenticated.
AnyUser = Any

M = TypeVar("M", bound=models.Model)

_ROLES_CACHE = "_socialhub_org_roles"
_MEMBERSHIP_CACHE = "_socialhub_memberships"
_MANAGES_CACHE = "_socialhub_manages_a_department"
_BELONGS_CACHE = "_socialhub_belongs_to_a_department"
_SEATED_CACHE = "_socialhub_has_a_review_seat"
# Not one of GROUP_NAMES (the only groups org_roles reads), so no group row can look like it:
# marks, in the roles query, that the person manages at least one department.
_MANAGER_MARK = "<manages a department>"
_MEMBER_MARK = "<member of a department>"
_SEATED_MARK = "<reviews a stage>"


# --- Organisation-wide roles (Django groups) ---------------------------------------------------


def org_roles(user: AnyUser) -> frozenset[str]:
    """The person's organisation-wide roles, read once per user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, _ROLES_CACHE, None)
    if cached is None:
        by_name = {name: role for role, name in GROUP_NAMES.items()}
        group_names = user.groups.filter(name__in=by_name).order_by().values_list("name")
        # The same query also says whether the person manages a department (a UNION), so the
        # navigation can offer the activity reports without a query of its own on every page.
        manages = (
            user.memberships.filter(role="manager")
            .order_by()
            .annotate(mark=models.Value(_MANAGER_MARK, output_field=models.CharField()))
            .values_list("mark")
        )
        member = (
            user.memberships.order_by()
            .annotate(mark=models.Value(_MEMBER_MARK, output_field=models.CharField()))
            .values_list("mark")
        )
        # And whether an approval rule ever named the person a reviewer of a post (the review
        # queue is then theirs too): the rows approvals keeps through user.review_seats.
        seated = (
            user.review_seats.order_by()
            .annotate(mark=models.Value(_SEATED_MARK, output_field=models.CharField()))
            .values_list("mark")
        )
        names = {name for (name,) in group_names.union(manages, member, seated)}
        roles = {by_name[name] for name in names if name in by_name}
        if user.is_superuser:
            roles.add(OrgRole.ORG_ADMIN)
        cached = frozenset(roles)
        setattr(user, _ROLES_CACHE, cached)
        setattr(user, _MANAGES_CACHE, _MANAGER_MARK in names)
        setattr(user, _BELONGS_CACHE, _MEMBER_MARK in names)
        setattr(user, _SEATED_CACHE, _SEATED_MARK in names)
    return cached


def forget_cached_roles(user: AnyUser) -> None:
    """Drop what this module cached on a user object after their roles or memberships change."""
    for attr in (_ROLES_CACHE, _MEMBERSHIP_CACHE, _MANAGES_CACHE, _BELONGS_CACHE, _SEATED_CACHE):
        if hasattr(user, attr):
            delattr(user, attr)


def has_org_role(user: AnyUser, role: str) -> bool:
    return role in org_roles(user)


def is_org_admin(user: AnyUser) -> bool:
    return has_org_role(user, OrgRole.ORG_ADMIN)


def is_reviewer(user: AnyUser) -> bool:
    """Comms or legal reviewers: the people who work a review queue."""
    return bool(org_roles(user) & {OrgRole.COMMS_REVIEWER, OrgRole.LEGAL_REVIEWER})


def sees_all_departments(user: AnyUser) -> bool:
    """Org admins set departments up; HR follows every person's training."""
    return bool(org_roles(user) & {OrgRole.ORG_ADMIN, OrgRole.HR})


# --- Department membership ---------------------------------------------------------------------


def department_roles(user: AnyUser) -> dict[int, str]:
    """{department id: membership role} for the person, read once per user object."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, _MEMBERSHIP_CACHE, None)
    if cached is None:
        cached = dict(user.memberships.values_list("department_id", "role"))
        setattr(user, _MEMBERSHIP_CACHE, cached)
    return cached


def can_view_department(user: AnyUser, department: models.Model) -> bool:
    return sees_all_departments(user) or department.pk in department_roles(user)


def can_manage_department(user: AnyUser, department: models.Model) -> bool:
    """Add, remove and change members; invite people. Org admins and the department's managers."""
    return is_org_admin(user) or department_roles(user).get(department.pk) == "manager"


def managed_department_ids(user: AnyUser) -> set[int]:
    return {pk for pk, role in department_roles(user).items() if role == "manager"}


def manages_a_department(user: AnyUser) -> bool:
    """Whether the person manages any department, without a query of its own: from the
    memberships when they are cached, else from the organisation-roles query (which reads it)."""
    if not user.is_authenticated:
        return False
    memberships = getattr(user, _MEMBERSHIP_CACHE, None)
    if memberships is not None:
        return "manager" in memberships.values()
    if not hasattr(user, _MANAGES_CACHE):
        if hasattr(user, _ROLES_CACHE):  # cached by an older query shape: ask the memberships
            return bool(managed_department_ids(user))
        org_roles(user)
    return bool(getattr(user, _MANAGES_CACHE))


def belongs_to_a_department(user: AnyUser) -> bool:
    """Whether the person is a member of any department, without a query of its own (the
    organisation-roles query reads it too), for the navigation."""
    if not user.is_authenticated:
        return False
    memberships = getattr(user, _MEMBERSHIP_CACHE, None)
    if memberships is not None:
        return bool(memberships)
    if not hasattr(user, _BELONGS_CACHE):
        if hasattr(user, _ROLES_CACHE):  # cached by an older query shape: ask the memberships
            return bool(department_roles(user))
        org_roles(user)
    return bool(getattr(user, _BELONGS_CACHE))


def has_a_review_seat(user: AnyUser) -> bool:
    """Whether an approval rule named the person a reviewer of some post's stage, without a
    query of its own (the organisation-roles query reads it)."""
    if not user.is_authenticated:
        return False
    if not hasattr(user, _SEATED_CACHE):
        if hasattr(user, _ROLES_CACHE):  # cached by an older query shape: ask again
            forget_cached_roles(user)
        org_roles(user)
    return bool(getattr(user, _SEATED_CACHE))


# --- The 404-or-403 gate -----------------------------------------------------------------------


def get_visible_or_404(queryset: models.QuerySet[M], *, lock: bool = False, **lookup: Any) -> M:
    """Fetch from a queryset already scoped to what the caller may see; else NotFound (404),
    the same answer for a missing object and for one the caller may not see.

    lock=True reads the row with SELECT … FOR UPDATE (of the object's own table only, so the
    nullable joins of select_related stay allowed on PostgreSQL): call it inside the caller's
    transaction, which then owns the row until it commits.
    """
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise NotFound() from exc


def require(allowed: bool, message: str = "You do not have permission to do that.") -> None:
    """Raise 403 unless allowed. Call it only after the caller was shown to see the object."""
    if not allowed:
        raise PermissionDenied(message)


# --- Object permissions (django-guardian) ------------------------------------------------------


def grant_to_group(perm: str, group: Any, obj: models.Model) -> None:
    from guardian.shortcuts import assign_perm

    assign_perm(perm, group, obj)


def grant_to_user(perm: str, user: AnyUser, obj: models.Model) -> None:
    from guardian.shortcuts import assign_perm

    assign_perm(perm, user, obj)


def revoke_from_group(perm: str, group: Any, obj: models.Model) -> None:
    from guardian.shortcuts import remove_perm

    remove_perm(perm, group, obj)


def revoke_from_user(perm: str, user: AnyUser, obj: models.Model) -> None:
    from guardian.shortcuts import remove_perm

    remove_perm(perm, user, obj)


def objects_with_any_perm(
    user: AnyUser, perms: Iterable[str], queryset: models.QuerySet[M]
) -> models.QuerySet[M]:
    """Objects on which the person holds at least one of perms (directly or via a group)."""
    from guardian.shortcuts import get_objects_for_user

    if not user.is_authenticated:
        return queryset.none()
    if is_org_admin(user):
        return queryset
    return get_objects_for_user(
        user, list(perms), queryset, any_perm=True, with_superuser=False, accept_global_perms=False
    )


def has_object_perm(user: AnyUser, perm: str, obj: models.Model) -> bool:
    from guardian.core import ObjectPermissionChecker

    if not user.is_authenticated:
        return False
    if is_org_admin(user):
        return True
    return ObjectPermissionChecker(user).has_perm(perm, obj)


def permission_checker(user: AnyUser, objects: Iterable[models.Model]) -> Any:
    """A checker holding every perm on objects, read in one go: per-row flags, no query per row."""
    from guardian.core import ObjectPermissionChecker

    checker = ObjectPermissionChecker(user)
    objects = list(objects)
    if objects and user.is_authenticated:
        checker.prefetch_perms(objects)  # type: ignore[arg-type]
    return checker


# --- Django's model permissions (the admin site) -----------------------------------------------


class OrgAdminBackend:
    """Org admins hold every model permission, so membership of the "Org admins" group (plus
    is_staff to enter) is all the admin site needs: no per-model permission upkeep."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return obj is None and user_obj.is_active and is_org_admin(user_obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return user_obj.is_active and is_org_admin(user_obj)


# --- Object permissions: per-row sets and who holds what (brand accounts) ----------------------


def object_perm_sets(
    user: AnyUser, objects: Iterable[models.Model], codenames: Iterable[str]
) -> dict[Any, frozenset[str]]:
    """{object pk: the codenames the person holds on it}, from one prefetch for all objects.

    Org admins hold every codename on every object (no query); anonymous callers hold nothing.
    Two queries otherwise (direct grants, grants through the person's groups), whatever the
    number of objects: list pages and endpoints show per-row flags from this.
    """
    objects = list(objects)
    wanted = frozenset(codenames)
    if not user.is_authenticated or not user.is_active:
        return {obj.pk: frozenset() for obj in objects}
    if is_org_admin(user):
        return {obj.pk: wanted for obj in objects}
    checker = permission_checker(user, objects)
    return {obj.pk: frozenset(checker.get_perms(obj)) & wanted for obj in objects}


def object_perm_set(user: AnyUser, obj: models.Model, codenames: Iterable[str]) -> frozenset[str]:
    """The codenames the person holds on one object (org admins: all of them)."""
    return object_perm_sets(user, [obj], codenames)[obj.pk]


def object_user_grants(obj: models.Model) -> list[tuple[Any, str]]:
    """(user, codename) for every permission granted on obj to a person directly. One query."""
    from guardian.utils import get_user_obj_perms_model

    model: Any = get_user_obj_perms_model(obj)
    rows = model.objects.filter(content_object=obj).select_related("user", "permission")
    return [(row.user, row.permission.codename) for row in rows]


def object_group_grants(obj: models.Model) -> list[tuple[Any, str]]:
    """(group, codename) for every permission granted on obj to a group. One query.

    The group's department (if it is a department's group) comes joined, so callers can name
    the holder without a query per row.
    """
    from guardian.utils import get_group_obj_perms_model

    model: Any = get_group_obj_perms_model(obj)
    rows = model.objects.filter(content_object=obj).select_related(
        "group__department", "permission"
    )
    return [(row.group, row.permission.codename) for row in rows]


# --- Training and certification ----------------------------------------------------------------


def sees_all_training(user: AnyUser) -> bool:
    """HR follows every person's training; org admins set training up."""
    return bool(org_roles(user) & {OrgRole.HR, OrgRole.ORG_ADMIN})


def training_department_scope(user: AnyUser) -> set[int] | None:
    """Departments whose people's training the person may follow: None means every one (HR,
    org admins); otherwise the departments they manage (an empty set: only themselves)."""
    if sees_all_training(user):
        return None
    return managed_department_ids(user)


def can_follow_training(user: AnyUser) -> bool:
    """The certification matrix, reports and assignments: HR, org admins, managers."""
    return sees_all_training(user) or bool(managed_department_ids(user))


def can_revoke_certifications(user: AnyUser) -> bool:
    return sees_all_training(user)


def can_author_training(user: AnyUser) -> bool:
    """Courses are written by org admins, HR and comms reviewers (docs/design.md §1, issue 6)."""
    return bool(org_roles(user) & {OrgRole.ORG_ADMIN, OrgRole.HR, OrgRole.COMMS_REVIEWER})


def can_publish_policies(user: AnyUser) -> bool:
    return is_org_admin(user)


# --- Posts and review (approvals) --------------------------------------------------------------


def users_holding(perm: str, obj: models.Model) -> models.QuerySet[Any]:
    """People granted perm on obj, directly or through a group (org admins only when granted)."""
    from guardian.shortcuts import get_users_with_perms

    users = get_users_with_perms(
        obj, only_with_perms_in=[perm], with_group_users=True, with_superusers=False
    )
    return cast("models.QuerySet[Any]", users)


def users_with_org_role(role: str) -> models.QuerySet[Any]:
    """Active people holding an organisation-wide role (a Django group)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(groups__name=GROUP_NAMES[role], is_active=True)


def group_ids_holding(perm: str, obj: models.Model) -> set[int]:
    """Ids of the groups (departments' groups, for one) granted perm on obj."""
    from guardian.shortcuts import get_groups_with_perms

    groups = cast("models.QuerySet[Any]", get_groups_with_perms(obj, only_with_perms_in=[perm]))
    return set(groups.values_list("pk", flat=True))


def group_grants_of(perm: str, model: type[models.Model]) -> models.QuerySet[Any]:
    """Rows of guardian's group grants of perm on objects of model (one row per group and
    object), for reports that count per department group without a query per object."""
    from guardian.utils import get_group_obj_perms_model

    grants: Any = get_group_obj_perms_model(model)  # type: ignore[arg-type]
    return cast(
        "models.QuerySet[Any]",
        grants.objects.filter(
            permission__codename=perm,
            permission__content_type__app_label=model._meta.app_label,
            permission__content_type__model=model._meta.model_name,
        ),
    )


# --- Activity reports (department activity, review queue health, organisation overview) -------


def can_see_department_activity(user: AnyUser, department: models.Model) -> bool:
    """The department's managers, comms reviewers (they work every department's posts) and org
    admins. HR follows training, not posting activity; members see their own posts only."""
    if not user.is_authenticated:
        return False
    if is_org_admin(user) or has_org_role(user, OrgRole.COMMS_REVIEWER):
        return True
    return department_roles(user).get(department.pk) == "manager"


def can_see_review_queue_health(user: AnyUser) -> bool:
    return is_org_admin(user) or has_org_role(user, OrgRole.COMMS_REVIEWER)


def can_see_organisation_activity(user: AnyUser) -> bool:
    return is_org_admin(user)


def may_open_activity_reports(user: AnyUser) -> bool:
    """For the navigation: no query beyond the organisation-roles one every page makes."""
    return (
        is_org_admin(user)
        or has_org_role(user, OrgRole.COMMS_REVIEWER)
        or manages_a_department(user)
    )
