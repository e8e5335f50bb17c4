"""Listening over the API, with the same rules as the pages (the same services and
selectors): a stream the caller may not read answers 404, a refused change 403, bad input 400
with the field. Nothing is written when refused."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from core.api import ScopedGenericViewSet
from core.errors import InvalidInput, NotAllowed
from core.openapi import ID_SCHEMA
from listening import permissions, selectors, services
from listening.api import serializers as s
from listening.models import ListeningStream, StreamMatch


def _parsed(serializer_class: Any, data: Any, **kwargs: Any) -> dict[str, Any]:
    payload = serializer_class(data=data, **kwargs)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


def _accounts(actor: User, ids: list[int]) -> list[BrandAccount]:
    """The accounts named, among those the person holds a permission on; else 400."""
    found = {a.pk: a for a in BrandAccount.objects.visible_to(actor).filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise InvalidInput(f"No such brand account: {missing[0]}.", field="accounts")
    return [found[pk] for pk in ids]


def _terms(rows: list[dict[str, Any]]) -> list[services.TermInput]:
    return [services.TermInput(row["kind"], row["value"]) for row in rows]


MATCH_FILTERS = [
    OpenApiParameter("term", ID_SCHEMA, description="One of the stream's terms (its id)."),
    OpenApiParameter("platform", OpenApiTypes.STR, enum=list(Platform.values)),
]


@extend_schema_view(
    list=extend_schema(
        summary="Listening streams you may read",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(selectors.STATUSES)),
        ],
    ),
    retrieve=extend_schema(summary="One listening stream"),
    create=extend_schema(
        summary="Define a stream (org admins; managers for their department)",
        request=s.StreamWriteSerializer,
        responses={201: s.StreamSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a stream (is_active false archives it, true restores it)",
        request=s.StreamWriteSerializer,
        responses=s.StreamSerializer,
    ),
    destroy=extend_schema(summary="Archive a stream (its matches stay readable)"),
)
class StreamViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedGenericViewSet,
):
    serializer_class = s.StreamSerializer
    http_method_names = ("get", "post", "patch", "delete", "head", "options")

    def _actor(self) -> User:
        return cast(User, self.request.user)

    def visible_queryset(self) -> QuerySet[ListeningStream]:
        status_filter = self.request.query_params.get("status") or "active"
        if self.action != "list":
            status_filter = "all"
        return selectors.stream_list(user=self.request.user, status=status_filter)

    def access_object(self, key: Any) -> ListeningStream:
        return selectors.stream_with_relations(permissions.access_stream(self.request.user, key))

    def _answer(self, stream: ListeningStream, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.stream_with_relations(
            permissions.access_stream(self.request.user, stream.pk)
        )
        return Response(s.StreamSerializer(fresh).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = self._actor()
        data = _parsed(s.StreamWriteSerializer, request.data)
        department = data.get("department", services.default_department(actor))
        stream = services.stream_save(
            actor=actor,
            name=data["name"],
            description=data.get("description", ""),
            department=department,
            accounts=_accounts(actor, data["accounts"]),
            terms=_terms(data["terms"]),
        )
        return self._answer(stream, code=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = self._actor()
        stream = self.get_object()
        data = _parsed(s.StreamWriteSerializer, request.data, partial=True)
        if not permissions.can_edit(actor, stream):
            raise NotAllowed("Only org admins and the department's managers change this stream.")
        if set(data) - {"is_active"}:
            accounts = (
                _accounts(actor, data["accounts"])
                if "accounts" in data
                else list(stream.accounts.all())
            )
            terms = (
                _terms(data["terms"])
                if "terms" in data
                else [services.TermInput(t.kind, t.value) for t in stream.terms.all()]
            )
            services.stream_save(
                actor=actor,
                stream=stream,
                name=data.get("name", stream.name),
                description=data.get("description", stream.description),
                department=data.get("department", stream.department),
                accounts=accounts,
                terms=terms,
            )
        if "is_active" in data:
            services.stream_set_active(actor=actor, stream=stream, active=data["is_active"])
        return self._answer(stream)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.stream_set_active(actor=self._actor(), stream=self.get_object(), active=False)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="The stream's matches, newest first",
        parameters=MATCH_FILTERS,
        responses=s.StreamMatchSerializer(many=True),
    )
    @action(detail=True, methods=["get"], serializer_class=s.StreamMatchSerializer)
    def matches(self, request: Request, pk: str) -> Response:
        stream = permissions.access_stream(request.user, pk)
        platform = request.query_params.get("platform") or ""
        if platform and platform not in Platform.values:
            raise InvalidInput("Unknown platform.", field="platform")
        term = selectors.parse_term_filter(stream, request.query_params.get("term"))
        matches = selectors.match_list(stream=stream, term=term, platform=platform)
        page = self.paginate_queryset(matches)
        return self.get_paginated_response(s.StreamMatchSerializer(page, many=True).data)

    @extend_schema(
        methods=["POST"],
        summary="A department follows the stream (managers: their department)",
        request=s.FollowSerializer,
        responses=s.StreamSerializer,
    )
    @extend_schema(
        methods=["DELETE"],
        summary="A department stops following the stream",
        parameters=[OpenApiParameter("department", OpenApiTypes.STR, description="A slug.")],
        request=None,
        responses=s.StreamSerializer,
    )
    @action(detail=True, methods=["post", "delete"], pagination_class=None)
    def follow(self, request: Request, pk: str) -> Response:
        stream = permissions.access_stream(request.user, pk)
        source = request.data if request.method == "POST" else request.query_params
        department = _parsed(s.FollowSerializer, {k: source[k] for k in source})
        services.stream_follow(
            actor=self._actor(),
            stream=stream,
            department=department.get("department"),
            follow=request.method == "POST",
        )
        return self._answer(stream)


class MatchSendToTriageView(GenericAPIView):  # type: ignore[type-arg]
    """Send a match that needs an answer to triage: it becomes an inbox conversation. Sending
    it again answers the same conversation."""

    # Names the model, so the schema describes the path's id as the match's.
    queryset = StreamMatch.objects.none()
    serializer_class = s.SentToTriageSerializer
    pagination_class = None
    filter_backends = ()

    @extend_schema(
        summary="Send a match to triage (an inbox conversation; idempotent)",
        request=None,
        responses=s.SentToTriageSerializer,
    )
    def post(self, request: Request, pk: str) -> Response:
        match: StreamMatch = permissions.access_match(request.user, pk)
        services.match_send_to_triage(actor=cast(User, request.user), match=match)
        match = StreamMatch.objects.select_related("sent_by").get(pk=match.pk)
        return Response(s.sent_to_triage(match))
