from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from knox.models import AuthToken as KnoxAuthToken

from accounts import services
from accounts.models import ApiToken, Department, Invitation, Membership, User
from accounts.roles import GROUP_NAMES, OrgRole, roles_of_groups


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    fields = ("department", "role", "created_at")
    readonly_fields = ("department", "role", "created_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Membership changes go through the department page so the group and audit stay in step.
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined")
    search_fields = ("email", "full_name")
    list_filter = ("is_active", "is_staff", "groups")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal", {"fields": ("full_name", "timezone")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "organisation_roles")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = (MembershipInline,)
    # Group membership is never edited here: organisation roles change on the people page (the
    # service that audits each change and keeps an active org admin), department groups with
    # the memberships on the department page.
    readonly_fields = ("organisation_roles",)

    @admin.display(description="Organisation roles")
    def organisation_roles(self, obj: User) -> str:
        if obj.pk is None:
            return "—"
        held = roles_of_groups(group.name for group in obj.groups.all())
        labels = ", ".join(str(OrgRole(role).label) for role in held)
        link = reverse("people") + "?" + urlencode({"q": obj.email})
        return format_html(
            '{} (<a href="{}">change them on the people page</a>)', labels or "none", link
        )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    readonly_fields = ("group", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("slug", "group", "created_at") if obj else ("group", "created_at")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["name", "slug", "description"] + (["group", "created_at"] if obj else [])

    def save_model(self, request: HttpRequest, obj: Department, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # Creation goes through the service so the department gets its permission group.
        created = services.department_create(
            actor=request.user,  # type: ignore[arg-type]
            name=obj.name,
            slug=obj.slug,
            description=obj.description,
        )
        obj.pk = created.pk
        obj.group = created.group

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "department", "role", "created_at")
    list_filter = ("department", "role")
    search_fields = ("user__email", "user__full_name")

    # Read-only here: adding, re-roling and removing go through the department page.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("email", "department", "role", "created_at", "expires_at", "accepted_at")
    list_filter = ("department", "role")
    search_fields = ("email",)
    exclude = ("token_hash",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# knox registers its own token model; SocialHub uses accounts.ApiToken in its place.
if admin.site.is_registered(KnoxAuthToken):
    admin.site.unregister(KnoxAuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Tokens are issued by the API only (the key is shown once, to its owner); an admin may see
    and delete them."""

    list_display = ("id", "user", "created", "expiry", "user_agent")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    fields = ("user", "created", "expiry", "user_agent")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Organisation-role and department groups keep their names and cannot be deleted here:
    the code finds roles and departments by them, and deleting one would take the role or the
    department's grants from everybody at once, without an audit event."""

    def _is_managed(self, obj: Any) -> bool:
        return obj is not None and (
            obj.name in GROUP_NAMES.values() or Department.objects.filter(group=obj).exists()
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("name",) if self._is_managed(obj) else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._is_managed(obj) and super().has_delete_permission(request, obj)
