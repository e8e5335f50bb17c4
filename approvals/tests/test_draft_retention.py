"""Draft retention: drafts never sent for review and untouched for
SOCIALHUB_DRAFT_RETENTION_DAYS are removed by a daily task, which audits what it removed and
leaves the audit chain verifiable."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import User
from activity.chain import chain_verify
from activity.models import AuditEvent
from approvals import services, tasks
from approvals.models import MediaAttachment, Post, ReviewComment, Revision
from approvals.services import retention
from approvals.tests.factories import make_post, submitted_post
from channels_app.models import BrandAccount

pytestmark = pytest.mark.django_db


def _age(post: Post, days: int) -> Post:
    Post.objects.filter(pk=post.pk).update(updated_at=timezone.now() - timedelta(days=days))
    return Post.objects.get(pk=post.pk)


def test_off_by_default_nothing_is_removed(sme: User, account: BrandAccount) -> None:
    assert django_settings.SOCIALHUB_DRAFT_RETENTION_DAYS == 0
    old = _age(make_post(sme, account), 4000)
    assert tasks.purge_old_drafts() == 0
    assert Post.objects.filter(pk=old.pk).exists()


def test_old_drafts_go_with_their_history_and_the_removal_is_audited(
    settings: Any,
    sme: User,
    comms_reviewer: User,
    account: BrandAccount,
    media_root: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SOCIALHUB_DRAFT_RETENTION_DAYS = 30
    old = make_post(sme, account, "Old idea.")
    old = services.post_revise(post=old, actor=sme, body="Old idea, again.")
    assert old.current_revision is not None
    ReviewComment.objects.create(
        post=old, revision=old.current_revision, author=sme, body="Note to self."
    )
    name = default_storage.save(f"posts/{old.pk}/x.png", ContentFile(b"png"))
    thumb = default_storage.save(f"posts/{old.pk}/x-thumb.png", ContentFile(b"png"))
    MediaAttachment.objects.create(
        post=old,
        revision=old.current_revision,
        file=name,
        thumbnail=thumb,
        order=0,
        width=1,
        height=1,
        bytes=3,
        content_type="image/png",
        checksum="cd" * 32,
        uploaded_by=sme,
    )
    old = _age(old, 31)
    recent = _age(make_post(sme, account, "Fresh idea."), 29)
    reviewed = submitted_post(sme, account)
    reviewed = services.post_withdraw(post=reviewed, actor=sme)
    reviewed = _age(reviewed, 400)
    events_before = AuditEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.purge_old_drafts() == 1

    assert not Post.objects.filter(pk=old.pk).exists()
    assert not Revision.objects.filter(post_id=old.pk).exists()
    assert not default_storage.exists(name)
    assert not default_storage.exists(thumb)
    assert Post.objects.filter(pk__in=(recent.pk, reviewed.pk)).count() == 2
    event = AuditEvent.objects.get(action="retention.drafts_purged")
    assert AuditEvent.objects.count() == events_before + 1
    assert event.department_id == old.department_id
    assert event.data["retention_days"] == 30
    assert [(p["id"], p["revisions"]) for p in event.data["posts"]] == [(old.pk, 2)]
    # The post's own earlier events stay, and the chain still verifies.
    assert AuditEvent.objects.filter(target_id=str(old.pk), action="post.created").exists()
    assert chain_verify().ok
    assert tasks.purge_old_drafts() == 0


def test_a_draft_touched_meanwhile_stays(
    settings: Any, sme: User, account: BrandAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SOCIALHUB_DRAFT_RETENTION_DAYS = 10
    post = _age(make_post(sme, account), 11)
    ids = services.purgeable_drafts(now=timezone.now())
    assert ids == [post.pk]
    services.post_revise(post=post, actor=sme, body="Still working on it.")
    # The purge's first read happened before the edit: only the locked re-read can keep it.
    monkeypatch.setattr(retention, "purgeable_drafts", lambda now: ids)
    assert services.drafts_purge() == 0
    assert Post.objects.filter(pk=post.pk).exists()


def test_the_task_runs_daily() -> None:
    entry = django_settings.CELERY_BEAT_SCHEDULE["approvals-purge-old-drafts"]
    assert entry["task"] == "approvals.purge_old_drafts"
    assert entry["schedule"].hour == {3}
