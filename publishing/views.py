"""The internal feed's pages: the organisation's feed, each department's, one entry, its images."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.files import private_file_response
from publishing import permissions, selectors


def _feed_page(request: HttpRequest, entries: Any) -> Any:
    paginator = Paginator(entries, selectors.FEED_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


@login_required
def internal_feed(request: HttpRequest) -> HttpResponse:
    """The organisation's feed: what organisation-wide accounts published, newest first."""
    context = {
        "title": "Organisation feed",
        "department": None,
        "page": _feed_page(request, selectors.organisation_feed(user=request.user)),
        "departments": selectors.feed_departments(user=request.user),
    }
    return render(request, "publishing/feed.html", context)


@login_required
def department_feed(request: HttpRequest, slug: str) -> HttpResponse:
    department, entries = selectors.department_feed(user=request.user, slug=slug)
    context = {
        "title": f"{department.name} feed",
        "department": department,
        "page": _feed_page(request, entries),
        "departments": selectors.feed_departments(user=request.user),
    }
    return render(request, "publishing/feed.html", context)


@login_required
def feed_entry(request: HttpRequest, pk: int) -> HttpResponse:
    entry = permissions.access_feed_entry(request.user, pk)
    return render(request, "publishing/feed_entry.html", {"entry": entry})


@login_required
@require_GET
def feed_image(request: HttpRequest, pk: int, image_id: int) -> HttpResponse | FileResponse:
    """An image of a feed entry, streamed to people who may read the entry (404 for anyone else,
    as for the entry itself: the storage never serves feed images directly)."""
    entry = permissions.access_feed_entry(request.user, pk)
    image = permissions.access_feed_image(request.user, image_id, entry=entry)
    return private_file_response(
        image.file.name, image.content_type, f'"{image.checksum}"', request
    )
