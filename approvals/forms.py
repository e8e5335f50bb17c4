"""Forms for the workflow's pages. They parse input only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Department
from approvals.models import Verdict
from channels_app.models import BrandAccount
from channels_app.readiness import account_readiness


class AccountChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        label = f"{obj.display_name} — {obj.get_platform_display()} ({obj.handle})"
        readiness = account_readiness(obj)  # the connection comes joined (draftable_accounts)
        return label if readiness.ready else f"{label} · {readiness.label.lower()}"


class ComposeForm(forms.Form):
    brand_account = AccountChoiceField(
        queryset=BrandAccount.objects.none(),
        label="Brand account",
        empty_label="Choose an account…",
    )
    body = forms.CharField(
        label="Post",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    requested_at = forms.DateTimeField(
        label="Would like it published at",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=(
            "Optional, in your time zone. Reviewers see it and comms schedules it; if it passes "
            "while the post is still in review, the post comes back to you."
        ),
    )

    def __init__(self, *args: Any, accounts: Any = None, fixed_account: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if fixed_account is not None:
            # A post stays on its account; editing changes the text only.
            del self.fields["brand_account"]
        else:
            self.fields["brand_account"].queryset = accounts  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    verdict = forms.ChoiceField(choices=Verdict.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # comms, legal or a post's approval-rule stage (rule-<id>): the service says which it has.
    stage = forms.CharField(required=False, max_length=16)
    reason = forms.SlugField(required=False, max_length=40)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("verdict") in (Verdict.CHANGES, Verdict.REJECT) and not data.get("reason"):
            self.add_error("reason", "Choose the reason: it tells the author what kind of problem.")
        return data


class ScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label="Publish at",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="In your time zone.",
    )


class CommentForm(forms.Form):
    body = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))
    quote = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    # Without a pointer (or without JavaScript) the passage can be typed or pasted instead.
    quote_typed = forms.CharField(
        label="Passage, exactly as in the text", required=False, strip=False
    )
    quote_occurrence = forms.IntegerField(
        required=False, min_value=0, initial=0, widget=forms.HiddenInput
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    suggestion = forms.CharField(
        label="Suggested wording for the selected passage (optional)",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        required=False,  # the service decides: required when someone else withdraws
        label="Why you withdraw it",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CrisisPauseForm(forms.Form):
    brand_account = forms.ModelChoiceField(
        queryset=BrandAccount.objects.order_by("display_name", "id"),
        required=False,
        label="Scope",
        empty_label="The whole organisation",
    )
    reason = forms.CharField(
        label="Reason (shown to everyone in the banner)",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


_WINDOW_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class QuietPeriodForm(forms.Form):
    """Times are read in the person's time zone; the service checks the window itself."""

    department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("name", "id"),
        required=False,
        label="Department",
        empty_label="Any department",
    )
    brand_account = forms.ModelChoiceField(
        queryset=BrandAccount.objects.order_by("display_name", "id"),
        required=False,
        label="Brand account",
        empty_label="Any account",
        help_text="Leave both empty for the whole organisation; choose one, not both.",
    )
    starts_at = forms.DateTimeField(
        label="Starts at (included)",
        input_formats=_WINDOW_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label="Ends at (excluded)",
        input_formats=_WINDOW_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label="Reason (people whose posts are refused or held read it)",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
