"""People pages: thin views that parse, call a selector or service, and render."""

from __future__ import annotations

from typing import Any

from allauth.mfa.base.views import IndexView as MfaIndexView
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts import authz, selectors, services
from accounts.forms import (
    AcceptInvitationForm,
    InvitationForm,
    PersonRolesForm,
    ProfileForm,
    RoleForm,
)
from accounts.models import Department, Membership, User
from accounts.permissions import (
    access_department,
    access_invitation,
    access_membership,
    access_person,
    require_people_manager,
)
from accounts.roles import OrgRole
from core.errors import DomainError, InvalidInput
from core.links import public_base_url
from core.paging import page_of


@login_required
def department_list(request: HttpRequest) -> HttpResponse:
    departments = selectors.department_list(user=request.user)
    return render(request, "accounts/department_list.html", {"departments": departments})


@login_required
def department_detail(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department(request.user, slug)
    can_manage = authz.can_manage_department(request.user, department)
    members = page_of(request, selectors.member_list(department=department))
    context = {
        "department": department,
        "page": members,
        "members": members.object_list,
        "can_manage": can_manage,
        "can_see_activity": authz.can_see_department_activity(request.user, department),
        "invitations": selectors.open_invitation_list(department=department) if can_manage else [],
        "invite_form": InvitationForm(),
        "roles": Membership.Role.choices,
    }
    return render(request, "accounts/department_detail.html", context)


@login_required
@require_POST
def department_invite(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department(request.user, slug, perm="manage")
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation, _link = services.invitation_create(
                actor=request.user,  # type: ignore[arg-type]
                department=department,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                base_url=public_base_url(request),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("department_detail", slug=department.slug)
    context = {
        "department": department,
        "members": selectors.member_list(department=department),
        "can_manage": True,
        "invitations": selectors.open_invitation_list(department=department),
        "invite_form": form,
        "roles": Membership.Role.choices,
    }
    return render(request, "accounts/department_detail.html", context, status=400)


def _membership(request: HttpRequest, slug: str, membership_id: int) -> Membership:
    department = access_department(request.user, slug)
    return access_membership(request.user, membership_id, department=department)


@login_required
@require_POST
def member_change_role(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    membership = _membership(request, slug, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid role.")
        return redirect("department_detail", slug=slug)
    try:
        services.membership_change_role(
            actor=request.user,  # type: ignore[arg-type]
            membership=membership,
            role=form.cleaned_data["role"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
    return redirect("department_detail", slug=slug)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    membership = _membership(request, slug, membership_id)
    try:
        services.membership_remove(actor=request.user, membership=membership)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user} was removed from {membership.department}.")
    return redirect("department_detail", slug=slug)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    department = access_department(request.user, slug)
    invitation = access_invitation(request.user, invitation_id, department=department, perm="view")
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The invitation for {invitation.email} was revoked.")
    return redirect("department_detail", slug=slug)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """A new person sets a password; a signed-in person with the invited address just joins."""
    invitation = services.invitation_find(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    signed_in = request.user.is_authenticated
    form = AcceptInvitationForm(request.POST or None) if not signed_in else None
    if request.method == "POST":
        try:
            if signed_in:
                membership = services.invitation_accept(token=token, user=request.user)  # type: ignore[arg-type]
            elif form is not None and form.is_valid():
                membership = services.invitation_accept(
                    token=token,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, membership.user, backend=settings.AUTHENTICATION_BACKENDS[0])
            else:
                membership = None
        except DomainError as exc:
            membership = None
            if form is not None:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.error(request, exc.message)
        if membership is not None:
            messages.success(request, f"Welcome to {membership.department}.")
            return redirect("department_detail", slug=membership.department.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "form": form, "signed_in": signed_in},
        status=status,
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = ProfileForm(
        request.POST or None,
        initial={"full_name": user.full_name, "timezone": user.timezone},  # type: ignore[union-attr]
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(
                user=user,  # type: ignore[arg-type]
                full_name=form.cleaned_data["full_name"],
                timezone_name=form.cleaned_data["timezone"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Your profile was saved.")
            return redirect("profile")
    mfa_types = set(
        Authenticator.objects.filter(user=user).values_list("type", flat=True)  # type: ignore[misc]
    )
    context = {
        "form": form,
        "memberships": Membership.objects.filter(user=user).select_related("department"),
        "org_roles": sorted(authz.org_roles(user)),
        "has_totp": Authenticator.Type.TOTP in mfa_types,
        "has_recovery_codes": Authenticator.Type.RECOVERY_CODES in mfa_types,
    }
    return render(request, "accounts/profile.html", context, status=400 if form.errors else 200)


class SecurityView(MfaIndexView):
    """The Security page (allauth's two-factor page, at its own address) with the person's API
    tokens added: when each was issued, when it expires, and a button to end it."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["api_tokens"] = selectors.api_token_list(user=self.request.user)
        return context


security = login_required(SecurityView.as_view())


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    services.api_token_revoke(actor=request.user, token_id=token_id)  # type: ignore[arg-type]
    messages.success(request, "The API token was revoked: scripts using it must log in again.")
    return redirect("mfa_index")


@login_required
@require_POST
def api_tokens_revoke_all(request: HttpRequest) -> HttpResponse:
    count = services.api_tokens_revoke_all(actor=request.user)  # type: ignore[arg-type]
    messages.success(request, f"{count} API token(s) revoked.")
    return redirect("mfa_index")


# --- People and their organisation roles (org admins) ------------------------------------------


def _people_back(request: HttpRequest, raw: str) -> str:
    """Where a role change returns to: the people page with the filters and page it was made
    from, never another site or page."""
    if raw.startswith("/people/") and url_has_allowed_host_and_scheme(
        raw, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return raw
    return reverse("people")


def _person_row(person: User, *, back: str, error: str = "", saved: bool = False) -> dict[str, Any]:
    return {
        "person": person,
        "held": selectors.person_roles(person),
        "roles": OrgRole.choices,
        "back": back,
        "error": error,
        "saved": saved,
    }


@login_required
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    """Everybody with their departments and organisation roles; org admins tick and save a
    person's roles per row (403 for anyone else, as for the organisation overview)."""
    require_people_manager(request.user)
    filters = {name: request.GET.get(name, "").strip() for name in selectors.PEOPLE_FILTERS}
    errors: dict[str, str] = {}
    try:
        listed = selectors.person_list(user=request.user, filters=filters)
    except InvalidInput as exc:
        errors[exc.field or ""] = exc.message
        listed = selectors.people_with_roles(User.objects.none())
    page = page_of(request, listed)
    back = request.get_full_path()
    context = {
        "page": page,
        "rows": [_person_row(person, back=back) for person in page.object_list],
        "filters": filters,
        "errors": errors,
        "departments": Department.objects.order_by("name").only("slug", "name"),
        "roles": OrgRole.choices,
    }
    return render(request, "accounts/people.html", context, status=400 if errors else 200)


@login_required
@require_POST
def person_roles(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one person's organisation roles. htmx gets the row back (with the refusal in it,
    status 400 or 409); a plain form post goes back to the page it came from."""
    person = access_person(request.user, pk)
    back = _people_back(request, request.POST.get("next", ""))
    form = PersonRolesForm(request.POST)
    error, status = "", 200
    if not form.is_valid():
        problems = form.errors.get("org_roles") or ["Choose valid roles."]
        error, status = " ".join(str(message) for message in problems), 400
    else:
        try:
            services.org_roles_set(
                actor=request.user,  # type: ignore[arg-type]
                user=person,
                roles=form.cleaned_data["org_roles"],
            )
        except DomainError as exc:
            error, status = exc.message, exc.status_code
    if request.headers.get("HX-Request"):
        context = _person_row(
            selectors.listed_person(person.pk), back=back, error=error, saved=not error
        )
        return render(request, "accounts/_person_row.html", context, status=status)
    if error:
        messages.error(request, f"{person}: {error}")
    else:
        messages.success(request, f"The roles of {person} were saved.")
    return redirect(back)
