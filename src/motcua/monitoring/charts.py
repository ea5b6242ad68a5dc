"""Charts drawn on the server as inline SVG: no script, no library, no internet. Each chart
carries a title and a description for screen readers, and the figures are also in a table
beside it."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

COLOURS = ("#1a5fb4", "#c64600", "#26a269", "#813d9c", "#986a44")
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 240, 40, 12, 16, 40


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    key: str = "chart",
    maximum: float = 100.0,
) -> SafeString:
    """Lines of values from 0 to `maximum` over `labels` (a missing value breaks the line)."""
    n = max(len(labels), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - min(max(v, 0.0), maximum) / maximum)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{key}-t {key}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{key}-t">{escape(title)}</title>',
        f'<desc id="{key}-d">{escape(", ".join(name for name, _v in series))}</desc>',
    ]
    for tick in range(0, 101, 25):
        level = maximum * tick / 100
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(level):.1f}" y2="{y(level):.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{LEFT - 4}" y="{y(level) + 4:.1f}" font-size="11" '
            f'text-anchor="end">{level:g}</text>'
        )
    step = max(1, n // 8)
    for i, label in enumerate(labels):
        if i % step == 0 or i == n - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="11" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for s, (name, values) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        segments: list[list[str]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                segments.append([])
                continue
            segments[-1].append(f"{x(i):.1f},{y(value):.1f}")
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="2.5" fill="{colour}">'
                f"<title>{escape(name)} {escape(labels[i])}: {value:g}</title></circle>"
            )
        for points in segments:
            if len(points) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                    f'points="{" ".join(points)}"/>'
                )
        parts.append(
            f'<rect x="{LEFT + 8 + 150 * s}" y="{HEIGHT - 14}" width="10" height="10" '
            f'fill="{colour}"/><text x="{LEFT + 22 + 150 * s}" y="{HEIGHT - 5}" '
            f'font-size="11">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
