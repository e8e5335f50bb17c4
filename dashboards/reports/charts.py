"""Server-rendered SVG charts for the activity reports, drawn the way training draws its
coverage chart: plain SVG strings, no JavaScript and no charting library.

Every chart is an image with a title and a description (`role="img"`, `aria-labelledby`), each
bar carries its own `<title>` (a tooltip and a label for assistive technology), and every page
that shows a chart also shows the same numbers in a table. All text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe palette (Okabe-Ito), dark enough for 3:1 contrast on white.
PALETTE = ("#0072b2", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#e69f00", "#000000")
INK = "#1b1f24"
MUTED = "#4a5560"
GRID = "#cfd6dd"


@dataclass(frozen=True)
class Series:
    key: str
    label: str


def _open(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="report-chart" '
        f'id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _nice_max(value: int) -> int:
    """A round axis maximum at or above value (1, 2, 5, 10, 20, 50, ...)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def grouped_bars(
    *,
    chart_id: str,
    title: str,
    desc: str,
    groups: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[int]],
) -> SafeString:
    """Vertical bars: one group per label in groups (e.g. weeks), one bar per series in each.
    values[g][s] is the bar of series s in group g."""
    left, top, plot_h, bottom = 40, 40, 200, 40
    bar_w, gap = 9, 14
    group_w = len(series) * bar_w + gap
    width = max(left + len(groups) * group_w + 20, 560)
    height = top + plot_h + bottom
    peak = _nice_max(max([v for row in values for v in row] + [1]))
    parts = _open(chart_id, width, height, title, desc)
    # Legend, on one or two lines.
    x, y = left, 14
    for index, item in enumerate(series):
        label_w = 18 + len(item.label) * 7 + 14
        if x + label_w > width:
            x, y = left, y + 16
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + 14}" y="{y}" font-size="11" fill="{INK}">{escape(item.label)}</text>'
        )
        x += label_w
    # Axis and grid: 0, half, top.
    for fraction in (0, 0.5, 1):
        gy = top + plot_h - plot_h * fraction
        parts.append(
            f'<line x1="{left}" y1="{gy}" x2="{width - 10}" y2="{gy}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{gy + 4}" font-size="11" text-anchor="end" '
            f'fill="{MUTED}">{round(peak * fraction)}</text>'
        )
    for g_index, (group, row) in enumerate(zip(groups, values, strict=True)):
        gx = left + 8 + g_index * group_w
        for s_index, (item, value) in enumerate(zip(series, row, strict=True)):
            bar_h = plot_h * value / peak
            bx = gx + s_index * bar_w
            colour = PALETTE[s_index % len(PALETTE)]
            parts.append(
                f'<rect x="{bx}" y="{top + plot_h - bar_h:.1f}" width="{bar_w - 1}" '
                f'height="{bar_h:.1f}" fill="{colour}"><title>{escape(group)}: '
                f"{escape(item.label)} {value}</title></rect>"
            )
        parts.append(
            f'<text x="{gx + (group_w - gap) / 2}" y="{top + plot_h + 16}" font-size="11" '
            f'text-anchor="middle" fill="{INK}">{escape(group)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node above is escaped


def horizontal_bars(
    *,
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, float | None, str]],
    maximum: float | None = None,
    empty: str = "Nothing to show.",
) -> SafeString:
    """One bar per row: (label, value or None, text shown after the bar). maximum defaults to
    the largest value (1.0 for shares)."""
    label_w, bar_area, bar_h, row_h = 190, 320, 14, 24
    width = label_w + bar_area + 110
    height = 12 + max(1, len(rows)) * row_h
    top_value = maximum if maximum is not None else max([v or 0 for _l, v, _t in rows] + [1])
    top_value = top_value or 1
    parts = _open(chart_id, width, height, title, desc)
    for index, (label, value, text) in enumerate(rows):
        y = 8 + index * row_h
        short = label if len(label) <= 26 else label[:25] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h - 2}" font-size="12" text-anchor="end" '
            f'fill="{INK}">{escape(short)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{bar_area}" height="{bar_h}" fill="#eef1f4"/>'
        )
        bar = bar_area * (value or 0) / top_value
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{bar:.1f}" height="{bar_h}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {escape(text)}</title></rect>"
        )
        parts.append(
            f'<text x="{label_w + bar_area + 6}" y="{y + bar_h - 2}" font-size="11" '
            f'fill="{INK}">{escape(text)}</text>'
        )
    if not rows:
        parts.append(
            f'<text x="{label_w}" y="{8 + bar_h}" font-size="12" fill="{MUTED}">'
            f"{escape(empty)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node above is escaped
