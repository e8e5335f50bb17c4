"""django-allauth adapters: who may sign up, and where people land."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join through invitations unless the organisation opens sign-up.
        return bool(settings.SOCIALHUB_OPEN_SIGNUP)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        # SSO may create accounts only when sign-up is open; otherwise it logs existing people in.
        return bool(settings.SOCIALHUB_OPEN_SIGNUP)
