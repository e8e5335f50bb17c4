"""Coaching over the API: the review-reason taxonomy (`review-reasons/`), the reasons summary
managers read (`review-reasons/summary/`) and a person's own feedback (`me/feedback/`), with the
pages' services and selectors. 404 for what the caller may not see, 403 for the wrong role, 400
with field messages for bad input."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.serializers import UserSummarySerializer
from approvals import permissions, selectors, services
from approvals.api.serializers import DepartmentSummarySerializer
from approvals.models import CoachingAssignment, Decision, ReviewReason, Stage, Verdict
from approvals.selectors import ReasonMonths
from approvals.services.coaching import MAX_DESCRIPTION, MAX_NAME
from core.api import ScopedGenericViewSet, StrictBooleanField
from core.errors import MAX_ID, InvalidInput, NotAllowed
from core.pagination import Pagination
from training.models import Course

# --- Reading --------------------------------------------------------------------------------


class CourseLinkSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    title = serializers.CharField()


class ReviewReasonSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    course = CourseLinkSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ReviewReason
        fields = ("id", "slug", "name", "description", "course", "position", "is_active")
        read_only_fields = fields


class ReasonNameSerializer(serializers.Serializer):  # type: ignore[type-arg]
    slug = serializers.CharField()
    name = serializers.CharField()


class ReasonCountSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(help_text="The reason's slug.")
    count = serializers.IntegerField()


class ReasonMonthSerializer(serializers.Serializer):  # type: ignore[type-arg]
    month = serializers.DateField(help_text="The month's first day, in the organisation's zone.")
    total = serializers.IntegerField()
    counts = ReasonCountSerializer(many=True, help_text="One per reason of `reasons`, in order.")


class CoachingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    person = UserSummarySerializer(read_only=True)
    reason = ReasonNameSerializer(read_only=True)
    course = serializers.SerializerMethodField()
    due_on = serializers.SerializerMethodField()

    class Meta:
        model = CoachingAssignment
        fields = (
            "id",
            "person",
            "reason",
            "count",
            "window_days",
            "assignment",
            "course",
            "due_on",
            "created_at",
        )
        read_only_fields = fields

    @extend_schema_field(CourseLinkSerializer(allow_null=True))  # type: ignore[misc]
    def get_course(self, coaching: CoachingAssignment) -> dict[str, Any] | None:
        """The course assigned; null when it was already assigned and open (nothing new)."""
        if coaching.assignment is None:
            return None
        course = coaching.assignment.course
        return {"id": course.pk, "title": course.title}

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})  # type: ignore[misc]
    def get_due_on(self, coaching: CoachingAssignment) -> Any:
        return coaching.assignment.due_on if coaching.assignment is not None else None


class FeedbackDecisionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    verdict = serializers.ChoiceField(choices=Verdict.choices, read_only=True)
    stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)
    reason = ReasonNameSerializer(read_only=True)

    class Meta:
        model = Decision
        fields = ("id", "post", "verdict", "stage", "reason", "note", "created_at")
        read_only_fields = fields


class ReasonSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    departments = DepartmentSummarySerializer(
        many=True, help_text="The departments you may choose with ?department=."
    )
    department = DepartmentSummarySerializer(
        allow_null=True, help_text="The one chosen; null: all of yours."
    )
    reasons = ReasonNameSerializer(many=True, help_text="The reasons counted, in column order.")
    months = ReasonMonthSerializer(many=True, help_text="The last twelve months, newest first.")
    coaching = CoachingSerializer(many=True, help_text="The newest coaching assignments.")


class FeedbackDecisionPageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FeedbackDecisionSerializer(many=True)


class MyFeedbackSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reasons = ReasonNameSerializer(many=True, help_text="The reasons counted, in column order.")
    months = ReasonMonthSerializer(many=True, help_text="The last twelve months, newest first.")
    coaching = CoachingSerializer(many=True, help_text="The coaching you were given.")
    decisions = FeedbackDecisionPageSerializer(
        help_text="Changes requested and rejections of your posts, newest first (?limit=, "
        "?offset=)."
    )


def _months(summary: ReasonMonths) -> dict[str, Any]:
    return {
        "reasons": [{"slug": r.slug, "name": r.name} for r in summary.reasons],
        "months": [
            {
                "month": month,
                "total": total,
                "counts": [
                    {"reason": reason.slug, "count": n}
                    for reason, n in zip(summary.reasons, counts, strict=True)
                ],
            }
            for month, counts, total in summary.months
        ],
    }


# --- Writing --------------------------------------------------------------------------------


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class CourseIdField(serializers.Field):  # type: ignore[type-arg]
    """A course's id, or null for none. Whole numbers only: DRF's IntegerField also takes "7"
    and 7.0, which the schema (type integer) does not allow."""

    default_error_messages = {
        "invalid": "Give a course's id (a whole number) or null.",
        "unknown": "No such course.",
    }

    def to_internal_value(self, data: Any) -> Course:
        if isinstance(data, bool) or not isinstance(data, int) or not 1 <= data <= MAX_ID:
            self.fail("invalid")
        course = Course.objects.filter(pk=data).first()
        if course is None:
            self.fail("unknown")
        return course

    def to_representation(self, value: Any) -> Any:
        return value.pk if value is not None else None


class ReviewReasonCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(allow_blank=True, max_length=MAX_NAME)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_DESCRIPTION
    )
    course = CourseIdField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A published course's id: assigned to a person who collects this reason "
        "repeatedly; null for none.",
    )


class ReviewReasonUpdateSerializer(ReviewReasonCreateSerializer):
    is_active = StrictBooleanField(
        required=False, help_text="false retires the reason: no longer offered to reviewers."
    )


def _parsed(serializer_class: Any, data: Any, *, partial: bool = False) -> dict[str, Any]:
    payload = serializer_class(data=data, partial=partial)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


def _require_admin(user: Any) -> None:
    """Before reading the input: the wrong role hears 403 whatever it sent."""
    if not permissions.can_edit_review_reasons(user):
        raise NotAllowed("Only org admins edit the review reasons.")


@extend_schema_view(
    list=extend_schema(summary="Review reasons (org admins: retired ones too)"),
    retrieve=extend_schema(summary="One review reason"),
)
class ReviewReasonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """The reasons reviewers choose when they request changes or reject. Reviewers and everyone
    who drafts read the active ones; org admins also the retired ones, and add, change and
    retire them (DELETE retires: decisions already taken keep their reason)."""

    serializer_class = ReviewReasonSerializer
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[ReviewReason]:
        return permissions.visible_review_reasons(self.request.user)

    def access_object(self, key: Any) -> ReviewReason:
        return permissions.access_review_reason(self.request.user, key)

    def _answer(self, reason: ReviewReason, code: int = status.HTTP_200_OK) -> Response:
        fresh = permissions.access_review_reason(self.request.user, reason.pk)
        return Response(ReviewReasonSerializer(fresh).data, status=code)

    @extend_schema(
        request=ReviewReasonCreateSerializer,
        responses={201: ReviewReasonSerializer},
        summary="Add a review reason (org admins)",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require_admin(request.user)
        data = _parsed(ReviewReasonCreateSerializer, request.data)
        reason = services.review_reason_create(actor=request.user, **data)  # type: ignore[arg-type]
        return self._answer(reason, status.HTTP_201_CREATED)

    @extend_schema(
        request=ReviewReasonUpdateSerializer,
        responses=ReviewReasonSerializer,
        summary="Rename, re-describe, link another course, retire or restore (org admins)",
    )
    def partial_update(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        reason = self.get_object()
        _require_admin(request.user)
        data = _parsed(ReviewReasonUpdateSerializer, request.data, partial=True)
        if not data:
            raise InvalidInput("Send at least one field to change.")
        current = {
            "name": reason.name,
            "description": reason.description,
            "course": reason.course,
            "is_active": reason.is_active,
        }
        reason = services.review_reason_update(
            actor=request.user,  # type: ignore[arg-type]
            reason=reason,
            **{**current, **data},
        )
        return self._answer(reason)

    @extend_schema(responses={204: None}, summary="Retire a review reason (org admins)")
    def destroy(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        reason = self.get_object()
        _require_admin(request.user)
        services.review_reason_retire(actor=request.user, reason=reason)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "department",
                OpenApiTypes.STR,
                description="A department's slug (one you manage; org admins and HR: any). "
                "Leave out for all of yours.",
            )
        ],
        responses=ReasonSummarySerializer,
        summary="Reasons by month and coaching for the departments you manage",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def summary(self, request: Request) -> Response:
        """What /review-reasons/summary/ shows: managers their departments', org admins and HR
        any department's; 404 for anyone else and for a department they may not choose."""
        values = request.query_params.getlist("department")
        if len(values) > 1:
            raise InvalidInput("Give one department.", field="department")
        scope = selectors.review_reason_summary_scope(
            user=request.user, department_slug=values[0] if values else ""
        )
        department = scope.department
        data = {
            "departments": [{"slug": d.slug, "name": d.name} for d in scope.departments],
            "department": {"slug": department.slug, "name": department.name}
            if department
            else None,
            **_months(selectors.reasons_by_month(decisions=scope.decisions)),
            "coaching": list(scope.coaching[: selectors.COACHING_ROWS]),
        }
        return Response(ReasonSummarySerializer(data).data)


@extend_schema(
    responses=MyFeedbackSerializer,
    parameters=[
        OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_ID}),
        OpenApiParameter("offset", {"type": "integer", "minimum": 0, "maximum": MAX_ID}),
    ],
    summary="My review feedback: reasons by month, coaching, decisions",
)
@api_view(["GET"])
def my_feedback(request: Request) -> Response:
    """What /my-feedback/ shows: what reviewers found in my posts, by reason and month, the
    coaching I was given, and the decisions themselves (paged)."""
    decisions = selectors.reasoned_decisions(user=request.user, person=request.user)
    paginator = Pagination()
    rows = paginator.paginate_queryset(decisions.select_related("reason"), request)
    data = {
        **_months(selectors.reasons_by_month(decisions=decisions)),
        "coaching": list(selectors.my_coaching(user=request.user)),
        "decisions": {
            "count": paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": rows,
        },
    }
    return Response(MyFeedbackSerializer(data).data)
