from __future__ import annotations

from django.urls import path

from listening import views

app_name = "listening"

urlpatterns = [
    path("listening/", views.stream_list, name="list"),
    path("listening/new/", views.stream_create, name="create"),
    path("listening/<int:pk>/", views.stream_detail, name="stream"),
    path("listening/<int:pk>/edit/", views.stream_edit, name="edit"),
    path("listening/<int:pk>/archive/", views.stream_archive, name="archive"),
    path("listening/<int:pk>/follow/", views.stream_follow, name="follow"),
    path(
        "listening/matches/<int:pk>/send-to-triage/",
        views.match_send_to_triage,
        name="send_to_triage",
    ),
]
