from __future__ import annotations

from django.urls import path

from approvals import views

urlpatterns = [
    path("posts/", views.post_list, name="post_list"),
    path("posts/new/", views.post_compose, name="post_create"),
    path("posts/check/", views.post_check, name="post_check"),
    path("posts/bulk/", views.posts_bulk, name="posts_bulk"),
    path("posts/<int:pk>/", views.post_detail, name="post_detail"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/review/", views.post_review, name="post_review"),
    path("posts/<int:pk>/submit/", views.post_submit, name="post_submit"),
    path("posts/<int:pk>/decide/", views.post_decide, name="post_decide"),
    path("posts/<int:pk>/withdraw/", views.post_withdraw, name="post_withdraw"),
    path("posts/<int:pk>/copy/", views.post_copy, name="post_copy"),
    path("posts/<int:pk>/schedule/", views.post_schedule, name="post_schedule"),
    path("posts/<int:pk>/reschedule/", views.post_reschedule, name="post_reschedule"),
    path("posts/<int:pk>/unschedule/", views.post_unschedule, name="post_unschedule"),
    path("posts/<int:pk>/publish-now/", views.post_publish_now, name="post_publish_now"),
    path("posts/<int:pk>/retry/", views.post_retry, name="post_retry"),
    path("posts/<int:pk>/media/<int:media_id>/", views.media_file, name="media_file"),
    path(
        "posts/<int:pk>/media/<int:media_id>/thumbnail/",
        views.media_thumbnail,
        name="media_thumbnail",
    ),
    path("posts/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path(
        "posts/<int:pk>/comments/<int:comment_id>/resolve/",
        views.comment_resolve,
        name="comment_resolve",
    ),
    path(
        "posts/<int:pk>/comments/<int:comment_id>/apply/",
        views.comment_apply,
        name="comment_apply",
    ),
    path("review/", views.review_queue, name="review_queue"),
    path("calendar/", views.content_calendar, name="content_calendar"),
    path("crisis/", views.crisis_pause_list, name="crisis_pause_list"),
    path("crisis/<int:pk>/lift/", views.crisis_pause_lift, name="crisis_pause_lift"),
    path("quiet-periods/", views.quiet_period_list, name="quiet_period_list"),
    path("approval-rules/", views.approval_rule_list, name="approval_rule_list"),
    path("approval-rules/<int:pk>/", views.approval_rule_edit, name="approval_rule_edit"),
    path(
        "approval-rules/<int:pk>/retire/", views.approval_rule_retire, name="approval_rule_retire"
    ),
    path("review-reasons/", views.review_reason_list, name="review_reason_list"),
    path("review-reasons/<int:pk>/", views.review_reason_edit, name="review_reason_edit"),
    path("review-reasons/summary/", views.review_reason_summary, name="review_reason_summary"),
    path("my-feedback/", views.my_feedback, name="my_feedback"),
    path("quiet-periods/<int:pk>/edit/", views.quiet_period_edit, name="quiet_period_edit"),
    path("quiet-periods/<int:pk>/cancel/", views.quiet_period_cancel, name="quiet_period_cancel"),
    path(
        "posts/<int:pk>/quiet-periods/<int:period_pk>/exception/",
        views.quiet_period_exception_grant,
        name="quiet_period_exception_grant",
    ),
    path(
        "posts/<int:pk>/quiet-periods/<int:period_pk>/exception/revoke/",
        views.quiet_period_exception_revoke,
        name="quiet_period_exception_revoke",
    ),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
