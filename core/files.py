"""Streaming stored files to the people allowed to see them."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse


def private_file_response(
    name: str, content_type: str, etag: str, request: HttpRequest
) -> HttpResponse | FileResponse:
    """A stored file (default storage), for a view that checked who may see it: 304 when the
    browser holds this version already (the etag), never kept by a shared cache."""
    response: HttpResponse | FileResponse
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    # Private: only people who may see the file get it, so no shared cache may keep it.
    response["Cache-Control"] = "private, max-age=3600"
    response["ETag"] = etag
    response["Content-Disposition"] = "inline"
    return response
