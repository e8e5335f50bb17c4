"""People and departments over the API, with the same rules as the pages (the same services)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from accounts import authz, selectors, services
from accounts.api import serializers as s
from accounts.models import Department, Invitation, Membership, User
from accounts.permissions import (
    access_department,
    access_invitation,
    access_membership,
    access_person,
)
from accounts.roles import OrgRole
from core.api import ScopedGenericViewSet
from core.links import public_base_url


class TokenThrottle(SimpleRateThrottle):
    """Password guessing through the API is throttled per client address (rate: settings). The
    address is the connection's, or behind a proxy the one our proxies report (NUM_PROXIES):
    a client cannot pick a fresh one per request with X-Forwarded-For."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


@extend_schema(
    request=s.TokenRequestSerializer,
    responses={200: s.TokenResponseSerializer},
    description=(
        "Exchange e-mail, password and, for an account with two-factor authentication, a TOTP "
        "or recovery code (`otp`) for a new API token. Every refusal reads the same (400, "
        "`non_field_errors`), so a client that does not know whether the account uses two-factor "
        "authentication asks for the code after a refusal and sends all three again. 429 when "
        "the account is locked after failed attempts (shared with the login page)."
    ),
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([TokenThrottle])
def auth_token(request: Request) -> Response:
    """Exchange e-mail, password and (with MFA) a TOTP or recovery code for an API token."""
    data = s.TokenRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    token, key = services.api_token_issue(
        request=request._request,
        email=data.validated_data["email"].lower(),
        password=data.validated_data["password"],
        code=data.validated_data.get("otp") or "",
        user_agent=request.headers.get("User-Agent", ""),
    )
    return Response(s.TokenResponseSerializer({"token": key, "expiry": token.expiry}).data)


@extend_schema(methods=["GET"], responses=s.ApiTokenSerializer(many=True))
@extend_schema(methods=["DELETE"], responses={204: None}, operation_id="v1_auth_tokens_destroy_all")
@api_view(["GET", "DELETE"])
def api_token_list(request: Request) -> Response:
    """My working API tokens (never their keys). DELETE ends every one of them."""
    if request.method == "DELETE":
        services.api_tokens_revoke_all(actor=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
    tokens = selectors.api_token_list(user=request.user)
    return Response(s.ApiTokenSerializer(tokens, many=True, context={"request": request}).data)


@extend_schema(responses={204: None})
@api_view(["DELETE"])
def api_token_detail(request: Request, pk: int) -> Response:
    """End one of my tokens (404 for a token that is not mine)."""
    services.api_token_revoke(actor=request.user, token_id=pk)  # type: ignore[arg-type]
    return Response(status=status.HTTP_204_NO_CONTENT)


class DepartmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    serializer_class = s.DepartmentSerializer
    lookup_field = "slug"
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[Department]:
        return selectors.department_list(user=self.request.user)

    def access_object(self, key: Any) -> Department:
        return access_department(self.request.user, key, with_member_count=True)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = s.DepartmentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        department = services.department_create(
            actor=request.user,  # type: ignore[arg-type]
            name=payload.validated_data["name"],
            slug=payload.validated_data.get("slug", ""),
            description=payload.validated_data.get("description", ""),
        )
        department = access_department(request.user, department.slug, with_member_count=True)
        return Response(s.DepartmentSerializer(department).data, status=status.HTTP_201_CREATED)


class _DepartmentChildMixin:
    request: Any
    kwargs: Any

    def department(self) -> Department:
        if not hasattr(self, "_department"):
            self._department = access_department(self.request.user, self.kwargs["department_slug"])
        return self._department


class MemberViewSet(_DepartmentChildMixin, mixins.ListModelMixin, ScopedGenericViewSet):
    """Members of a department. POST invites a person by e-mail (the invitation is returned)."""

    serializer_class = s.MembershipSerializer
    filterset_fields: tuple[str, ...] = ("role",)

    def visible_queryset(self) -> QuerySet[Membership]:
        return selectors.member_list(department=self.department())

    @extend_schema(request=s.InvitationCreateSerializer, responses={201: s.InvitationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        department = self.department()
        authz.require(
            authz.can_manage_department(request.user, department),
            "Only the department's managers and org admins can invite people.",
        )
        payload = s.InvitationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        invitation, _link = services.invitation_create(
            actor=request.user,  # type: ignore[arg-type]
            department=department,
            email=payload.validated_data["email"],
            role=payload.validated_data["role"],
            base_url=public_base_url(request),
        )
        return Response(s.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.MembershipRoleSerializer, responses=s.MembershipSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = access_membership(request.user, kwargs["pk"], department=self.department())
        payload = s.MembershipRoleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = services.membership_change_role(
            actor=request.user,  # type: ignore[arg-type]
            membership=membership,
            role=payload.validated_data["role"],
        )
        return Response(s.MembershipSerializer(membership).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = access_membership(request.user, kwargs["pk"], department=self.department())
        services.membership_remove(actor=request.user, membership=membership)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationViewSet(_DepartmentChildMixin, mixins.ListModelMixin, ScopedGenericViewSet):
    """Open invitations of a department (managers and org admins); DELETE revokes one."""

    serializer_class = s.InvitationSerializer
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[Invitation]:
        department = self.department()
        authz.require(
            authz.can_manage_department(self.request.user, department),
            "Only the department's managers and org admins can see invitations.",
        )
        return selectors.open_invitation_list(department=department).select_related("department")

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        invitation = access_invitation(
            request.user, kwargs["pk"], department=self.department(), perm="manage"
        )
        services.invitation_revoke(actor=request.user, invitation=invitation)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


PEOPLE_FILTERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Text in the name or e-mail address."),
    OpenApiParameter("department", OpenApiTypes.STR, description="A department's slug."),
    OpenApiParameter("role", OpenApiTypes.STR, enum=OrgRole.values),
    OpenApiParameter("active", OpenApiTypes.BOOL, description="Active or deactivated accounts."),
]


@extend_schema_view(
    list=extend_schema(
        parameters=PEOPLE_FILTERS,
        summary="Everybody, with their departments and organisation roles (org admins)",
    ),
    retrieve=extend_schema(summary="One person and their organisation roles (org admins)"),
    partial_update=extend_schema(
        request=s.PersonRolesSerializer,
        responses=s.PersonSerializer,
        summary="Set a person's organisation roles (org admins)",
        description=(
            "`org_roles` lists every role the person should hold; roles left out are taken "
            "away, and a body without `org_roles` changes nothing. 409 `last_org_admin` when "
            "the change would leave no active org admin, 409 `inactive_user` when giving a "
            "role to a deactivated account."
        ),
    ),
)
class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """People and their organisation roles: org admins only (the list answers 403 to anybody
    else, one person 404). Changes go through accounts.services.org_roles_set, like the people
    page and the admin site."""

    serializer_class = s.PersonSerializer
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[User]:
        params = self.request.query_params
        return selectors.person_list(
            user=self.request.user, filters={k: params.get(k) for k in selectors.PEOPLE_FILTERS}
        )

    def access_object(self, key: Any) -> User:
        return selectors.listed_person(access_person(self.request.user, key).pk)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = access_person(request.user, kwargs["pk"])
        payload = s.PersonRolesSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        if "org_roles" in payload.validated_data:
            services.org_roles_set(
                actor=request.user,  # type: ignore[arg-type]
                user=person,
                roles=payload.validated_data["org_roles"],
            )
        return Response(s.PersonSerializer(selectors.listed_person(person.pk)).data)
