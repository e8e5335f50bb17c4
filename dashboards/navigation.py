"""The navigation bar: each person sees the entries their roles allow.

Apps add entries to NAV_ITEMS; a predicate decides per person, using authz only. Entries people
open every day stay on the bar; the others (more=True) go under a "More" menu, so that the bar
of a person with every role still fits on one line at 1280 px.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from accounts import authz
from approvals.permissions import has_review_queue
from dashboards.governance.permissions import can_export_evidence, can_verify_audit_chain
from inbox.permissions import can_use_inbox
from listening.permissions import can_use_listening


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    shown_to: Callable[[Any], bool]
    more: bool = False


def _everyone(user: Any) -> bool:
    return True


NAV_ITEMS: list[NavItem] = [
    NavItem("Home", "home", _everyone),
    NavItem("Posts", "post_list", _everyone),
    NavItem(
        "Review queue",
        "review_queue",
        has_review_queue,
    ),
    NavItem("Inbox", "inbox:list", can_use_inbox),
    NavItem("Calendar", "content_calendar", _everyone),
    NavItem("Training", "training_home", _everyone),
    NavItem("Certifications", "certification_matrix", lambda u: authz.sees_all_departments(u)),
    NavItem("Activity", "reports_home", lambda u: authz.may_open_activity_reports(u)),
    NavItem("Internal feed", "internal_feed", _everyone, more=True),
    NavItem("Listening", "listening:list", can_use_listening, more=True),
    NavItem("Departments", "department_list", _everyone, more=True),
    NavItem("Brand accounts", "brandaccount_list", _everyone, more=True),
    NavItem(
        "Crisis pause",
        "crisis_pause_list",
        lambda u: authz.is_reviewer(u) or authz.is_org_admin(u),
        more=True,
    ),
    # Everyone: the windows that can refuse their posts are theirs to know about.
    NavItem("Quiet periods", "quiet_period_list", _everyone, more=True),
    NavItem("My feedback", "my_feedback", _everyone, more=True),
    NavItem(
        "Review reasons",
        "review_reason_summary",
        lambda u: authz.sees_all_departments(u) or authz.manages_a_department(u),
        more=True,
    ),
    NavItem("Approval rules", "approval_rule_list", lambda u: authz.is_org_admin(u), more=True),
    NavItem("Helpdesk", "inbox:helpdesk", lambda u: authz.is_org_admin(u), more=True),
    NavItem("People", "people", lambda u: authz.is_org_admin(u), more=True),
    NavItem("Evidence export", "evidence_export", can_export_evidence, more=True),
    NavItem("Audit chain", "audit_chain", can_verify_audit_chain, more=True),
    NavItem("Admin", "admin:index", lambda u: u.is_staff, more=True),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": [], "nav_more": []}
    bar: list[dict[str, Any]] = []
    more: list[dict[str, Any]] = []
    for item in NAV_ITEMS:
        if not item.shown_to(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # the page belongs to a part not installed yet
            continue
        entry = {"label": item.label, "url": url, "active": request.path == url}
        (more if item.more else bar).append(entry)
    return {
        "nav_items": bar,
        "nav_more": more,
        "nav_more_active": any(entry["active"] for entry in more),
        "org_roles": authz.org_roles(user),
    }
