"""The inbox over the API, with the same rules as the pages (the same services and
selectors): an invisible conversation 404, a refused action 403 (role) or 409 (state, or
another request won), bad input 400 with the field. Nothing is written when refused."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from channels_app.platforms import Platform
from core.api import ScopedGenericViewSet
from core.errors import InvalidInput, NotAllowed
from core.openapi import ID_SCHEMA
from inbox import permissions, selectors
from inbox.api import serializers as s
from inbox.models import (
    Conversation,
    ConversationState,
    Outcome,
    RoutingRule,
    SavedReply,
)
from inbox.services import configuration, ownership, replies, triage

CONVERSATION_FILTERS = [
    OpenApiParameter("tab", OpenApiTypes.STR, enum=list(selectors.TABS)),
    OpenApiParameter("account", ID_SCHEMA, description="A brand account's id."),
    OpenApiParameter("platform", OpenApiTypes.STR, enum=list(Platform.values)),
    OpenApiParameter("outcome", OpenApiTypes.STR, enum=Outcome.values),
    OpenApiParameter(
        "owner",
        {"type": "string", "pattern": r"^(me|none|[1-9][0-9]{0,18})$"},
        description='A person\'s id, "me" or "none".',
    ),
    OpenApiParameter("state", OpenApiTypes.STR, enum=ConversationState.values),
    OpenApiParameter("breached", OpenApiTypes.BOOL, description="Past a service level."),
    OpenApiParameter("q", OpenApiTypes.STR, description="Text in the subject or the author."),
    OpenApiParameter("ordering", OpenApiTypes.STR, enum=list(selectors.ORDERINGS)),
]


def _parsed(serializer_class: Any, data: Any) -> dict[str, Any]:
    payload = serializer_class(data=data)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


class _ActorMixin:
    def _actor(self) -> User:
        # Every inbox endpoint requires a signed-in person (the API's default permission).
        return cast(User, self.request.user)  # type: ignore[attr-defined]


@extend_schema_view(
    list=extend_schema(parameters=CONVERSATION_FILTERS, summary="Conversations you may see"),
    retrieve=extend_schema(
        summary="One conversation, its items and its timeline",
        responses=s.ConversationDetailSerializer,
    ),
)
class ConversationViewSet(
    _ActorMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet
):
    serializer_class = s.ConversationSerializer
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[Conversation]:
        if self.action == "list":
            params = self.request.query_params
            return selectors.conversation_list(
                user=self.request.user, filters={k: params.get(k) for k in selectors.FILTERS}
            )
        return permissions.visible_conversations(self.request.user).select_related(
            "brand_account", "department", "assignee", "owner", "suggested_department"
        )

    def get_serializer_class(self) -> Any:
        return (
            s.ConversationDetailSerializer
            if self.action == "retrieve"
            else super().get_serializer_class()
        )

    def access_object(self, key: Any) -> Conversation:
        return permissions.access_conversation(self.request.user, key)

    def _conversation(self, *, lock: bool = False) -> Conversation:
        return permissions.access_conversation(self.request.user, self.kwargs["pk"], lock=lock)

    def _answer(self, conversation: Conversation) -> Response:
        fresh = self.visible_queryset().get(pk=conversation.pk)
        return Response(s.ConversationSerializer(fresh).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        conversation = self.get_object()
        data = dict(s.ConversationSerializer(conversation).data)
        data["items"] = s.InboxItemSerializer(
            selectors.conversation_items(conversation=conversation), many=True
        ).data
        data["timeline"] = s.TimelineEventSerializer(
            selectors.conversation_timeline(conversation=conversation), many=True
        ).data
        return Response(data)

    @extend_schema(request=s.TriageRequestSerializer, responses=s.ConversationSerializer)
    @action(detail=True, methods=["post"])
    def triage(self, request: Request, pk: str) -> Response:
        conversation = self._conversation()
        data = _parsed(s.TriageRequestSerializer, request.data)
        triage.conversation_triage(actor=self._actor(), conversation=conversation, **data)
        return self._answer(conversation)

    @extend_schema(request=None, responses=s.ConversationSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        conversation = self._conversation()
        ownership.conversation_claim(actor=self._actor(), conversation=conversation)
        return self._answer(conversation)

    @extend_schema(request=s.VersionSerializer, responses=s.ConversationSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str) -> Response:
        conversation = self._conversation()
        data = _parsed(s.VersionSerializer, request.data)
        ownership.conversation_release(
            actor=self._actor(), conversation=conversation, version=data["version"]
        )
        return self._answer(conversation)

    @extend_schema(request=s.VersionSerializer, responses=s.ConversationSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        conversation = self._conversation()
        data = _parsed(s.VersionSerializer, request.data)
        ownership.conversation_close(actor=self._actor(), conversation=conversation, **data)
        return self._answer(conversation)

    @extend_schema(request=s.VersionSerializer, responses=s.ConversationSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        conversation = self._conversation()
        data = _parsed(s.VersionSerializer, request.data)
        ownership.conversation_reopen(actor=self._actor(), conversation=conversation, **data)
        return self._answer(conversation)

    @extend_schema(methods=["GET"], request=None, responses=s.ReplySerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.ReplyRequestSerializer, responses={201: s.ReplySerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def replies(self, request: Request, pk: str) -> Response:
        conversation = self._conversation()
        if request.method == "GET":
            posts = replies.conversation_replies(conversation=conversation)
            return Response(s.ReplySerializer(posts, many=True).data)
        data = _parsed(s.ReplyRequestSerializer, request.data)
        saved = None
        if data["saved_reply"] is not None:
            saved = (
                selectors.saved_reply_list(user=request.user)
                .filter(pk=data["saved_reply"], is_active=True)
                .first()
            )
            if saved is None:
                raise InvalidInput("No such saved reply.", field="saved_reply")
        post = replies.conversation_reply(
            actor=self._actor(),
            conversation=conversation,
            text=data["text"],
            item_id=data["item"],
            private=data["private"],
            submit=data["submit"],
            saved_reply=saved,
        )
        fresh = replies.conversation_replies(conversation=conversation).get(pk=post.pk)
        return Response(s.ReplySerializer(fresh).data, status=status.HTTP_201_CREATED)


class _ConfigurationViewSet(
    _ActorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedGenericViewSet,
):
    http_method_names = ("get", "post", "patch", "delete", "head", "options")

    def _require_reader(self) -> None:
        if not permissions.can_use_inbox(self.request.user):
            raise NotAllowed("The inbox is for triagers, comms and members of a department.")


@extend_schema_view(
    list=extend_schema(summary="Routing rules (triagers, comms and org admins read them)"),
    create=extend_schema(summary="Add a routing rule (org admins and triagers)"),
)
class RoutingRuleViewSet(_ConfigurationViewSet):
    serializer_class = s.RoutingRuleSerializer

    def visible_queryset(self) -> QuerySet[RoutingRule]:
        return selectors.routing_rule_list(user=self.request.user)

    def access_object(self, key: Any) -> RoutingRule:
        return permissions.access_routing_rule(self.request.user, key)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = _parsed(s.RoutingRuleSerializer, request.data)
        rule = configuration.routing_rule_save(actor=self._actor(), values=values)
        return Response(s.RoutingRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = self.get_object()
        payload = s.RoutingRuleSerializer(rule, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        rule = configuration.routing_rule_save(
            actor=self._actor(), rule=rule, values=dict(payload.validated_data)
        )
        return Response(s.RoutingRuleSerializer(rule).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        configuration.routing_rule_delete(actor=self._actor(), rule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Saved replies you may use"),
    create=extend_schema(summary="Add a saved reply (org admins and comms)"),
)
class SavedReplyViewSet(_ConfigurationViewSet):
    serializer_class = s.SavedReplySerializer

    def visible_queryset(self) -> QuerySet[SavedReply]:
        return selectors.saved_reply_list(user=self.request.user)

    def access_object(self, key: Any) -> SavedReply:
        return permissions.access_saved_reply(self.request.user, key)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = _parsed(s.SavedReplySerializer, request.data)
        reply = configuration.saved_reply_save(actor=self._actor(), values=values)
        return Response(s.SavedReplySerializer(reply).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        reply = self.get_object()
        payload = s.SavedReplySerializer(reply, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        reply = configuration.saved_reply_save(
            actor=self._actor(), saved_reply=reply, values=dict(payload.validated_data)
        )
        return Response(s.SavedReplySerializer(reply).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        configuration.saved_reply_delete(actor=self._actor(), saved_reply=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
