"""Pages of a list page: one helper for every HTML list, the pages' links in
templates/includes/pagination.html.

Offset paging (Django's Paginator): each page costs one COUNT and one LIMIT/OFFSET query, and
every list it serves is ordered by an indexed column with the id as tie-breaker, so a page is
stable between two requests. The API pages with ?limit= and ?offset= (core/pagination.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_PARAM = "page"


def page_number(raw: str | None, num_pages: int) -> int:
    """The page asked for, or the nearest one that exists: no number or an unreadable one is
    the first page, 0 or less the first, past the end the last. A list page never answers 404
    for its page: a bookmark to page 7 of a queue that shrank shows the queue's last page."""
    try:
        number = int(raw or "1")
    except ValueError:
        return 1
    return min(max(number, 1), max(num_pages, 1))


def page_of(
    request: HttpRequest,
    items: Any,
    *,
    per_page: int | None = None,
    param: str = PAGE_PARAM,
) -> Page:  # type: ignore[type-arg]
    """One page of a queryset (ordered) or a list, from ?page= (or param). per_page: the
    setting SOCIALHUB_PAGE_SIZE unless the list has a size of its own (the feed's cards)."""
    paginator = Paginator(items, per_page or settings.SOCIALHUB_PAGE_SIZE)
    return paginator.page(page_number(request.GET.get(param), paginator.num_pages))
