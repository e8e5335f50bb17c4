"""A database of the old layout (audit trail, notifications, publish attempts and the internal
feed all in the approvals app) upgrades in place: every row keeps its values, and a notification
on a post keeps that post as its target."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The last migration of the old layout, and the apps that did not exist then.
OLD_LAYOUT = [
    ("approvals", "0007_notification_connection"),
    ("activity", None),
    ("publishing", None),
]
WHEN = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _migrate(targets: list[tuple[str, str | None]] | None = None) -> Any:
    """Migrate to targets (None: every app's latest); the model state there, as apps."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()
    return executor.loader.project_state(list(executor.loader.applied_migrations)).apps


def _old_rows(apps: Any) -> dict[str, Any]:
    Group = apps.get_model("auth", "Group")
    Department = apps.get_model("accounts", "Department")
    User = apps.get_model("accounts", "User")
    BrandAccount = apps.get_model("channels_app", "BrandAccount")
    Post = apps.get_model("approvals", "Post")
    department = Department.objects.create(
        slug="sales", name="Sales", group=Group.objects.create(name="Department: Sales")
    )
    user = User.objects.create(email="sam@example.test", full_name="Sam Sales", password="!")
    account = BrandAccount.objects.create(
        platform="internal", handle="sales", display_name="Sales news", department=department
    )
    post = Post.objects.create(brand_account=account, department=department, author=user)
    event = apps.get_model("approvals", "AuditEvent").objects.create(
        actor=user,
        action="post.submit",
        target_type="approvals.post",
        target_id=str(post.pk),
        target_label=f"Post #{post.pk}",
        department=department,
        from_state="draft",
        to_state="in_review",
        note="For the fair",
        data={"revision": 1},
    )
    Notification = apps.get_model("approvals", "Notification")
    on_post = Notification.objects.create(
        recipient=user, kind="decision", post=post, message="Approved", url=f"/posts/{post.pk}/"
    )
    on_nothing = Notification.objects.create(
        recipient=user, kind="connection", message="Reconnect", url="/brand-accounts/1/"
    )
    attempt = apps.get_model("approvals", "PublishAttempt").objects.create(
        post=post,
        number=1,
        kind="send",
        started_at=WHEN,
        lease_expires_at=WHEN,
        finished_at=WHEN,
        outcome="published",
        message="Accepted",
        external_id="17",
        external_url="https://example.test/feed/entries/17/",
        retry_after=2.5,
        worker="host pid 1",
    )
    entry = apps.get_model("approvals", "FeedEntry").objects.create(
        brand_account=account,
        department=department,
        org_wide=True,
        text="Open day",
        idempotency_key="socialhub-abc",
        published_at=WHEN,
    )
    image = apps.get_model("approvals", "FeedImage").objects.create(
        entry=entry,
        file="feed/1/0-abc.png",
        alt_text="Our stand",
        order=0,
        width=640,
        height=480,
        content_type="image/png",
        checksum="abc",
    )
    return {
        "user": user.pk,
        "post": post.pk,
        "account": account.pk,
        "department": department.pk,
        "event": event.pk,
        "on_post": on_post.pk,
        "on_nothing": on_nothing.pk,
        "attempt": attempt.pk,
        "entry": entry.pk,
        "image": image.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_every_row_survives_the_move_to_activity_and_publishing() -> None:
    try:
        old = _migrate(OLD_LAYOUT)
        ContentType = old.get_model("contenttypes", "ContentType")
        old_type = ContentType.objects.get_or_create(app_label="approvals", model="auditevent")[0]
        ids = _old_rows(old)

        new = _migrate()

        event = new.get_model("activity", "AuditEvent").objects.get(pk=ids["event"])
        assert (event.actor_id, event.department_id, event.action) == (
            ids["user"],
            ids["department"],
            "post.submit",
        )
        assert (event.target_type, event.target_id, event.target_label) == (
            "approvals.post",
            str(ids["post"]),
            f"Post #{ids['post']}",
        )
        assert (event.from_state, event.to_state, event.note, event.data) == (
            "draft",
            "in_review",
            "For the fair",
            {"revision": 1},
        )

        Notification = new.get_model("activity", "Notification")
        on_post = Notification.objects.get(pk=ids["on_post"])
        assert (on_post.recipient_id, on_post.kind, on_post.message, on_post.url) == (
            ids["user"],
            "decision",
            "Approved",
            f"/posts/{ids['post']}/",
        )
        assert (on_post.target_type, on_post.target_id) == ("approvals.post", str(ids["post"]))
        on_nothing = Notification.objects.get(pk=ids["on_nothing"])
        assert (on_nothing.kind, on_nothing.target_type, on_nothing.target_id) == (
            "connection",
            "",
            "",
        )

        attempt = new.get_model("publishing", "PublishAttempt").objects.get(pk=ids["attempt"])
        assert (attempt.post_id, attempt.number, attempt.kind, attempt.outcome) == (
            ids["post"],
            1,
            "send",
            "published",
        )
        assert (attempt.started_at, attempt.finished_at, attempt.retry_after) == (WHEN, WHEN, 2.5)
        assert (attempt.external_id, attempt.message, attempt.worker) == (
            "17",
            "Accepted",
            "host pid 1",
        )

        entry = new.get_model("publishing", "FeedEntry").objects.get(pk=ids["entry"])
        assert (entry.brand_account_id, entry.department_id, entry.org_wide) == (
            ids["account"],
            ids["department"],
            True,
        )
        assert (entry.text, entry.idempotency_key, entry.published_at) == (
            "Open day",
            "socialhub-abc",
            WHEN,
        )
        (image,) = entry.images.all()
        assert (image.pk, image.file.name, image.alt_text, image.order) == (
            ids["image"],
            "feed/1/0-abc.png",
            "Our stand",
            0,
        )
        assert (image.width, image.height, image.content_type, image.checksum) == (
            640,
            480,
            "image/png",
            "abc",
        )

        # The moved model keeps its content type (and so the permissions that point at it).
        moved_type = new.get_model("contenttypes", "ContentType").objects.get(pk=old_type.pk)
        assert (moved_type.app_label, moved_type.model) == ("activity", "auditevent")
    finally:
        _migrate()  # the next tests expect the current schema
