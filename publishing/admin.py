from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from publishing.models import FeedEntry, PublishAttempt


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
