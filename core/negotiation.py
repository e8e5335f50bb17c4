"""The API's content negotiation: DRF's, except that an empty ?format= is refused.

DRF answers an unknown ?format= with 404 but quietly ignores an empty one; a client that sent
`format=` meant something and gets told (400 on the parameter), like any other bad value.
Its own module because DRF reads DEFAULT_CONTENT_NEGOTIATION_CLASS while its views are being
imported.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self, request: Request, renderers: Any, format_suffix: str | None = None
    ) -> Any:
        name = self.settings.URL_FORMAT_OVERRIDE
        if name and request.query_params.get(name) == "":
            formats = ", ".join(sorted({renderer.format for renderer in renderers}))
            raise ValidationError({name: [f"Choose a format: {formats}."]})
        return super().select_renderer(request, renderers, format_suffix)
