"""Inline SVG charts of monitoring values against their limit: no JavaScript, no external library.

Exceedances are drawn as filled red diamonds, values flagged by the platform (maintenance, communication
loss) as hollow squares on the axis or at their value, so a reader never mistakes them for measurements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

WIDTH, HEIGHT = 560, 180
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28


@dataclass(frozen=True)
class Point:
    day: date
    value: float | None
    exceeded: bool
    flagged: bool
    remark: str = ""


def _nice_max(value: float) -> float:
    for scale in (0.01, 0.1, 1, 10, 100, 1000, 10000, 100000):
        for step in (1, 2, 2.5, 5):
            if step * scale >= value:
                return step * scale
    return value


def line_chart(title: str, unit: str, points: list[Point], limit: float | None) -> str:
    """One pollutant at one outlet over time, with the limit as a dashed line."""
    days = sorted({p.day for p in points})
    if not days:
        return ""
    values = [p.value for p in points if p.value is not None]
    top = _nice_max(max([*values, limit or 0, 1e-9]) * 1.1)
    span = max((days[-1] - days[0]).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return LEFT + plot_w * (day - days[0]).days / span

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{top:g}</text>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
        f'<text class="tick" x="{LEFT}" y="{HEIGHT - 8}">{days[0].isoformat()}</text>',
        f'<text class="tick" x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">{days[-1].isoformat()}</text>',
        f'<text class="tick" x="{LEFT + 4}" y="{TOP + 10}">{escape(unit)}</text>',
    ]
    if limit is not None:
        parts.append(f'<line class="limit" x1="{LEFT}" y1="{y(limit):.1f}" x2="{WIDTH - RIGHT}" y2="{y(limit):.1f}"/>')
        parts.append(f'<text class="limit-label" x="{WIDTH - RIGHT}" y="{y(limit) - 4:.1f}" text-anchor="end">'
                     f"限值 limit {limit:g}</text>")
    measured = sorted((p for p in points if p.value is not None and not p.flagged), key=lambda p: p.day)
    if len(measured) > 1:
        path = " ".join(f"{x(p.day):.1f},{y(p.value):.1f}" for p in measured if p.value is not None)
        parts.append(f'<polyline class="series" points="{path}"/>')
    for p in sorted(points, key=lambda p: p.day):
        label = f"{p.day.isoformat()}: {'—' if p.value is None else f'{p.value:g}'}"
        if p.flagged:
            cy = y(p.value) if p.value is not None else TOP + plot_h
            parts.append(f'<rect class="flagged" x="{x(p.day) - 3:.1f}" y="{cy - 3:.1f}" width="6" height="6">'
                         f"<title>{escape(label)} {escape(p.remark)}</title></rect>")
        elif p.value is not None and p.exceeded:
            cx, cy = x(p.day), y(p.value)
            parts.append(f'<path class="exceeded" d="M{cx:.1f} {cy - 5:.1f} L{cx + 5:.1f} {cy:.1f} '
                         f'L{cx:.1f} {cy + 5:.1f} L{cx - 5:.1f} {cy:.1f} Z"><title>{escape(label)} 超标 exceeds'
                         f"</title></path>")
        elif p.value is not None:
            parts.append(f'<circle class="point" cx="{x(p.day):.1f}" cy="{y(p.value):.1f}" r="2">'
                         f"<title>{escape(label)}</title></circle>")
    parts.append("</svg>")
    return "".join(parts)
