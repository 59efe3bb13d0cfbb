"""Small, dependency-free SVG charts for ``{data-figure}``: stacked bars and scatter plots.

The book's three data figures need a stacked bar chart and two scatter plots with a linear or logarithmic
axis. matplotlib drew them until November 2026, but importing it alone took 1.2 s and laying the figures out
another 2 s, most of the data layer's budget of 2 s a build; these ~250 lines draw the same charts in a few
milliseconds. The output is plain SVG text:

* deterministic (fixed layout, numbers rounded to 0.1 px, no ids, no timestamps);
* in ``currentColor`` for axes and text, so that it follows the page's light or dark mode, with the
  Okabe–Ito palette (safe for colour-blind readers) for the data;
* with a ``<title>`` on every bar and point, so that hovering shows its value;
* sized by CSS, with a ``viewBox`` keeping the aspect ratio.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

WIDTH, HEIGHT = 800, 460
LEFT, TOP, BOTTOM, LEGEND = 76, 16, 58, 178  # margins; LEGEND is the strip on the right for the key
PLOT_RIGHT = WIDTH - LEGEND
PLOT_BOTTOM = HEIGHT - BOTTOM
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#8a8a8a", "#F0E442"]
TICK_SIZE, LABEL_SIZE, NOTE_SIZE = 13, 14, 11


def _n(value: float) -> str:
    """A coordinate rounded to 0.1 px, without a trailing '.0'."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def number(value: float) -> str:
    """A tick label: 0.5, 2, 1,000."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:.2g}" if value < 1 else f"{value:,.1f}"


def text_width(text: str, size: float) -> float:
    """Rough width of text in a sans-serif face (0.58 em a character), for keeping labels apart."""
    return 0.58 * size * len(text)


def wrap(text: str, width: float, size: float) -> list[str]:
    """``text`` in lines no wider than ``width`` (by text_width), broken at spaces."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [text]


@dataclass
class Axis:
    """A linear or logarithmic axis from ``low`` to ``high`` with labelled ticks."""

    low: float
    high: float
    log: bool = False
    ticks: list[float] = field(default_factory=list)
    minor: list[float] = field(default_factory=list)

    @classmethod
    def linear(cls, low: float, high: float, target: int = 6, integer: bool = False) -> Axis:
        span = (high - low) or 1.0
        raw = span / target
        magnitude = 10 ** math.floor(math.log10(raw))
        step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
        if integer:
            step = max(1.0, round(step))
        first = math.ceil(low / step - 1e-9) * step
        ticks = []
        tick = first
        while tick <= high + 1e-9:
            ticks.append(round(tick, 10))
            tick += step
        return cls(low, high, ticks=ticks)

    @classmethod
    def logarithmic(cls, low: float, high: float) -> Axis:
        first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
        last = max(last, first + 1)
        ticks = [10.0**k for k in range(first, last + 1)]
        minor = [m * 10.0**k for k in range(first, last) for m in range(2, 10)]
        return cls(10.0**first, 10.0**last, log=True, ticks=ticks, minor=minor)

    def fraction(self, value: float) -> float:
        if self.log:
            return (math.log10(value) - math.log10(self.low)) / (math.log10(self.high) - math.log10(self.low))
        return (value - self.low) / ((self.high - self.low) or 1.0)


class Chart:
    """One chart: a plot area with axes, a key on the right and data drawn in between."""

    def __init__(self, x: Axis, y: Axis, x_label: str, y_label: str) -> None:
        self.x, self.y = x, y
        self.x_label, self.y_label = x_label, y_label
        self.layers: list[str] = []
        self.notes: list[str] = []
        self.key: list[str] = []
        self.key_rows = 0.0  # a wrapped label takes part of a row more
        self.placed: list[tuple[float, float, float, float]] = []  # label boxes, to keep notes apart

    def px(self, value: float) -> float:
        return LEFT + self.x.fraction(value) * (PLOT_RIGHT - LEFT)

    def py(self, value: float) -> float:
        return PLOT_BOTTOM - self.y.fraction(value) * (PLOT_BOTTOM - TOP)

    # --- Axes ---

    def axes(self, x_ticks: Sequence[float] | None = None, x_tick_labels: Sequence[str] | None = None) -> str:
        parts = ['<g class="axes" fill="none" stroke="currentColor">']
        for tick in self.y.ticks:
            y = _n(self.py(tick))
            parts.append(f'<path d="M{LEFT} {y}H{PLOT_RIGHT}" stroke-opacity="0.15"/>')
            parts.append(f'<path d="M{LEFT - 5} {y}H{LEFT}"/>')
        for tick in self.y.minor:
            parts.append(f'<path d="M{LEFT - 3} {_n(self.py(tick))}H{LEFT}" stroke-opacity="0.6"/>')
        xs = list(x_ticks if x_ticks is not None else self.x.ticks)
        for tick in xs:
            parts.append(f'<path d="M{_n(self.px(tick))} {PLOT_BOTTOM}v5"/>')
        for tick in self.x.minor:
            parts.append(f'<path d="M{_n(self.px(tick))} {PLOT_BOTTOM}v3" stroke-opacity="0.6"/>')
        parts.append(f'<path d="M{LEFT} {TOP}V{PLOT_BOTTOM}H{PLOT_RIGHT}"/>')
        parts.append("</g>")
        parts.append(f'<g fill="currentColor" font-size="{TICK_SIZE}">')
        for tick in self.y.ticks:
            parts.append(
                f'<text x="{LEFT - 8}" y="{_n(self.py(tick) + TICK_SIZE * 0.35)}" text-anchor="end">{number(tick)}</text>'
            )
        labels = list(x_tick_labels) if x_tick_labels is not None else [number(t) for t in xs]
        for tick, label in zip(xs, labels):
            parts.append(
                f'<text x="{_n(self.px(tick))}" y="{PLOT_BOTTOM + 8 + TICK_SIZE}" text-anchor="middle">{escape(label)}</text>'
            )
        parts.append("</g>")
        middle_x, middle_y = (LEFT + PLOT_RIGHT) / 2, (TOP + PLOT_BOTTOM) / 2
        parts.append(
            f'<g fill="currentColor" font-size="{LABEL_SIZE}" text-anchor="middle">'
            f'<text x="{_n(middle_x)}" y="{HEIGHT - 10}">{escape(self.x_label)}</text>'
            f'<text transform="translate(18 {_n(middle_y)}) rotate(-90)">{escape(self.y_label)}</text></g>'
        )
        return "".join(parts)

    # --- Key ---

    def key_title(self, title: str) -> None:
        self.key.append(f'<text x="{PLOT_RIGHT + 20}" y="{TOP + 14}" font-weight="bold">{escape(title)}</text>')

    def key_entry(self, swatch: str, label: str) -> None:
        """A swatch and its label; a label wider than the key's strip wraps onto more lines (it was cut off)."""
        self.key_rows += 1
        y = TOP + 14 + self.key_rows * 24
        self.key.append(swatch.format(x=_n(PLOT_RIGHT + 28), y=_n(y - 4.5)))
        lines = wrap(label, WIDTH - (PLOT_RIGHT + 42), TICK_SIZE)
        if len(lines) == 1:
            self.key.append(f'<text x="{PLOT_RIGHT + 42}" y="{_n(y)}">{escape(label)}</text>')
            return
        spans = "".join(
            f'<tspan x="{PLOT_RIGHT + 42}" dy="{0 if n == 0 else 16}">{escape(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        self.key.append(f'<text x="{PLOT_RIGHT + 42}" y="{_n(y)}">{spans}</text>')
        self.key_rows += (len(lines) - 1) * 16 / 24

    # --- Notes (labels next to points) ---

    def note(self, x: float, y: float, text: str) -> bool:
        """Label the point at (x, y) on its right, or else its left, unless that would cover another label."""
        px, py = self.px(x), self.py(y)
        width = text_width(text, NOTE_SIZE)
        for anchor, left in (("start", px + 6), ("end", px - 6 - width)):
            box = (left, py - 4 - NOTE_SIZE, left + width, py - 2)
            inside = LEFT <= box[0] and box[2] <= PLOT_RIGHT and TOP <= box[1]
            clear = all(box[2] < b[0] or b[2] < box[0] or box[3] < b[1] or b[3] < box[1] for b in self.placed)
            if inside and clear:
                self.placed.append(box)
                at = px + 6 if anchor == "start" else px - 6
                self.notes.append(
                    f'<text x="{_n(at)}" y="{_n(py - 4)}" text-anchor="{anchor}">{escape(text)}</text>'
                )
                return True
        return False

    def svg(self, axes: str) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="data-chart">'
            + axes
            + "".join(self.layers)
            + (
                f'<g fill="currentColor" font-size="{NOTE_SIZE}">' + "".join(self.notes) + "</g>"
                if self.notes
                else ""
            )
            + f'<g fill="currentColor" font-size="{TICK_SIZE}">'
            + "".join(self.key)
            + "</g>"
            + "</svg>"
        )


def stacked_bars(
    categories: Sequence[int | str],
    series: Sequence[tuple[str, Sequence[int]]],
    x_label: str,
    y_label: str,
    key_title: str,
) -> str:
    """Bars for each category, stacked in the order of ``series`` (label, one value per category)."""
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    y = Axis.linear(0, max(totals) * 1.05 or 1, integer=True)
    y.high = max(y.high, y.ticks[-1])
    band = (PLOT_RIGHT - LEFT) / len(categories)
    x = Axis(0, len(categories))
    chart = Chart(x, y, x_label, y_label)
    centres = [i + 0.5 for i in range(len(categories))]
    chart.key_title(key_title)
    for index, (label, values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        bars = [f'<g fill="{colour}">']
        for i, value in enumerate(values):
            if not value:
                continue
            below = sum(v[i] for _, v in series[:index])
            top, bottom = chart.py(below + value), chart.py(below)
            left = LEFT + i * band + band * 0.1
            bars.append(
                f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(band * 0.8)}" height="{_n(bottom - top)}">'
                f"<title>{escape(str(categories[i]))}, {escape(label)}: {value}</title></rect>"
            )
        bars.append("</g>")
        chart.layers.append("".join(bars))
        chart.key_entry(
            f'<rect x="{{x}}" y="{{y}}" width="10" height="10" transform="translate(-5 -5)" fill="{colour}"/>',
            label,
        )
    return chart.svg(chart.axes(centres, [str(c) for c in categories]))


MARKERS = {
    "circle": '<circle cx="{x}" cy="{y}" r="4.5"/>',
    "triangle": '<path d="M{x} {y}m0 -5.5l5 8.5h-10z"/>',
    "square": '<path d="M{x} {y}m-4.2 -4.2h8.4v8.4h-8.4z"/>',
}


@dataclass
class Series:
    label: str
    points: list[tuple[float, float, str]]  # x, y, name (shown on hover)
    marker: str = "circle"
    joined: bool = False  # draw a line through the points in order (a curve computed from a formula)


def scatter(
    series: Sequence[Series],
    x: Axis,
    y: Axis,
    x_label: str,
    y_label: str,
    key_title: str,
    notes: Sequence[tuple[float, float, str]] = (),
    x_tick_labels: Sequence[str] | None = None,
    guides: Sequence[tuple[float, str]] = (),
) -> str:
    """Points of each series with its own marker and colour; ``notes`` label chosen points, in order;
    ``guides`` are labelled horizontal reference lines (a capacity, a budget) drawn under the data."""
    chart = Chart(x, y, x_label, y_label)
    chart.key_title(key_title)
    for value, label in guides:
        y_px = chart.py(value)
        chart.layers.append(
            f'<g class="guide"><path d="M{LEFT} {_n(y_px)}H{PLOT_RIGHT}" fill="none" stroke="currentColor" '
            f'stroke-dasharray="5 4" stroke-opacity="0.7"/><text x="{LEFT + 6}" y="{_n(y_px - 4)}" '
            f'fill="currentColor" font-size="{NOTE_SIZE}">{escape(label)}</text></g>'
        )
        chart.placed.append((LEFT + 6, y_px - 4 - NOTE_SIZE, LEFT + 6 + text_width(label, NOTE_SIZE), y_px - 2))
    for index, group in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        marker = MARKERS[group.marker]
        if group.joined and len(group.points) > 1:
            path = "M" + "L".join(f"{_n(chart.px(px))} {_n(chart.py(py))}" for px, py, _ in group.points)
            chart.layers.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        layer = [f'<g fill="{colour}" stroke="currentColor" stroke-width="0.6">']
        for px, py, name in group.points:
            shape = marker.format(x=_n(chart.px(px)), y=_n(chart.py(py)))
            layer.append(shape.replace("/>", f"><title>{escape(name)}</title></{shape[1 : shape.index(' ')]}>", 1))
        layer.append("</g>")
        chart.layers.append("".join(layer))
        swatch = marker.replace("/>", f' fill="{colour}" stroke="currentColor" stroke-width="0.6"/>')
        chart.key_entry(swatch, group.label)
    for px, py, text in notes:
        chart.note(px, py, text)
    return chart.svg(chart.axes(x_tick_labels=x_tick_labels))
