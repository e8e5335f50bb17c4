"""A post's images and thumbnails, streamed from private storage to people who may see the post."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from approvals import permissions
from channels_app.rules import JPEG, PNG
from core.files import private_file_response


@login_required
@require_GET
def media_file(request: HttpRequest, pk: int, media_id: int) -> HttpResponse | FileResponse:
    """An image of a post, streamed to people who may see the post (404 for anyone else: the
    storage itself never serves it, so there is no address to guess)."""
    post = permissions.access_post(request.user, pk)
    image = permissions.access_media(request.user, media_id, post=post)
    return private_file_response(
        image.file.name, image.content_type, f'"{image.checksum}"', request
    )


@login_required
@require_GET
def media_thumbnail(request: HttpRequest, pk: int, media_id: int) -> HttpResponse | FileResponse:
    post = permissions.access_post(request.user, pk)
    image = permissions.access_media(request.user, media_id, post=post)
    content_type = PNG if image.thumbnail.name.endswith(".png") else JPEG
    return private_file_response(
        image.thumbnail.name, content_type, f'"{image.checksum}-thumb"', request
    )
