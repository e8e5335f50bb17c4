from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from approvals.models import (
    AuditEvent,
    CrisisPause,
    Decision,
    FeedEntry,
    GuidanceTerm,
    Notification,
    Post,
    PublishAttempt,
    ReviewComment,
    Revision,
)


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


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Workflow records change only through the services (pages and API), which check the rules
    and write the audit trail; the admin shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ("id", "brand_account", "department", "author", "state", "updated_at")
    list_filter = ("state", "department", "brand_account__platform")
    search_fields = ("author__email", "brand_account__display_name")
    list_select_related = ("brand_account", "department", "author")
    date_hierarchy = "updated_at"


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ("post", "number", "created_by", "created_at")
    list_select_related = ("created_by",)
    search_fields = ("body",)


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("post", "revision", "stage", "verdict", "reviewer", "created_at")
    list_filter = ("stage", "verdict")
    list_select_related = ("revision", "reviewer")


@admin.register(ReviewComment)
class ReviewCommentAdmin(ReadOnlyAdmin):
    list_display = ("post", "revision", "author", "resolved", "created_at")
    list_filter = ("resolved",)
    list_select_related = ("revision", "author")


@admin.register(CrisisPause)
class CrisisPauseAdmin(ReadOnlyAdmin):
    """Set and lift pauses on the Crisis pause page (audited, with the banner)."""

    list_display = ("id", "brand_account", "reason", "set_by", "started_at", "lifted_at")
    list_select_related = ("brand_account", "set_by")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "kind", "message", "created_at", "read_at")
    list_filter = ("kind",)
    list_select_related = ("recipient",)


@admin.register(GuidanceTerm)
class GuidanceTermAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Content guidance's word lists: org admins edit them here; every check uses them at once
    (changes are kept in the admin's own history)."""

    list_display = ("phrase", "kind", "advice", "is_active", "updated_at")
    list_editable = ("is_active",)
    list_filter = ("kind", "is_active")
    search_fields = ("phrase", "advice")
    ordering = ("kind", "phrase")


@admin.register(PublishAttempt)
class PublishAttemptAdmin(ReadOnlyAdmin):
    list_display = ("post", "number", "kind", "started_at", "finished_at", "outcome", "worker")
    list_filter = ("outcome", "kind")
    search_fields = ("post__id", "external_id", "message")
    list_select_related = ("post",)
    date_hierarchy = "started_at"


@admin.register(FeedEntry)
class FeedEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "brand_account", "department", "org_wide", "published_at")
    list_filter = ("org_wide", "department")
    search_fields = ("text",)
    list_select_related = ("brand_account", "department")
    date_hierarchy = "published_at"
