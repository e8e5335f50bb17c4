"""Access to the internal feed's entries and their images.

An entry is readable by the people who read a feed that shows it (the organisation feed; their
departments' feeds) and by those who work on the account that published it (the reviewers and
publishers who sent it follow the post's link). Anybody else gets NotFound (404), the same
answer as for a missing id.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accounts import authz
from accounts.models import Department
from approvals import permissions as post_permissions
from publishing import selectors
from publishing.models import FeedEntry, FeedImage


def access_feed_entry(user: Any, pk: Any) -> FeedEntry:
    if not user.is_authenticated:
        return authz.get_visible_or_404(FeedEntry.objects.none(), pk=pk)
    readable = Department.objects.visible_to(user).values("pk")
    worked_on = post_permissions.accounts_with(
        user,
        [post_permissions.DRAFT_ON, post_permissions.REVIEW_ON, post_permissions.PUBLISH_ON],
    ).values("pk")
    return authz.get_visible_or_404(
        selectors.feed_entries().filter(
            Q(org_wide=True) | Q(department_id__in=readable) | Q(brand_account_id__in=worked_on)
        ),
        pk=pk,
    )


def access_feed_image(user: Any, pk: Any, *, entry: FeedEntry) -> FeedImage:
    """One image of an entry found with access_feed_entry; another entry's image answers 404."""
    return authz.get_visible_or_404(FeedImage.objects.all(), pk=pk, entry=entry)
