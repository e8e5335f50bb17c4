"""A conversation's helpdesk case (`conversations/{id}/case/`, `…/case/retry/`) and the
organisation's helpdesk connection (`helpdesk/`, org admins only: 404 for everyone else),
over the same services as the pages."""

from __future__ import annotations

from typing import Any, cast

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import authz
from accounts.models import User
from core.errors import InvalidInput
from inbox import permissions
from inbox.helpdesks.registry import HelpdeskKind
from inbox.models import Case, Conversation, HelpdeskConnection
from inbox.services import cases, helpdesk


class CaseSerializer(serializers.ModelSerializer[Case]):
    class Meta:
        model = Case
        fields = (
            "id",
            "external_id",
            "state",
            "helpdesk_kind",
            "helpdesk_number",
            "helpdesk_url",
            "status",
            "helpdesk_status",
            "last_error",
            "attempts",
            "created_at",
            "delivered_at",
            "status_checked_at",
            "solved_at",
            "note_error",
            "note_error_at",
        )
        read_only_fields = fields


class HelpdeskConnectionSerializer(serializers.ModelSerializer[HelpdeskConnection]):
    """Never the secrets: only the settings that are not secret, and what the helpdesk said."""

    settings = serializers.JSONField(source="public_settings", read_only=True)

    class Meta:
        model = HelpdeskConnection
        fields = ("kind", "url", "settings", "identity", "verified_at", "problem", "updated_at")
        read_only_fields = fields


class HelpdeskRequestSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=HelpdeskKind.choices)
    settings = serializers.DictField(child=serializers.CharField(allow_blank=True))


class HelpdeskPatchSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=HelpdeskKind.choices, required=False)
    settings = serializers.DictField(child=serializers.CharField(allow_blank=True))


def _case_of(user: Any, pk: str) -> tuple[Conversation, Case | None]:
    conversation = permissions.access_conversation(user, pk)
    return conversation, Case.objects.filter(conversation=conversation).first()


class _Base(GenericAPIView):  # type: ignore[type-arg]
    pagination_class = None
    filter_backends = ()

    def _actor(self) -> User:
        return cast(User, self.request.user)


class ConversationCaseView(_Base):
    # Names the model, so the schema describes the path's id as the conversation's.
    queryset = Conversation.objects.none()
    serializer_class = CaseSerializer

    @extend_schema(
        operation_id="v1_inbox_conversations_case_retrieve",
        responses=CaseSerializer,
        summary="The conversation's helpdesk case (404 when it has none)",
    )
    def get(self, request: Request, pk: str) -> Response:
        _, case = _case_of(request.user, pk)
        if case is None:
            return Response(
                {"detail": "This conversation has no case.", "code": "not_found"},
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(CaseSerializer(case).data)

    @extend_schema(
        operation_id="v1_inbox_conversations_case_create",
        request=None,
        responses={201: CaseSerializer},
        summary="Hand the customer-service conversation to the helpdesk",
    )
    def post(self, request: Request, pk: str) -> Response:
        conversation, _ = _case_of(request.user, pk)
        case = cases.case_create(actor=self._actor(), conversation=conversation)
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)


class ConversationCaseRetryView(_Base):
    queryset = Conversation.objects.none()
    serializer_class = CaseSerializer

    @extend_schema(
        operation_id="v1_inbox_conversations_case_retry",
        request=None,
        responses=CaseSerializer,
        summary="Queue a failed case again",
    )
    def post(self, request: Request, pk: str) -> Response:
        _, case = _case_of(request.user, pk)
        if case is None:
            return Response(
                {"detail": "This conversation has no case.", "code": "not_found"},
                status=status.HTTP_404_NOT_FOUND,
            )
        case = cases.case_retry(actor=self._actor(), case=case)
        return Response(CaseSerializer(case).data)


class HelpdeskView(_Base):
    # The one connection is not looked up by id; the model is named for the schema and for
    # OPTIONS (DRF's metadata asks every generic view for its queryset).
    queryset = HelpdeskConnection.objects.none()
    serializer_class = HelpdeskConnectionSerializer

    def _admin_or_404(self) -> None:
        if not authz.is_org_admin(self.request.user):
            raise Http404

    def get_object(self) -> HelpdeskConnection:
        # DRF's OPTIONS metadata asks for the object before describing PUT: the one connection,
        # for org admins only; 404 otherwise (the metadata then leaves the actions out).
        self._admin_or_404()
        connection = helpdesk.helpdesk_connection()
        if connection is None:
            raise Http404
        return connection

    @extend_schema(
        operation_id="v1_inbox_helpdesk_retrieve",
        responses=HelpdeskConnectionSerializer,
        summary="The organisation's helpdesk connection (org admins; never the secrets)",
    )
    def get(self, request: Request) -> Response:
        self._admin_or_404()
        connection = helpdesk.helpdesk_connection()
        if connection is None:
            return Response(
                {"detail": "No helpdesk is connected.", "code": "not_found"},
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(HelpdeskConnectionSerializer(connection).data)

    def _save(self, request: Request, *, partial: bool) -> Response:
        self._admin_or_404()
        payload_class = HelpdeskPatchSerializer if partial else HelpdeskRequestSerializer
        payload = payload_class(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        kind = data.get("kind")
        if kind is None:
            current = helpdesk.helpdesk_connection()
            if current is None:
                raise InvalidInput("Choose the helpdesk first.", field="kind")
            kind = current.kind
        connection = helpdesk.helpdesk_connection_save(
            actor=self._actor(), kind=kind, data=dict(data["settings"]), partial=partial
        )
        return Response(HelpdeskConnectionSerializer(connection).data)

    @extend_schema(
        operation_id="v1_inbox_helpdesk_update",
        request=HelpdeskRequestSerializer,
        responses=HelpdeskConnectionSerializer,
        summary="Set the helpdesk connection (checked with the helpdesk before it is saved)",
    )
    def put(self, request: Request) -> Response:
        return self._save(request, partial=False)

    @extend_schema(
        operation_id="v1_inbox_helpdesk_partial_update",
        request=HelpdeskPatchSerializer,
        responses=HelpdeskConnectionSerializer,
        summary="Change some helpdesk settings (secrets left out keep their stored value)",
    )
    def patch(self, request: Request) -> Response:
        return self._save(request, partial=True)
