from __future__ import annotations

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from inbox.api import cases, views

router = SimpleRouter()
router.register("inbox/conversations", views.ConversationViewSet, basename="api_inbox_conversation")
router.register("inbox/routing-rules", views.RoutingRuleViewSet, basename="api_inbox_routing_rule")
router.register("inbox/saved-replies", views.SavedReplyViewSet, basename="api_inbox_saved_reply")

urlpatterns = [
    # The same id pattern as the router's: any id, 404 from the view when it names no visible
    # conversation.
    re_path(
        r"^inbox/conversations/(?P<pk>[^/.]+)/case/$",
        cases.ConversationCaseView.as_view(),
        name="api_inbox_conversation-case",
    ),
    re_path(
        r"^inbox/conversations/(?P<pk>[^/.]+)/case/retry/$",
        cases.ConversationCaseRetryView.as_view(),
        name="api_inbox_conversation-case-retry",
    ),
    path("inbox/helpdesk/", cases.HelpdeskView.as_view(), name="api_inbox_helpdesk"),
    *router.urls,
]
