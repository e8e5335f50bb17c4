"""Draft retention (docs/governance.md, "Retention"): drafts never sent for review and left
untouched for SOCIALHUB_DRAFT_RETENTION_DAYS are removed with their revisions, comments and
images. Run daily by beat (approvals.purge_old_drafts); 0 (the default) keeps every draft.

Only posts that never entered review go: never submitted (`first_submitted_at` empty), in
state draft or withdrawn, without a decision or a publish attempt. Everything that was reviewed
or published stays as evidence. Each run records what it removed as one audit event per
department (`retention.drafts_purged`, with the post ids, their revision counts and the cutoff):
audit events themselves are never removed, so the chain stays whole and verifiable, and the
posts' own earlier events keep naming them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.models import Department
from activity.audit import audit_record
from approvals.models import MediaAttachment, Post, PostState, ReviewComment, Revision

BATCH = 500


def draft_retention_days() -> int:
    return int(settings.SOCIALHUB_DRAFT_RETENTION_DAYS)


def _due(cutoff: datetime) -> QuerySet[Post]:
    """Drafts never submitted nor published, untouched since the cutoff: what retention removes."""
    return (
        Post.objects.filter(
            state__in=(PostState.DRAFT, PostState.WITHDRAWN),
            first_submitted_at__isnull=True,
            published_at__isnull=True,
            updated_at__lt=cutoff,
        )
        .exclude(decisions__isnull=False)
        .exclude(attempts__isnull=False)
    )


def purgeable_drafts(*, now: datetime) -> list[int]:
    """Ids of the drafts past retention, oldest first, at most BATCH (a run takes the next)."""
    days = draft_retention_days()
    if days <= 0:
        return []
    due = _due(now - timedelta(days=days))
    return list(due.order_by("updated_at", "pk").values_list("pk", flat=True)[:BATCH])


def drafts_purge(*, now: datetime | None = None) -> int:
    """Remove one batch of drafts past retention; how many were removed."""
    now = now or timezone.now()
    ids = purgeable_drafts(now=now)
    if not ids:
        return 0
    cutoff = now - timedelta(days=draft_retention_days())
    with transaction.atomic():
        # Locked and read again: a draft edited or submitted meanwhile is no longer due.
        ids = list(
            _due(cutoff)
            .select_for_update(of=("self",))
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        posts = list(
            Post.objects.filter(pk__in=ids)
            .annotate(revision_count=Count("revisions"))
            .order_by("pk")
        )
        files = set(
            MediaAttachment.objects.filter(post_id__in=ids).values_list("file", "thumbnail")
        )
        Post.objects.filter(pk__in=ids).update(current_revision=None)
        ReviewComment.objects.filter(post_id__in=ids).update(parent=None)
        ReviewComment.objects.filter(post_id__in=ids).delete()
        MediaAttachment.objects.filter(post_id__in=ids).delete()
        Revision.objects.filter(post_id__in=ids).delete()
        Post.objects.filter(pk__in=ids).delete()
        by_department: dict[int, list[Post]] = defaultdict(list)
        for post in posts:
            by_department[post.department_id].append(post)
        departments = Department.objects.in_bulk(list(by_department))
        for department_id, removed in sorted(by_department.items()):
            audit_record(
                actor=None,
                action="retention.drafts_purged",
                target=departments[department_id],
                department=departments[department_id],
                note=f"{len(removed)} drafts untouched since before {cutoff:%Y-%m-%d} removed.",
                data={
                    "retention_days": draft_retention_days(),
                    "cutoff": cutoff.isoformat(),
                    "posts": [
                        {
                            "id": post.pk,
                            "author_id": post.author_id,
                            "brand_account_id": post.brand_account_id,
                            "state": post.state,
                            "created_at": post.created_at.isoformat(),
                            "updated_at": post.updated_at.isoformat(),
                            "revisions": post.revision_count,  # type: ignore[attr-defined]
                        }
                        for post in removed
                    ],
                },
            )
        transaction.on_commit(lambda: _forget_files(files))
    return len(ids)


def _forget_files(pairs: set[tuple[str, str]]) -> None:
    """Remove stored images no remaining attachment uses (a file may serve several posts)."""
    from django.core.files.storage import default_storage

    names = {name for pair in pairs for name in pair if name}
    used = set(MediaAttachment.objects.filter(file__in=names).values_list("file", flat=True))
    used |= set(
        MediaAttachment.objects.filter(thumbnail__in=names).values_list("thumbnail", flat=True)
    )
    for name in sorted(names - used):
        default_storage.delete(name)
