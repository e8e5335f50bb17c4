from __future__ import annotations

from django.contrib import admin

from inbox.models import Case, Conversation, InboxItem, PollState, RoutingRule, SavedReply


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: every change goes through the inbox's services (audited), from its pages
    and its API."""

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "brand_account",
        "state",
        "outcome",
        "department",
        "owner",
        "last_item_at",
    )
    list_filter = ("state", "outcome", "platform")
    search_fields = ("subject", "author_handle", "author_name")
    list_select_related = ("brand_account", "department", "owner")


@admin.register(InboxItem)
class InboxItemAdmin(ReadOnlyAdmin):
    list_display = ("platform_item_id", "brand_account", "kind", "author_handle", "created_at")
    list_filter = ("kind",)
    list_select_related = ("brand_account",)


@admin.register(PollState)
class PollStateAdmin(ReadOnlyAdmin):
    list_display = ("brand_account", "next_poll_at", "failures", "last_error_at", "items_stored")
    list_select_related = ("brand_account",)


@admin.register(RoutingRule)
class RoutingRuleAdmin(ReadOnlyAdmin):
    list_display = ("name", "priority", "is_active", "outcome", "department", "assignee")


@admin.register(SavedReply)
class SavedReplyAdmin(ReadOnlyAdmin):
    list_display = ("title", "department", "is_active", "approved_by")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "state", "helpdesk_number", "status", "attempts", "created_at")
    list_filter = ("state", "status")
    search_fields = ("external_id", "helpdesk_number")
    # The sent item ids are bookkeeping, not for reading here.
    exclude = ("sent_item_ids",)
