"""SocialHub's side of `bench.compare`, in a process of its own (as BrightBean's side is).

    DJANGO_DEBUG=true .venv/bin/python -m bench.socialhub_side --database-url sqlite:////tmp/x

Migrates the database given and answers `bench.compare` one JSON line per command on stdin,
the same commands as bench/brightbean_side.py:

- {"cmd": "seed", "n": 100, "day": "2026-12-07"}: Sales (where the author drafts) and
  Communications (the comms reviewer, who reviews and publishes on the Sales account); then, up
  to n of each, posts waiting for review (revision 1, submitted, with its audit event) and posts
  scheduled on `day` from 10:00 local time, 30 s apart (approved by comms, with the audit event).
- {"cmd": "time", "page": "queue"}: one timed request by the comms reviewer of the review queue,
  the calendar (month), the scheduled posts (the post list, state scheduled) or the REST post
  list (API token): {"ms": ..., "queries": ..., "status": 200, "bytes": ..., "shown": ...}.
- {"cmd": "quit"}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date, datetime, timedelta
from typing import Any

PAGES = ("queue", "calendar", "scheduled", "api")


class Side:
    def __init__(self) -> None:
        self.seeded = 0
        self.cast: dict[str, Any] = {}
        self.day = ""
        self.client: Any = None
        self.api_client: Any = None

    def _cast(self) -> None:
        from django.test import Client

        from accounts import authz, selectors
        from accounts import services as account_services
        from accounts.models import ApiToken, User
        from accounts.roles import OrgRole
        from channels_app.models import BrandAccount

        sales = account_services.department_create(actor=None, name="Sales", slug="sales")
        comms = account_services.department_create(
            actor=None, name="Communications", slug="communications"
        )
        author = User.objects.create_user("author@bench.test", None, full_name="Author")
        reviewer = User.objects.create_user("comms@bench.test", None, full_name="Comms")
        account_services.membership_add_existing(
            actor=None, user=author, department=sales, role="member"
        )
        account_services.membership_add_existing(
            actor=None, user=reviewer, department=comms, role="member"
        )
        account_services.org_role_set(
            actor=None, user=reviewer, role=OrgRole.COMMS_REVIEWER, held=True
        )
        account = BrandAccount.objects.create(
            platform="internal", handle="bench-sales", display_name="Sales news", department=sales
        )
        authz.grant_to_group("draft_on", sales.group, account)
        authz.grant_to_group("review_on", comms.group, account)
        authz.grant_to_group("publish_on", comms.group, account)
        _token, key = ApiToken.objects.create(
            user=reviewer, stamp=selectors.credential_stamp(user=reviewer)
        )
        self.cast = {
            "sales": sales,
            "author": author,
            "reviewer": reviewer,
            "account": account,
        }
        self.client = Client(SERVER_NAME="localhost")
        self.client.force_login(reviewer)
        self.api_client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Token {key}")

    def seed(self, n: int, day: str) -> dict[str, Any]:
        from django.db import connection
        from django.utils import timezone

        from activity.models import AuditEvent
        from approvals.models import Decision, Post, Revision

        if not self.cast:
            self._cast()
        self.day = day
        more = n - self.seeded
        if more <= 0:
            return {"n": self.seeded}
        author, reviewer = self.cast["author"], self.cast["reviewer"]
        account, sales = self.cast["account"], self.cast["sales"]
        now = timezone.now()
        start = timezone.make_aware(
            datetime.combine(date.fromisoformat(day), datetime.min.time()).replace(hour=10)
        )
        for state in ("in_review", "scheduled"):
            numbers = range(self.seeded, n)
            posts = Post.objects.bulk_create(
                Post(
                    brand_account=account,
                    department=sales,
                    author=author,
                    state=state,
                    submitted_at=now - timedelta(minutes=n - i),
                    first_submitted_at=now - timedelta(minutes=n - i),
                    approved_at=now if state == "scheduled" else None,
                    scheduled_at=start + timedelta(seconds=30 * i)
                    if state == "scheduled"
                    else None,
                    scheduled_by=reviewer if state == "scheduled" else None,
                )
                for i in numbers
            )
            revisions = Revision.objects.bulk_create(
                Revision(post=post, number=1, body=f"Bench post {i}.", created_by=author)
                for post, i in zip(posts, numbers, strict=True)
            )
            for post, revision in zip(posts, revisions, strict=True):
                post.current_revision = revision
            Post.objects.bulk_update(posts, ["current_revision"])
            if state == "scheduled":
                Decision.objects.bulk_create(
                    Decision(
                        post=p, revision=r, stage="comms", verdict="approve", reviewer=reviewer
                    )
                    for p, r in zip(posts, revisions, strict=True)
                )
            AuditEvent.objects.bulk_create(
                AuditEvent(
                    actor=author if state == "in_review" else reviewer,
                    action="post.submit" if state == "in_review" else "post.schedule",
                    target_type="approvals.post",
                    target_id=str(post.pk),
                    target_label=f"Post #{post.pk}",
                    department=sales,
                    from_state="draft" if state == "in_review" else "approved",
                    to_state=state,
                    data={"revision": 1},
                )
                for post in posts
            )
        self.seeded = n
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return {"n": self.seeded}

    def _request(self, page: str) -> Any:
        if page == "queue":
            return self.client.get("/review/")
        if page == "scheduled":
            return self.client.get("/posts/?scope=all&state=scheduled")
        if page == "calendar":
            return self.client.get(f"/calendar/?view=month&date={self.day}")
        if page == "api":
            return self.api_client.get("/api/v1/posts/")
        raise ValueError(page)

    def time(self, page: str) -> dict[str, Any]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = self._request(page)
            content = b"".join(response) if getattr(response, "streaming", False) else None
            spent = time.perf_counter() - started
        body = content if content is not None else response.content
        return {
            "ms": spent * 1000,
            "queries": len(captured.captured_queries),
            "status": response.status_code,
            "bytes": len(body),
            "shown": body.count(b"Bench post "),
        }


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "socialhub.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def serve(side: Any, answers: Any) -> None:
    """Answer the commands on stdin, one JSON line each, until quit or end of input."""
    answers.write(json.dumps({"ready": True}) + "\n")
    answers.flush()
    for line in sys.stdin:
        message = json.loads(line)
        try:
            if message["cmd"] == "quit":
                break
            if message["cmd"] == "seed":
                reply = side.seed(int(message["n"]), message["day"])
            elif message["cmd"] == "time":
                reply = side.time(message["page"])
            else:
                reply = {"error": f"unknown command {message['cmd']!r}"}
        except Exception as exc:
            import traceback

            traceback.print_exc()
            reply = {"error": repr(exc)}
        answers.write(json.dumps(reply) + "\n")
        answers.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    # The answers go to the real stdout; anything else printed (warnings, e-mail) to stderr.
    answers = sys.stdout
    sys.stdout = sys.stderr
    try:
        _setup(args.database_url)
    except Exception as exc:
        answers.write(json.dumps({"error": f"setup failed: {exc!r}"}) + "\n")
        answers.flush()
        return 1
    serve(Side(), answers)
    from django.db import connections

    connections.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
