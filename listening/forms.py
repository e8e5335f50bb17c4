"""The stream form and its terms (a formset). Parsing only: the service decides."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Department
from channels_app.connectors import SearchKind


class StreamForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        required=False,
        empty_label="The organisation (org admins)",
        help_text="Its managers change the stream.",
    )
    accounts: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Each term is searched through each of these accounts (Mastodon, Bluesky, X: "
        "LinkedIn and Facebook offer no search of other people's posts).",
    )

    def __init__(self, *args: Any, accounts: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accounts"].queryset = accounts  # type: ignore[attr-defined]
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class TermForm(forms.Form):
    kind = forms.ChoiceField(choices=SearchKind.choices, label="Looks for")
    value = forms.CharField(max_length=200, required=False, label="Term")


TermFormSet = forms.formset_factory(TermForm, extra=3, max_num=50, absolute_max=50)
