from __future__ import annotations

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from listening.api import views

router = SimpleRouter()
router.register("listening/streams", views.StreamViewSet, basename="api_listening_stream")

urlpatterns = [
    # The router's id pattern: any id, 404 from the view when it names no visible match.
    re_path(
        r"^listening/matches/(?P<pk>[^/.]+)/send-to-triage/$",
        views.MatchSendToTriageView.as_view(),
        name="api_listening_match-send-to-triage",
    ),
    *router.urls,
]
