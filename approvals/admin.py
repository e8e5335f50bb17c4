from __future__ import annotations

from django.contrib import admin

from approvals.models import (
    CrisisPause,
    Decision,
    GuidanceTerm,
    Post,
    QuietPeriod,
    QuietPeriodException,
    ReviewComment,
    Revision,
)
from core.admin import ReadOnlyAdmin


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


@admin.register(QuietPeriod)
class QuietPeriodAdmin(ReadOnlyAdmin):
    """Plan, change and cancel quiet periods on the Quiet periods page (audited, and posts
    already scheduled inside a new window are held there)."""

    list_display = (
        "id",
        "department",
        "brand_account",
        "starts_at",
        "ends_at",
        "reason",
        "created_by",
        "cancelled_at",
    )
    list_select_related = ("department", "brand_account", "created_by")


@admin.register(QuietPeriodException)
class QuietPeriodExceptionAdmin(ReadOnlyAdmin):
    """Legal grants exceptions on the post and review pages."""

    list_display = ("id", "post", "quiet_period", "granted_by", "granted_at")
    list_select_related = ("granted_by",)


@admin.register(GuidanceTerm)
class GuidanceTermAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Content guidance's word lists: org admins edit them here; every check uses them at once
    (changes are kept in the admin's own history)."""

    list_display = ("phrase", "kind", "advice", "is_active", "updated_at")
    list_editable = ("is_active",)
    list_filter = ("kind", "is_active")
    search_fields = ("phrase", "advice")
    ordering = ("kind", "phrase")
