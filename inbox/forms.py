"""The triage form on the conversation page: parsing only, the service decides."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Department
from inbox.models import NoResponseReason, Outcome


class TriageForm(forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect)
    reason = forms.ChoiceField(
        choices=[("", "—"), *NoResponseReason.choices], required=False, label="Why no response"
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="(support, or the person's)",
    )
    assignee = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, people: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = forms.TypedChoiceField(
            choices=[("", "(the department claims it)"), *(people or [])],
            coerce=int,
            required=False,
            empty_value=None,
            label="Person",
        )


class NoteForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000)
    version = forms.IntegerField(required=False, min_value=0)


class ReplyForm(forms.Form):
    """The owner's reply; `body` is the name the live guidance partial reads."""

    body = forms.CharField(
        required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 4}), label="Reply"
    )
    saved_reply = forms.ChoiceField(required=False, label="Start from a saved reply")
    private = forms.BooleanField(required=False, label="Answer privately")
    submit = forms.BooleanField(required=False, initial=True, label="Submit for review now")

    def __init__(self, *args: Any, saved_replies: list[Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["saved_reply"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((str(r.pk), r.title) for r in saved_replies or []),
        ]
