"""The engine's attempts on a post and its engagement, over the API: `posts/{id}/attempts/` and
`posts/{id}/engagement/`, beside the post's own resource (approvals' PostViewSet), with the same
404 for a post the caller may not see."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from approvals.models import Post
from approvals.permissions import access_post
from publishing import selectors
from publishing.api import serializers as s
from publishing.engagement import engagement_for_post


class PostAttemptsView(GenericAPIView):  # type: ignore[type-arg]
    # Names the model, so the schema describes the path's id as the post's; never read.
    queryset = Post.objects.none()
    pagination_class = None
    filter_backends = ()

    @extend_schema(
        operation_id="v1_posts_attempts_list",
        responses=s.PublishAttemptSerializer(many=True),
        summary="Every publishing attempt, oldest first (author, reviewers, publishers)",
    )
    def get(self, request: Request, pk: str) -> Response:
        post = access_post(request.user, pk)
        attempts = selectors.attempt_list(user=request.user, post=post)
        return Response(s.PublishAttemptSerializer(attempts, many=True).data)


class PostEngagementView(GenericAPIView):  # type: ignore[type-arg]
    queryset = Post.objects.none()
    pagination_class = None
    filter_backends = ()

    @extend_schema(
        operation_id="v1_posts_engagement_retrieve",
        responses=s.PostEngagementSerializer,
        summary="A published post's figures at each reading after publishing (anyone who sees "
        "the post)",
    )
    def get(self, request: Request, pk: str) -> Response:
        post = access_post(request.user, pk)
        snapshots, next_due_at = engagement_for_post(post)
        return Response(
            s.PostEngagementSerializer({"snapshots": snapshots, "next_due_at": next_due_at}).data
        )
