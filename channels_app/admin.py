from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from channels_app.models import BrandAccount


@admin.register(BrandAccount)
class BrandAccountAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: accounts, grants and credentials change on the brand-account pages, whose
    services check permissions and write the audit trail. The admin is no back door."""

    list_display = ("display_name", "platform", "handle", "department", "is_active")
    list_filter = ("platform", "department", "is_active")
    search_fields = ("display_name", "handle")
    fields = ("platform", "handle", "display_name", "department", "is_active", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
