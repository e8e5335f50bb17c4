from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from approvals.api import approval_rules, coaching, quiet_periods, views

router = SimpleRouter()
router.register("posts", views.PostViewSet, basename="api_post")
router.register("review-queue", views.ReviewQueueViewSet, basename="api_review_queue")
router.register("crisis-pauses", views.CrisisPauseViewSet, basename="api_crisis_pause")
router.register("quiet-periods", quiet_periods.QuietPeriodViewSet, basename="api_quiet_period")
router.register("review-reasons", coaching.ReviewReasonViewSet, basename="api_review_reason")
router.register("approval-rules", approval_rules.ApprovalRuleViewSet, basename="api_approval_rule")
router.register("notifications", views.NotificationViewSet, basename="api_notification")

urlpatterns = [
    path("me/feedback/", coaching.my_feedback, name="api_me_feedback"),
    *router.urls,
]
