"""Forms for the people pages. They parse input only; services decide."""

from __future__ import annotations

import zoneinfo

from django import forms

from accounts.models import Membership
from accounts.roles import OrgRole


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150)
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


def _timezone_choices() -> list[tuple[str, str]]:
    return [("", "Organisation default")] + [(z, z) for z in sorted(zoneinfo.available_timezones())]


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Name", max_length=150, required=False)
    timezone = forms.ChoiceField(label="Time zone", choices=_timezone_choices, required=False)


class PersonRolesForm(forms.Form):
    """A person's organisation roles, all of them: boxes left unticked are roles taken away."""

    org_roles = forms.MultipleChoiceField(choices=OrgRole.choices, required=False)
