"""API-wide pieces: the error format and the base viewset every resource builds on."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, serializers, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus domain errors as JSON: {"detail": ..., "<field>": [...]}.

    Field messages use DRF's own shape so clients read every 400 the same way. Errors are JSON
    whatever format was asked for (?format=csv, Accept: image/*): only successes are CSV or
    images, as the schema says.
    """
    request = context.get("request")
    if request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    if isinstance(exc, DomainError):
        payload: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        if exc.field:
            payload[exc.field] = [exc.message]
        return Response(payload, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


class ScopedViewSetMixin:
    """Every resource's queryset is scoped to what the caller may see.

    Subclasses implement visible_queryset(); get_queryset() is final here, so a subclass cannot
    forget the scoping and leak rows (a missing or invisible object answers 404 alike). A
    subclass that defines its own get_queryset is refused when the class is created, as
    PostHog's TeamAndOrgViewSetMixin does: the mistake fails at import, not in production.

    One object (retrieve and the detail actions) comes from access_object(), which a resource
    implements with its app's access_* helper: the same lookup the pages and services use, with
    the same 404 for a missing or invisible object. get_object() is final for the same reason.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for method, instead in (
            ("get_queryset", "visible_queryset()"),
            ("get_object", "access_object()"),
        ):
            if method in cls.__dict__:
                raise TypeError(
                    f"{cls.__qualname__} overrides {method}(): implement {instead} instead, so "
                    "lookups stay scoped to what the caller may see."
                )

    def visible_queryset(self) -> Any:
        raise NotImplementedError

    def access_object(self, key: Any) -> Any:
        """The object the URL names, through the app's access_* helper (404 or 403)."""
        raise NotImplementedError(f"{type(self).__qualname__} has no access_object()")

    def get_object(self) -> Any:
        lookup = getattr(self, "lookup_url_kwarg", None) or getattr(self, "lookup_field", "pk")
        obj = self.access_object(self.kwargs[lookup])  # type: ignore[attr-defined]
        self.check_object_permissions(self.request, obj)  # type: ignore[attr-defined]
        return obj

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            # Schema generation has no request or URL kwargs: describe the model, read nothing.
            model = self.get_serializer_class().Meta.model  # type: ignore[attr-defined]
            return model._default_manager.none()
        return self.visible_queryset()


class ScopedGenericViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    pass


class StrictBooleanField(serializers.BooleanField):
    """true or false, nothing else: DRF's BooleanField also takes 0, 1, "yes" and "on", which
    the schema (type boolean) does not allow, so a client's mistake would pass unnoticed."""

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)
