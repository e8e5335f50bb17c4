"""The coaching API: the review-reason taxonomy (`review-reasons/`), the reasons summary
(`review-reasons/summary/`) and a person's own feedback (`me/feedback/`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import Department, User
from activity.models import AuditEvent
from approvals import services
from approvals.models import CoachingAssignment, Decision, ReviewReason
from approvals.tests.factories import submitted_post
from channels_app.models import BrandAccount
from training.models import Course
from training.tests.factories import make_course

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User | None], Any]
URL = "/api/v1/review-reasons/"
SUMMARY = "/api/v1/review-reasons/summary/"
FEEDBACK = "/api/v1/me/feedback/"
SEEDED = ["tone", "accuracy", "confidentiality", "legal-risk", "brand", "accessibility", "other"]


@pytest.fixture
def course(db: None) -> Course:
    return make_course("Writing in the brand's voice")


@pytest.fixture
def tone(settings: Any, course: Course) -> ReviewReason:
    settings.SOCIALHUB_COACHING_THRESHOLD = 3
    reason = ReviewReason.objects.get(slug="tone")
    reason.course = course
    reason.save()
    return reason


def _changes(author: User, account: BrandAccount, reviewer: User, reason: str) -> Decision:
    post = submitted_post(author, account)
    return services.post_request_changes(
        post=post, actor=reviewer, note="Softer, please.", reason=reason
    )


def _slugs(response: Any) -> list[str]:
    return [row["slug"] for row in response.json()["results"]]


def _audited() -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith="review_reason.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- The taxonomy --------------------------------------------------------------------------


def test_org_admin_adds_changes_and_retires_a_reason(
    api_as: ApiAs, org_admin: User, course: Course
) -> None:
    client = api_as(org_admin)

    created = client.post(
        URL,
        {"name": "Jargon", "description": "Words customers do not use.", "course": course.pk},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["slug"], body["name"], body["course"], body["is_active"]) == (
        "jargon",
        "Jargon",
        {"id": course.pk, "title": course.title},
        True,
    )
    url = f"{URL}{body['id']}/"
    assert client.get(url).json()["description"] == "Words customers do not use."

    changed = client.patch(url, {"name": "Jargon and acronyms", "course": None}, format="json")
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["name"], changed.json()["course"]) == ("Jargon and acronyms", None)
    assert changed.json()["description"] == "Words customers do not use."  # left as it was

    assert client.delete(url).status_code == 204
    reason = ReviewReason.objects.get(slug="jargon")
    assert not reason.is_active
    # Org admins still see it (retired), and may offer it again.
    assert "jargon" in _slugs(client.get(URL))
    assert client.patch(url, {"is_active": True}, format="json").json()["is_active"] is True
    assert _audited() == [
        "review_reason.created",
        "review_reason.updated",
        "review_reason.updated",
        "review_reason.updated",
    ]


def test_reviewers_and_drafters_read_the_active_reasons_org_admins_the_retired_too(
    api_as: ApiAs,
    org_admin: User,
    comms_reviewer: User,
    sme: User,
    account: BrandAccount,
    outsider: User,
    hr_user: User,
) -> None:
    brand = ReviewReason.objects.get(slug="brand")
    services.review_reason_retire(actor=org_admin, reason=brand)
    active = [slug for slug in SEEDED if slug != "brand"]

    assert _slugs(api_as(org_admin).get(URL)) == SEEDED
    assert _slugs(api_as(comms_reviewer).get(URL)) == active
    assert _slugs(api_as(sme).get(URL)) == active  # drafts on Sales news
    # Neither reviews nor drafts anywhere: nothing to read.
    assert _slugs(api_as(outsider).get(URL)) == []
    assert _slugs(api_as(hr_user).get(URL)) == []

    tone = ReviewReason.objects.get(slug="tone")
    assert api_as(sme).get(f"{URL}{tone.pk}/").json()["slug"] == "tone"
    assert api_as(outsider).get(f"{URL}{tone.pk}/").status_code == 404
    # A retired reason is 404 to all but org admins, as a missing one is.
    assert api_as(sme).get(f"{URL}{brand.pk}/").status_code == 404
    assert api_as(org_admin).get(f"{URL}{brand.pk}/").status_code == 200
    assert api_as(None).get(URL).status_code in {401, 403}


def test_only_org_admins_write_others_get_403_or_404_and_nothing_changes(
    api_as: ApiAs, comms_reviewer: User, sme: User, outsider: User, account: BrandAccount
) -> None:
    tone = ReviewReason.objects.get(slug="tone")
    brand = ReviewReason.objects.get(slug="brand")
    ReviewReason.objects.filter(pk=brand.pk).update(is_active=False)
    url = f"{URL}{tone.pk}/"

    for person in (comms_reviewer, sme):
        client = api_as(person)
        assert client.post(URL, {"name": "Jargon"}, format="json").status_code == 403
        assert client.patch(url, {"name": "Voice"}, format="json").status_code == 403
        assert client.delete(url).status_code == 403
        # Whatever they send: the role is refused before the input is read.
        assert client.post(URL, {"name": []}, format="json").status_code == 403
        # A reason they may not see (retired) is 404, as a missing one.
        assert client.patch(f"{URL}{brand.pk}/", {"name": "X"}, format="json").status_code == 404
    outsiders = api_as(outsider)
    assert outsiders.patch(url, {"name": "Voice"}, format="json").status_code == 404
    assert outsiders.delete(url).status_code == 404
    assert outsiders.post(URL, {"name": "Jargon"}, format="json").status_code == 403

    tone.refresh_from_db()
    assert (tone.name, tone.is_active) == ("Tone", True)
    assert not ReviewReason.objects.filter(slug="jargon").exists()
    assert _audited() == []


BAD_CREATE = [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "Tone"}, "name"),  # taken (case-insensitively: "tone" too)
    ({"name": "tone"}, "name"),
    ({"name": "x" * 81}, "name"),
    ({"name": None}, "name"),
    ({"name": 7}, "name"),
    ({"name": ["Jargon"]}, "name"),
    ({"name": {"text": "Jargon"}}, "name"),
    ({"name": True}, "name"),
    ({"name": "a\x00b"}, "name"),
    ({"name": "Jargon", "description": "d" * 301}, "description"),
    ({"name": "Jargon", "description": ["d"]}, "description"),
    ({"name": "Jargon", "description": {}}, "description"),
    ({"name": "Jargon", "course": "1"}, "course"),
    ({"name": "Jargon", "course": 1.5}, "course"),
    ({"name": "Jargon", "course": True}, "course"),
    ({"name": "Jargon", "course": [1]}, "course"),
    ({"name": "Jargon", "course": {"id": 1}}, "course"),
    ({"name": "Jargon", "course": 0}, "course"),
    ({"name": "Jargon", "course": 2**63}, "course"),
    ({"name": "Jargon", "course": 2_147_483_000}, "course"),  # no such course
    ({"name": "Jargon", "course": "draft"}, "course"),  # an unpublished one: set below
]


@pytest.mark.parametrize(("body", "field"), BAD_CREATE)
def test_bad_input_to_create_is_400_with_the_field_and_nothing_is_written(
    body: dict[str, Any], field: str, api_as: ApiAs, org_admin: User
) -> None:
    if body.get("course") == "draft":
        body = {**body, "course": make_course("Unfinished", published=False).pk}
    before = ReviewReason.objects.count()

    response = api_as(org_admin).post(URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert ReviewReason.objects.count() == before
    assert _audited() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, None),
        ({"name": ""}, "name"),
        ({"name": "Accuracy"}, "name"),
        ({"name": ["Voice"]}, "name"),
        ({"description": None}, "description"),
        ({"course": "x"}, "course"),
        ({"is_active": "false"}, "is_active"),
        ({"is_active": 0}, "is_active"),
        ({"is_active": None}, "is_active"),
        ({"is_active": [False]}, "is_active"),
        ({"is_active": {}}, "is_active"),
    ],
)
def test_bad_input_to_change_is_400_and_the_reason_stays(
    body: dict[str, Any], field: str | None, api_as: ApiAs, org_admin: User
) -> None:
    tone = ReviewReason.objects.get(slug="tone")

    response = api_as(org_admin).patch(f"{URL}{tone.pk}/", body, format="json")

    assert response.status_code == 400
    if field is not None:
        assert field in response.json(), response.json()
    tone.refresh_from_db()
    assert (tone.name, tone.is_active) == ("Tone", True)
    assert _audited() == []


def test_other_cannot_be_retired(api_as: ApiAs, org_admin: User) -> None:
    other = ReviewReason.objects.get(slug="other")
    client = api_as(org_admin)
    assert client.delete(f"{URL}{other.pk}/").status_code == 400
    response = client.patch(f"{URL}{other.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 400
    assert "is_active" in response.json()
    assert ReviewReason.objects.get(slug="other").is_active


def test_the_list_costs_the_same_queries_for_seven_reasons_or_twelve(
    api_as: ApiAs, org_admin: User, sme: User, account: BrandAccount, django_assert_num_queries: Any
) -> None:
    admin, drafter = api_as(org_admin), api_as(sme)
    # Org admin: session, person, organisation roles, count, the page (with its courses).
    with django_assert_num_queries(5):
        assert len(admin.get(URL).json()["results"]) == 7
    # Drafter: the same, and whether they may draft or review anywhere (one EXISTS).
    with django_assert_num_queries(6):
        assert len(drafter.get(URL).json()["results"]) == 7
    for n in range(5):
        services.review_reason_create(
            actor=org_admin, name=f"Reason {n}", course=make_course(f"Course {n}")
        )
    with django_assert_num_queries(5):
        assert len(admin.get(URL).json()["results"]) == 12
    with django_assert_num_queries(6):
        assert len(drafter.get(URL).json()["results"]) == 12


# --- The summary and my feedback -----------------------------------------------------------


def test_the_summary_shows_what_the_page_shows_to_managers_hr_and_org_admins(
    api_as: ApiAs,
    sme: User,
    manager: User,
    hr_user: User,
    org_admin: User,
    outsider: User,
    account: BrandAccount,
    comms_reviewer: User,
    tone: ReviewReason,
    rnd: Department,
) -> None:
    for _ in range(3):
        _changes(sme, account, comms_reviewer, "tone")
    _changes(sme, account, comms_reviewer, "accuracy")

    body = api_as(manager).get(SUMMARY).json()
    assert [d["slug"] for d in body["departments"]] == ["sales"]
    assert body["department"] is None
    counts = {c["reason"]: c["count"] for c in body["months"][0]["counts"]}
    assert counts == {"tone": 3, "accuracy": 1}
    assert body["months"][0]["total"] == 4
    assert {r["slug"] for r in body["reasons"]} == {"tone", "accuracy"}
    (coaching,) = body["coaching"]
    assert (coaching["person"]["email"], coaching["reason"]["slug"], coaching["count"]) == (
        sme.email,
        "tone",
        3,
    )
    assert coaching["course"]["title"] == "Writing in the brand's voice"
    assert coaching["due_on"] is not None

    for viewer in (hr_user, org_admin):
        chosen = api_as(viewer).get(SUMMARY, {"department": "sales"}).json()
        assert chosen["department"]["slug"] == "sales"
        assert chosen["months"][0]["total"] == 4
        empty = api_as(viewer).get(SUMMARY, {"department": rnd.slug}).json()
        assert (empty["months"], empty["coaching"]) == ([], [])

    # Neither a manager nor HR nor an org admin: 404; another department than theirs too.
    assert api_as(sme).get(SUMMARY).status_code == 404
    assert api_as(comms_reviewer).get(SUMMARY).status_code == 404
    assert api_as(outsider).get(SUMMARY).status_code == 404
    assert api_as(manager).get(SUMMARY, {"department": rnd.slug}).status_code == 404
    assert api_as(manager).get(SUMMARY, {"department": "no-such"}).status_code == 404


def test_the_summary_refuses_two_departments_and_treats_odd_slugs_as_unknown(
    api_as: ApiAs, hr_user: User, sales: Department, rnd: Department
) -> None:
    client = api_as(hr_user)
    two = client.get(f"{SUMMARY}?department=sales&department=rnd")
    assert two.status_code == 400
    assert "department" in two.json()
    # A NUL (PostgreSQL refuses it in a query) or a space: no department is called that.
    assert client.get(f"{SUMMARY}?department=sa%00les").status_code == 404
    assert client.get(f"{SUMMARY}?department=sa%20les").status_code == 404


def test_my_feedback_shows_my_reasons_coaching_and_decisions_only(
    api_as: ApiAs,
    sme: User,
    manager: User,
    account: BrandAccount,
    comms_reviewer: User,
    tone: ReviewReason,
) -> None:
    for _ in range(3):
        _changes(sme, account, comms_reviewer, "tone")
    _changes(manager, account, comms_reviewer, "accuracy")  # someone else's

    body = api_as(sme).get(FEEDBACK).json()
    assert [r["slug"] for r in body["reasons"]] == ["tone"]
    assert body["months"][0]["counts"] == [{"reason": "tone", "count": 3}]
    assert [c["reason"]["slug"] for c in body["coaching"]] == ["tone"]
    assert body["decisions"]["count"] == 3
    first = body["decisions"]["results"][0]
    assert (first["verdict"], first["reason"]["slug"], first["note"]) == (
        "changes",
        "tone",
        "Softer, please.",
    )
    paged = api_as(sme).get(FEEDBACK, {"limit": 2, "offset": 2}).json()["decisions"]
    assert (paged["count"], len(paged["results"]), paged["next"]) == (3, 1, None)

    mine = api_as(manager).get(FEEDBACK).json()
    assert (mine["decisions"]["count"], mine["coaching"]) == (1, [])
    assert api_as(comms_reviewer).get(FEEDBACK).json()["decisions"]["count"] == 0


@pytest.mark.parametrize(("query", "field"), [("limit=x", "limit"), ("offset=-1", "offset")])
def test_my_feedback_refuses_bad_paging(query: str, field: str, api_as: ApiAs, sme: User) -> None:
    response = api_as(sme).get(f"{FEEDBACK}?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_summary_and_feedback_cost_the_same_queries_with_more_rows(
    api_as: ApiAs,
    sme: User,
    manager: User,
    account: BrandAccount,
    comms_reviewer: User,
    tone: ReviewReason,
    settings: Any,
    django_assert_num_queries: Any,
) -> None:
    settings.SOCIALHUB_COACHING_THRESHOLD = 1  # every tone decision assigns: coaching rows grow
    _changes(sme, account, comms_reviewer, "tone")
    mine, managers = api_as(sme), api_as(manager)
    # Feedback: session, person, grouped counts, their reasons, coaching (with course and
    # assignment), decision count, the page of decisions (with reasons).
    with django_assert_num_queries(7):
        assert mine.get(FEEDBACK).json()["decisions"]["count"] == 1
    # Summary: session, person, organisation roles, memberships, departments, grouped counts,
    # their reasons, coaching (with person, reason, assignment and course).
    with django_assert_num_queries(8):
        assert len(managers.get(SUMMARY).json()["coaching"]) == 1

    for reason in ("tone", "accuracy", "brand", "tone", "accessibility"):
        _changes(sme, account, comms_reviewer, reason)
    assert CoachingAssignment.objects.count() == 3

    with django_assert_num_queries(7):
        assert mine.get(FEEDBACK).json()["decisions"]["count"] == 6
    with django_assert_num_queries(8):
        assert len(managers.get(SUMMARY).json()["coaching"]) == 3
