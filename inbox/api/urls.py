from __future__ import annotations

from rest_framework.routers import SimpleRouter

from inbox.api import views

router = SimpleRouter()
router.register("inbox/conversations", views.ConversationViewSet, basename="api_inbox_conversation")
router.register("inbox/routing-rules", views.RoutingRuleViewSet, basename="api_inbox_routing_rule")
router.register("inbox/saved-replies", views.SavedReplyViewSet, basename="api_inbox_saved_reply")

urlpatterns = router.urls
