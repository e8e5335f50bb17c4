from __future__ import annotations

from django.urls import path

from dashboards.api import views

urlpatterns = [
    path("me/", views.me, name="api_me"),
]
