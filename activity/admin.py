from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from activity.models import AuditEvent, Notification
from core.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the trail is append-only, and the admin is no back door."""

    list_display = ("created_at", "actor", "action", "target_label", "from_state", "to_state")
    list_filter = ("action", "department")
    search_fields = ("target_label", "note", "actor__email")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "kind", "message", "created_at", "read_at")
    list_filter = ("kind",)
    list_select_related = ("recipient",)
