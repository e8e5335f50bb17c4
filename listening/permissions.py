"""Who sees and does what with listening streams. Built on accounts.authz, like every app's rules.

Defining: org admins define every stream; a department's managers define their department's
(an organisation-wide stream, with no department, is the org admins'). Following: a
department follows a stream by one of its managers (or an org admin). Reading: org admins and
comms reviewers read every stream; members of the stream's department and of a department that
follows it read it; managers also see the organisation-wide streams, to choose which their
department follows. Nobody else sees a stream: it answers 404, as a missing one does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from accounts import authz
from accounts.roles import OrgRole
from listening.models import ListeningStream, StreamMatch


def reads_every_stream(user: Any) -> bool:
    return bool(authz.org_roles(user) & {OrgRole.ORG_ADMIN, OrgRole.COMMS_REVIEWER})


def can_define_streams(user: Any) -> bool:
    """Whether the person may create a stream at all (org admins, department managers)."""
    return authz.is_org_admin(user) or authz.manages_a_department(user)


def can_use_listening(user: Any) -> bool:
    """Whether listening is offered at all (the navigation, the list)."""
    return user.is_authenticated and (
        reads_every_stream(user) or authz.belongs_to_a_department(user)
    )


def visible_streams(user: Any) -> QuerySet[ListeningStream]:
    if not user.is_authenticated:
        return ListeningStream.objects.none()
    if reads_every_stream(user):
        return ListeningStream.objects.all()
    departments = list(authz.department_roles(user))
    if not departments:
        return ListeningStream.objects.none()
    seen = Q(department_id__in=departments) | Q(
        pk__in=ListeningStream.followers.through.objects.filter(
            department_id__in=departments
        ).values("listeningstream_id")
    )
    if authz.managed_department_ids(user):
        seen |= Q(department__isnull=True)
    return ListeningStream.objects.filter(seen)


def access_stream(user: Any, pk: Any, *, lock: bool = False) -> ListeningStream:
    """The stream if the person may read it, else 404 (as for a missing id)."""
    return authz.get_visible_or_404(
        visible_streams(user).select_related("department", "created_by"), lock=lock, pk=pk
    )


def access_match(user: Any, pk: Any, *, lock: bool = False) -> StreamMatch:
    """A match of a stream the person may read, else 404."""
    matches = StreamMatch.objects.filter(stream__in=visible_streams(user)).select_related(
        "stream", "brand_account"
    )
    return authz.get_visible_or_404(matches, lock=lock, pk=pk)


def can_edit(user: Any, stream: ListeningStream) -> bool:
    """Change, archive or restore: org admins; the department's managers for its stream."""
    if authz.is_org_admin(user):
        return True
    return stream.department_id is not None and stream.department_id in (
        authz.managed_department_ids(user)
    )


def following_departments(user: Any) -> set[int] | None:
    """The departments the person may make follow (or stop following) a stream: their managed
    ones; None for org admins (any department)."""
    if authz.is_org_admin(user):
        return None
    return authz.managed_department_ids(user)


def can_follow(user: Any) -> bool:
    return authz.is_org_admin(user) or bool(authz.managed_department_ids(user))
