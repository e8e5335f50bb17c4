"""Formatting of report figures in templates: durations and shares."""

from __future__ import annotations

from django import template

from dashboards.reports.exports import duration_text, percent_text

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    return duration_text(seconds)


@register.filter
def percent(share: float | None) -> str:
    return percent_text(share)
