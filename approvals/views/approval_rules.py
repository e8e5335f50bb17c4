"""Approval rules (org admins): the list with the form that adds one, changing one, retiring one.
Everyone else hears 404, as for a rule that does not exist."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import authz
from accounts.models import Department, User
from approvals import permissions
from approvals.models import ApprovalRule
from approvals.services import approval_rules
from channels_app.models import BrandAccount
from channels_app.platforms import Platform
from core.errors import DomainError, NotFound

IMAGE_CHOICES = (("", "Either"), ("yes", "With an image"), ("no", "Without an image"))


class PersonChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name or obj.email} ({obj.email})"


class AccountChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} — {obj.get_platform_display()}"


class ApprovalRuleForm(forms.Form):
    name = forms.CharField(max_length=approval_rules.MAX_NAME_LENGTH, label="Rule name")
    brand_accounts = AccountChoiceField(
        queryset=BrandAccount.objects.none(),
        required=False,
        label="When the brand account is",
        help_text="None chosen: any account.",
    )
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.none(),
        required=False,
        label="When the post's department is",
        help_text="None chosen: any department.",
    )
    platforms = forms.MultipleChoiceField(
        choices=Platform.choices,
        required=False,
        label="When the platform is",
        help_text="None chosen: any platform.",
    )
    content_rules = forms.MultipleChoiceField(
        choices=list(approval_rules.CONTENT_RULES.items()),
        required=False,
        label="When content guidance found",
        help_text="None chosen: whatever it found.",
    )
    post_kind = forms.ChoiceField(
        choices=[("", "Either"), *ApprovalRule.PostKind.choices],
        required=False,
        label="When it is a post or a reply",
    )
    with_image = forms.ChoiceField(choices=IMAGE_CHOICES, required=False, label="Images")
    stage_name = forms.CharField(
        max_length=approval_rules.MAX_STAGE_NAME_LENGTH,
        label="Then add the stage",
        help_text="For example HR, Investor relations.",
    )
    reviewers = PersonChoiceField(
        queryset=User.objects.none(), required=False, label="Its reviewers"
    )
    department_managers = forms.BooleanField(
        required=False, label="The managers of the post's department review too"
    )
    approval = forms.ChoiceField(
        choices=ApprovalRule.Approval.choices, label="Approved by", initial="any"
    )
    order = forms.ChoiceField(choices=ApprovalRule.Order.choices, label="Runs", initial="sequence")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand_accounts"].queryset = BrandAccount.objects.order_by(  # type: ignore[attr-defined]
            "display_name", "id"
        )
        self.fields["departments"].queryset = Department.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["reviewers"].queryset = User.objects.filter(is_active=True).order_by(  # type: ignore[attr-defined]
            "full_name", "email"
        )

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["brand_accounts"] = list(data["brand_accounts"])
        data["departments"] = list(data["departments"])
        data["reviewers"] = list(data["reviewers"])
        data["with_image"] = {"": None, "yes": True, "no": False}[data["with_image"]]
        return data


def _initial(rule: ApprovalRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "brand_accounts": list(rule.brand_accounts.all()),
        "departments": list(rule.departments.all()),
        "platforms": rule.platforms,
        "content_rules": rule.content_rules,
        "post_kind": rule.post_kind,
        "with_image": {None: "", True: "yes", False: "no"}[rule.with_image],
        "stage_name": rule.stage_name,
        "reviewers": list(rule.reviewers.all()),
        "department_managers": rule.department_managers,
        "approval": rule.approval,
        "order": rule.order,
    }


def _require_admin(request: HttpRequest) -> None:
    if not authz.is_org_admin(request.user):
        raise NotFound()


def _save(request: HttpRequest, form: ApprovalRuleForm, rule: ApprovalRule | None) -> int:
    """Create or update through the service: the status to answer (0: saved)."""
    if not form.is_valid():
        return 400
    try:
        if rule is None:
            saved = approval_rules.approval_rule_create(
                actor=request.user,  # type: ignore[arg-type]
                **form.service_fields(),
            )
            messages.success(
                request, f"Rule “{saved.name}” added: it applies to posts submitted from now on."
            )
        else:
            approval_rules.approval_rule_update(
                rule=rule,
                actor=request.user,  # type: ignore[arg-type]
                **form.service_fields(),
            )
            messages.success(
                request, "Rule saved: posts submitted from now on are reviewed under it."
            )
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return exc.status_code
    return 0


@login_required
def approval_rule_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = ApprovalRuleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = _save(request, form, None)
        if status == 0:
            return redirect("approval_rule_list")
    rules = list(approval_rules.rule_list(include_retired=True))
    context = {
        "rules": [r for r in rules if not r.is_retired],
        "retired": [r for r in rules if r.is_retired],
        "rule_set": approval_rules.current_rule_set(),
        "form": form,
        "content_rules": approval_rules.CONTENT_RULES,
    }
    return render(request, "approvals/approval_rules.html", context, status=status)


@login_required
def approval_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = permissions.access_approval_rule(request.user, pk)
    status = 200
    if request.method == "POST":
        form = ApprovalRuleForm(request.POST)
        status = _save(request, form, rule)
        if status == 0:
            return redirect("approval_rule_list")
    else:
        form = ApprovalRuleForm(initial=_initial(rule))
    return render(
        request, "approvals/approval_rule_edit.html", {"rule": rule, "form": form}, status=status
    )


@login_required
@require_POST
def approval_rule_retire(request: HttpRequest, pk: int) -> HttpResponse:
    rule = permissions.access_approval_rule(request.user, pk)
    approval_rules.approval_rule_retire(rule=rule, actor=request.user)  # type: ignore[arg-type]
    messages.success(
        request, f"Rule “{rule.name}” retired: posts submitted from now on no longer need it."
    )
    return redirect("approval_rule_list")
