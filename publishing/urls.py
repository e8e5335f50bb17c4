from __future__ import annotations

from django.urls import path

from publishing import views

urlpatterns = [
    path("feed/", views.internal_feed, name="internal_feed"),
    path("feed/entries/<int:pk>/", views.feed_entry, name="feed_entry"),
    path("feed/entries/<int:pk>/comments/", views.feed_comment_create, name="feed_comment_create"),
    path("feed/entries/<int:pk>/images/<int:image_id>/", views.feed_image, name="feed_image"),
    path("feed/<slug:slug>/", views.department_feed, name="department_feed"),
    path("posts/<int:pk>/engagement/", views.post_engagement, name="post_engagement"),
]
