"""Brand-account pages: thin views that parse, call a selector or service, and render.

Every page finds the account through the caller-scoped selector first (404 for accounts the
caller holds nothing on), then asks channels_app.permissions (403 for what they may not do).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from accounts import authz
from accounts.models import Department
from channels_app import permissions, selectors, services
from channels_app.credentials import credential_fields, needs_connection
from channels_app.forms import (
    PERMISSION_HELP,
    BrandAccountCreateForm,
    BrandAccountEditForm,
    BrandAccountFilterForm,
    ConnectionForm,
    GrantAddForm,
    GrantUpdateForm,
)
from channels_app.grant_access import access_grant
from channels_app.models import BrandAccount, BrandAccountPerm
from channels_app.permissions import access_brand_account
from channels_app.platforms import Platform
from channels_app.rules import rules_for
from channels_app.verification import identity_matches, stored_identity
from core.errors import DomainError
from core.paging import page_of


def _form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
def brandaccount_list(request: HttpRequest) -> HttpResponse:
    visible = BrandAccount.objects.visible_to(request.user)
    # Only departments that own an account the caller can see: the filter leaks nothing.
    departments = list(
        Department.objects.filter(pk__in=visible.values("department_id")).order_by("name")
    )
    data = request.GET.copy()
    data.setdefault("status", "active")
    form = BrandAccountFilterForm(data, departments=departments)
    filters = form.cleaned_data if form.is_valid() else {"status": "active"}
    accounts = selectors.brand_account_list(
        user=request.user,
        platform=filters.get("platform", ""),
        department=filters.get("department", ""),
        status=filters.get("status") or "active",
        search=(filters.get("search") or "").strip(),
    )
    page = page_of(request, accounts)
    rows = list(page.object_list)
    perms = permissions.perms_by_account(request.user, rows)
    context = {
        "form": form,
        "page": page,
        "rows": [(account, permissions.sorted_perms(perms[account.pk])) for account in rows],
        "can_create": permissions.can_create_accounts(request.user),
        "perm_labels": permissions.PERM_LABELS,
    }
    return render(request, "channels_app/brandaccount_list.html", context)


@login_required
def brandaccount_create(request: HttpRequest) -> HttpResponse:
    authz.require(
        permissions.can_create_accounts(request.user), "Only org admins can register accounts."
    )
    form = BrandAccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.brand_account_create(
                actor=request.user,  # type: ignore[arg-type]
                platform=data["platform"],
                handle=data["handle"],
                display_name=data["display_name"],
                department=data["department"],
                apply_standard_grants=data["apply_standard_grants"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"{account.display_name} is registered.")
            if needs_connection(account.platform):
                messages.info(request, "Connect it to the platform to publish from SocialHub.")
            return redirect("brandaccount_detail", pk=account.pk)
    status = 400 if form.errors else 200
    return render(request, "channels_app/brandaccount_form.html", {"form": form}, status=status)


def _connection_context(account: BrandAccount) -> dict[str, Any]:
    """Who the platform said the credentials speak as, and the longest post it takes."""
    if not account.is_connected:
        return {"identity": None}
    identity = stored_identity(account.connection)
    rules = rules_for(account.platform, max_length=selectors.length_limit(account))
    return {
        "identity": identity,
        "verified_at": account.connection.verified_at,
        "needs_reconnect": account.connection.needs_reconnect,
        "problem": account.connection.problem,
        "problem_since": account.connection.problem_since,
        "identity_matches": identity is None
        or identity_matches(account.platform, account.handle, identity),
        "max_length": rules.max_length,
        "how_counted": rules.how_counted,
    }


def _account_context(request: HttpRequest, account: BrandAccount) -> dict[str, Any]:
    perms = permissions.perms_on(request.user, account)
    return {
        "connection": _connection_context(account),
        "account": account,
        "my_perms": permissions.sorted_perms(perms),
        "can_manage": BrandAccountPerm.MANAGE in perms,
        "is_org_admin": authz.is_org_admin(request.user),
        "perm_labels": permissions.PERM_LABELS,
        "needs_connection": needs_connection(account.platform),
    }


@login_required
def brandaccount_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_brand_account(request.user, pk)
    context = _account_context(request, account)
    context["grants"] = (
        selectors.grant_list(account=account)
        if permissions.can_see_grants(request.user, account)
        else None
    )
    context["events"] = (
        list(selectors.audit_event_list(account=account)) if context["can_manage"] else []
    )
    return render(request, "channels_app/brandaccount_detail.html", context)


@login_required
def brandaccount_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_brand_account(request.user, pk, perm="manage")
    may_move = permissions.can_change_department(request.user)
    initial = {
        "display_name": account.display_name,
        "handle": account.handle,
        "department": account.department.slug,
        "org_wide_feed": account.org_wide_feed,
        "customer_service_replies_preapproved": account.customer_service_replies_preapproved,
    }
    form = BrandAccountEditForm(
        request.POST or None,
        initial=initial,
        can_change_department=may_move,
        internal=account.platform == Platform.INTERNAL,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.brand_account_update(
                actor=request.user,  # type: ignore[arg-type]
                account=account,
                display_name=data["display_name"],
                handle=data["handle"],
                department=data["department"] if may_move else None,
                org_wide_feed=data.get("org_wide_feed"),
                customer_service_replies_preapproved=(
                    data["customer_service_replies_preapproved"] if may_move else None
                ),
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "The account was saved.")
            return redirect("brandaccount_detail", pk=account.pk)
    context = {**_account_context(request, account), "form": form}
    status = 400 if form.errors else 200
    return render(request, "channels_app/brandaccount_edit.html", context, status=status)


@login_required
@require_POST
def brandaccount_set_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    account = access_brand_account(request.user, pk, perm="manage")
    try:
        services.brand_account_set_active(
            actor=request.user,  # type: ignore[arg-type]
            account=account,
            active=active,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{account.display_name} is active again."
            if active
            else f"{account.display_name} is deactivated: nobody can draft, review or publish "
            "on it until it is activated again.",
        )
    return redirect("brandaccount_detail", pk=account.pk)


# --- Access: grants ----------------------------------------------------------------------------


def _access_page(
    request: HttpRequest,
    account: BrandAccount,
    add_form: GrantAddForm | None = None,
    status: int = 200,
) -> HttpResponse:
    departments = list(Department.objects.order_by("name"))
    grants = selectors.grant_list(account=account)
    add_form = add_form or GrantAddForm(departments=departments)
    # Only org admins give or take Manage: others see it, locked, and keep what is there.
    locked = {BrandAccountPerm.MANAGE} if not permissions.can_grant_manage(request.user) else set()
    labels = permissions.PERM_LABELS
    checked = set(add_form["permissions"].value() or [])
    context = {
        **_account_context(request, account),
        "grants": grants,
        "grant_rows": [
            (
                grant,
                [
                    (code, labels[code], code in grant.permissions, code in locked)
                    for code in permissions.ALL_PERMS
                ],
            )
            for grant in grants
        ],
        "effective": selectors.effective_access_list(account=account, grants=grants),
        "add_form": add_form,
        "add_choices": [
            (code, labels[code], code in checked, code in locked) for code in permissions.ALL_PERMS
        ],
        "permission_help": [(labels[code], text) for code, text in PERMISSION_HELP.items()],
    }
    return render(request, "channels_app/brandaccount_access.html", context, status=status)


@login_required
def brandaccount_access(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_brand_account(request.user, pk, perm="manage")
    return _access_page(request, account)


@login_required
@require_POST
def brandaccount_grant_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_brand_account(request.user, pk, perm="manage")
    departments = list(Department.objects.order_by("name"))
    form = GrantAddForm(request.POST, departments=departments)
    if form.is_valid():
        data = form.cleaned_data
        try:
            holder = selectors.grant_holder_for(
                department=data["department"], user=data["user"], role=data["role"]
            )
            grant = services.brand_account_grant(
                actor=request.user,  # type: ignore[arg-type]
                account=account,
                holder=holder,
                perms=data["permissions"],
            )
        except DomainError as exc:
            _form_error(form, exc)
            return _access_page(request, account, form, status=exc.status_code)
        labels = ", ".join(permissions.PERM_LABELS[p] for p in grant.permissions)
        messages.success(request, f"{grant.holder.label} now holds: {labels}.")
        return redirect("brandaccount_access", pk=account.pk)
    return _access_page(request, account, form, status=400)


@login_required
@require_POST
def brandaccount_grant_update(request: HttpRequest, pk: int, grant_id: str) -> HttpResponse:
    account = access_brand_account(request.user, pk, perm="manage")
    current = access_grant(request.user, grant_id, account=account)
    form = GrantUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose permissions from the list.")
        return redirect("brandaccount_access", pk=account.pk)
    try:
        grant = services.brand_account_set_grant(
            actor=request.user,  # type: ignore[arg-type]
            account=account,
            holder=current.holder,
            perms=form.cleaned_data["permissions"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _access_page(request, account, status=exc.status_code)
    if grant.permissions:
        labels = ", ".join(permissions.PERM_LABELS[p] for p in grant.permissions)
        messages.success(request, f"{grant.holder.label} now holds: {labels}.")
    else:
        messages.success(request, f"{grant.holder.label} no longer has access.")
    return redirect("brandaccount_access", pk=account.pk)


@login_required
@require_POST
def brandaccount_grant_remove(request: HttpRequest, pk: int, grant_id: str) -> HttpResponse:
    account = access_brand_account(request.user, pk, perm="manage")
    current = access_grant(request.user, grant_id, account=account)
    try:
        services.brand_account_revoke(
            actor=request.user,  # type: ignore[arg-type]
            account=account,
            holder=current.holder,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _access_page(request, account, status=exc.status_code)
    messages.success(request, f"{current.holder.label} no longer has access.")
    return redirect("brandaccount_access", pk=account.pk)


# --- Connection --------------------------------------------------------------------------------


@sensitive_post_parameters()
@login_required
@sensitive_variables()
def brandaccount_connect(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_brand_account(request.user, pk, perm="manage")
    context = _account_context(request, account)
    if not credential_fields(account.platform):
        context["form"] = None
        return render(request, "channels_app/brandaccount_connect.html", context)
    form = ConnectionForm(request.POST or None, platform=account.platform)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            connection = services.brand_account_set_credentials(
                actor=request.user,  # type: ignore[arg-type]
                account=account,
                credentials={k: v for k, v in form.cleaned_data.items() if v},
            )
        except services.CredentialsInvalid as exc:
            for name, errors in exc.errors.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        except DomainError as exc:
            # The platform's refusal (or silence) concerns the whole set: shown above the form.
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(
                request,
                f"{account.get_platform_display()} accepted the credentials: connected as "
                f"{connection.identity_handle or connection.identity_id}. They are stored, "
                "encrypted.",
            )
            return redirect("brandaccount_detail", pk=account.pk)
    context["form"] = form
    if not form.errors:
        status = 200
    elif status == 200:
        status = 400
    return render(request, "channels_app/brandaccount_connect.html", context, status=status)


@login_required
@require_POST
def brandaccount_disconnect(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_brand_account(request.user, pk, perm="manage")
    try:
        services.brand_account_disconnect(actor=request.user, account=account)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The credentials were deleted.")
    return redirect("brandaccount_detail", pk=account.pk)


@login_required
@require_POST
def brandaccount_check_connection(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_brand_account(request.user, pk, perm="manage")
    try:
        connection = services.brand_account_check_connection(
            actor=request.user,  # type: ignore[arg-type]
            account=account,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{account.get_platform_display()} accepts the credentials: connected as "
            f"{connection.identity_handle or connection.identity_id}.",
        )
    return redirect("brandaccount_detail", pk=account.pk)
