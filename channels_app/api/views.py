"""Brand accounts over the API, with the same rules as the pages (the same services).

404 for an account the caller holds nothing on; 403 when they can see it but may not do the
thing; 400 with field messages and nothing written for bad input.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import authz
from channels_app import permissions, selectors, services
from channels_app.api import serializers as s
from channels_app.grant_access import access_grant
from channels_app.models import BrandAccount
from channels_app.permissions import access_brand_account
from channels_app.platforms import Platform
from core.api import ScopedGenericViewSet
from core.errors import InvalidInput

_ACCOUNT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


def _account_payload(request: Request, account: BrandAccount) -> dict[str, Any]:
    perms = permissions.perms_by_account(request.user, [account])
    return s.BrandAccountSerializer(account, context={"perms_by_account": perms}).data


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("platform", OpenApiTypes.STR, enum=Platform.values),
            OpenApiParameter("department", OpenApiTypes.STR, description="Department slug."),
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=list(selectors.STATUS_FILTERS), default="all"
            ),
            OpenApiParameter("search", OpenApiTypes.STR, description="In name and handle."),
        ]
    ),
    retrieve=extend_schema(parameters=[_ACCOUNT_ID]),
)
@method_decorator(sensitive_post_parameters("credentials"), name="dispatch")
class BrandAccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Brand accounts the caller holds at least one permission on (org admins: all).

    `my_permissions` lists what the caller may do on each. `credentials` is write-only.
    """

    serializer_class = s.BrandAccountSerializer
    queryset = BrandAccount.objects.none()  # for the schema; requests use visible_queryset()
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[BrandAccount]:
        params = self.request.query_params
        platform, status = params.get("platform", ""), params.get("status") or "all"
        # The page's form ignores values it does not know; an API client gets told.
        if platform and platform not in Platform.values:
            raise InvalidInput(f"Choose one of: {', '.join(Platform.values)}.", field="platform")
        if status not in selectors.STATUS_FILTERS:
            raise InvalidInput(
                f"Choose one of: {', '.join(selectors.STATUS_FILTERS)}.", field="status"
            )
        return selectors.brand_account_list(
            user=self.request.user,
            platform=platform,
            department=params.get("department", ""),
            status=status,
            search=params.get("search", "").strip(),
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context.setdefault("perms_by_account", {})
        return context

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = list(page) if page is not None else list(self.get_queryset())
        # One prefetch for the whole page: per-row flags without a query per row.
        perms = permissions.perms_by_account(request.user, rows)
        data = s.BrandAccountSerializer(rows, many=True, context={"perms_by_account": perms}).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = access_brand_account(request.user, kwargs["pk"])
        return Response(_account_payload(request, account))

    @extend_schema(
        request=s.BrandAccountCreateSerializer, responses={201: s.BrandAccountSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        authz.require(
            permissions.can_create_accounts(request.user), "Only org admins can register accounts."
        )
        payload = s.BrandAccountCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        account = services.brand_account_create(
            actor=request.user,  # type: ignore[arg-type]
            platform=data["platform"],
            handle=data["handle"],
            display_name=data["display_name"],
            department=data["department"],
            apply_standard_grants=data["apply_standard_grants"],
            credentials=data.get("credentials"),
        )
        account = access_brand_account(request.user, account.pk)
        return Response(_account_payload(request, account), status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[_ACCOUNT_ID],
        request=s.BrandAccountUpdateSerializer,
        responses=s.BrandAccountSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = access_brand_account(request.user, kwargs["pk"], perm="manage")
        payload = s.BrandAccountUpdateSerializer(data=request.data, context={"account": account})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        actor: Any = request.user
        # One transaction: a refused part (say, moving departments without being an org admin,
        # or credentials the platform refuses) leaves the other parts unwritten too. The
        # platform is asked inside it, so the new handle is what the credentials must match;
        # the connectors' timeouts bound how long that keeps the transaction open.
        with transaction.atomic():
            account = services.brand_account_update(
                actor=actor,
                account=account,
                display_name=data.get("display_name"),
                handle=data.get("handle"),
                department=data.get("department"),
                org_wide_feed=data.get("org_wide_feed"),
                customer_service_replies_preapproved=data.get(
                    "customer_service_replies_preapproved"
                ),
            )
            if "is_active" in data and data["is_active"] != account.is_active:
                account = services.brand_account_set_active(
                    actor=actor, account=account, active=data["is_active"]
                )
            if "credentials" in data:
                if data["credentials"] is None:
                    if account.is_connected:
                        services.brand_account_disconnect(actor=actor, account=account)
                else:
                    services.brand_account_set_credentials(
                        actor=actor, account=account, credentials=data["credentials"]
                    )
        account = access_brand_account(request.user, account.pk)
        return Response(_account_payload(request, account))

    @extend_schema(parameters=[_ACCOUNT_ID], request=None, responses=s.BrandAccountSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        """Nobody drafts, reviews or publishes on it any more; grants and history stay."""
        account = access_brand_account(request.user, pk)
        account = services.brand_account_set_active(
            actor=request.user,  # type: ignore[arg-type]
            account=account,
            active=False,
        )
        return Response(_account_payload(request, account))

    @extend_schema(parameters=[_ACCOUNT_ID], request=None, responses=s.BrandAccountSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        account = access_brand_account(request.user, pk)
        account = services.brand_account_set_active(
            actor=request.user,  # type: ignore[arg-type]
            account=account,
            active=True,
        )
        return Response(_account_payload(request, account))

    @extend_schema(
        parameters=[_ACCOUNT_ID],
        request=None,
        responses=s.BrandAccountSerializer,
        summary="Ask the platform again whether the stored credentials work",
    )
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str) -> Response:
        """Updates `connection.identity`, `max_characters` and `verified_at`. 409 when the
        platform refuses the stored credentials or they speak as another account (connect
        again), 503 when the platform cannot be reached; neither changes anything."""
        account = access_brand_account(request.user, pk)
        services.brand_account_check_connection(
            actor=request.user,  # type: ignore[arg-type]
            account=account,
        )
        account = access_brand_account(request.user, account.pk)
        return Response(_account_payload(request, account))

    @extend_schema(parameters=[_ACCOUNT_ID], responses=s.CredentialFieldSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="credential-fields")
    def credential_fields(self, request: Request, pk: str) -> Response:
        """The fields a connection of this account's platform takes (names, never values)."""
        account = access_brand_account(request.user, pk)
        return Response(s.credential_field_rows(account.platform))


_GRANT_ID = OpenApiParameter(
    "grant_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="department:<slug>, role:<role>, user:<id> or group:<id>",
)
_PARENT_ID = OpenApiParameter("account_id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(parameters=[_PARENT_ID], responses=s.GrantSerializer(many=True)),
)
class BrandAccountGrantViewSet(ScopedGenericViewSet):
    """Who holds which permissions on an account. People who manage it, comms reviewers and org
    admins see them (others who see the account: 403); people who manage it change them; only
    org admins give or take `manage`."""

    serializer_class = s.GrantSerializer
    pagination_class = None
    queryset = BrandAccount.objects.none()  # for the schema; requests use visible_queryset()
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[BrandAccount]:
        return BrandAccount.objects.visible_to(self.request.user)

    def account(self) -> BrandAccount:
        if not hasattr(self, "_account"):
            self._account = access_brand_account(self.request.user, self.kwargs["account_id"])
        return self._account

    def _require_manage(self) -> BrandAccount:
        account = self.account()
        permissions.require_account_perm(self.request.user, account, "manage")
        return account

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = self.account()
        permissions.require_account_perm(request.user, account, "see_grants")
        grants = selectors.grant_list(account=account)
        return Response(s.GrantSerializer(grants, many=True).data)

    @extend_schema(
        parameters=[_PARENT_ID], request=s.GrantCreateSerializer, responses={201: s.GrantSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add permissions for a department (`department`: slug), a person (`user`: e-mail) or
        an organisation role (`role`). What the holder held already stays."""
        account = self._require_manage()
        payload = s.GrantCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        holder = selectors.grant_holder_for(
            department=data.get("department"), user=data.get("user"), role=data.get("role")
        )
        grant = services.brand_account_grant(
            actor=request.user,  # type: ignore[arg-type]
            account=account,
            holder=holder,
            perms=data["permissions"],
        )
        return Response(s.GrantSerializer(grant).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[_PARENT_ID, _GRANT_ID],
        request=s.GrantUpdateSerializer,
        responses=s.GrantSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Set exactly which permissions the holder holds ([] removes the holder)."""
        account = self._require_manage()
        current = access_grant(request.user, kwargs["grant_id"], account=account)
        payload = s.GrantUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        grant = services.brand_account_set_grant(
            actor=request.user,  # type: ignore[arg-type]
            account=account,
            holder=current.holder,
            perms=payload.validated_data["permissions"],
        )
        return Response(s.GrantSerializer(grant).data)

    @extend_schema(parameters=[_PARENT_ID, _GRANT_ID], responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Take every permission the holder holds on the account."""
        account = self._require_manage()
        current = access_grant(request.user, kwargs["grant_id"], account=account)
        services.brand_account_revoke(
            actor=request.user,  # type: ignore[arg-type]
            account=account,
            holder=current.holder,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
