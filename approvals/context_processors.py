"""What every page needs from the workflow: the crisis pauses that hold (for the banner) and
the person's unread notifications count (for the header). One query each, signed-in only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from activity import selectors as activity_selectors
from approvals import selectors


def workflow(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        # Lazy: a page that shows neither pays for neither query.
        "crisis_pauses": SimpleLazyObject(selectors.active_crisis_pauses),
        "unread_notifications": SimpleLazyObject(
            lambda: activity_selectors.unread_notification_count(user=user)
        ),
    }
