"""The internal feed's pages: the organisation's feed, each department's, one entry, its images."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from approvals.permissions import access_post
from core.errors import InvalidInput
from core.files import private_file_response
from core.paging import page_of
from publishing import feed_comments, permissions, selectors
from publishing.engagement import engagement_for_post


def _feed_page(request: HttpRequest, entries: Any) -> Any:
    return page_of(request, entries, per_page=selectors.FEED_PAGE_SIZE)


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
@require_GET
def post_engagement(request: HttpRequest, pk: int) -> HttpResponse:
    """A published post's figures at each step read so far (the post page loads it into its
    Engagement section; without JavaScript it is a page of its own). 404 as for the post."""
    post = access_post(request.user, pk)
    snapshots, next_due_at = engagement_for_post(post)
    context = {"post": post, "snapshots": snapshots, "next_due_at": next_due_at}
    template = "publishing/_engagement.html" if request.htmx else "publishing/engagement.html"  # type: ignore[attr-defined]
    return render(request, template, context)


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


@login_required
@require_POST
def feed_comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment or question under an entry the person reads (404 for anyone else). htmx gets
    the entry's comments back; a plain form post goes to the entry's page."""
    entry = permissions.access_feed_entry(request.user, pk)
    text = request.POST.get("text", "")
    try:
        comment = feed_comments.feed_comment_add(
            actor=request.user,  # type: ignore[arg-type]  # login_required: a User
            entry=entry,
            text=text,
            parent=request.POST.get("parent") or None,
        )
    except InvalidInput as error:
        context = {
            "entry": entry,  # nothing was written: its comments as loaded
            "comment_error": error.message,
            "comment_entry_id": entry.pk,
            "comment_text": text,
        }
        htmx = bool(getattr(request, "htmx", False))
        template = "publishing/_feed_comments.html" if htmx else "publishing/feed_entry.html"
        return render(request, template, context, status=400)
    if getattr(request, "htmx", False):
        fresh = permissions.access_feed_entry(request.user, pk)
        return render(request, "publishing/_feed_comments.html", {"entry": fresh})
    return redirect(reverse("feed_entry", args=[entry.pk]) + f"#comment-{comment.pk}")
