"""Quiet periods over the API (`quiet-periods/`) and legal's per-post exceptions
(`posts/{id}/quiet-period-exceptions/`), with the pages' services and rules: 404 for what the
caller may not see, 403 for the wrong role, 400 with field messages for bad input, 409 for a
window that is over or cancelled."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.serializers import UserSummarySerializer
from accounts.models import Department
from approvals import permissions, selectors, services
from approvals.api.serializers import BrandAccountSummarySerializer, DepartmentSummarySerializer
from approvals.models import QuietPeriod, QuietPeriodException
from channels_app.models import BrandAccount
from core.api import ScopedGenericViewSet
from core.errors import MAX_ID, InvalidInput, NotAllowed


class AwareDateTimeField(serializers.CharField):
    """ISO 8601 with its offset. DRF's DateTimeField would quietly read a time without one in
    the server's zone; a quiet period set an hour off is exactly the mistake to refuse."""

    def to_internal_value(self, data: Any) -> Any:
        text = super().to_internal_value(data)
        try:
            when = parse_datetime(text.strip())
        except ValueError:
            when = None
        if when is None or timezone.is_naive(when):
            raise serializers.ValidationError(
                "Give an ISO 8601 date and time with its offset, e.g. 2030-05-01T09:00:00+02:00."
            )
        return when


class QuietPeriodSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    department = DepartmentSummarySerializer(read_only=True, allow_null=True)
    brand_account = BrandAccountSummarySerializer(read_only=True, allow_null=True)
    scope = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    created_by = UserSummarySerializer(read_only=True)
    cancelled_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = QuietPeriod
        fields = (
            "id",
            "scope",
            "department",
            "brand_account",
            "starts_at",
            "ends_at",
            "reason",
            "status",
            "created_by",
            "created_at",
            "updated_at",
            "cancelled_by",
            "cancelled_at",
            "cancel_note",
        )
        read_only_fields = fields

    def get_scope(self, period: QuietPeriod) -> str:
        if period.brand_account_id is not None:
            return "brand_account"
        return "department" if period.department_id is not None else "organisation"

    def get_status(self, period: QuietPeriod) -> str:
        """current, upcoming, past or cancelled (the list's ?state= values)."""
        if period.cancelled_at is not None:
            return "cancelled"
        now = timezone.now()
        if period.ends_at <= now:
            return "past"
        return "current" if period.starts_at <= now else "upcoming"


class QuietPeriodWriteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    department = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Department.objects.all(),
        required=False,
        allow_null=True,
        help_text="A department's slug; leave out with brand_account for the whole organisation.",
    )
    brand_account = serializers.PrimaryKeyRelatedField(
        queryset=BrandAccount.objects.all(), required=False, allow_null=True
    )
    starts_at = AwareDateTimeField(help_text="Included. ISO 8601 with its UTC offset.")
    ends_at = AwareDateTimeField(help_text="Excluded. ISO 8601 with its UTC offset.")
    reason = serializers.CharField(allow_blank=True, trim_whitespace=False)


class QuietPeriodCancelSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(required=False, allow_blank=True, default="")


class QuietPeriodExceptionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    granted_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = QuietPeriodException
        fields = ("id", "post", "quiet_period", "note", "granted_by", "granted_at")
        read_only_fields = fields


class QuietPeriodExceptionRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    quiet_period = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    note = serializers.CharField(required=False, allow_blank=True, default="")


def _require_manager(user: Any) -> None:
    """Before reading the input: the wrong role hears 403 whatever it sent."""
    if not permissions.can_manage_quiet_periods(user):
        raise NotAllowed("Only org admins and legal reviewers manage quiet periods.")


def _parsed(serializer_class: Any, data: Any, *, partial: bool = False) -> dict[str, Any]:
    payload = serializer_class(data=data, partial=partial)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=list(selectors.QUIET_PERIOD_STATES))
        ],
        summary="Quiet periods you may know about",
    ),
    retrieve=extend_schema(summary="One quiet period"),
)
class QuietPeriodViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Everyone sees the windows that can refuse their posts; org admins and legal plan, change
    and cancel them."""

    serializer_class = QuietPeriodSerializer
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[QuietPeriod]:
        state = self.request.query_params.get("state", "")
        return selectors.quiet_period_list(user=self.request.user, state=state)

    def access_object(self, key: Any) -> QuietPeriod:
        return permissions.access_quiet_period(self.request.user, key)

    def _answer(self, period: QuietPeriod, code: int = status.HTTP_200_OK) -> Response:
        fresh = permissions.access_quiet_period(self.request.user, period.pk)
        return Response(QuietPeriodSerializer(fresh).data, status=code)

    @extend_schema(request=QuietPeriodWriteSerializer, responses={201: QuietPeriodSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require_manager(request.user)
        data = _parsed(QuietPeriodWriteSerializer, request.data)
        period = services.quiet_period_create(actor=request.user, **data)  # type: ignore[arg-type]
        return self._answer(period, status.HTTP_201_CREATED)

    @extend_schema(request=QuietPeriodWriteSerializer, responses=QuietPeriodSerializer)
    def partial_update(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        period = self.get_object()
        _require_manager(request.user)
        data = _parsed(QuietPeriodWriteSerializer, request.data, partial=True)
        if not data:
            raise InvalidInput("Send at least one field to change.")
        period = services.quiet_period_update(period=period, actor=request.user, **data)  # type: ignore[arg-type]
        return self._answer(period)

    @extend_schema(request=QuietPeriodCancelSerializer, responses=QuietPeriodSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        period = self.get_object()
        data = _parsed(QuietPeriodCancelSerializer, request.data)
        period = services.quiet_period_cancel(period=period, actor=request.user, note=data["note"])  # type: ignore[arg-type]
        return self._answer(period)


class QuietPeriodExceptionActions:
    """Mixed into the post viewset: `posts/{id}/quiet-period-exceptions/` (grant) and
    `posts/{id}/quiet-period-exceptions/revoke/` (withdraw). Legal only."""

    request: Request
    kwargs: dict[str, Any]

    @extend_schema(
        request=QuietPeriodExceptionRequestSerializer,
        responses={201: QuietPeriodExceptionSerializer},
        summary="Let this post be published during a quiet period (legal; note required)",
    )
    @action(detail=True, methods=["post"], url_path="quiet-period-exceptions")
    def quiet_period_exceptions(self, request: Request, pk: str) -> Response:
        post = permissions.access_post(request.user, pk)
        data = _parsed(QuietPeriodExceptionRequestSerializer, request.data)
        period = permissions.access_quiet_period(request.user, data["quiet_period"])
        exception = services.quiet_period_exception_grant(
            post=post,
            period=period,
            actor=request.user,  # type: ignore[arg-type]
            note=data["note"],
        )
        return Response(
            QuietPeriodExceptionSerializer(exception).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=QuietPeriodExceptionRequestSerializer,
        responses={204: None},
        summary="Withdraw this post's exception for a quiet period (legal)",
    )
    @action(detail=True, methods=["post"], url_path="quiet-period-exceptions/revoke")
    def quiet_period_exception_revoke(self, request: Request, pk: str) -> Response:
        post = permissions.access_post(request.user, pk)
        data = _parsed(QuietPeriodExceptionRequestSerializer, request.data)
        period = permissions.access_quiet_period(request.user, data["quiet_period"])
        services.quiet_period_exception_revoke(
            post=post,
            period=period,
            actor=request.user,  # type: ignore[arg-type]
            note=data["note"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
