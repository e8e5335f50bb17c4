"""Absolute links for e-mails: the configured public address, else the request's own."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def public_base_url(request: HttpRequest) -> str:
    return settings.SOCIALHUB_BASE_URL or request.build_absolute_uri("/")
