"""The certification report as CSV (streamed in constant memory) and the coverage chart as a
server-rendered SVG (no JavaScript toolchain)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from training.models import Course, Policy
from training.selectors import DepartmentCoverage, certification_lines


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    """Neutralise spreadsheet formulas: a name like '=HYPERLINK(...)' stays text in Excel."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _iso(value: datetime | None) -> str:
    return value.isoformat().replace("+00:00", "Z") if value else ""


def csv_header(courses: list[Course], policy: Policy | None) -> list[str]:
    header = ["email", "full_name", "departments"]
    if policy is not None:
        header.append(f"policy v{policy.version} acknowledged")
    for course in courses:
        header += [f"{course.title}: status", f"{course.title}: expires (UTC)"]
    return [_cell(h) for h in header]


def certification_csv(
    *, people: QuerySet[User], courses: list[Course], now: datetime, policy: Policy | None
) -> Iterator[str]:
    """Yield the report line by line from one streamed query (certification_lines): the
    database decides every status, Python only formats."""
    writer = csv.writer(_Echo())
    yield writer.writerow(csv_header(courses, policy))
    for row in certification_lines(people=people, courses=courses, now=now, policy=policy):
        line = [_cell(row.email), _cell(row.full_name), _cell("; ".join(row.departments))]
        if policy is not None:
            line.append("yes" if row.policy_acknowledged else "no")
        for status, expires_at in row.cells:
            line += [status, _iso(expires_at)]
        yield writer.writerow(line)


# --- The coverage chart ------------------------------------------------------------------------

SERIES = (
    ("completion", "Certificates held", "#0b5cad"),
    ("fully_certified", "People fully certified", "#1a7f37"),
    ("policy_acknowledged", "Policy acknowledged", "#8a5a00"),
)


def coverage_svg(rows: list[DepartmentCoverage]) -> SafeString:
    """Horizontal grouped bars, one group per department, 0-100 %. Text in the SVG is escaped;
    the page also shows the same numbers as a table for screen readers."""
    label_width, bar_area, bar_height, gap = 150, 360, 12, 14
    group_height = len(SERIES) * bar_height + gap
    legend_height = 28
    height = legend_height + max(1, len(rows)) * group_height + 24
    legend_width = label_width + sum(16 + len(label) * 7 + 18 for _k, label, _c in SERIES)
    width = max(label_width + bar_area + 60, legend_width)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="coverage-title coverage-desc" '
        f'class="coverage-chart">',
        '<title id="coverage-title">Certification coverage by department</title>',
        '<desc id="coverage-desc">For each department: share of certificates held, of people '
        "fully certified and of people who acknowledged the current policy.</desc>",
    ]
    x = label_width
    for key, label, colour in SERIES:
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + 16}" y="16" font-size="12" fill="#1b1f24">{escape(label)}</text>'
        )
        x += 16 + len(label) * 7 + 18
        del key
    y = legend_height
    for row in rows:
        name = escape(row.department.name)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + group_height / 2}" font-size="13" '
            f'text-anchor="end" fill="#1b1f24">{name}</text>'
        )
        for index, (key, label, colour) in enumerate(SERIES):
            value = int(getattr(row, key))
            bar_y = y + index * bar_height
            bar_w = bar_area * value / 100
            parts.append(
                f'<rect x="{label_width}" y="{bar_y}" width="{bar_area}" height="{bar_height - 2}" '
                f'fill="#eef1f4"/>'
            )
            parts.append(
                f'<rect x="{label_width}" y="{bar_y}" width="{bar_w:.1f}" '
                f'height="{bar_height - 2}" fill="{colour}"><title>{name}: {escape(label)} '
                f"{value} %</title></rect>"
            )
            parts.append(
                f'<text x="{label_width + bar_area + 6}" y="{bar_y + bar_height - 3}" '
                f'font-size="11" fill="#1b1f24">{value} %</text>'
            )
        y += group_height
    if not rows:
        parts.append(
            f'<text x="{label_width}" y="{legend_height + 16}" font-size="13" fill="#4a5560">'
            "No departments to show.</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node above is escaped
