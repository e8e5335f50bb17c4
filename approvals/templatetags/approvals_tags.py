"""Presentation helpers for the workflow's pages. Every piece of a body is escaped here before
any markup is added around it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from approvals.guidance import Finding, GuidanceResult, Rule, marked_segments
from approvals.models import PostState
from approvals.selectors import SLA_LATE, SLA_WARN

register = template.Library()

_STATE_CLASSES: dict[str, str] = {
    PostState.APPROVED: "ok",
    PostState.SCHEDULED: "ok",
    PostState.PUBLISHED: "ok",
    PostState.IN_REVIEW: "warn",
    PostState.CHANGES_REQUESTED: "warn",
    PostState.PUBLISHING: "warn",
    PostState.UNCONFIRMED: "warn",
    PostState.FAILED: "bad",
    PostState.REJECTED: "bad",
}


_RICH = re.compile(r"(https?://[^\s<>\"]+)|((?<![\w/&#])#\w+)|((?<![\w/])@[\w.]+(?:@[\w.-]+)?)")


@register.filter
def state_class(state: str) -> str:
    return _STATE_CLASSES.get(state, "")


_ATTEMPT_CLASSES = {
    "published": "ok",
    "found": "ok",
    "not_found": "warn",
    "retry": "warn",
    "unknown": "warn",
    "interrupted": "warn",
    "failed": "bad",
}


@register.filter
def attempt_class(outcome: str) -> str:
    return _ATTEMPT_CLASSES.get(outcome, "")


@register.filter
def age_class(moment: datetime | None) -> str:
    if moment is None:
        return ""
    waited = timezone.now() - moment
    if waited >= SLA_LATE:
        return "bad"
    if waited >= SLA_WARN:
        return "warn"
    return "ok"


@register.simple_tag
def marked_body(body: str, findings: Any) -> SafeString:
    """The body with each finding's span in a <mark> that explains it (text unchanged)."""
    parts = []
    for text, finding in marked_segments(body, findings or ()):
        if finding is None:
            parts.append(escape(text))
        else:
            parts.append(
                format_html(
                    '<mark class="finding {}" title="{}">{}</mark>',
                    finding.severity,
                    finding.message,
                    text,
                )
            )
    return mark_safe("".join(parts))  # noqa: S308 - every piece was escaped above


def _rich(text: str) -> str:
    """Links, hashtags and mentions styled as the platform shows them; the rest escaped."""
    out = []
    position = 0
    for match in _RICH.finditer(text):
        out.append(escape(text[position : match.start()]))
        token = match.group(0)
        if match.group(1):
            out.append(format_html('<span class="link">{}</span>', token))
        elif match.group(2):
            out.append(format_html('<span class="tag">{}</span>', token))
        else:
            out.append(format_html('<span class="mention">{}</span>', token))
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)


@register.simple_tag
def preview_body(result: GuidanceResult) -> SafeString:
    """The post as the platform would show it; text past the limit is marked as cut off."""
    body = result.body
    cut = len(body)
    for finding in result.findings:
        if finding.rule == Rule.LENGTH:
            cut = finding.start
    html = _rich(body[:cut])
    if cut < len(body):
        html += format_html(
            '<span class="overflow" title="Past the platform\'s limit">{}</span>', body[cut:]
        )
    return mark_safe(html)  # noqa: S308 - _rich and format_html escape every piece


@register.filter
def finding_text(finding: Finding, body: str) -> str:
    return body[finding.start : finding.end]


_EVENT_LABELS: dict[str, str] = {
    "post.created": "created the post",
    "post.submit": "submitted it for review",
    "post.approve": "approved it",
    "post.approve_stage": "approved one stage",
    "post.request_changes": "requested changes",
    "post.reject": "rejected it",
    "post.revise": "saved a new revision",
    "post.schedule": "scheduled it",
    "post.unschedule": "unscheduled it",
    "post.publish_now": "handed it over for publishing",
    "post.release": "released it for publishing at its scheduled time",
    "post.hold_for_crisis": "held it back: its time came during a crisis pause",
    "post.hold_for_quiet_period": "held it back: its time came during a quiet period",
    "post.quiet_period_held": "found its scheduled time inside a new quiet period",
    "post.quiet_period_exception_granted": "let it be published during a quiet period",
    "post.quiet_period_exception_revoked": "withdrew its quiet-period exception",
    "post.hold_for_connection": "held it back: its account was not connected when its time came",
    "post.expire": "sent it back to the author: the approval expired",
    "post.mark_published": "recorded it as published",
    "post.mark_failed": "recorded that publishing failed",
    "post.mark_unconfirmed": "could not confirm that it was published",
    "post.resend": "found it missing on the platform and sends it again",
    "post.publish_retry_scheduled": "met a temporary error and tries again later",
    "post.retry": "retried publishing",
    "post.withdraw": "withdrew it",
    "post.copied_to_draft": "copied it into a new draft",
    "post.commented": "commented",
    "post.comment_resolved": "resolved a comment",
    "post.comment_reopened": "reopened a comment",
}


@register.filter
def event_label(action: str) -> str:
    return _EVENT_LABELS.get(action, action)


@register.filter
def state_label(state: str) -> str:
    return PostState(state).label if state in PostState.values else state
