"""The stream page's volume chart: plain SVG, no JavaScript and no charting library, drawn the
way the activity reports draw theirs (an image with a title and a description, each bar with
its own <title>); the page shows the same numbers in a table."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

BAR = "#0072b2"
INK = "#1b1f24"
MUTED = "#4a5560"
GRID = "#cfd6dd"


def _nice_max(value: int) -> int:
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def volume_bars(
    *, chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, str, int]]
) -> SafeString:
    """One bar per row: (short label under the bar, full label for the tooltip, count)."""
    left, top, plot_h, bottom, bar_w = 40, 12, 160, 36, 18
    width = max(left + len(rows) * bar_w + 20, 400)
    height = top + plot_h + bottom
    peak = _nice_max(max([count for _s, _l, count in rows] + [1]))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="report-chart" '
        f'id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for fraction in (0, 0.5, 1):
        gy = top + plot_h - plot_h * fraction
        parts.append(
            f'<line x1="{left}" y1="{gy}" x2="{width - 10}" y2="{gy}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{gy + 4}" font-size="11" text-anchor="end" '
            f'fill="{MUTED}">{round(peak * fraction)}</text>'
        )
    for index, (short, label, count) in enumerate(rows):
        bx = left + 4 + index * bar_w
        bar_h = plot_h * count / peak
        parts.append(
            f'<rect x="{bx}" y="{top + plot_h - bar_h:.1f}" width="{bar_w - 4}" '
            f'height="{bar_h:.1f}" fill="{BAR}"><title>{escape(label)}: {count}</title></rect>'
        )
        if short:
            parts.append(
                f'<text x="{bx + (bar_w - 4) / 2}" y="{top + plot_h + 16}" font-size="10" '
                f'text-anchor="middle" fill="{INK}">{escape(short)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node above is escaped
