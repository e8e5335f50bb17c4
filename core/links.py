"""Absolute links for e-mails: the configured public address, else the address of the request
that caused the e-mail, else a default (docs/security.md and the README's settings table).

An e-mail is often sent after the request is over (on commit, or by a Celery task). Callers
therefore turn their paths into absolute links when they create the notice, while the request
is still known, and carry the finished link along.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

# The request being served in this thread (or task), set by RequestBaseUrlMiddleware.
_current_request: ContextVar[HttpRequest | None] = ContextVar(
    "socialhub_current_request", default=None
)


def public_base_url(request: HttpRequest | None = None) -> str:
    """The address links start with, without a trailing slash.

    SOCIALHUB_BASE_URL when set; otherwise the given request's own address, or that of the
    request being served; with no request at all (a reminder sent by Celery beat),
    SOCIALHUB_DEFAULT_BASE_URL.
    """
    if settings.SOCIALHUB_BASE_URL:
        return str(settings.SOCIALHUB_BASE_URL).rstrip("/")
    request = request if request is not None else _current_request.get()
    if request is not None:
        try:
            return request.build_absolute_uri("/").rstrip("/")
        except DisallowedHost:
            pass  # a host we do not serve never ends up in a link
    return str(settings.SOCIALHUB_DEFAULT_BASE_URL).rstrip("/")


def absolute_url(path: str, *, base_url: str | None = None) -> str:
    """`path` (e.g. /posts/19/) as a full link; an empty path or a full link stays as it is."""
    if not path or path.startswith(("https://", "http://")):
        return path
    return (public_base_url() if base_url is None else base_url.rstrip("/")) + path


class RequestBaseUrlMiddleware:
    """Makes the request known to public_base_url() for as long as it is being served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)
