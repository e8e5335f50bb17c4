"""Training over the API, with the same rules as the pages (the same selectors and services)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action, api_view, renderer_classes
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import authz
from core.api import ScopedGenericViewSet
from core.errors import InvalidInput, NotFound, whole_number
from core.openapi import ID_SCHEMA, LIMIT_SCHEMA, OFFSET_SCHEMA
from core.pagination import Pagination
from training import permissions, reports, selectors, services
from training.api import serializers as s
from training.models import (
    EXPIRING_WITHIN,
    Assignment,
    Attempt,
    Certification,
    CertStatus,
    Course,
)


def _context(view: Any, **extra: Any) -> dict[str, Any]:
    return {"request": view.request, "view": view, "now": timezone.now(), **extra}


class CourseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Published courses, with the caller's own status in each."""

    serializer_class = s.CourseSerializer
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[Course]:
        return selectors.course_list(user=self.request.user)

    def access_object(self, key: Any) -> Course:
        return permissions.access_course(self.request.user, key, with_content=True)

    def get_serializer_class(self) -> Any:
        return s.CourseDetailSerializer if self.action == "retrieve" else s.CourseSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        mine = selectors.my_certification_map(user=self.request.user)
        return _context(self, my_certifications=mine)


class CourseAttemptViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    """The caller's attempts at one course; POST submits answers and returns the result."""

    serializer_class = s.AttemptSerializer
    filterset_fields: tuple[str, ...] = ()

    def course(self) -> Course:
        if not hasattr(self, "_course"):
            self._course = permissions.access_course(self.request.user, self.kwargs["course_pk"])
        return self._course

    def visible_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request data
            return Attempt.objects.none()
        return selectors.attempt_list(user=self.request.user, course=self.course()).select_related(
            "certification"
        )

    def get_serializer_context(self) -> dict[str, Any]:
        explanations = dict(self.course().questions.values_list("pk", "explanation"))
        return _context(self, explanations=explanations)

    @extend_schema(request=s.AttemptRequestSerializer, responses={201: s.AttemptSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        course = self.course()
        payload = s.AttemptRequestSerializer(data=request.data)
        if not payload.is_valid():
            raise InvalidInput(
                'Send {"answers": {"<question id>": [<choice id>, ...]}}.', field="answers"
            )
        attempt = services.attempt_take(
            actor=request.user,  # type: ignore[arg-type]
            course=course,
            answers=payload.validated_data["answers"],
        )
        attempt = permissions.access_attempt(request.user, attempt.pk)
        data = s.AttemptSerializer(attempt, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


def _certification_status_q(value: str) -> Q:
    now = timezone.now()
    soon = now + EXPIRING_WITHIN
    active = Q(revoked_at__isnull=True)
    conditions: dict[str, Q] = {
        CertStatus.VALID: active & Q(expires_at__gt=soon),
        CertStatus.EXPIRING: active & Q(expires_at__gt=now, expires_at__lte=soon),
        CertStatus.EXPIRED: active & Q(expires_at__lte=now),
        CertStatus.REVOKED: Q(revoked_at__isnull=False),
    }
    if value not in conditions:
        raise InvalidInput(f"Status must be one of: {', '.join(conditions)}.", field="status")
    return conditions[value]


@extend_schema_view(
    # The filters are the list's: one certificate (or revoking it) takes none.
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=["valid", "expiring", "expired", "revoked"]),
            OpenApiParameter("course", ID_SCHEMA),
            OpenApiParameter("user", str, description="e-mail address"),
            OpenApiParameter("department", str, description="department slug"),
        ]
    )
)
class CertificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Certificates: HR and org admins see everyone's; managers their departments' and their
    own; everybody else only their own."""

    serializer_class = s.CertificationSerializer
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[Certification]:
        if getattr(self, "swagger_fake_view", False):
            return Certification.objects.none()
        queryset = selectors.certification_list(user=self.request.user)
        if self.action != "list":
            return queryset
        params = self.request.query_params
        if params.get("status"):
            queryset = queryset.filter(_certification_status_q(params["status"]))
        if params.get("course"):
            queryset = queryset.filter(course_id=whole_number(params["course"], field="course"))
        if params.get("user"):
            queryset = queryset.filter(user__email__iexact=params["user"].strip())
        if params.get("department"):
            department = authz.get_visible_or_404(
                selectors.departments_visible(user=self.request.user), slug=params["department"]
            )
            queryset = queryset.filter(user__memberships__department=department)
        return queryset

    def get_serializer_context(self) -> dict[str, Any]:
        return _context(self)

    def access_object(self, key: Any) -> Certification:
        return permissions.access_certification(self.request.user, key)

    @extend_schema(request=s.RevokeRequestSerializer, responses=s.CertificationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        certification = permissions.access_certification(request.user, pk, perm="revoke")
        payload = s.RevokeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        certification = services.certification_revoke(
            actor=request.user,  # type: ignore[arg-type]
            certification=certification,
            reason=payload.validated_data["reason"],
        )
        certification = permissions.access_certification(request.user, certification.pk)
        return Response(s.CertificationSerializer(certification, context=_context(self)).data)


class AssignmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedGenericViewSet
):
    """Open assignments (HR: all; managers: their departments'); POST assigns, DELETE cancels."""

    serializer_class = s.AssignmentSerializer
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[Assignment]:
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        authz.require(
            authz.can_follow_training(self.request.user),
            "Only HR, org admins and department managers assign courses.",
        )
        return selectors.assignment_list(user=self.request.user)

    def access_object(self, key: Any) -> Assignment:
        return permissions.access_assignment(self.request.user, key)

    @extend_schema(request=s.AssignmentCreateSerializer, responses={201: s.AssignmentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        authz.require(
            authz.can_follow_training(request.user),
            "Only HR, org admins and department managers assign courses.",
        )
        payload = s.AssignmentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            course = permissions.access_course(request.user, data["course"])
        except NotFound:
            raise InvalidInput("No published course with this id.", field="course") from None
        user = department = None
        if data.get("user"):
            user = (
                selectors.people_visible(user=request.user)
                .filter(email__iexact=data["user"])
                .first()
            )
            if user is None:
                raise InvalidInput("Nobody with this e-mail in your departments.", field="user")
        if data.get("department"):
            department = (
                selectors.departments_visible(user=request.user)
                .filter(slug=data["department"])
                .first()
            )
            if department is None:
                raise InvalidInput(
                    "No department with this slug that you manage.", field="department"
                )
        assignment = services.assignment_create(
            actor=request.user,  # type: ignore[arg-type]
            course=course,
            user=user,
            department=department,
            due_on=data["due_on"],
            note=data.get("note", ""),
        )
        assignment = permissions.access_assignment(request.user, assignment.pk)
        return Response(s.AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assignment = permissions.access_assignment(request.user, kwargs["pk"], perm="cancel")
        services.assignment_cancel(actor=request.user, assignment=assignment)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(responses={200: s.PolicySerializer, 404: OpenApiResponse(description="No policy")})
@api_view(["GET"])
def policy_current(request: Request) -> Response:
    """The policy version in force, with when the caller acknowledged it (null: not yet)."""
    policy = selectors.policy_current()
    if policy is None:
        return Response({"detail": "No policy is in force yet."}, status=status.HTTP_404_NOT_FOUND)
    ack = selectors.policy_acknowledgement(user=request.user, policy=policy)
    return Response(s.PolicySerializer(policy, context={"acknowledgement": ack}).data)


@extend_schema(
    request=None, responses={200: s.AcknowledgementSerializer, 201: s.AcknowledgementSerializer}
)
@api_view(["POST"])
def policy_acknowledge(request: Request, pk: int) -> Response:
    """Acknowledge a policy version (the current one, or an upcoming one ahead of time).
    201 the first time, 200 when it was acknowledged already."""
    policy = permissions.access_policy(request.user, pk)
    ack, created = services.policy_acknowledge(actor=request.user, policy=policy)  # type: ignore[arg-type]
    body = {"policy": policy.pk, "version": policy.version, "acknowledged_at": ack.acknowledged_at}
    return Response(
        s.AcknowledgementSerializer(body).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


class CSVRenderer(BaseRenderer):
    """Lets ?format=csv reach the view, which answers with a streamed CSV itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> Any:
        # Only errors come through here (the CSV itself is streamed): keep them readable.
        if isinstance(data, dict):
            return "\n".join(f"{key}: {value}" for key, value in data.items()).encode()
        return data


@extend_schema(
    parameters=[
        OpenApiParameter("department", str, description="department slug"),
        OpenApiParameter("status", str, enum=list(CertStatus.values)),
        OpenApiParameter("course", ID_SCHEMA),
        OpenApiParameter("q", str, description="name or e-mail contains"),
        OpenApiParameter("format", str, enum=["json", "csv"]),
        OpenApiParameter("limit", LIMIT_SCHEMA),
        OpenApiParameter("offset", OFFSET_SCHEMA),
    ],
    responses={
        (200, "application/json"): s.ReportSerializer,
        (200, "text/csv"): OpenApiTypes.STR,
    },
)
@api_view(["GET"])
@renderer_classes([JSONRenderer, BrowsableAPIRenderer, CSVRenderer])
def certification_report(request: Request) -> Any:
    """People x courses for HR (everyone) and managers (their departments); ?format=csv streams
    the whole report as CSV in constant memory."""
    authz.require(
        authz.can_follow_training(request.user),
        "Only HR, org admins and department managers see certification reports.",
    )
    filters = selectors.parse_matrix_filters(user=request.user, params=request.query_params)
    now = timezone.now()
    courses = selectors.matrix_courses(filters=filters)
    policy = selectors.policy_current(now=now)
    people = selectors.matrix_people(user=request.user, filters=filters, courses=courses, now=now)
    if request.accepted_renderer.format == "csv":
        response = StreamingHttpResponse(
            reports.certification_csv(people=people, courses=courses, now=now, policy=policy),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="certifications-{now:%Y%m%d-%H%M}.csv"'
        )
        return response
    paginator = Pagination()
    page = paginator.paginate_queryset(people, request) or []
    rows = selectors.matrix_rows(people=list(page), courses=courses, now=now, policy=policy)
    return Response(
        {
            "count": paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "courses": [{"id": c.pk, "title": c.title} for c in courses],
            "policy_version": policy.version if policy else None,
            "results": [
                {
                    "user": {
                        "id": row.person.pk,
                        "email": row.person.email,
                        "full_name": row.person.full_name,
                    },
                    "departments": row.departments,
                    "policy_acknowledged": row.policy_acknowledged if policy else None,
                    "certifications": [
                        {
                            "course": course.pk,
                            "status": cert_status,
                            "expires_at": cert.expires_at if cert else None,
                            "certification": cert.pk if cert else None,
                        }
                        for course, cert_status, cert, _assigned in row.cells
                    ],
                }
                for row in rows
            ],
        }
    )
