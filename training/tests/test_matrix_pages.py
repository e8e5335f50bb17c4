"""HR and managers: the certification matrix, its CSV export and chart, a certificate's page
with revocation, and the assign page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.utils import timezone

from accounts.models import Department, User
from accounts.tests.factories import UserFactory, add_member
from training import services
from training.models import Assignment, Certification
from training.tests.factories import certify, make_course, make_policy

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def cell(html: str, course_id: int, status: str) -> int:
    return html.count(f'data-course="{course_id}" data-status="{status}"')


# --- The matrix --------------------------------------------------------------------------------


def test_hr_sees_every_status(hr_user: User, sme: User, manager: User, outsider: User) -> None:
    course = make_course("Posting on X")
    now = timezone.now()
    certify(sme, course, expires_at=now + timedelta(days=200))  # valid
    certify(manager, course, expires_at=now + timedelta(days=29))  # expiring
    third = UserFactory.create(email="third@example.test")
    add_member(third, Department.objects.get(slug="sales"))
    certify(third, course, issued_at=now - timedelta(days=400), expires_at=now - timedelta(days=1))
    certify(outsider, course, revoked=True)
    UserFactory.create(email="nodepartment@example.test")  # in no department: not listed

    html = client_for(hr_user).get("/training/certifications/").content.decode()

    for status in ("valid", "expiring", "expired", "revoked"):
        assert cell(html, course.pk, status) == 1, status
    assert cell(html, course.pk, "missing") == 0  # hr_user is in no department
    assert "nodepartment@example.test" not in html
    assert "Completion and coverage by department" in html
    assert "<svg" in html


def test_filters_by_department_status_and_course(hr_user: User, sme: User, outsider: User) -> None:
    x = make_course("Posting on X")
    linkedin = make_course("Posting on LinkedIn")
    certify(sme, x)
    client = client_for(hr_user)

    by_department = client.get("/training/certifications/?department=rnd").content.decode()
    assert "outsider@example.test" in by_department
    assert "sme@example.test" not in by_department

    missing_x = client.get(f"/training/certifications/?status=missing&course={x.pk}")
    assert "outsider@example.test" in missing_x.content.decode()
    assert "sme@example.test" not in missing_x.content.decode()

    missing_any = client.get("/training/certifications/?status=missing").content.decode()
    assert "sme@example.test" in missing_any  # still misses LinkedIn
    valid = client.get("/training/certifications/?status=valid").content.decode()
    assert "sme@example.test" in valid
    assert "outsider@example.test" not in valid
    assert f'data-course="{linkedin.pk}"' in valid


def test_manager_sees_only_their_department(manager: User, sme: User, outsider: User) -> None:
    make_course()
    client = client_for(manager)
    html = client.get("/training/certifications/").content.decode()
    assert "sme@example.test" in html
    assert "outsider@example.test" not in html
    assert ">R&amp;D<" not in html  # not in the chart either
    assert client.get("/training/certifications/?department=rnd").status_code == 404


@pytest.mark.parametrize("who", ["sme", "comms_reviewer", "outsider"])
def test_people_without_the_role_are_refused(who: str, request: pytest.FixtureRequest) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get("/training/certifications/").status_code == 403
    assert client.get("/training/certifications/export.csv").status_code == 403
    assert client.get("/training/assignments/").status_code == 403


@pytest.mark.parametrize(
    ("query", "status"),
    [("status=shiny", 400), ("course=abc", 400), ("department=nope", 404), ("course=99999", 404)],
)
def test_bad_filters(hr_user: User, query: str, status: int) -> None:
    response = client_for(hr_user).get(f"/training/certifications/?{query}")
    assert response.status_code == status


def test_matrix_query_count_is_the_same_for_1_and_50_people(
    hr_user: User, sales: Department, django_assert_num_queries: Any
) -> None:
    make_policy()
    course = make_course()
    first = UserFactory.create(password=None)
    add_member(first, sales)
    certify(first, course)
    client = client_for(hr_user)
    # session, user, roles, courses, current policy, people count (paginator), the page of
    # people, their certificates, their departments, their open assignments, their policy
    # acknowledgements, departments (chart), published course count, per-membership coverage,
    # departments (filter), courses (filter).
    # ... plus the layout's two: the crisis pauses in force and my unread notifications.
    with django_assert_num_queries(18):
        assert client.get("/training/certifications/").status_code == 200

    second = make_course()
    due = timezone.localdate() + timedelta(days=14)
    for _ in range(49):
        person = UserFactory.create(password=None)
        add_member(person, sales)
        certify(person, course)
        Assignment.objects.create(course=second, user=person, due_on=due, assigned_by=hr_user)
    with django_assert_num_queries(18):
        response = client.get("/training/certifications/")
    assert response.content.decode().count("<tr>") >= 50
    assert response.content.decode().count("data-assigned=") == 49


def test_matrix_cells_show_open_assignments_of_the_person_or_their_department(
    hr_user: User, sales: Department, rnd: Department
) -> None:
    course, held = make_course("Tone of voice"), make_course("Basics")
    coached = UserFactory.create(email="coached@example.test", password=None)
    member = UserFactory.create(email="member@example.test", password=None)
    certified = UserFactory.create(email="certified@example.test", password=None)
    other = UserFactory.create(email="other@example.test", password=None)
    for person in (coached, member, certified):
        add_member(person, sales)
    add_member(other, rnd)
    certify(certified, held)
    due = timezone.localdate() + timedelta(days=14)
    Assignment.objects.create(
        course=course, user=coached, due_on=due, note="Coaching: 3 reviews found 'Tone'."
    )
    Assignment.objects.create(course=held, department=sales, due_on=due, assigned_by=hr_user)
    Assignment.objects.create(
        course=course, user=other, due_on=due, cancelled_at=timezone.now()
    )  # cancelled: not shown

    html = client_for(hr_user).get("/training/certifications/").content.decode()

    def cell(email: str, course_pk: int) -> str:
        row = html[html.index(f'<span class="muted">{email}</span>') :]
        row = row[: row.index("</tr>")]
        start = row.index(f'data-course="{course_pk}"')
        return row[start : row.index("</td>", start)]

    assert "Coaching: 3 reviews found &#x27;Tone&#x27;." in cell(coached.email, course.pk)
    assert "data-assigned=" in cell(member.email, held.pk)  # through Sales
    assert "data-assigned=" not in cell(member.email, course.pk)
    assert "data-assigned=" not in cell(certified.email, held.pk)  # done: a valid certificate
    assert "data-assigned=" not in cell(other.email, course.pk)


def test_pagination_keeps_the_filters(hr_user: User, sales: Department) -> None:
    make_course()
    for _ in range(51):
        add_member(UserFactory.create(password=None), sales)
    html = client_for(hr_user).get("/training/certifications/?department=sales").content.decode()
    assert "Page 1 of 2" in html
    assert "?department=sales&amp;page=2" in html


# --- CSV export --------------------------------------------------------------------------------


def read_csv(response: Any) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode()  # type: ignore[arg-type]
    return list(csv.reader(io.StringIO(body)))


def test_csv_streams_the_matrix(hr_user: User, sme: User, outsider: User) -> None:
    policy = make_policy()
    course = make_course("Posting on X")
    cert = certify(sme, course)
    services.policy_acknowledge(actor=sme, policy=policy)
    outsider.full_name = "=HYPERLINK(evil)"
    outsider.save()

    response = client_for(hr_user).get("/training/certifications/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="certifications-')
    rows = read_csv(response)
    assert rows[0] == [
        "email",
        "full_name",
        "departments",
        "policy v1 acknowledged",
        "Posting on X: status",
        "Posting on X: expires (UTC)",
    ]
    by_email = {row[0]: row for row in rows[1:]}
    assert by_email["sme@example.test"] == [
        "sme@example.test",
        "Sam Sales",
        "Sales",
        "yes",
        "valid",
        cert.expires_at.isoformat().replace("+00:00", "Z"),
    ]
    assert by_email["outsider@example.test"][1:] == [
        "'=HYPERLINK(evil)",
        "R&D",
        "no",
        "missing",
        "",
    ]


def test_csv_follows_the_filters_and_the_managers_scope(
    manager: User, sme: User, outsider: User
) -> None:
    make_course()
    rows = read_csv(client_for(manager).get("/training/certifications/export.csv"))
    assert sorted(row[0] for row in rows[1:]) == ["manager@example.test", "sme@example.test"]
    response = client_for(manager).get("/training/certifications/export.csv?department=rnd")
    assert response.status_code == 404


def test_csv_is_one_query_for_any_number_of_people(
    hr_user: User, sales: Department, django_assert_num_queries: Any
) -> None:
    make_course()
    make_course()
    make_policy()
    client = client_for(hr_user)

    def download() -> list[list[str]]:
        response = client.get("/training/certifications/export.csv")
        assert isinstance(response, StreamingHttpResponse)
        return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    download()  # warm-up
    # session, user, organisation roles, courses, current policy, then the export itself.
    with django_assert_num_queries(6):
        assert len(download()) == 1
    for _ in range(7):
        add_member(UserFactory.create(password=None), sales)
    with django_assert_num_queries(6):
        assert len(download()) == 1 + 7


def test_sql_statuses_agree_with_the_matrix_for_every_history(
    sales: Department, rnd: Department
) -> None:
    """The export decides statuses in SQL; the matrix page in Python. Same answer, every case."""
    from training import selectors

    now = timezone.now()
    course, other = make_course(), make_course()
    policy = make_policy()
    people = [UserFactory.create() for _ in range(7)]
    for person in people:
        add_member(person, sales)
    add_member(people[0], rnd)
    certify(people[0], course, expires_at=now + timedelta(days=200))  # valid
    certify(people[1], course, expires_at=now + timedelta(days=10))  # expiring
    certify(people[2], course, issued_at=now - timedelta(days=400), expires_at=now)  # expired
    certify(people[3], course, revoked=True)  # revoked
    # Revoked, then issued again: the new one counts.
    certify(people[4], course, issued_at=now - timedelta(days=9), revoked=True)
    certify(people[4], course, issued_at=now - timedelta(days=2))
    # Issued, then a later one revoked: the unrevoked one counts.
    certify(people[5], course, issued_at=now - timedelta(days=9))
    certify(people[5], course, issued_at=now - timedelta(days=2), revoked=True)
    certify(people[6], other)  # missing the first course
    services.policy_acknowledge(actor=people[2], policy=policy)

    visible = User.objects.filter(pk__in=[p.pk for p in people])
    courses = [course, other]
    lines = list(
        selectors.certification_lines(people=visible, courses=courses, now=now, policy=policy)
    )
    rows = selectors.matrix_rows(
        people=list(visible.order_by("pk")), courses=courses, now=now, policy=policy
    )

    assert [line.email for line in lines] == [row.person.email for row in rows]
    for line, row in zip(lines, rows, strict=True):
        assert line.cells == [
            (status, cert.expires_at if cert else None) for _c, status, cert, _a in row.cells
        ], row.person.email
        assert line.departments == row.departments
        assert line.policy_acknowledged == row.policy_acknowledged
    statuses = {line.cells[0][0] for line in lines}
    assert statuses == {"valid", "expiring", "expired", "revoked", "missing"}


# --- A certificate's page and revocation -------------------------------------------------------


def test_hr_revokes_from_the_certificate_page(
    hr_user: User, sme: User, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    cert = certify(sme, make_course())
    client = client_for(hr_user)
    assert (
        "Revoke this certificate"
        in client.get(f"/training/certifications/{cert.pk}/").content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/training/certifications/{cert.pk}/", {"reason": "Posted confidential figures."}
        )

    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.revoked_reason == "Posted confidential figures."
    assert len(mailoutbox) == 1


def test_revoke_without_a_reason_is_400_and_writes_nothing(hr_user: User, sme: User) -> None:
    cert = certify(sme, make_course())
    response = client_for(hr_user).post(f"/training/certifications/{cert.pk}/", {"reason": "no"})
    assert response.status_code == 400
    assert "Give the reason for revoking" in response.content.decode()
    cert.refresh_from_db()
    assert cert.revoked_at is None


def test_manager_sees_but_cannot_revoke_and_outsider_gets_404(
    manager: User, sme: User, outsider: User
) -> None:
    cert = certify(sme, make_course())
    url = f"/training/certifications/{cert.pk}/"
    page = client_for(manager).get(url)
    assert page.status_code == 200
    assert "Revoke this certificate" not in page.content.decode()
    assert client_for(manager).post(url, {"reason": "Long enough reason"}).status_code == 403
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(sme).get(url).status_code == 200  # their own
    assert Certification.objects.get().revoked_at is None


# --- Assign page -------------------------------------------------------------------------------


def test_hr_assigns_a_department(hr_user: User, sme: User) -> None:
    course = make_course()
    due = timezone.localdate() + timedelta(days=10)
    response = client_for(hr_user).post(
        "/training/assignments/",
        {"course": course.pk, "department": "sales", "due_on": due.isoformat()},
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.department.slug, assignment.due_on) == ("sales", due)  # type: ignore[union-attr]
    page = client_for(hr_user).get("/training/assignments/").content.decode()
    assert "everyone in Sales" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "This field is required."),
        ({"due_on": "2000-01-01", "department": "sales"}, "The due date is in the past."),
        ({"department": "sales", "user": "SME"}, "Choose one person or one department."),
    ],
)
def test_bad_assignments_are_400_and_write_nothing(
    hr_user: User, sme: User, data: dict[str, str], message: str
) -> None:
    course = make_course()
    form = {"course": str(course.pk), "due_on": timezone.localdate().isoformat(), **data}
    if form.get("user") == "SME":
        form["user"] = str(sme.pk)
    if not data:
        form = {}
    response = client_for(hr_user).post("/training/assignments/", form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Assignment.objects.exists()


def test_manager_cannot_assign_outside_their_department(manager: User, outsider: User) -> None:
    course = make_course()
    response = client_for(manager).post(
        "/training/assignments/",
        {"course": course.pk, "user": outsider.pk, "due_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Assignment.objects.exists()
    assert "Olly Outsider" not in client_for(manager).get("/training/assignments/").content.decode()


def test_cancel_assignment_rules(hr_user: User, manager: User, sme: User, outsider: User) -> None:
    mine = services.assignment_create(
        actor=hr_user, course=make_course(), user=sme, due_on=timezone.localdate()
    )
    other = services.assignment_create(
        actor=hr_user, course=make_course(), user=outsider, due_on=timezone.localdate()
    )
    assert client_for(sme).post(f"/training/assignments/{mine.pk}/cancel/").status_code == 403
    assert client_for(manager).post(f"/training/assignments/{other.pk}/cancel/").status_code == 404
    assert client_for(manager).post(f"/training/assignments/{mine.pk}/cancel/").status_code == 302
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.cancelled_at is not None
    assert other.cancelled_at is None


def test_assignment_page_query_count(
    hr_user: User, sales: Department, sme: User, django_assert_num_queries: Any
) -> None:
    client = client_for(hr_user)
    services.assignment_create(
        actor=hr_user, course=make_course(), user=sme, due_on=timezone.localdate()
    )
    # session, user, roles, courses (choices), people (choices), departments (choices), the
    # number of open assignments (pages), the page of assignments with course, person,
    # department and author.
    # ... plus the layout's two: the crisis pauses in force and my unread notifications.
    with django_assert_num_queries(10):
        assert client.get("/training/assignments/").status_code == 200
    for _ in range(5):
        services.assignment_create(
            actor=hr_user, course=make_course(), department=sales, due_on=timezone.localdate()
        )
    with django_assert_num_queries(10):
        assert client.get("/training/assignments/").status_code == 200
