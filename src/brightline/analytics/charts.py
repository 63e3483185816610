"""Charts drawn on the server as SVG: no script, readable without colour, printable.

Shared by the manager dashboard (web) and the printable programme report (CLI), so both draw
the same figures the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH = 600
BAR = 26
GAP = 8
LABEL = 170


def _svg(height: int, body: str, title: str) -> Markup:
    return Markup(  # noqa: S704 - built here from escaped labels and numbers
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{body}</svg>'
    )


def bars(title: str, rows: Sequence[tuple[str, float, str]]) -> Markup:
    """Horizontal bars: one row per (label, value, value as text), longest bar = largest."""
    top = max((value for _, value, _ in rows), default=0) or 1
    body = []
    for i, (label, value, shown) in enumerate(rows):
        y = i * (BAR + GAP)
        length = (WIDTH - LABEL - 90) * value / top
        body.append(
            f'<text x="{LABEL - 6}" y="{y + BAR * 0.7:.1f}" text-anchor="end" '
            f'class="chart-label">{escape(label)}</text>'
            f'<rect x="{LABEL}" y="{y}" width="{length:.1f}" height="{BAR}" '
            f'class="chart-bar chart-bar-{i % 4}"/>'
            f'<text x="{LABEL + length + 6:.1f}" y="{y + BAR * 0.7:.1f}" '
            f'class="chart-value">{escape(shown)}</text>'
        )
    return _svg(max(1, len(rows)) * (BAR + GAP), "".join(body), title)


def _partial_segment(coords: list[tuple[float, float | None]]) -> str:
    """The last stretch of a line drawn dashed: its month is not over yet."""
    (x0, y0), (x1, y1) = coords[-2], coords[-1]
    if y0 is None or y1 is None:
        return ""
    return f'<polyline points="{x0:.1f},{y0:.1f} {x1:.1f},{y1:.1f}" class="chart-line-partial"/>'


def _y_axis(left: int, top_pad: int, base: int, top: float, y_label: str) -> str:
    """The vertical axis: a line, 0 and the largest value, and what is counted."""
    shown_top = f"{top:,.0f}"
    return (
        f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{base}" class="chart-axis"/>'
        f'<text x="{left - 4}" y="{base + 4}" text-anchor="end" class="chart-tick">0</text>'
        f'<text x="{left - 4}" y="{top_pad + 4}" text-anchor="end" class="chart-tick">'
        f"{shown_top}</text>"
        f'<text x="{left + 4}" y="{top_pad - 10}" class="chart-axis-title">{escape(y_label)}</text>'
    )


def line(
    title: str,
    points: Sequence[tuple[str, float | None]],
    shown: Sequence[str],
    *,
    y_label: str = "",
    partial_last: bool = False,
) -> Markup:
    """A line over time (e.g. screenings per month), with each point's value written on it.

    A point whose value is None (not published, e.g. a suppressed count) breaks the line and
    has no dot; its text is written on the axis instead. With ``y_label`` the vertical axis
    is drawn with 0, the largest value and that label. With ``partial_last`` the last point
    is a period not over yet (the current month): it is drawn dashed with a hollow dot, so a
    month to date never reads as a drop.
    """
    height, left, right, top_pad, bottom = 220, (56 if y_label else 40), 20, 30, 36
    top = max((value for _, value in points if value is not None), default=0) or 1
    step = (WIDTH - left - right) / max(1, len(points) - 1)
    base = height - bottom
    coords = [
        (
            left + i * step,
            None if value is None else top_pad + (base - top_pad) * (1 - value / top),
        )
        for i, (_, value) in enumerate(points)
    ]
    body = [f'<line x1="{left}" y1="{base}" x2="{WIDTH - right}" y2="{base}" class="chart-axis"/>']
    if y_label:
        body.append(_y_axis(left, top_pad, base, top, y_label))
    partial = partial_last and len(coords) > 1
    segment: list[str] = []
    for x, y in [*(coords[:-1] if partial else coords), (0.0, None)]:
        if y is not None:
            segment.append(f"{x:.1f},{y:.1f}")
        elif segment:
            body.append(f'<polyline points="{" ".join(segment)}" class="chart-line"/>')
            segment = []
    if partial:
        body.append(_partial_segment(coords))
    every = max(1, len(points) // 6)
    last = len(points) - 1
    labelled = set(range(0, last + 1, every)) | {last}
    if last % every:  # the last point is off the grid: drop the grid label crowding it
        labelled.discard(last - last % every)
    for i, ((label, _), (x, maybe_y)) in enumerate(zip(points, coords, strict=True)):
        if maybe_y is not None:
            dot = "chart-dot-partial" if partial and i == last else "chart-dot"
            body.append(f'<circle cx="{x:.1f}" cy="{maybe_y:.1f}" r="3" class="{dot}"/>')
        if i in labelled:
            y = base - 7 if maybe_y is None else maybe_y - 7
            # The last month's label ends at its point, so a long one is not cut off.
            anchor = "end" if i == last and last else "middle"
            body.append(
                f'<text x="{x + (6 if anchor == "end" else 0):.1f}" y="{base + 16}" '
                f'text-anchor="{anchor}" class="chart-label">{escape(label)}</text>'
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" '
                f'class="chart-value">{escape(shown[i])}</text>'
            )
    return _svg(height, "".join(body), title)
