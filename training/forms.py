"""Forms for the training pages. They parse input only; services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Department, User
from training.models import Course


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="The person reads this in their e-mail and on their training page.",
    )


class AssignmentForm(forms.Form):
    """Choices are limited to what the caller may assign: their own people and departments."""

    course = forms.ModelChoiceField(queryset=Course.objects.none(), label="Course")
    user = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="Person", empty_label="—"
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        required=False,
        label="or a whole department",
        empty_label="—",
        to_field_name="slug",
    )
    due_on = forms.DateField(label="Due on", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)

    def __init__(self, *args: Any, courses: Any, people: Any, departments: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        self.fields["user"].queryset = people  # type: ignore[attr-defined]
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = lambda u: f"{u.full_name or u.email} <{u.email}>"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("user")) == bool(data.get("department")):
            self.add_error("user", "Choose one person or one department.")
        return data
