"""The training API: same rules as the pages (docs/design.md §7)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from accounts.authz import forget_cached_roles
from accounts.models import Department, User
from accounts.tests.factories import UserFactory, add_member
from training import services
from training.models import Assignment, Attempt, Certification, PolicyAcknowledgement
from training.tests.factories import (
    certify,
    make_course,
    make_policy,
    right_answers,
    wrong_answers,
)

pytestmark = pytest.mark.django_db


# --- Courses -----------------------------------------------------------------------------------


def test_anonymous_is_refused(api_as: Any) -> None:
    assert api_as(None).get("/api/v1/courses/").status_code in (401, 403)


def test_course_list_shows_published_courses_with_my_status(api_as: Any, sme: User) -> None:
    held = make_course("Held", platforms=("x",))
    make_course("Draft", published=False)
    make_course("Other")
    cert = certify(sme, held)

    response = api_as(sme).get("/api/v1/courses/")

    assert response.status_code == 200
    by_title = {c["title"]: c for c in response.json()["results"]}
    assert set(by_title) == {"Held", "Other"}
    assert by_title["Held"]["my_status"] == "valid"
    assert by_title["Held"]["my_expires_at"] == cert.expires_at.isoformat().replace("+00:00", "Z")
    assert by_title["Held"]["certifies_for"] == ["every X account"]
    assert (by_title["Held"]["lesson_count"], by_title["Held"]["question_count"]) == (1, 2)
    assert by_title["Other"]["my_status"] == "missing"


def test_course_list_query_count(api_as: Any, sme: User, django_assert_num_queries: Any) -> None:
    client = api_as(sme)
    certify(sme, make_course(platforms=("x",)))
    # session, user, count (pagination), courses with counts, their requirements, my
    # certificates.
    with django_assert_num_queries(6):
        assert client.get("/api/v1/courses/").status_code == 200
    for _ in range(5):
        certify(sme, make_course(platforms=("x", "linkedin"), everywhere=True))
    with django_assert_num_queries(6):
        assert len(client.get("/api/v1/courses/").json()["results"]) == 6


def test_course_detail_never_carries_the_answers(api_as: Any, sme: User) -> None:
    course = make_course()
    body = api_as(sme).get(f"/api/v1/courses/{course.pk}/").json()

    assert [lesson["body_html"] for lesson in body["lessons"]] == [
        "<p>Read <strong>this</strong>.</p>"
    ]
    assert [q["kind"] for q in body["questions"]] == ["single", "multiple"]
    text = str(body)
    assert "is_correct" not in text
    assert "explanation" not in text
    assert "Because of reason" not in text
    assert set(body["questions"][0]["choices"][0]) == {"id", "text"}


def test_unpublished_course_is_404(api_as: Any, sme: User) -> None:
    course = make_course(published=False)
    client = api_as(sme)
    assert client.get(f"/api/v1/courses/{course.pk}/").status_code == 404
    response = client.post(
        f"/api/v1/courses/{course.pk}/attempts/", {"answers": right_answers(course)}, format="json"
    )
    assert response.status_code == 404
    assert not Attempt.objects.exists()


# --- Attempts ----------------------------------------------------------------------------------


def test_submitting_right_answers_certifies(api_as: Any, sme: User) -> None:
    course = make_course(validity_days=90)

    response = api_as(sme).post(
        f"/api/v1/courses/{course.pk}/attempts/", {"answers": right_answers(course)}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["score"], body["passed"], body["correct_count"]) == (100, True, 2)
    cert = Certification.objects.get(user=sme)
    assert body["certification"]["id"] == cert.pk
    assert body["certification"]["status"] == "valid"
    assert [r["explanation"] for r in body["results"]] == [
        "Because of reason 1.",
        "Because of reason 2.",
    ]


def test_partial_answers_fail_with_explanations(api_as: Any, sme: User) -> None:
    course = make_course(pass_mark=50)
    answers = right_answers(course)
    multi = course.questions.get(kind="multiple")
    answers[str(multi.pk)] = answers[str(multi.pk)][:1]  # one of the two right choices
    single = course.questions.get(kind="single")
    answers[str(single.pk)] = [
        single.choices.filter(is_correct=False).values_list("pk", flat=True).get()
    ]  # a wrong choice

    body = (
        api_as(sme)
        .post(f"/api/v1/courses/{course.pk}/attempts/", {"answers": answers}, format="json")
        .json()
    )

    assert (body["score"], body["passed"], body["certification"]) == (0, False, None)
    assert [r["correct"] for r in body["results"]] == [False, False]
    assert body["results"][1]["correct_choices"] == sorted(
        c.pk for c in multi.choices.filter(is_correct=True)
    )


def test_taking_a_quiz_reads_its_questions_once(
    api_as: Any, sme: User, django_assert_max_num_queries: Any
) -> None:
    course = make_course(pass_mark=50)
    client = api_as(sme)
    url = f"/api/v1/courses/{course.pk}/attempts/"
    # The questions and their choices are read once, for the check and the score alike.
    answers = right_answers(course)
    with django_assert_max_num_queries(22):  # 24 when they were read twice
        response = client.post(url, {"answers": answers}, format="json")
    assert response.status_code == 201
    assert response.json()["passed"]


def test_a_question_left_out_is_refused_and_nothing_recorded(api_as: Any, sme: User) -> None:
    course = make_course(pass_mark=50)
    answers = right_answers(course)
    del answers[str(course.questions.get(kind="single").pk)]
    url = f"/api/v1/courses/{course.pk}/attempts/"
    for sent in (answers, {}):
        response = api_as(sme).post(url, {"answers": sent}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "unanswered"
        assert "Answer every question before submitting" in response.json()["answers"][0]
    assert not Attempt.objects.exists()
    # Not locked: the full answers are scored at once.
    assert api_as(sme).post(url, {"answers": right_answers(course)}, format="json").json()["passed"]


@pytest.mark.parametrize(
    "payload",
    [
        {"answers": {"999999": [1]}},
        {"answers": "all of them"},
        {"answers": {"QUESTION": [999999]}},
        {},
        {"answers": "OTHER COURSE"},
    ],
    ids=["unknown question", "not a dict", "unknown choice", "missing", "another course"],
)
def test_bad_answers_are_400_and_write_nothing(api_as: Any, sme: User, payload: Any) -> None:
    course = make_course()
    other = make_course()
    if payload.get("answers") == "OTHER COURSE":
        payload = {"answers": right_answers(other)}
    elif isinstance(payload.get("answers"), dict) and "QUESTION" in payload["answers"]:
        payload = {"answers": {str(course.questions.first().pk): [999999]}}  # type: ignore[union-attr]

    response = api_as(sme).post(f"/api/v1/courses/{course.pk}/attempts/", payload, format="json")

    assert response.status_code == 400
    assert "answers" in response.json()
    assert not Attempt.objects.exists()
    assert not Certification.objects.exists()


def test_cooldown_is_409(api_as: Any, sme: User) -> None:
    course = make_course(cooldown_minutes=15)
    client = api_as(sme)
    url = f"/api/v1/courses/{course.pk}/attempts/"
    assert client.post(url, {"answers": wrong_answers(course)}, format="json").status_code == 201
    response = client.post(url, {"answers": right_answers(course)}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "cooldown"
    assert Attempt.objects.count() == 1


def test_attempt_list_shows_only_my_attempts(api_as: Any, sme: User, outsider: User) -> None:
    course = make_course()
    services.attempt_take(actor=sme, course=course, answers=wrong_answers(course))
    open_attempt = services.attempt_start(actor=outsider, course=course)
    mine = api_as(sme).get(f"/api/v1/courses/{course.pk}/attempts/").json()["results"]
    theirs = api_as(outsider).get(f"/api/v1/courses/{course.pk}/attempts/").json()["results"]
    assert [a["passed"] for a in mine] == [False]
    assert [(a["id"], a["results"]) for a in theirs] == [(open_attempt.pk, [])]


# --- Certifications ----------------------------------------------------------------------------


def emails(response: Any) -> list[str]:
    assert response.status_code == 200
    return sorted(c["user"]["email"] for c in response.json()["results"])


def test_certifications_are_scoped_by_role(
    api_as: Any, sme: User, manager: User, outsider: User, hr_user: User
) -> None:
    course = make_course()
    for person in (sme, manager, outsider):
        certify(person, course)
    everyone = ["manager@example.test", "outsider@example.test", "sme@example.test"]
    assert emails(api_as(hr_user).get("/api/v1/certifications/")) == everyone
    assert emails(api_as(manager).get("/api/v1/certifications/")) == everyone[::2]
    assert emails(api_as(sme).get("/api/v1/certifications/")) == ["sme@example.test"]
    outsiders = Certification.objects.get(user=outsider)
    assert api_as(sme).get(f"/api/v1/certifications/{outsiders.pk}/").status_code == 404
    assert api_as(manager).get(f"/api/v1/certifications/{outsiders.pk}/").status_code == 404


def test_certification_filters(api_as: Any, hr_user: User, sme: User, outsider: User) -> None:
    course = make_course()
    now = timezone.now()
    certify(sme, course, expires_at=now + timedelta(days=5))
    certify(outsider, course, revoked=True)
    client = api_as(hr_user)
    assert emails(client.get("/api/v1/certifications/?status=expiring")) == ["sme@example.test"]
    assert emails(client.get("/api/v1/certifications/?status=revoked")) == ["outsider@example.test"]
    assert emails(client.get("/api/v1/certifications/?department=rnd")) == ["outsider@example.test"]
    assert emails(client.get("/api/v1/certifications/?user=SME@example.test")) == [
        "sme@example.test"
    ]
    bad = client.get("/api/v1/certifications/?status=shiny")
    assert bad.status_code == 400
    assert "status" in bad.json()
    assert client.get("/api/v1/certifications/?department=nope").status_code == 404


def test_certification_list_query_count_for_1_and_50_people(
    api_as: Any, hr_user: User, sales: Department, django_assert_num_queries: Any
) -> None:
    client = api_as(hr_user)
    course = make_course()
    person = UserFactory.create(password=None)
    add_member(person, sales)
    certify(person, course)
    # session, user, roles, count (pagination), certificates with person, course and revoker.
    forget_cached_roles(hr_user)
    with django_assert_num_queries(5):
        assert client.get("/api/v1/certifications/").status_code == 200
    for _ in range(49):
        person = UserFactory.create(password=None)
        add_member(person, sales)
        certify(person, course)
    forget_cached_roles(hr_user)
    with django_assert_num_queries(5):
        assert len(client.get("/api/v1/certifications/").json()["results"]) == 50


def test_revoke_over_the_api(
    api_as: Any, hr_user: User, manager: User, sme: User, outsider: User
) -> None:
    cert = certify(sme, make_course())
    url = f"/api/v1/certifications/{cert.pk}/revoke/"
    assert api_as(outsider).post(url, {"reason": "Long enough"}, format="json").status_code == 404
    assert api_as(manager).post(url, {"reason": "Long enough"}, format="json").status_code == 403
    bad = api_as(hr_user).post(url, {"reason": "x"}, format="json")
    assert bad.status_code == 400
    assert "reason" in bad.json()
    cert.refresh_from_db()
    assert cert.revoked_at is None

    response = api_as(hr_user).post(url, {"reason": "Posted a secret."}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["revoked_reason"]) == (
        "revoked",
        "Posted a secret.",
    )
    assert api_as(hr_user).post(url, {"reason": "Again please"}, format="json").status_code == 409


# --- Assignments -------------------------------------------------------------------------------


def test_assignments_over_the_api(
    api_as: Any, hr_user: User, manager: User, sme: User, outsider: User
) -> None:
    course = make_course()
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    assert api_as(sme).get("/api/v1/assignments/").status_code == 403
    assert (
        api_as(sme)
        .post("/api/v1/assignments/", {"course": course.pk, "user": outsider.email, "due_on": due})
        .status_code
        == 403
    )

    created = api_as(manager).post(
        "/api/v1/assignments/", {"course": course.pk, "user": "SME@example.test", "due_on": due}
    )
    assert created.status_code == 201
    assert (created.json()["user"], created.json()["assigned_by"]) == (
        "sme@example.test",
        "manager@example.test",
    )

    outside = api_as(manager).post(
        "/api/v1/assignments/", {"course": course.pk, "user": outsider.email, "due_on": due}
    )
    assert outside.status_code == 400
    assert "user" in outside.json()
    unknown = api_as(hr_user).post(
        "/api/v1/assignments/", {"course": 999999, "department": "rnd", "due_on": due}
    )
    assert unknown.status_code == 400
    assert "course" in unknown.json()
    assert Assignment.objects.count() == 1

    hr_made = api_as(hr_user).post(
        "/api/v1/assignments/", {"course": course.pk, "department": "rnd", "due_on": due}
    )
    assert hr_made.status_code == 201
    rnd_url = f"/api/v1/assignments/{hr_made.json()['id']}/"
    assert api_as(manager).delete(rnd_url).status_code == 404
    assert api_as(hr_user).delete(rnd_url).status_code == 204
    assert [a["id"] for a in api_as(manager).get("/api/v1/assignments/").json()["results"]] == [
        created.json()["id"]
    ]


# --- Policy ------------------------------------------------------------------------------------


def test_current_policy_and_acknowledgement(api_as: Any, sme: User) -> None:
    client = api_as(sme)
    assert client.get("/api/v1/policies/current/").status_code == 404
    policy = make_policy()

    current = client.get("/api/v1/policies/current/").json()
    assert (current["id"], current["version"], current["acknowledged_at"]) == (policy.pk, 1, None)
    assert current["body_html"] == "<h2>Rules</h2>\n<p>Be kind.</p>"

    first = client.post(f"/api/v1/policies/{policy.pk}/acknowledge/")
    again = client.post(f"/api/v1/policies/{policy.pk}/acknowledge/")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["acknowledged_at"] == again.json()["acknowledged_at"]
    assert client.get("/api/v1/policies/current/").json()["acknowledged_at"] is not None
    assert client.post("/api/v1/policies/999999/acknowledge/").status_code == 404


def test_a_new_version_shows_as_unacknowledged_in_me(api_as: Any, sme: User) -> None:
    client = api_as(sme)
    v1 = make_policy(effective_at=timezone.now() - timedelta(days=3))
    client.post(f"/api/v1/policies/{v1.pk}/acknowledge/")
    assert client.get("/api/v1/me/").json()["policy"]["acknowledged"] is True

    v2 = make_policy(effective_at=timezone.now() - timedelta(seconds=1))

    policy = client.get("/api/v1/me/").json()["policy"]
    assert (policy["id"], policy["version"], policy["acknowledged"]) == (v2.pk, 2, False)
    superseded = client.post(f"/api/v1/policies/{v1.pk}/acknowledge/")
    assert superseded.status_code == 409
    assert PolicyAcknowledgement.objects.count() == 1


def test_me_lists_my_certificates(api_as: Any, sme: User) -> None:
    course = make_course("Posting on X")
    cert = certify(sme, course, expires_at=timezone.now() + timedelta(days=3))
    body = api_as(sme).get("/api/v1/me/").json()
    assert body["certifications"] == [
        {
            "id": cert.pk,
            "course_id": course.pk,
            "course": "Posting on X",
            "status": "expiring",
            "issued_at": cert.issued_at.isoformat(),
            "expires_at": cert.expires_at.isoformat(),
            "revoked_at": None,
        }
    ]
    assert body["policy"] is None


# --- The report --------------------------------------------------------------------------------


def test_report_json_and_scope(
    api_as: Any, hr_user: User, manager: User, sme: User, outsider: User
) -> None:
    course = make_course("Posting on X")
    cert = certify(sme, course)
    body = api_as(manager).get("/api/v1/reports/certifications/").json()
    assert body["courses"] == [{"id": course.pk, "title": "Posting on X"}]
    rows = {row["user"]["email"]: row for row in body["results"]}
    assert set(rows) == {"manager@example.test", "sme@example.test"}
    assert rows["sme@example.test"]["certifications"] == [
        {
            "course": course.pk,
            "status": "valid",
            "expires_at": cert.expires_at.isoformat().replace("+00:00", "Z"),
            "certification": cert.pk,
        }
    ]
    assert body["count"] == 2
    assert api_as(hr_user).get("/api/v1/reports/certifications/").json()["count"] == 3
    assert api_as(sme).get("/api/v1/reports/certifications/").status_code == 403
    assert api_as(manager).get("/api/v1/reports/certifications/?department=rnd").status_code == 404
    bad = api_as(hr_user).get("/api/v1/reports/certifications/?status=shiny")
    assert bad.status_code == 400
    assert "status" in bad.json()


def test_report_csv_streams(api_as: Any, hr_user: User, sme: User) -> None:
    course = make_course("Posting on X")
    certify(sme, course)

    response = api_as(hr_user).get("/api/v1/reports/certifications/?format=csv")

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()  # type: ignore[arg-type]
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["email", "full_name", "departments"]
    assert rows[1][:4] == ["sme@example.test", "Sam Sales", "Sales", "valid"]


def test_report_csv_is_refused_to_an_sme(api_as: Any, sme: User) -> None:
    assert api_as(sme).get("/api/v1/reports/certifications/?format=csv").status_code == 403


def test_report_query_count_for_1_and_50_people(
    api_as: Any, hr_user: User, sales: Department, django_assert_num_queries: Any
) -> None:
    client = api_as(hr_user)
    make_policy()
    course = make_course()
    person = UserFactory.create(password=None)
    add_member(person, sales)
    certify(person, course)
    # session, user, roles, courses, current policy, count, page of people, their certificates,
    # their departments, their policy acknowledgements.
    forget_cached_roles(hr_user)
    with django_assert_num_queries(10):
        assert client.get("/api/v1/reports/certifications/").status_code == 200
    for _ in range(49):
        person = UserFactory.create(password=None)
        add_member(person, sales)
        certify(person, course)
    forget_cached_roles(hr_user)
    with django_assert_num_queries(10):
        assert len(client.get("/api/v1/reports/certifications/").json()["results"]) == 50
