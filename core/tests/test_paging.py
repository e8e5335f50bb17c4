"""One page of a list (core/paging.py) and its links (templates/includes/pagination.html)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory

from core.paging import page_number, page_of


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 1),
        ("", 1),
        ("1", 1),
        ("2", 2),
        ("3", 3),
        ("0", 1),
        ("-1", 1),
        ("abc", 1),
        ("2.5", 1),
        ("4", 3),
        ("99999999999999999999", 3),
    ],
)
def test_a_page_number_is_the_nearest_page_that_exists(raw: str | None, expected: int) -> None:
    assert page_number(raw, 3) == expected


def test_an_empty_list_has_its_one_empty_page() -> None:
    page = page_of(RequestFactory().get("/?page=5"), [])
    assert page.number == 1
    assert list(page.object_list) == []


def test_the_page_size_is_the_setting_unless_the_list_has_its_own(settings: Any) -> None:
    settings.SOCIALHUB_PAGE_SIZE = 3
    request = RequestFactory().get("/?page=2")
    assert list(page_of(request, list(range(10))).object_list) == [3, 4, 5]
    assert list(page_of(request, list(range(10)), per_page=4).object_list) == [4, 5, 6, 7]


def _links(request_path: str, items: int, per_page: int) -> tuple[str, dict[str, str]]:
    request = RequestFactory().get(request_path)
    request.user = AnonymousUser()  # the context processors read it
    page = page_of(request, list(range(items)), per_page=per_page)
    html = render_to_string(
        "includes/pagination.html", {"page": page, "label": "Pages of things"}, request=request
    )
    return html, {rel: href for href, rel in re.findall(r'<a href="([^"]+)" rel="(\w+)"', html)}


def test_the_links_keep_every_other_parameter() -> None:
    html, links = _links("/review/?department=sales&sort=newest&page=2", items=10, per_page=3)
    assert '<nav class="pagination" aria-label="Pages of things">' in html
    assert "Page 2 of 4" in html
    assert links == {
        "first": "?department=sales&amp;sort=newest&amp;page=1",
        "prev": "?department=sales&amp;sort=newest&amp;page=1",
        "next": "?department=sales&amp;sort=newest&amp;page=3",
        "last": "?department=sales&amp;sort=newest&amp;page=4",
    }


def test_the_first_page_offers_only_forward_and_the_last_only_back() -> None:
    _html, first = _links("/posts/?state=scheduled", items=10, per_page=5)
    _html, last = _links("/posts/?state=scheduled&page=2", items=10, per_page=5)
    assert set(first) == {"next", "last"}
    assert set(last) == {"first", "prev"}


def test_one_page_has_no_links() -> None:
    html, _links_found = _links("/posts/", items=3, per_page=5)
    assert html.strip() == ""
