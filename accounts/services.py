"""Writes for people and departments: every change checks access, then writes with its audit event.

Pages, the API and the admin all call these, so no path can skip a rule.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts import authz, mfa, selectors
from accounts.models import ApiToken, Department, Invitation, Membership, User, validate_timezone
from accounts.permissions import access_api_token, access_invitation
from accounts.roles import GROUP_NAMES, OrgRole, roles_of_groups
from core.audit import audit_record
from core.errors import Conflict, DomainError, InvalidInput, NotAllowed

INVITATION_VALIDITY = timedelta(days=14)


def _department_group_name(slug: str) -> str:
    return f"department:{slug}"


def _normalise_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput("Enter a valid e-mail address.", field="email") from exc
    return email


def _check_role(role: str) -> str:
    if role not in Membership.Role.values:
        choices = ", ".join(Membership.Role.values)
        raise InvalidInput(f"Role must be one of: {choices}.", field="role")
    return role


# --- Departments -------------------------------------------------------------------------------


def department_create(
    *, actor: User | None, name: str, slug: str = "", description: str = ""
) -> Department:
    """Create a department and its permission group. Org admins only (actor None: system seed)."""
    if actor is not None and not authz.is_org_admin(actor):
        raise NotAllowed("Only org admins can create departments.")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("A department needs a name.", field="name")
    slug = slugify(slug or name)
    if not slug:
        raise InvalidInput("Enter a slug made of letters, digits and hyphens.", field="slug")
    if Department.objects.filter(slug=slug).exists():
        raise InvalidInput(f"A department with the slug {slug!r} exists already.", field="slug")
    if Department.objects.filter(name__iexact=name).exists():
        raise InvalidInput(f"A department named {name!r} exists already.", field="name")
    with transaction.atomic():
        group = Group.objects.create(name=_department_group_name(slug))
        department = Department.objects.create(
            slug=slug, name=name, description=description, group=group
        )
        audit_record(
            actor=actor, action="department.created", target=department, department=department
        )
    return department


# --- Membership --------------------------------------------------------------------------------


def _add_membership(*, user: User, department: Department, role: str) -> Membership:
    membership = Membership.objects.create(user=user, department=department, role=role)
    user.groups.add(department.group)
    authz.forget_cached_roles(user)
    return membership


def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    department = membership.department
    authz.require(
        authz.can_manage_department(actor, department),
        "Only the department's managers and org admins can change roles.",
    )
    _check_role(role)
    if membership.role == role:
        return membership
    _refuse_removing_last_manager(membership, new_role=role)
    with transaction.atomic():
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            actor=actor,
            action="membership.role_changed",
            target=membership,
            department=department,
            from_state=old,
            to_state=role,
            data={"user": membership.user.email},
        )
    authz.forget_cached_roles(membership.user)
    return membership


def membership_remove(*, actor: User, membership: Membership) -> None:
    """Remove a person from a department; what they held through it goes at once (group)."""
    department = membership.department
    authz.require(
        authz.can_manage_department(actor, department),
        "Only the department's managers and org admins can remove members.",
    )
    _refuse_removing_last_manager(membership, new_role=None)
    user = membership.user
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="membership.removed",
            target=membership,
            department=department,
            from_state=membership.role,
            data={"user": user.email},
        )
        membership.delete()
        user.groups.remove(department.group)
    authz.forget_cached_roles(user)


def _refuse_removing_last_manager(membership: Membership, *, new_role: str | None) -> None:
    """A department keeps at least one manager unless an org admin does the change."""
    if membership.role != Membership.Role.MANAGER or new_role == Membership.Role.MANAGER:
        return
    others = Membership.objects.filter(
        department=membership.department, role=Membership.Role.MANAGER
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise Conflict(
            "This is the department's last manager. Make someone else a manager first.",
            code="last_manager",
        )


def membership_add_existing(
    *, actor: User | None, user: User, department: Department, role: str
) -> Membership:
    """Add someone who already has an account (org admins and the seed; others invite)."""
    if actor is not None:
        authz.require(authz.is_org_admin(actor), "Only org admins can add members directly.")
    _check_role(role)
    if Membership.objects.filter(user=user, department=department).exists():
        raise InvalidInput(f"{user.email} is already a member of {department}.", field="email")
    with transaction.atomic():
        membership = _add_membership(user=user, department=department, role=role)
        audit_record(
            actor=actor,
            action="membership.added",
            target=membership,
            department=department,
            to_state=role,
            data={"user": user.email},
        )
    return membership


# --- Organisation-wide roles -------------------------------------------------------------------


def org_role_set(*, actor: User | None, user: User, role: str, held: bool) -> frozenset[str]:
    """Give or take one organisation-wide role: org_roles_change with one role."""
    if held:
        return org_roles_change(actor=actor, user=user, add=[role])
    return org_roles_change(actor=actor, user=user, remove=[role])


def org_roles_set(*, actor: User | None, user: User, roles: Iterable[str]) -> frozenset[str]:
    """Make the person's organisation-wide roles exactly `roles` (the people page, the API, the
    admin site). Returns the roles they hold afterwards."""
    wanted = set(roles)
    return org_roles_change(actor=actor, user=user, add=wanted, remove=set(OrgRole.values) - wanted)


def org_roles_change(
    *,
    actor: User | None,
    user: User,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
) -> frozenset[str]:
    """The one place where organisation-role groups gain or lose members. Org admins only
    (actor None: the system, for the demo seed); one audit event per role added or removed, in
    the same transaction; no change, no event.

    Refused: an unknown role (400, `org_roles`), a role given to a deactivated person (409
    `inactive_user`), taking the org-admin role from the last active org admin (409
    `last_org_admin`). Every change locks the org-admin group's row first, then the person's:
    changes run one at a time, so two admins taking the role from each other at once cannot
    both pass the last-admin check, and an admin who just lost the role changes nothing more.
    """
    add, remove = set(add), set(remove)
    unknown = sorted((add | remove) - set(OrgRole.values))
    if unknown:
        raise InvalidInput(
            f"Unknown role {unknown[0]!r}; use one of: {', '.join(OrgRole.values)}.",
            field="org_roles",
        )
    if add & remove:
        raise InvalidInput("A role cannot be both given and taken.", field="org_roles")
    if actor is not None:
        authz.require(authz.is_org_admin(actor), ORG_ROLES_MESSAGE)
    # Read at once; get_or_create only for a missing one: the groups come from data migrations,
    # but a flushed database (a transactional test, a restored dump) must not break role changes.
    found = {group.name: group for group in Group.objects.filter(name__in=GROUP_NAMES.values())}
    groups = {
        role: found.get(name) or Group.objects.get_or_create(name=name)[0]
        for role, name in GROUP_NAMES.items()
    }
    with transaction.atomic():
        admins = Group.objects.select_for_update().get(pk=groups[OrgRole.ORG_ADMIN].pk)
        if actor is not None and not _is_active_org_admin(actor.pk, admins):
            raise NotAllowed(ORG_ROLES_MESSAGE)  # the role was taken while this request waited
        locked = User.objects.select_for_update().get(pk=user.pk)
        held = set(
            roles_of_groups(
                locked.groups.filter(name__in=GROUP_NAMES.values()).values_list("name", flat=True)
            )
        )
        added = sorted(add - held)
        removed = sorted(remove & held)
        if added and not locked.is_active:
            raise Conflict(
                f"{locked} is deactivated: reactivate the account before giving it roles.",
                code="inactive_user",
            )
        if OrgRole.ORG_ADMIN in removed and _is_last_active_org_admin(locked, admins):
            raise Conflict(
                f"{locked} is the last active org admin. Make someone else an org admin first.",
                code="last_org_admin",
            )
        if added:
            locked.groups.add(*(groups[role] for role in added))
        if removed:
            locked.groups.remove(*(groups[role] for role in removed))
        for role in added:
            audit_record(actor=actor, action="org_role.granted", target=locked, to_state=role)
        for role in removed:
            audit_record(actor=actor, action="org_role.revoked", target=locked, from_state=role)
    authz.forget_cached_roles(user)
    return frozenset((held | set(added)) - set(removed))


ORG_ROLES_MESSAGE = "Only org admins can change organisation roles."


def _active_org_admins(admins: Group) -> QuerySet[User]:
    """Active people who are org admins: the group's members and superusers (authz counts both)."""
    return User.objects.filter(is_active=True).filter(Q(groups=admins) | Q(is_superuser=True))


def _is_active_org_admin(user_id: int, admins: Group) -> bool:
    return _active_org_admins(admins).filter(pk=user_id).exists()


def _is_last_active_org_admin(user: User, admins: Group) -> bool:
    """Whether taking the role from this person leaves the organisation without an active org
    admin (a superuser stays one without the group; a deactivated person is none already)."""
    if not user.is_active or user.is_superuser:
        return False
    return not _active_org_admins(admins).exclude(pk=user.pk).exists()


# --- Invitations -------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *, actor: User, department: Department, email: str, role: str, base_url: str
) -> tuple[Invitation, str]:
    """Invite a person into a department. Returns the invitation and the link sent by e-mail."""
    authz.require(
        authz.can_manage_department(actor, department),
        "Only the department's managers and org admins can invite people.",
    )
    email = _normalise_email(email)
    _check_role(role)
    if Membership.objects.filter(user__email__iexact=email, department=department).exists():
        raise InvalidInput(f"{email} is already a member of {department}.", field="email")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        # An expired invitation no longer counts as open; a live one is not sent twice.
        stale = Invitation.objects.select_for_update().filter(
            department=department, email__iexact=email, accepted_at=None, revoked_at=None
        )
        for old in stale:
            if old.expires_at > now:
                raise InvalidInput(
                    f"{email} has an open invitation to {department} already.", field="email"
                )
            old.revoked_at = now
            old.save(update_fields=["revoked_at"])
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    department=department,
                    email=email,
                    role=role,
                    token_hash=_token_hash(token),
                    invited_by=actor,
                    expires_at=now + INVITATION_VALIDITY,
                )
        except IntegrityError as exc:  # a concurrent request invited the same address
            raise InvalidInput(
                f"{email} has an open invitation to {department} already.", field="email"
            ) from exc
        audit_record(
            actor=actor,
            action="invitation.created",
            target=invitation,
            department=department,
            to_state=role,
            data={"email": email},
        )
        link = base_url.rstrip("/") + reverse("invitation_accept", args=[token])
        transaction.on_commit(lambda: _send_invitation(invitation, link))
    return invitation, link


def _send_invitation(invitation: Invitation, link: str) -> None:
    context = {"invitation": invitation, "link": link}
    mail.send_mail(
        subject=f"[SocialHub] You are invited to {invitation.department}",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_find(token: str) -> Invitation | None:
    """The usable invitation behind a link's token, or None (unknown, used, revoked, expired)."""
    invitation = (
        Invitation.objects.select_related("department", "invited_by")
        .filter(token_hash=_token_hash(token or ""))
        .first()
    )
    if invitation is None or not invitation.is_usable:
        return None
    return invitation


def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    """Revoke an open invitation. The row is locked first: of two revokes (or a revoke and an
    acceptance, which locks it too) one wins and the other sees what it did — one audit event,
    never two."""
    with transaction.atomic():
        locked = access_invitation(
            actor,
            invitation.pk,
            department=invitation.department,
            perm="manage",
            lock=True,
            open_only=False,
        )
        if not locked.is_open:
            raise Conflict("This invitation was already used or revoked.")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="invitation.revoked",
            target=locked,
            department=locked.department,
            data={"email": locked.email},
        )
    invitation.revoked_at = locked.revoked_at


def invitation_accept(
    *, token: str, user: User | None = None, full_name: str = "", password: str = ""
) -> Membership:
    """Accept an invitation: a new person sets a password, a signed-in person joins as they are.

    The e-mailed link proves the address, so a new account's address counts as verified.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("department")
            .filter(token_hash=_token_hash(token or ""))
            .first()
        )
        if invitation is None or not invitation.is_usable:
            raise Conflict("This invitation link is no longer valid. Ask for a new one.")
        if user is None:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise Conflict(
                    "An account with this address exists already: log in, then open the link."
                )
            user = User(email=invitation.email, full_name=full_name.strip())
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise InvalidInput(" ".join(exc.messages), field="password1") from exc
            user.set_password(password)
            user.save()
            EmailAddress.objects.create(
                user=user, email=invitation.email, verified=True, primary=True
            )
        elif user.email.lower() != invitation.email.lower():
            raise NotAllowed(
                f"This invitation is for {invitation.email}. Log in with that address."
            )
        if Membership.objects.filter(user=user, department=invitation.department).exists():
            raise Conflict(f"You are already a member of {invitation.department}.")
        membership = _add_membership(
            user=user, department=invitation.department, role=invitation.role
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(
            actor=user,
            action="invitation.accepted",
            target=invitation,
            department=invitation.department,
            to_state=invitation.role,
            data={"email": invitation.email},
        )
    return membership


# --- Profile -----------------------------------------------------------------------------------


def profile_update(*, user: User, full_name: str, timezone_name: str) -> User:
    try:
        validate_timezone(timezone_name)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], field="timezone") from exc
    user.full_name = full_name.strip()[:150]
    user.timezone = timezone_name
    user.save(update_fields=["full_name", "timezone"])
    return user


# --- API tokens (docs/security.md) ---------------------------------------------------------------

# One answer for every refusal, so the endpoint never confirms a password before the second
# factor: a wrong e-mail, a wrong password, a missing or wrong code all read the same.
API_LOGIN_REFUSED = "E-mail address, password or code is not correct."


class LoginLocked(DomainError):
    """Too many failed logins for this address (or from this client): try again later."""

    status_code = 429


def api_token_issue(
    *, request: HttpRequest, email: str, password: str, code: str, user_agent: str = ""
) -> tuple[ApiToken, str]:
    """Check e-mail, password and (when the person has TOTP) the code; issue a new token.

    Returns the token row and its key, which is shown this once and never stored. Failures count
    against allauth's `login_failed` limits, shared with the login page: per address and per
    client (ACCOUNT_RATE_LIMITS), and the second factor's per-person counter.
    """
    from allauth.account.adapter import get_adapter
    from allauth.core import ratelimit

    adapter = get_adapter(request)
    try:
        # allauth's own login step: counts the failure per e-mail address and per client
        # address, refuses once either limit is reached, and forgives a correct password.
        user = adapter.authenticate(request, email=email, password=password)
    except ValidationError as exc:
        raise LoginLocked(
            "Too many failed login attempts. Try again in a few minutes.",
            code="locked",
        ) from exc
    if user is None or not user.is_active:
        raise InvalidInput(API_LOGIN_REFUSED, field="non_field_errors", code="login_refused")
    if mfa.is_enabled(user):
        mfa_key = f"mfa-auth-user-{user.pk}"  # the key allauth's own code step counts under
        code = code.strip()
        verified = (
            bool(code)
            and ratelimit.consume(request, action="login_failed", key=mfa_key)
            and mfa.verify_code(user, code)
        )
        if not verified:
            # allauth forgave the right password above; count the attempt again, so a correct
            # password without its code uses up the lockout exactly as a wrong one does.
            ratelimit.consume(
                request,
                action="login_failed",
                key=adapter._get_login_attempts_cache_key(request, email=email),
            )
            raise InvalidInput(API_LOGIN_REFUSED, field="non_field_errors", code="login_refused")
        ratelimit.clear(request, action="login_failed", key=mfa_key)
    stamp = selectors.credential_stamp(user=user)
    with transaction.atomic():
        # Housekeeping: rows that can no longer authenticate go when a new one comes.
        ApiToken.objects.filter(user=user).filter(
            Q(expiry__lte=timezone.now()) | ~Q(stamp=stamp)
        ).delete()
        token, key = ApiToken.objects.create(user=user, stamp=stamp, user_agent=user_agent[:200])
        audit_record(actor=user, action="api_token.issued", target=user, data={"token": token.pk})
    return token, key


def api_token_revoke(*, actor: User, token_id: int) -> None:
    """End one of the person's own tokens (404 for any other: nobody sees another's tokens)."""
    with transaction.atomic():
        token = access_api_token(actor, token_id, lock=True)
        token.delete()
        audit_record(
            actor=actor, action="api_token.revoked", target=actor, data={"token": token_id}
        )


def api_tokens_revoke_all(*, actor: User) -> int:
    """End every token of the person (signing scripts out everywhere). Returns how many."""
    with transaction.atomic():
        count, _ = ApiToken.objects.filter(user=actor).delete()
        if count:
            audit_record(
                actor=actor, action="api_token.revoked_all", target=actor, data={"count": count}
            )
    return count
