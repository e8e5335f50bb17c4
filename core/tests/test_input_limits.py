"""Numbers in query strings: every id filter and the pagination's limit and offset answer 400
with a field message when the value is not a whole number the database can hold (huge,
negative, not a number), on every list endpoint and on the pages that filter by id — never a
500 from an integer overflow in the database driver."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import Department, User
from accounts.roles import OrgRole
from accounts.tests.factories import UserFactory, add_member, give_org_role
from approvals.models import Post
from approvals.tests.factories import make_account, make_post
from channels_app.models import BrandAccount
from core.errors import MAX_ID
from core.pagination import MAX_LIMIT
from training.models import Course
from training.tests.factories import make_course

ApiAs = Callable[[User | None], Any]

HUGE = "99999999999999999999"
BAD_NUMBERS = [HUGE, str(MAX_ID + 1), "-1", "abc", "null", "1.5", "²", " 7"]

# Every paginated list in the API; "{slug}" and "{course}" are filled in per test.
PAGINATED_LISTS = [
    "/api/v1/assignments/",
    "/api/v1/brand-accounts/",
    "/api/v1/certifications/",
    "/api/v1/courses/",
    "/api/v1/courses/{course}/attempts/",
    "/api/v1/crisis-pauses/",
    "/api/v1/departments/",
    "/api/v1/departments/{slug}/invitations/",
    "/api/v1/departments/{slug}/members/",
    "/api/v1/notifications/",
    "/api/v1/posts/",
    "/api/v1/reports/certifications/",
    "/api/v1/review-queue/",
]
# Id filters: (path, parameter).
ID_FILTERS = [
    ("/api/v1/posts/", "brand_account"),
    ("/api/v1/posts/", "author"),
    ("/api/v1/review-queue/", "brand_account"),
    ("/api/v1/certifications/", "course"),
    ("/api/v1/reports/certifications/", "course"),
    ("/review/", "brand_account"),
    ("/calendar/", "brand_account"),
    ("/training/certifications/", "course"),
]


@pytest.fixture
def everyone(sales: Department) -> User:
    """Someone every list answers: org admin, comms reviewer, HR, and a manager of sales."""
    user = UserFactory.create(email="all@example.test", full_name="Alex All")
    add_member(user, sales, "manager")
    for role in (OrgRole.ORG_ADMIN, OrgRole.COMMS_REVIEWER, OrgRole.HR):
        give_org_role(user, role)
    return user


@pytest.fixture
def rows(sales: Department, everyone: User) -> tuple[BrandAccount, Post, Course]:
    account = make_account(sales, drafters=[sales], reviewers=[sales], publishers=[sales])
    post = make_post(everyone, account)
    return account, post, make_course()


def _fill(path: str, course: Course) -> str:
    return path.format(slug="sales", course=course.pk)


@pytest.mark.parametrize("path", PAGINATED_LISTS)
@pytest.mark.parametrize("name", ["limit", "offset"])
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_pagination_refuses_numbers_out_of_range(
    api_as: ApiAs, everyone: User, rows: Any, path: str, name: str, value: str
) -> None:
    response = api_as(everyone).get(_fill(path, rows[2]), {name: value})
    assert response.status_code == 400, response.content[:300]
    assert name in response.json(), response.json()


@pytest.mark.parametrize("path", PAGINATED_LISTS)
def test_pagination_takes_numbers_in_range(
    api_as: ApiAs, everyone: User, rows: Any, path: str
) -> None:
    client = api_as(everyone)
    response = client.get(_fill(path, rows[2]), {"limit": str(MAX_LIMIT), "offset": "0"})
    assert response.status_code == 200, response.content[:300]
    assert "results" in response.json()
    # Past the largest page: the largest page, not an error (and not a page of a billion rows).
    response = client.get(_fill(path, rows[2]), {"limit": str(MAX_LIMIT + 1)})
    assert response.status_code == 200
    assert f"limit={MAX_LIMIT}" in (response.json()["next"] or f"limit={MAX_LIMIT}")


def test_offset_far_past_the_end_is_an_empty_page(api_as: ApiAs, everyone: User, rows: Any) -> None:
    response = api_as(everyone).get("/api/v1/posts/", {"offset": str(MAX_ID)})
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert response.json()["count"] == 1


@pytest.mark.parametrize(("path", "name"), ID_FILTERS)
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_id_filters_refuse_numbers_out_of_range(
    api_as: ApiAs, everyone: User, rows: Any, path: str, name: str, value: str
) -> None:
    response = api_as(everyone).get(path, {name: value})
    assert response.status_code == 400, response.content[:300]
    if path.startswith("/api/"):
        body = response.json()
        assert name in body, body
        assert body[name]
    else:
        assert b"whole number" in response.content


@pytest.mark.parametrize(("path", "name"), ID_FILTERS)
def test_id_filters_take_a_real_id(
    api_as: ApiAs, everyone: User, rows: Any, path: str, name: str
) -> None:
    account, _post, course = rows
    value = {"brand_account": account.pk, "author": everyone.pk, "course": course.pk}[name]
    response = api_as(everyone).get(path, {name: str(value)})
    assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/posts/{huge}/",
        "/api/v1/brand-accounts/{huge}/",
        "/api/v1/certifications/{huge}/",
        "/api/v1/courses/{huge}/",
        "/api/v1/courses/{huge}/attempts/",
        "/api/v1/crisis-pauses/{huge}/",
        "/api/v1/assignments/{huge}/",
        "/api/v1/brand-accounts/{huge}/grants/",
        "/posts/{huge}/",
        "/brand-accounts/{huge}/",
        "/training/courses/{huge}/",
    ],
)
def test_huge_ids_in_paths_are_not_found(
    api_as: ApiAs, everyone: User, rows: Any, path: str
) -> None:
    response = api_as(everyone).get(path.format(huge=HUGE))
    assert response.status_code == 404, response.content[:300]
