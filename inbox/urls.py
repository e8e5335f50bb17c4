from __future__ import annotations

from django.urls import path

from inbox import views

app_name = "inbox"

urlpatterns = [
    path("inbox/", views.inbox_list, name="list"),
    path("inbox/<int:pk>/", views.conversation_detail, name="conversation"),
    path("inbox/<int:pk>/triage/", views.conversation_triage, name="triage"),
    path("inbox/<int:pk>/claim/", views.conversation_claim, name="claim"),
    path("inbox/<int:pk>/release/", views.conversation_release, name="release"),
    path("inbox/<int:pk>/close/", views.conversation_close, name="close"),
    path("inbox/<int:pk>/reopen/", views.conversation_reopen, name="reopen"),
    path("inbox/<int:pk>/reply/", views.conversation_reply, name="reply"),
]
