"""Forms for the brand-account pages. They parse input only; services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Department
from accounts.roles import GROUP_NAMES, OrgRole
from channels_app.credentials import credential_fields
from channels_app.models import BrandAccountPerm
from channels_app.platforms import Platform
from channels_app.selectors import STATUS_FILTERS

PERMISSION_CHOICES = BrandAccountPerm.choices
PERMISSION_HELP = {
    BrandAccountPerm.DRAFT_ON: "write posts for this account",
    BrandAccountPerm.REVIEW_ON: "approve, request changes or reject",
    BrandAccountPerm.PUBLISH_ON: "schedule and publish approved posts",
    BrandAccountPerm.MANAGE: "edit, connect, grant access (org admins grant this)",
}


class BrandAccountFilterForm(forms.Form):
    search = forms.CharField(label="Search", required=False, max_length=100)
    platform = forms.ChoiceField(
        label="Platform", required=False, choices=[("", "All platforms"), *Platform.choices]
    )
    department = forms.ChoiceField(label="Department", required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[(value, value.capitalize()) for value in STATUS_FILTERS],
        initial="active",
    )

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "All departments")] + [  # type: ignore[attr-defined]
            (d.slug, d.name) for d in departments
        ]


class BrandAccountCreateForm(forms.Form):
    platform = forms.ChoiceField(choices=Platform.choices)
    handle = forms.CharField(
        max_length=255,
        help_text="Mastodon @name@server · Bluesky name.bsky.social · X @name · LinkedIn page "
        "name · Facebook page name · internal: a short name like sales-news",
    )
    display_name = forms.CharField(max_length=150)
    department = forms.ModelChoiceField(
        label="Owning department",
        queryset=Department.objects.select_related("group").order_by("name"),
        to_field_name="slug",
        empty_label=None,
    )
    apply_standard_grants = forms.BooleanField(
        label="Give the standard access",
        required=False,
        initial=True,
        help_text="The owning department drafts; comms reviewers review and publish; legal "
        "reviewers review. Change it afterwards on the access page.",
    )


class BrandAccountEditForm(forms.Form):
    display_name = forms.CharField(max_length=150)
    handle = forms.CharField(max_length=255)
    department = forms.ModelChoiceField(
        label="Owning department",
        queryset=Department.objects.order_by("name"),
        to_field_name="slug",
        empty_label=None,
        help_text="Only org admins can move an account to another department.",
    )
    org_wide_feed = forms.BooleanField(
        label="Organisation-wide feed",
        required=False,
        help_text="Everyone in the organisation reads what this account publishes on the "
        "internal feed (otherwise only its department).",
    )
    customer_service_replies_preapproved = forms.BooleanField(
        label="Pre-approved customer-service replies",
        required=False,
        help_text="Certified members of the support department may publish saved replies to "
        "customers on this account without a review (guidance and the audit still apply). "
        "Only org admins can change this.",
    )

    def __init__(
        self, *args: Any, can_change_department: bool, internal: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not can_change_department:  # both are org admins' decisions
            self.fields["department"].disabled = True
            self.fields["customer_service_replies_preapproved"].disabled = True
        if not internal:  # only internal feed accounts have an audience to choose
            del self.fields["org_wide_feed"]


def _role_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [
        (role, name) for role, name in GROUP_NAMES.items() if role != OrgRole.ORG_ADMIN
    ]


class GrantAddForm(forms.Form):
    """Name one holder: a department, a person (by e-mail), or an organisation role."""

    department = forms.ChoiceField(label="Department", required=False)
    user = forms.EmailField(label="Person (e-mail address)", required=False)
    role = forms.ChoiceField(label="Organisation role", required=False, choices=_role_choices)
    permissions = forms.MultipleChoiceField(
        choices=PERMISSION_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (d.slug, d.name) for d in departments
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in ("department", "user", "role") if data.get(name)]
        if len(given) != 1:
            raise forms.ValidationError(
                "Choose exactly one: a department, a person or an organisation role."
            )
        return data


class GrantUpdateForm(forms.Form):
    permissions = forms.MultipleChoiceField(
        choices=PERMISSION_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )


class ConnectionForm(forms.Form):
    """Built from the platform's credential fields. Secret inputs are never filled in again,
    not even after an error, and browsers are asked not to remember them."""

    def __init__(self, *args: Any, platform: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for spec in credential_fields(platform):
            attrs = {"autocomplete": "off", "spellcheck": "false"}
            field: forms.Field
            if spec.kind == "secret":
                attrs["autocomplete"] = "new-password"
                field = forms.CharField(
                    widget=forms.PasswordInput(attrs=attrs, render_value=False), strip=True
                )
            elif spec.kind == "url":
                field = forms.CharField(widget=forms.URLInput(attrs=attrs))
            elif spec.kind == "datetime":
                attrs["placeholder"] = "2027-01-31T12:00:00+00:00"
                field = forms.CharField(widget=forms.TextInput(attrs=attrs))
            else:
                field = forms.CharField(widget=forms.TextInput(attrs=attrs))
            field.label = spec.label
            field.required = spec.required
            field.help_text = spec.help_text
            if spec.name == "pds_url":
                field.initial = "https://bsky.social"
            self.fields[spec.name] = field
