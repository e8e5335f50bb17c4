"""The activity reports through the API (docs/design.md §7: `reports/department-activity/`), with
the same permission rules as the pages, JSON by default and a streamed CSV with ?format=csv."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, renderer_classes
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import authz
from accounts.permissions import access_department_activity
from core.errors import InvalidInput
from dashboards.reports import activity, exports
from dashboards.reports.periods import parse_period, viewer_zone
from dashboards.reports.views import parse_sort, sort_rows


class CSVRenderer(BaseRenderer):
    """Lets ?format=csv reach the views, which answer with a streamed CSV themselves."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> Any:
        # Only errors come through here (reports are streamed): keep them readable.
        if isinstance(data, dict):
            return "\n".join(f"{key}: {value}" for key, value in data.items()).encode()
        return data


RENDERERS = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]


def _csv(lines: Any, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Serializers (they also document the responses in the OpenAPI schema) ---------------------


class FiguresSerializer(serializers.Serializer):  # type: ignore[type-arg]
    drafted = serializers.IntegerField()
    submitted = serializers.IntegerField(help_text="Posts that entered review in the range.")
    changes_requested = serializers.IntegerField()
    approved = serializers.IntegerField(help_text="Final approvals (every required stage).")
    rejected = serializers.IntegerField()
    published = serializers.IntegerField()
    failed = serializers.IntegerField()
    reviews = serializers.IntegerField(help_text="Decisions that ended a stay in review.")
    rejection_rate = serializers.FloatField(allow_null=True)
    changes_requested_rate = serializers.FloatField(allow_null=True)
    last_activity = serializers.DateTimeField(allow_null=True)


class TurnaroundSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reviews = serializers.IntegerField()
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)


class SnapshotSerializer(serializers.Serializer):  # type: ignore[type-arg]
    waiting = serializers.IntegerField(help_text="Posts in review now.")
    oldest_waiting_since = serializers.DateTimeField(allow_null=True)
    revisions_per_post = serializers.FloatField(
        allow_null=True, help_text="Revisions of the posts approved or rejected in the range."
    )


class WeekSerializer(serializers.Serializer):  # type: ignore[type-arg]
    start = serializers.DateField(help_text="Monday of the week, in the viewer's time zone.")
    figures = FiguresSerializer()


class AccountRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    account_id = serializers.IntegerField()
    name = serializers.CharField()
    platform = serializers.CharField()
    figures = FiguresSerializer()


class PersonRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.CharField(help_text="manager, member, or empty for a former member.")
    figures = FiguresSerializer()


class CoverageRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    account_id = serializers.IntegerField()
    name = serializers.CharField()
    platform = serializers.CharField()
    members = serializers.IntegerField()
    certified = serializers.IntegerField()
    certified_share = serializers.FloatField(allow_null=True)
    ready = serializers.IntegerField(help_text="Certified and current policy acknowledged.")


class InboxFiguresSerializer(serializers.Serializer):  # type: ignore[type-arg]
    conversations = serializers.IntegerField(help_text="Conversations that began in the range.")
    no_response = serializers.IntegerField()
    customer_service = serializers.IntegerField()
    public_response = serializers.IntegerField()
    untriaged = serializers.IntegerField()
    responded = serializers.IntegerField(help_text="Conversations the brand answered.")
    median_first_response_seconds = serializers.FloatField(allow_null=True)
    breaches = serializers.IntegerField(
        help_text="Conversations that missed a service level (triage, first response, closing)."
    )
    cases_created = serializers.IntegerField(
        help_text="Helpdesk cases created: the same figure as cases.created (kept for earlier "
        "readers; read cases)."
    )
    median_solve_seconds = serializers.FloatField(
        allow_null=True,
        help_text="The same figure as cases.median_solve_seconds (kept for earlier readers; "
        "read cases).",
    )


class CaseFiguresSerializer(serializers.Serializer):  # type: ignore[type-arg]
    handed_over = serializers.IntegerField(help_text="Cases asked of the helpdesk in the range.")
    created = serializers.IntegerField(help_text="Cases the helpdesk created in the range.")
    failed = serializers.IntegerField(
        help_text="Cases that failed in the range and are still failed (not retried)."
    )
    solved = serializers.IntegerField(help_text="Cases the helpdesk solved in the range.")
    median_solve_seconds = serializers.FloatField(
        allow_null=True,
        help_text="Median from handing a case over to the helpdesk solving it, over the cases "
        "solved in the range.",
    )


class EngagementFiguresSerializer(serializers.Serializer):  # type: ignore[type-arg]
    posts = serializers.IntegerField(
        help_text="Posts published in the range whose engagement is watched (private replies "
        "have no public figures)."
    )
    read = serializers.IntegerField(help_text="Posts whose latest reading has figures.")
    unavailable = serializers.IntegerField(
        help_text="Posts whose latest reading is unavailable (the platform refused, the post is "
        "gone, the account is not connected)."
    )
    pending = serializers.IntegerField(help_text="Posts not read yet.")
    likes = serializers.IntegerField(
        allow_null=True,
        help_text="Sum over the posts' latest readings; null when no post reports it (never 0 "
        "for a figure the platform does not give). The same holds for every figure below.",
    )
    reposts = serializers.IntegerField(allow_null=True)
    replies = serializers.IntegerField(allow_null=True)
    quotes = serializers.IntegerField(allow_null=True)
    views = serializers.IntegerField(allow_null=True)
    interactions = serializers.IntegerField(
        allow_null=True, help_text="Likes, reposts, replies and quotes together."
    )
    status = serializers.ChoiceField(
        choices=["none", "pending", "unavailable", "read"],
        help_text="none: no post published; pending: none read yet; unavailable: every "
        "reading unavailable; read: figures read.",
    )
    unavailable_reason = serializers.CharField(
        help_text="One of the platforms' reasons when a reading was unavailable, else empty."
    )


class EngagementWeekSerializer(serializers.Serializer):  # type: ignore[type-arg]
    start = serializers.DateField(help_text="Monday of the week of publishing, viewer's zone.")
    figures = EngagementFiguresSerializer()


class EngagementAccountRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    account_id = serializers.IntegerField()
    name = serializers.CharField()
    platform = serializers.CharField()
    figures = EngagementFiguresSerializer()


class EngagementPersonRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    figures = EngagementFiguresSerializer()


class DepartmentEngagementSerializer(serializers.Serializer):  # type: ignore[type-arg]
    totals = EngagementFiguresSerializer()
    weeks = EngagementWeekSerializer(many=True)
    accounts = EngagementAccountRowSerializer(many=True)
    people = EngagementPersonRowSerializer(many=True, help_text="Authors of published posts.")


class InboxPersonRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    figures = InboxFiguresSerializer()


class PeriodSerializer(serializers.Serializer):  # type: ignore[type-arg]
    first_day = serializers.DateField(source="period.first_day")
    last_day = serializers.DateField(source="period.last_day")
    time_zone = serializers.CharField(source="period.zone_name")
    start = serializers.DateTimeField(source="period.start")
    end = serializers.DateTimeField(source="period.end", help_text="Exclusive.")


class ReportDepartmentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    slug = serializers.SlugField()
    name = serializers.CharField()


class DepartmentActivitySerializer(serializers.Serializer):  # type: ignore[type-arg]
    department = ReportDepartmentSerializer()
    period = PeriodSerializer(source="*")
    generated_at = serializers.DateTimeField()
    totals = FiguresSerializer()
    turnaround = TurnaroundSerializer()
    now = SnapshotSerializer(source="snapshot")
    weeks = WeekSerializer(many=True)
    accounts = AccountRowSerializer(many=True)
    people = PersonRowSerializer(many=True)
    coverage = CoverageRowSerializer(many=True)
    inbox = InboxFiguresSerializer()
    inbox_people = InboxPersonRowSerializer(many=True)
    cases = CaseFiguresSerializer(help_text="Helpdesk cases of the department's conversations.")
    engagement = DepartmentEngagementSerializer(
        help_text="Public figures of the posts published in the range, each post with its "
        "latest reading: in all, per week of publishing, per account and per author."
    )


class DepartmentRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    department = ReportDepartmentSerializer()
    figures = FiguresSerializer()
    turnaround = TurnaroundSerializer()
    now = SnapshotSerializer(source="snapshot")
    members = serializers.IntegerField()
    certified_share = serializers.FloatField(
        allow_null=True, help_text="Certified member x draftable account pairs, as a share."
    )
    inbox = InboxFiguresSerializer()
    cases = CaseFiguresSerializer(help_text="Helpdesk cases of the department's conversations.")
    engagement = EngagementFiguresSerializer(
        help_text="Public figures of the department's posts published in the range."
    )


class QueueRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    department = ReportDepartmentSerializer()
    waiting = serializers.IntegerField()
    waiting_legal = serializers.IntegerField()
    oldest_since = serializers.DateTimeField(allow_null=True)


class ReviewerRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reviewer_id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    decisions = serializers.IntegerField()
    approvals = serializers.IntegerField()
    changes = serializers.IntegerField()
    rejections = serializers.IntegerField()


class MissedPostSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    state = serializers.CharField()
    department = serializers.SlugField(source="department.slug")
    brand_account = serializers.IntegerField(source="brand_account_id")
    scheduled_at = serializers.DateTimeField(allow_null=True)
    notice = serializers.CharField()


class QueueHealthSerializer(serializers.Serializer):  # type: ignore[type-arg]
    generated_at = serializers.DateTimeField()
    week_start = serializers.DateTimeField()
    waiting = serializers.IntegerField()
    departments = QueueRowSerializer(many=True)
    reviewers = ReviewerRowSerializer(many=True)
    overdue_count = serializers.IntegerField()
    held_count = serializers.IntegerField()
    missed = MissedPostSerializer(many=True)


# YYYY-MM-DD, or empty for the default (the pages' date fields send an empty value).
_DAY_OR_EMPTY = {"type": "string", "pattern": r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"}
PERIOD_PARAMETERS = [
    OpenApiParameter("from", _DAY_OR_EMPTY, description="First day (default: 29 days ago)"),
    OpenApiParameter("to", _DAY_OR_EMPTY, description="Last day, included (default: today)"),
    OpenApiParameter("format", str, enum=["json", "csv"]),
]


# --- Endpoints ----------------------------------------------------------------------------------


@extend_schema(
    parameters=[
        OpenApiParameter("department", str, required=True, description="department slug"),
        *PERIOD_PARAMETERS,
    ],
    responses={
        (200, "application/json"): DepartmentActivitySerializer,
        (200, "text/csv"): OpenApiTypes.STR,
    },
)
@api_view(["GET"])
@renderer_classes(RENDERERS)
def department_activity_report(request: Request) -> Any:
    """A department's activity over a date range (days in the caller's time zone): for its
    managers, comms reviewers and org admins. ?format=csv streams every figure as CSV."""
    slug = (request.query_params.get("department") or "").strip()
    if not slug:
        raise InvalidInput("Choose a department by its slug.", field="department")
    department = access_department_activity(request.user, slug)
    period = parse_period(request.query_params, zone=viewer_zone(request.user))
    report = activity.department_activity(department=department, period=period, now=timezone.now())
    if request.accepted_renderer.format == "csv":
        name = f"activity-{department.slug}-{period.first_day}-{period.last_day}.csv"
        return _csv(exports.department_csv(report), name)
    return Response(DepartmentActivitySerializer(report).data)


@extend_schema(
    parameters=[
        *PERIOD_PARAMETERS,
        OpenApiParameter("sort", str, description="a column, or -column for descending"),
    ],
    responses={
        (200, "application/json"): DepartmentRowSerializer(many=True),
        (200, "text/csv"): OpenApiTypes.STR,
    },
)
@api_view(["GET"])
@renderer_classes(RENDERERS)
def organisation_activity_report(request: Request) -> Any:
    """Every department's figures side by side (org admins)."""
    authz.require(
        authz.can_see_organisation_activity(request.user),
        "The organisation overview is for org admins.",
    )
    period = parse_period(request.query_params, zone=viewer_zone(request.user))
    column, descending = parse_sort(request.query_params.get("sort", ""))
    rows = sort_rows(
        activity.organisation_activity(period=period, now=timezone.now()), column, descending
    )
    if request.accepted_renderer.format == "csv":
        name = f"organisation-activity-{period.first_day}-{period.last_day}.csv"
        return _csv(exports.overview_csv(rows), name)
    return Response(DepartmentRowSerializer(rows, many=True).data)


@extend_schema(
    parameters=[OpenApiParameter("format", str, enum=["json", "csv"])],
    responses={
        (200, "application/json"): QueueHealthSerializer,
        (200, "text/csv"): OpenApiTypes.STR,
    },
)
@api_view(["GET"])
@renderer_classes(RENDERERS)
def review_queue_health_report(request: Request) -> Any:
    """What waits for review per department, decisions per reviewer this week, and posts that
    passed their scheduled time (comms reviewers and org admins)."""
    authz.require(
        authz.can_see_review_queue_health(request.user),
        "Review queue health is for comms reviewers and org admins.",
    )
    health = activity.review_queue_health(now=timezone.now(), zone=viewer_zone(request.user))
    if request.accepted_renderer.format == "csv":
        return _csv(exports.queue_csv(health), f"review-queue-{health.generated_at:%Y%m%d}.csv")
    return Response(QueueHealthSerializer(health).data)
