"""Posts, review and crisis pauses over the API, with the same rules as the pages (the same
services and selectors). A refused transition answers 409 (state) or 403 (rule or permission)
with a message; bad input 400; an invisible post 404. Nothing is written when refused."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from activity import selectors as activity_selectors
from activity import services as activity_services
from activity.models import Notification
from approvals import guidance, permissions, selectors, services
from approvals.api import serializers as s
from approvals.api.quiet_periods import QuietPeriodExceptionActions
from approvals.media import open_stored
from approvals.models import CrisisPause, Post, PostState
from approvals.post_actions import post_actions_by_post
from channels_app.permissions import access_brand_account
from channels_app.platforms import Platform
from core.api import ScopedGenericViewSet
from core.errors import InvalidInput, NotFound
from core.openapi import ID_SCHEMA, PERSON_SCHEMA


class AnyImageRenderer(BaseRenderer):
    """Lets a client ask for the file with Accept: image/*; the file itself is a FileResponse,
    and refusals (404) still come out as JSON."""

    media_type = "image/*"
    format = "image"
    charset = None

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        return json.dumps(data).encode()


POST_FILTERS = [
    OpenApiParameter("state", OpenApiTypes.STR, enum=PostState.values),
    OpenApiParameter("department", OpenApiTypes.STR, description="Department slug."),
    OpenApiParameter("brand_account", ID_SCHEMA),
    OpenApiParameter("author", PERSON_SCHEMA, description='A person\'s id, or "me".'),
    OpenApiParameter(
        "day",
        OpenApiTypes.DATE,
        description="YYYY-MM-DD: the posts the content calendar shows on that day, in your "
        "time zone, in the calendar's order.",
    ),
]


class PostActionsMixin:
    """Posts go out with what the caller may do with each (PostSerializer.actions), read for
    the whole page at once: the account permissions in one go, whatever the number of posts."""

    request: Any

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        instance = args[0] if args else kwargs.get("instance")
        if instance is not None:
            posts = list(instance) if kwargs.get("many") else [instance]
            if "context" not in kwargs:
                kwargs["context"] = self.get_serializer_context()  # type: ignore[attr-defined]
            kwargs["context"]["post_actions"] = post_actions_by_post(self.request.user, posts)
        return super().get_serializer(*args, **kwargs)  # type: ignore[misc]


def _parse_time(text: str, *, field: str = "scheduled_at") -> Any:
    """An ISO 8601 time from the request; the services refuse one without its offset."""
    try:
        when = parse_datetime(text.strip())
    except ValueError:
        when = None
    if when is None:
        raise InvalidInput(
            "Give an ISO 8601 date and time with its offset, e.g. 2030-05-01T09:00:00+02:00.",
            field=field,
        )
    return when


def _requested_time(data: dict[str, Any]) -> Any:
    """The requested_at of a create or update payload: absent → unchanged, null → cleared."""
    if "requested_at" not in data:
        return services.UNCHANGED
    text = data["requested_at"]
    return None if text is None else _parse_time(text, field="requested_at")


def _parsed(serializer_class: Any, data: Any) -> dict[str, Any]:
    payload = serializer_class(data=data)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


@extend_schema_view(
    list=extend_schema(parameters=POST_FILTERS, summary="Posts you may see"),
    retrieve=extend_schema(summary="One post"),
)
class PostViewSet(
    PostActionsMixin,
    QuietPeriodExceptionActions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ScopedGenericViewSet,
):
    serializer_class = s.PostSerializer
    filterset_fields: tuple[str, ...] = ()  # filters are the selector's, named in POST_FILTERS

    def visible_queryset(self) -> QuerySet[Post]:
        params = self.request.query_params
        filters = {
            key: params.get(key)
            for key in ("state", "department", "brand_account", "author", "day")
        }
        if self.action != "list":
            filters = {}
        return selectors.post_list(user=self.request.user, filters=filters)

    def access_object(self, key: Any) -> Post:
        return permissions.access_post(self.request.user, key, with_list_relations=True)

    def _post(self) -> Post:
        return permissions.access_post(self.request.user, self.kwargs["pk"])

    def _answer(self, post: Post, code: int = status.HTTP_200_OK) -> Response:
        fresh = permissions.access_post(self.request.user, post.pk, with_list_relations=True)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=s.PostCreateSerializer, responses={201: s.PostSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _parsed(s.PostCreateSerializer, request.data)
        account = access_brand_account(request.user, data["brand_account"])
        requested = _requested_time(data)
        post = services.post_create(
            actor=request.user,  # type: ignore[arg-type]
            brand_account=account,
            body=data["body"],
            requested_at=None if requested is services.UNCHANGED else requested,
        )
        return self._answer(post, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.PostUpdateSerializer,
        responses=s.PostSerializer,
        summary="Save a new revision of the body, or change the requested time",
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        post = self._post()
        data = _parsed(s.PostUpdateSerializer, request.data)
        if "body" not in data and "requested_at" not in data:
            raise InvalidInput("Give the new body, the requested time, or both.", field="body")
        post = services.post_revise(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            body=data.get("body"),
            requested_at=_requested_time(data),
        )
        return self._answer(post)

    # --- Transitions ----------------------------------------------------------------------------

    @extend_schema(request=None, responses=s.PostSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        post = services.post_submit(post=self._post(), actor=request.user)  # type: ignore[arg-type]
        return self._answer(post)

    def _decide(self, request: Request, decide: Any) -> Response:
        post = self._post()
        data = _parsed(s.DecisionRequestSerializer, request.data)
        decide(
            post=post,
            actor=request.user,
            note=data["note"],
            revision=data["revision"],
            stage=data["stage"],
            reason=data["reason"],
        )
        return self._answer(post)

    @extend_schema(request=s.DecisionRequestSerializer, responses=s.PostSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        return self._decide(request, services.post_approve)

    @extend_schema(request=s.DecisionRequestSerializer, responses=s.PostSerializer)
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request: Request, pk: str) -> Response:
        return self._decide(request, services.post_request_changes)

    @extend_schema(request=s.DecisionRequestSerializer, responses=s.PostSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        return self._decide(request, services.post_reject)

    @extend_schema(
        request=s.WithdrawRequestSerializer,
        responses=s.PostSerializer,
        summary="Withdraw the post (anyone but the author gives a reason)",
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        post = self._post()
        data = _parsed(s.WithdrawRequestSerializer, request.data)
        reason = data["reason"] or data["note"]
        services.post_withdraw(post=post, actor=request.user, reason=reason)  # type: ignore[arg-type]
        return self._answer(post)

    @extend_schema(
        request=None,
        responses={201: s.PostSerializer},
        summary="Copy your withdrawn or rejected post into a new draft",
    )
    @action(detail=True, methods=["post"])
    def copy(self, request: Request, pk: str) -> Response:
        copy = services.post_copy_to_draft(post=self._post(), actor=request.user)  # type: ignore[arg-type]
        return self._answer(copy, status.HTTP_201_CREATED)

    @extend_schema(request=s.ScheduleRequestSerializer, responses=s.PostSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: str) -> Response:
        post = self._post()
        data = _parsed(s.ScheduleRequestSerializer, request.data)
        when = _parse_time(data["scheduled_at"])
        services.post_schedule(post=post, actor=request.user, scheduled_at=when)  # type: ignore[arg-type]
        return self._answer(post)

    @extend_schema(
        request=s.ScheduleRequestSerializer,
        responses=s.RescheduleResponseSerializer,
        summary="Move a scheduled post to another time (answers the previous time, for undo)",
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk: str) -> Response:
        post = self._post()
        data = _parsed(s.ScheduleRequestSerializer, request.data)
        when = _parse_time(data["scheduled_at"])
        post, previous = services.post_reschedule(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            scheduled_at=when,
        )
        fresh = permissions.access_post(request.user, post.pk, with_list_relations=True)
        context = self.get_serializer_context()
        context["post_actions"] = post_actions_by_post(request.user, [fresh])
        answer = s.RescheduleResponseSerializer(
            {"post": fresh, "previous_scheduled_at": previous}, context=context
        )
        return Response(answer.data)

    @extend_schema(
        request=s.BulkRequestSerializer,
        responses=s.BulkResponseSerializer,
        summary="One action on many posts, each through the single-post rules; one result each",
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        data = _parsed(s.BulkRequestSerializer, request.data)
        when = None
        if data["action"] == services.BulkAction.SCHEDULE:
            when = _parse_time(data["scheduled_at"])
        results = services.posts_bulk_apply(
            actor=request.user,  # type: ignore[arg-type]
            action=data["action"],
            ids=data["ids"],
            note=data["note"],
            reason=data["reason"],
            scheduled_at=when,
            revisions=data["revisions"],
        )
        answer = s.BulkResponseSerializer(
            {
                "action": data["action"],
                "done": sum(1 for r in results if r.ok),
                "failed": sum(1 for r in results if not r.ok),
                "results": results,
            }
        )
        return Response(answer.data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                {"type": "string", "maxLength": selectors.MAX_MENTION_QUERY},
                description="The start of a name or e-mail address.",
            )
        ],
        responses=s.MentionCandidateSerializer(many=True),
        summary="People who may see the post, to @mention in a comment",
    )
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        url_path="mention-candidates",
        url_name="mention-candidates",
    )
    def mention_candidates(self, request: Request, pk: str) -> Response:
        post = self._post()
        people = selectors.mention_candidates(
            post=post, user=request.user, query=request.query_params.get("q", "")
        )
        return Response(s.MentionCandidateSerializer(people, many=True).data)

    @extend_schema(request=None, responses=s.PostSerializer)
    @action(detail=True, methods=["post"])
    def unschedule(self, request: Request, pk: str) -> Response:
        post = services.post_unschedule(post=self._post(), actor=request.user)  # type: ignore[arg-type]
        return self._answer(post)

    @extend_schema(request=None, responses=s.PostSerializer)
    @action(detail=True, methods=["post"], url_path="publish-now")
    def publish_now(self, request: Request, pk: str) -> Response:
        post = services.post_publish_now(post=self._post(), actor=request.user)  # type: ignore[arg-type]
        return self._answer(post)

    @extend_schema(request=None, responses=s.PostSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        post = services.post_retry(post=self._post(), actor=request.user)  # type: ignore[arg-type]
        return self._answer(post)

    # --- History and conversation ---------------------------------------------------------------

    @extend_schema(responses=s.RevisionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def revisions(self, request: Request, pk: str) -> Response:
        revisions = selectors.revision_list(post=self._post())
        return Response(s.RevisionSerializer(revisions, many=True).data)

    @extend_schema(methods=["GET"], request=None, responses=s.CommentSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.CommentCreateSerializer, responses={201: s.CommentSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def comments(self, request: Request, pk: str) -> Response:
        post = self._post()
        if request.method == "GET":
            return Response(s.CommentSerializer(selectors.comment_list(post=post), many=True).data)
        data = _parsed(s.CommentCreateSerializer, request.data)
        parent = None
        if data["parent"]:
            try:
                parent = permissions.access_comment(request.user, data["parent"], post=post)
            except NotFound:
                raise InvalidInput("Reply to a comment of this post.", field="parent") from None
        comment = services.comment_add(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            body=data["body"],
            quote=data["quote"],
            quote_occurrence=data["quote_occurrence"],
            parent=parent,
            suggestion=data["suggestion"],
        )
        comment = permissions.access_comment(request.user, comment.pk, post=post)
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CommentResolveSerializer, responses=s.CommentSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"comments/(?P<comment_id>\d+)/resolve",
        url_name="comment-resolve",
    )
    def resolve_comment(self, request: Request, pk: str, comment_id: str) -> Response:
        post = self._post()
        comment = permissions.access_comment(request.user, comment_id, post=post)
        data = _parsed(s.CommentResolveSerializer, request.data)
        services.comment_resolve(comment=comment, actor=request.user, resolved=data["resolved"])  # type: ignore[arg-type]
        comment = permissions.access_comment(request.user, comment.pk, post=post)
        return Response(s.CommentSerializer(comment).data)

    @extend_schema(responses=s.AuditEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def audit(self, request: Request, pk: str) -> Response:
        events = selectors.audit_list(post=self._post())
        return Response(s.AuditEventSerializer(events, many=True).data)

    # --- Images ------------------------------------------------------------------------------

    def _media_answer(self, post: Post, code: int = status.HTTP_200_OK) -> Response:
        images = selectors.media_list(post=post).select_related("revision")
        return Response(s.MediaSerializer(images, many=True).data, status=code)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=s.MediaSerializer(many=True),
        summary="The images of the post's current revision, in order",
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": s.MediaUploadSerializer},
        responses={201: s.MediaSerializer(many=True)},
        summary="Attach images (a new revision); answers every image of the post",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        parser_classes=[MultiPartParser, FormParser],
    )
    def media(self, request: Request, pk: str) -> Response:
        post = self._post()
        if request.method == "GET":
            return self._media_answer(post)
        data = _parsed(s.MediaUploadSerializer, request.data)
        post = services.post_media_add(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            uploads=[(f, f.name or "image") for f in data["images"]],
            alt_texts=data["alt_text"],
        )
        return self._media_answer(post, status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        request=s.MediaUpdateSerializer,
        responses=s.MediaSerializer,
        summary="Change an image's alt text or place (a new revision)",
    )
    @extend_schema(
        methods=["DELETE"],
        request=None,
        responses={204: None},
        summary="Take an image off the post (a new revision)",
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"media/(?P<media_id>\d+)",
        url_name="media-detail",
        parser_classes=[JSONParser, FormParser, MultiPartParser],
    )
    def media_detail(self, request: Request, pk: str, media_id: str) -> Response:
        post = self._post()
        image = permissions.access_media(request.user, media_id, post=post, current=True)
        if request.method == "DELETE":
            services.post_media_remove(post=post, actor=request.user, checksum=image.checksum)  # type: ignore[arg-type]
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = _parsed(s.MediaUpdateSerializer, request.data)
        if data["alt_text"] is None and data["order"] is None:
            raise InvalidInput("Give alt_text, order or both.", field="alt_text")
        post = services.post_media_update(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            checksum=image.checksum,
            alt_text=data["alt_text"],
            position=data["order"],
        )
        fresh = (
            selectors.media_list(post=post).select_related("revision").get(checksum=image.checksum)
        )
        return Response(s.MediaSerializer(fresh).data)

    @extend_schema(
        request=None,
        responses={(200, "image/*"): OpenApiTypes.BINARY},
        summary="The image file (any revision's image of the post)",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"media/(?P<media_id>\d+)/file",
        url_name="media-file",
        renderer_classes=[JSONRenderer, AnyImageRenderer],
    )
    def media_file(self, request: Request, pk: str, media_id: str) -> FileResponse:
        image = permissions.access_media(request.user, media_id, post=self._post())
        response = FileResponse(open_stored(image.file.name), content_type=image.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        return response

    @extend_schema(
        request=s.CheckRequestSerializer,
        responses=s.CheckResponseSerializer,
        summary="Guidance findings for a draft body on an account or platform",
    )
    @action(detail=False, methods=["post"])
    def check(self, request: Request) -> Response:
        data = _parsed(s.CheckRequestSerializer, request.data)
        platform = data["platform"]
        account = None
        if data["brand_account"]:
            try:
                account = access_brand_account(request.user, data["brand_account"])
            except NotFound:
                raise InvalidInput(
                    "Choose a brand account you work on.", field="brand_account"
                ) from None
            platform = account.platform
        if not platform:
            raise InvalidInput("Give a brand_account or a platform.", field="brand_account")
        if account is not None:
            result = guidance.check_for_account(
                body=data["body"], account=account, alt_texts=data["alt_texts"]
            )
        else:
            result = guidance.check(
                body=data["body"], platform=platform, alt_texts=data["alt_texts"]
            )
        payload = {
            "platform": platform,
            "length": result.length,
            "max_length": result.max_length,
            "how_counted": result.how_counted,
            "remaining": result.remaining,
            "blocks_submit": result.blocks_submit,
            "requires_legal": result.requires_legal,
            "findings": [f.as_dict(result.body) for f in result.findings],
        }
        return Response(s.CheckResponseSerializer(payload).data)


@extend_schema_view(
    list=extend_schema(
        summary="Posts waiting for a stage you decide, oldest first",
        parameters=[
            OpenApiParameter("department", OpenApiTypes.STR),
            OpenApiParameter("brand_account", ID_SCHEMA),
            OpenApiParameter("stage", OpenApiTypes.STR, enum=["comms", "legal"]),
            OpenApiParameter("platform", OpenApiTypes.STR, enum=Platform.values),
            OpenApiParameter("author", ID_SCHEMA),
            OpenApiParameter(
                "age",
                OpenApiTypes.STR,
                enum=list(selectors.QUEUE_AGES),
                description="Against the review SLA: fresh (under 24 h), warn (24 h or more), "
                "late (72 h or more).",
            ),
            OpenApiParameter(
                "findings",
                OpenApiTypes.STR,
                enum=["yes", "no"],
                description="Whether the current revision has guidance findings.",
            ),
            OpenApiParameter("sort", OpenApiTypes.STR, enum=list(selectors.QUEUE_SORTS)),
        ],
    )
)
class ReviewQueueViewSet(PostActionsMixin, mixins.ListModelMixin, ScopedGenericViewSet):
    serializer_class = s.PostSerializer
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[Post]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no reviewer
            return Post.objects.none()
        params = self.request.query_params
        filters = {key: params.get(key) for key in selectors.QUEUE_FILTERS}
        return selectors.review_queue(user=self.request.user, filters=filters)


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("active", OpenApiTypes.BOOL)],
        summary="Crisis pauses (holding and past)",
    )
)
class CrisisPauseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Everyone sees pauses (the banner shows them); org admins and comms set and lift them."""

    serializer_class = s.CrisisPauseSerializer
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[CrisisPause]:
        raw = self.request.query_params.get("active")
        active = {"true": True, "1": True, "false": False, "0": False}.get((raw or "").lower())
        if raw and active is None:
            raise InvalidInput("Use active=true or active=false.", field="active")
        return selectors.crisis_pause_list(active=active)

    def access_object(self, key: Any) -> CrisisPause:
        return permissions.access_crisis_pause(self.request.user, key)

    @extend_schema(request=s.CrisisPauseCreateSerializer, responses={201: s.CrisisPauseSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _parsed(s.CrisisPauseCreateSerializer, request.data)
        account = None
        if data["brand_account"]:
            account = access_brand_account(request.user, data["brand_account"])
        pause = services.crisis_pause_set(
            actor=request.user,  # type: ignore[arg-type]
            reason=data["reason"],
            brand_account=account,
        )
        pause = permissions.access_crisis_pause(request.user, pause.pk)
        return Response(s.CrisisPauseSerializer(pause).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.NoteSerializer, responses=s.CrisisPauseSerializer)
    @action(detail=True, methods=["post"])
    def lift(self, request: Request, pk: str) -> Response:
        pause = permissions.access_crisis_pause(request.user, pk)
        data = _parsed(s.NoteSerializer, request.data)
        services.crisis_pause_lift(pause=pause, actor=request.user, note=data["note"])  # type: ignore[arg-type]
        pause = permissions.access_crisis_pause(request.user, pk)
        return Response(s.CrisisPauseSerializer(pause).data)


class NotificationViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    serializer_class = s.NotificationSerializer
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[Notification]:
        return activity_selectors.notification_list(user=self.request.user)

    @extend_schema(request=s.NotificationReadSerializer, responses=s.MarkedSerializer)
    @action(detail=False, methods=["post"])
    def read(self, request: Request) -> Response:
        data = _parsed(s.NotificationReadSerializer, request.data)
        marked = activity_services.notifications_mark_read(user=request.user, ids=data["ids"])
        return Response({"marked": marked})
