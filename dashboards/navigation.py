"""The navigation bar: each person sees the entries their roles allow.

Apps add entries to NAV_ITEMS; a predicate decides per person, using authz only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from accounts import authz
from inbox.permissions import can_use_inbox


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    shown_to: Callable[[Any], bool]


def _everyone(user: Any) -> bool:
    return True


NAV_ITEMS: list[NavItem] = [
    NavItem("Home", "home", _everyone),
    NavItem("Departments", "department_list", _everyone),
    NavItem("Brand accounts", "brandaccount_list", _everyone),
    NavItem("Posts", "post_list", _everyone),
    NavItem("Review queue", "review_queue", lambda u: authz.is_reviewer(u)),
    NavItem("Inbox", "inbox:list", can_use_inbox),
    NavItem("Helpdesk", "inbox:helpdesk", lambda u: authz.is_org_admin(u)),
    NavItem("Calendar", "content_calendar", _everyone),
    NavItem("Internal feed", "internal_feed", _everyone),
    NavItem(
        "Crisis pause", "crisis_pause_list", lambda u: authz.is_reviewer(u) or authz.is_org_admin(u)
    ),
    NavItem("Training", "training_home", _everyone),
    NavItem("Certifications", "certification_matrix", lambda u: authz.sees_all_departments(u)),
    NavItem("Activity", "reports_home", lambda u: authz.may_open_activity_reports(u)),
    NavItem("People", "people", lambda u: authz.is_org_admin(u)),
    NavItem("Admin", "admin:index", lambda u: u.is_staff),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for item in NAV_ITEMS:
        if not item.shown_to(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # the page belongs to a part not installed yet
            continue
        items.append({"label": item.label, "url": url, "active": request.path == url})
    return {"nav_items": items, "org_roles": authz.org_roles(user)}
