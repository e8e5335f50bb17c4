"""Approval rules over the API (`approval-rules/`): org admins list, add, change and retire the
rules (DELETE retires: the rule stays, with its history, and stops applying to posts submitted
from then on). Everyone else hears 404, as for a rule that does not exist. Every field is
checked strictly: a list, an object or a boolean where another type belongs is a 400 on that
field."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import authz
from accounts.api.serializers import UserSummarySerializer
from accounts.models import Department, User
from approvals import permissions
from approvals.api.serializers import BrandAccountSummarySerializer, StrictTextField
from approvals.models import ApprovalRule
from approvals.services import approval_rules
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from core.api import ScopedGenericViewSet, StrictBooleanField
from core.errors import MAX_ID, NotFound

MAX_LIST = 200
POST_KINDS = [("", "Either"), *ApprovalRule.PostKind.choices]


class StrictIdField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """An id, as a JSON integer only (DRF also takes "5" and true); an id that names nothing is
    a 400 on the field."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int) or not 1 <= data <= MAX_ID:
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class NullableBooleanField(StrictBooleanField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, **kwargs)


def _ids(queryset: QuerySet[Any], help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=StrictIdField(queryset=queryset),
        required=False,
        max_length=MAX_LIST,
        default=list,
        help_text=help_text,
    )


def _names(choices: Any, help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=StrictChoiceField(choices=choices),
        required=False,
        max_length=MAX_LIST,
        default=list,
        help_text=help_text,
    )


class ApprovalRuleWriteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = StrictTextField(max_length=approval_rules.MAX_NAME_LENGTH)
    brand_accounts = _ids(BrandAccount.objects.all(), "Brand account ids; empty: any account.")
    departments = _ids(Department.objects.all(), "Department ids; empty: any department.")
    platforms = _names(Platform.choices, "Platforms; empty: any platform.")
    content_rules = _names(
        list(approval_rules.CONTENT_RULES.items()),
        "Content guidance rules of which one must have fired; empty: whatever fired.",
    )
    post_kind = StrictChoiceField(
        choices=POST_KINDS,
        required=False,
        default="",
        help_text="post or reply; empty: either.",
    )
    with_image = NullableBooleanField(
        required=False, default=None, help_text="true: with an image; false: without; null: either."
    )
    stage_name = StrictTextField(max_length=approval_rules.MAX_STAGE_NAME_LENGTH)
    reviewers = _ids(User.objects.all(), "The stage's reviewers (user ids).")
    department_managers = StrictBooleanField(
        required=False, default=False, help_text="The managers of the post's department review too."
    )
    approval = StrictChoiceField(
        choices=ApprovalRule.Approval.choices, required=False, default="any"
    )
    order = StrictChoiceField(
        choices=ApprovalRule.Order.choices, required=False, default="sequence"
    )


class RuleDepartmentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class ApprovalRuleSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    brand_accounts = BrandAccountSummarySerializer(many=True, read_only=True)
    departments = RuleDepartmentSerializer(many=True, read_only=True)
    platforms = serializers.ListField(child=serializers.ChoiceField(choices=Platform.choices))
    content_rules = serializers.ListField(
        child=serializers.ChoiceField(choices=list(approval_rules.CONTENT_RULES.items()))
    )
    reviewers = UserSummarySerializer(many=True, read_only=True)
    stage_key = serializers.CharField(
        read_only=True, help_text="The stage's name in decisions (a post's stages[].stage)."
    )
    retired = serializers.SerializerMethodField()
    post_kind = serializers.ChoiceField(
        choices=POST_KINDS, help_text="post or reply; empty: either."
    )
    with_image = serializers.BooleanField(allow_null=True)

    class Meta:
        model = ApprovalRule
        fields = (
            "id",
            "name",
            "brand_accounts",
            "departments",
            "platforms",
            "content_rules",
            "post_kind",
            "with_image",
            "stage_key",
            "stage_name",
            "reviewers",
            "department_managers",
            "approval",
            "order",
            "version",
            "retired",
            "created_at",
            "updated_at",
            "retired_at",
        )
        read_only_fields = fields

    def get_retired(self, rule: ApprovalRule) -> bool:
        return rule.is_retired


def _require_admin(user: Any) -> None:
    if not authz.is_org_admin(user):
        raise NotFound()


@extend_schema_view(
    list=extend_schema(summary="Approval rules in force, then the retired ones (org admins)"),
    retrieve=extend_schema(summary="One approval rule (org admins)"),
    create=extend_schema(
        summary="Add an approval rule (a new rule-set version)",
        request=ApprovalRuleWriteSerializer,
        responses={201: ApprovalRuleSerializer},
    ),
    update=extend_schema(
        summary="Change an approval rule (a new version; submitted posts keep theirs)",
        request=ApprovalRuleWriteSerializer,
        responses=ApprovalRuleSerializer,
    ),
    partial_update=extend_schema(
        summary="Change some of an approval rule's fields",
        request=ApprovalRuleWriteSerializer(partial=True),
        responses=ApprovalRuleSerializer,
    ),
    destroy=extend_schema(summary="Retire an approval rule", responses={204: None}),
)
class ApprovalRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedGenericViewSet,
):
    serializer_class = ApprovalRuleSerializer
    filterset_fields: tuple[str, ...] = ()

    def visible_queryset(self) -> QuerySet[ApprovalRule]:
        _require_admin(self.request.user)
        return approval_rules.rule_list(include_retired=True)

    def access_object(self, key: Any) -> ApprovalRule:
        return permissions.access_approval_rule(self.request.user, key)

    def _answer(self, rule: ApprovalRule, code: int = status.HTTP_200_OK) -> Response:
        fresh = permissions.access_approval_rule(self.request.user, rule.pk)
        return Response(ApprovalRuleSerializer(fresh).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require_admin(request.user)
        payload = ApprovalRuleWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rule = approval_rules.approval_rule_create(
            actor=request.user,  # type: ignore[arg-type]
            **payload.validated_data,
        )
        return self._answer(rule, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = self.get_object()
        partial = kwargs.pop("partial", False)
        payload = ApprovalRuleWriteSerializer(data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        fields = {**_current(rule), **payload.validated_data} if partial else payload.validated_data
        rule = approval_rules.approval_rule_update(
            rule=rule,
            actor=request.user,  # type: ignore[arg-type]
            **fields,
        )
        return self._answer(rule)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = self.get_object()
        approval_rules.approval_rule_retire(rule=rule, actor=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


def _current(rule: ApprovalRule) -> dict[str, Any]:
    """The rule's fields as the service takes them (reads the prefetched relations)."""
    return {
        "name": rule.name,
        "brand_accounts": list(rule.brand_accounts.all()),
        "departments": list(rule.departments.all()),
        "platforms": list(rule.platforms),
        "content_rules": list(rule.content_rules),
        "post_kind": rule.post_kind,
        "with_image": rule.with_image,
        "stage_name": rule.stage_name,
        "reviewers": list(rule.reviewers.all()),
        "department_managers": rule.department_managers,
        "approval": rule.approval,
        "order": rule.order,
    }
