"""BrightBean Studio's side of `bench.compare`: run by BrightBean's own Python, never imported.

    /path/to/brightbean-studio/.venv/bin/python bench/brightbean_side.py \\
        --brightbean /path/to/brightbean-studio --database-url sqlite:////tmp/bb.sqlite3

Sets up BrightBean's Django (its development settings, the database given, no other service),
migrates, and then answers `bench.compare` one JSON line per command on stdin:

- {"cmd": "seed", "n": 100, "day": "2026-12-07"}: one organisation and workspace (internal
  approval required), an owner who reviews, a contributor who writes, one connected
  LinkedIn account and an Agent API key; then, up to n of each, posts waiting for review
  (a pending_review platform post and its "submitted" approval action) and posts scheduled on
  `day` from 10:00 UTC, 30 s apart (an "approved" action each).
- {"cmd": "time", "page": "queue"}: one timed request of a page (queue, calendar, scheduled,
  api) with the Django test client: {"ms": ..., "queries": ..., "status": 200, "bytes": ...}.
- {"cmd": "quit"}.

Only the standard library and BrightBean's own packages are used, so this file runs in
BrightBean's virtualenv. Nothing of BrightBean is copied into SocialHub.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

PAGES = ("queue", "calendar", "scheduled", "api")


class Side:
    def __init__(self) -> None:
        self.seeded = 0
        self.cast: dict[str, Any] = {}
        self.day = ""
        self.client: Any = None
        self.api_client: Any = None

    # --- Seeding ---------------------------------------------------------------------------------

    def _cast(self) -> None:
        from apps.accounts.models import User
        from apps.api_keys import services as key_services
        from apps.members.models import PERMISSION_KEYS, OrgMembership, WorkspaceMembership
        from apps.social_accounts.models import SocialAccount
        from apps.workspaces.models import Workspace
        from django.test import Client
        from django.utils import timezone

        now = timezone.now()
        reviewer = User.objects.create_user(
            email="manager@bench.test", name="Manager", tos_accepted_at=now
        )
        author = User.objects.create_user(
            email="author@bench.test", name="Author", tos_accepted_at=now
        )
        # Signing up makes each person an organisation of their own: the manager owns theirs.
        membership = reviewer.org_memberships.first()
        if membership is None:
            from apps.organizations.models import Organization

            organization = Organization.objects.create(name="Bench")
            membership = OrgMembership.objects.create(user=reviewer, organization=organization)
        membership.org_role = OrgMembership.OrgRole.OWNER
        membership.save(update_fields=["org_role"])
        organization = membership.organization
        OrgMembership.objects.get_or_create(user=author, organization=organization)
        workspace = Workspace.objects.create(
            organization=organization,
            name="Bench",
            timezone="UTC",
            approval_workflow_mode=Workspace.ApprovalWorkflowMode.REQUIRED_INTERNAL,
        )
        WorkspaceMembership.objects.create(
            user=reviewer, workspace=workspace, workspace_role="owner"
        )
        WorkspaceMembership.objects.create(
            user=author, workspace=workspace, workspace_role="contributor"
        )
        account = SocialAccount.objects.create(
            workspace=workspace,
            platform="linkedin_personal",
            account_platform_id="li-bench",
            account_name="Bench news",
            connection_status=SocialAccount.ConnectionStatus.CONNECTED,
        )
        issued = key_services.issue_api_key(
            workspace=workspace,
            social_accounts=[account],
            issued_by=reviewer,
            name="bench",
            permissions=list(PERMISSION_KEYS),
        )
        key = issued.api_key if hasattr(issued, "api_key") else issued
        # The benchmark is not about the per-key rate limit: lift it (the workspace's stays).
        type(key).objects.filter(pk=key.pk).update(
            rate_override_reads=1_000_000, rate_override_writes=1_000_000
        )
        self.cast = {
            "reviewer": reviewer,
            "author": author,
            "workspace": workspace,
            "account": account,
        }
        self.client = Client(SERVER_NAME="localhost")
        self.client.force_login(reviewer)
        self.api_client = Client(
            SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {issued.plaintext_token}"
        )

    def seed(self, n: int, day: str) -> dict[str, Any]:
        from apps.approvals.models import ApprovalAction
        from apps.composer.models import PlatformPost, Post

        if not self.cast:
            self._cast()
        self.day = day
        more = n - self.seeded
        if more <= 0:
            return {"n": self.seeded}
        ws, author, reviewer = self.cast["workspace"], self.cast["author"], self.cast["reviewer"]
        account = self.cast["account"]
        start = datetime.combine(date.fromisoformat(day), datetime.min.time()).replace(
            hour=10, tzinfo=UTC
        )
        for kind in ("pending_review", "scheduled"):
            posts = Post.objects.bulk_create(
                Post(
                    workspace=ws,
                    author=author,
                    caption=f"Bench post {self.seeded + i}.",
                    scheduled_at=(
                        start + timedelta(seconds=30 * (self.seeded + i))
                        if kind == "scheduled"
                        else None
                    ),
                )
                for i in range(more)
            )
            children = PlatformPost.objects.bulk_create(
                PlatformPost(
                    post=post,
                    social_account=account,
                    status=kind,
                    scheduled_at=post.scheduled_at,
                )
                for post in posts
            )
            ApprovalAction.objects.bulk_create(
                ApprovalAction(
                    post=post,
                    platform_post=child,
                    user=author if kind == "pending_review" else reviewer,
                    action="submitted" if kind == "pending_review" else "approved",
                )
                for post, child in zip(posts, children, strict=True)
            )
        self.seeded = n
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return {"n": self.seeded}

    # --- Timing ----------------------------------------------------------------------------------

    def _request(self, page: str) -> Any:
        ws = self.cast["workspace"].id
        if page == "queue":
            return self.client.get(f"/workspace/{ws}/calendar/?mode=list&tab=approvals")
        if page == "scheduled":
            return self.client.get(f"/workspace/{ws}/calendar/?mode=list&tab=queue")
        if page == "calendar":
            return self.client.get(
                f"/workspace/{ws}/calendar/?mode=calendar&view=month&date={self.day}"
            )
        if page == "api":
            # The Agent API has no REST list of posts (GET /api/v1/posts/{id} only); its list is
            # the MCP tool list_posts, 50 a page by default, as SocialHub's REST page.
            body = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {"name": "list_posts", "arguments": {"limit": 50}},
            }
            return self.api_client.post(
                "/api/v1/mcp/", json.dumps(body), content_type="application/json", secure=True
            )
        raise ValueError(page)

    def time(self, page: str) -> dict[str, Any]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = self._request(page)
            content = b"".join(response) if getattr(response, "streaming", False) else None
            spent = time.perf_counter() - started
        size = len(content) if content is not None else len(response.content)
        if page == "api" and response.status_code == 200 and b'"error"' in response.content[:200]:
            return {"status": 500, "error": response.content[:300].decode(errors="replace")}
        return {
            "ms": spent * 1000,
            "queries": len(captured.captured_queries),
            "status": response.status_code,
            "bytes": size,
            "shown": (content if content is not None else response.content).count(b"Bench post "),
        }


def _setup(brightbean: str, database_url: str) -> None:
    os.chdir(brightbean)
    sys.path.insert(0, brightbean)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("ENCRYPTION_KEY_SALT", "bench-only-salt")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.development"
    import django

    django.setup()
    from django.conf import settings

    # Nothing is sent while seeding (invitations, notifications): e-mail stays in memory.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--brightbean", required=True, help="a BrightBean Studio checkout")
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    # The answers go to the real stdout; anything else printed (warnings, e-mail) to stderr.
    answers = sys.stdout
    sys.stdout = sys.stderr
    try:
        _setup(args.brightbean, args.database_url)
    except Exception as exc:
        answers.write(json.dumps({"error": f"setup failed: {exc!r}"}) + "\n")
        answers.flush()
        return 1
    side = Side()
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
    from django.db import connections

    connections.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
