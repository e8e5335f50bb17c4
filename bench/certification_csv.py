"""Peak memory of the certification CSV export for 10,000 people.

    DJANGO_DEBUG=true .venv/bin/python -m bench.certification_csv [--people 10000]

Builds a throwaway SQLite database (nothing touches the real one), fills it with people in six
departments holding certificates in every state, then downloads the CSV through the real page
(login, view, StreamingHttpResponse) and reports tracemalloc's peak while the response streams.
For contrast it also measures the same rows built as one string in memory, the way a
non-streaming export would.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from typing import Any

COURSES = (
    "Social media basics",
    "Posting on Mastodon and Bluesky",
    "Posting on LinkedIn",
    "Posting on X",
    "Posting on Facebook",
)


def _setup(folder: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ["SOCIALHUB_VAR_DIR"] = folder
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "socialhub.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _populate(people: int) -> Any:
    from django.utils import timezone

    from accounts import services as account_services
    from accounts.models import Membership, User
    from accounts.roles import OrgRole
    from training import services
    from training.models import (
        Certification,
        Choice,
        Course,
        Lesson,
        PolicyAcknowledgement,
        Question,
    )

    now = timezone.now()
    departments = [
        account_services.department_create(actor=None, name=name, slug=name.lower())
        for name in ("Communications", "HR", "Sales", "RnD", "Support", "Product")
    ]
    courses = []
    for title in COURSES:
        course = Course.objects.create(title=title, summary="Bench course.")
        Lesson.objects.create(course=course, order=1, title="Lesson", body="Text")
        question = Question.objects.create(course=course, order=1, text="Q?")
        Choice.objects.create(question=question, order=1, text="Yes", is_correct=True)
        Choice.objects.create(question=question, order=2, text="No")
        courses.append(services.course_publish(actor=None, course=course))
    policy = services.policy_create(
        actor=None, title="Policy", body="Text", effective_at=now - timedelta(days=1)
    )
    services.policy_publish(actor=None, policy=policy)

    users = User.objects.bulk_create(
        # "!" is how Django marks an unusable password: nobody can log in as these people.
        User(email=f"person{i:05d}@bench.test", full_name=f"Person {i:05d}", password="!")  # noqa: S106
        for i in range(people)
    )
    Membership.objects.bulk_create(
        Membership(user=user, department=departments[i % len(departments)])
        for i, user in enumerate(users)
    )
    certificates = []
    for i, user in enumerate(users):
        for j, course in enumerate(courses):
            kind = (i + j) % 5  # valid, expiring, expired, revoked, missing
            if kind == 4:
                continue
            issued = now - timedelta(days=(400 if kind == 2 else 100))
            expires = {0: now + timedelta(days=200), 1: now + timedelta(days=10)}.get(
                kind, now - timedelta(days=35)
            )
            certificates.append(
                Certification(
                    user=user,
                    course=course,
                    issued_at=issued,
                    first_issued_at=issued,
                    expires_at=expires,
                    revoked_at=now if kind == 3 else None,
                    revoked_reason="Bench." if kind == 3 else "",
                )
            )
    Certification.objects.bulk_create(certificates, batch_size=5000)
    PolicyAcknowledgement.objects.bulk_create(
        PolicyAcknowledgement(user=user, policy=policy, acknowledged_at=now) for user in users[::2]
    )
    hr = User.objects.create_user("hr@bench.test", "bench-password-123")
    account_services.org_role_set(actor=None, user=hr, role=OrgRole.HR, held=True)
    return hr


def _measure_stream(hr: Any) -> tuple[int, int, int]:
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    client.force_login(hr)
    # Warm up: the first request imports and caches code (templates, URL resolver, CSV module),
    # which is not what the export costs. One small filtered download does that.
    warm = client.get("/training/certifications/export.csv?q=person00000")
    b"".join(warm.streaming_content)  # type: ignore[attr-defined]
    tracemalloc.start()
    tracemalloc.reset_peak()
    response = client.get("/training/certifications/export.csv")
    rows = size = 0
    for chunk in response.streaming_content:  # type: ignore[attr-defined]
        rows += chunk.count(b"\n")
        size += len(chunk)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert response.status_code == 200
    return rows, size, peak


def _time_stream(hr: Any) -> tuple[int, float, float]:
    """Queries, wall time and CPU time of one whole download, in a pass without tracemalloc
    (which slows Python down several times)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="localhost")
    client.force_login(hr)
    with CaptureQueriesContext(connection) as queries:
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get("/training/certifications/export.csv")
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return len(queries.captured_queries), elapsed, cpu


def _measure_matrix_page(hr: Any) -> tuple[float, int]:
    """The HTML matrix (first page of 50 people, the chart over everyone): time and queries."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="localhost")
    client.force_login(hr)
    client.get("/training/certifications/")  # warm up
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get("/training/certifications/")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    return elapsed, len(queries.captured_queries)


def _measure_materialised(hr: Any) -> int:
    """The same CSV joined into one string: what an export without streaming holds."""
    from django.utils import timezone

    from training import reports, selectors
    from training.models import Course

    now = timezone.now()
    tracemalloc.start()
    tracemalloc.reset_peak()
    courses = list(Course.objects.published().order_by("title"))
    people = selectors.people_visible(user=hr)
    body = "".join(
        reports.certification_csv(
            people=people, courses=courses, now=now, policy=selectors.policy_current(now=now)
        )
    )
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del body
    return peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="socialhub-bench-") as folder:
        _setup(folder)
        started = time.perf_counter()
        hr = _populate(args.people)
        print(
            f"populated {args.people:,} people x {len(COURSES)} courses "
            f"in {time.perf_counter() - started:.1f} s (SQLite, throwaway)"
        )
        rows, size, peak = _measure_stream(hr)
        print(
            f"streamed CSV: {rows:,} lines, {size / 1e6:.2f} MB; "
            f"peak Python memory while streaming {peak / 1e6:.2f} MB"
        )
        queries, elapsed, cpu = _time_stream(hr)
        # SQLite runs in this process, so the CPU time does not depend on what else the
        # machine is doing; the wall time does.
        print(
            f"download: {elapsed:.2f} s ({cpu:.2f} s of CPU), {queries} queries "
            "(session, user, roles, courses, policy, the export's one query)"
        )
        page_time, page_queries = _measure_matrix_page(hr)
        print(
            f"matrix page (50 people shown, chart over all): {page_time * 1000:.0f} ms, "
            f"{page_queries} queries"
        )
        materialised = _measure_materialised(hr)
        print(f"for contrast, the same CSV built in memory: peak {materialised / 1e6:.2f} MB")
        assert rows == args.people + 1, rows  # a header and one line per person
    return 0


if __name__ == "__main__":
    sys.exit(main())
