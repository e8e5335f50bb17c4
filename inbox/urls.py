from __future__ import annotations

from django.urls import path

from inbox import case_views, views

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
    path("inbox/<int:pk>/case/", case_views.case_panel, name="case_panel"),
    path("inbox/<int:pk>/case/create/", case_views.case_create, name="case_create"),
    path("inbox/<int:pk>/case/retry/", case_views.case_retry, name="case_retry"),
    path("inbox/helpdesk/", case_views.helpdesk_settings, name="helpdesk"),
]
