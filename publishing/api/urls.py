from __future__ import annotations

from django.urls import re_path

from publishing.api import views

urlpatterns = [
    # The address and name the post resource's router gave it before the engine had its app
    # (the same pattern: any id, answered 404 by the view when it names no visible post).
    re_path(
        r"^posts/(?P<pk>[^/.]+)/attempts/$",
        views.PostAttemptsView.as_view(),
        name="api_post-attempts",
    ),
    re_path(
        r"^posts/(?P<pk>[^/.]+)/engagement/$",
        views.PostEngagementView.as_view(),
        name="api_post-engagement",
    ),
]
