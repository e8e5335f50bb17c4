"""`GET /api/v1/me/`: a person's own state, gathered across apps (people, roles, training)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.serializers import MeSerializer
from dashboards.profile_state import profile_state


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """Who I am: departments and roles, MFA state; training state once that part is installed."""
    return Response(MeSerializer(profile_state(request.user)).data)
