"""book_charts: the SVG charts behind {data-figure}, checked without building a book."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET

from conftest import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import book_charts as charts  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


def test_linear_axis_has_round_ticks_covering_the_range() -> None:
    axis = charts.Axis.linear(0, 49 * 1.05, integer=True)
    assert axis.ticks == [0, 10, 20, 30, 40, 50]
    assert charts.Axis.linear(0, 8.4).ticks == [0, 2, 4, 6, 8]


def test_log_axis_spans_whole_decades() -> None:
    axis = charts.Axis.logarithmic(0.5, 1600)
    assert axis.ticks == [0.1, 1, 10, 100, 1000, 10000]
    assert (axis.low, axis.high) == (0.1, 10000)
    assert axis.fraction(100) == 0.6
    assert [charts.number(t) for t in axis.ticks] == ["0.1", "1", "10", "100", "1,000", "10,000"]


def test_stacked_bars_stack_in_order_and_scale_to_the_axis() -> None:
    svg = charts.stacked_bars([2024, 2025], [("permissive", [2, 6]), ("other", [1, 0])], "Year", "Count", "Family")
    root = ET.fromstring(svg)
    bars = {
        rect.find(f"{SVG}title").text: rect
        for rect in root.iter(f"{SVG}rect")
        if rect.find(f"{SVG}title") is not None
    }
    assert set(bars) == {"2024, permissive: 2", "2025, permissive: 6", "2024, other: 1"}, (
        "zero-height bars are left out"
    )
    height = {name: float(rect.get("height")) for name, rect in bars.items()}
    assert abs(height["2025, permissive: 6"] - 3 * height["2024, permissive: 2"]) < 0.2
    below, above = bars["2024, permissive: 2"], bars["2024, other: 1"]
    assert abs(float(above.get("y")) + float(above.get("height")) - float(below.get("y"))) < 0.2, "stacked on top"
    assert [t.text for t in root.iter(f"{SVG}text")][-2:] == ["permissive", "other"], "key in stacking order"


def test_scatter_is_valid_deterministic_svg_in_current_colour() -> None:
    def draw() -> str:
        series = [
            charts.Series("a <b>", [(1.0, 10.0, "P & Q"), (2.0, 20.0, "R")]),
            charts.Series("c", [(3.0, 5.0, "S")], marker="triangle"),
        ]
        return charts.scatter(
            series,
            charts.Axis.linear(0, 4),
            charts.Axis.logarithmic(1, 100),
            "x",
            "y",
            "Key",
            notes=[(2.0, 20.0, "R label")],
        )

    svg = draw()
    assert svg == draw()
    root = ET.fromstring(svg)  # well-formed, names escaped
    assert root.get("viewBox") == f"0 0 {charts.WIDTH} {charts.HEIGHT}"
    assert [t.text for t in root.iter(f"{SVG}title")] == ["P & Q", "R", "S"]
    assert "R label" in svg and "a &lt;b&gt;" in svg
    assert " id=" not in svg, "no ids to clash with other figures on the page"
    colours = set(re.findall(r'(?:fill|stroke)="(#[0-9A-Fa-f]{6})"', svg))
    assert colours <= set(charts.PALETTE), "only data is coloured; axes and text use currentColor"


def test_notes_never_overlap_or_leave_the_plot() -> None:
    chart = charts.Chart(charts.Axis.linear(0, 10), charts.Axis.linear(0, 10), "x", "y")
    placed = [chart.note(5, 5, "A long label") for _ in range(3)] + [
        chart.note(9.9, 5, "Edge label"),
        chart.note(5, 9.9, "Off the top"),
    ]
    assert placed[:2] == [True, True] and placed[2] is False, "right, then left, then dropped"
    assert placed[3:] == [True, False], "an edge label goes left; one above the plot is dropped"
    assert len(chart.notes) == 3
    for n, a in enumerate(chart.placed):
        assert charts.LEFT <= a[0] and a[2] <= charts.PLOT_RIGHT
        for b in chart.placed[n + 1 :]:
            assert a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]


def test_scatter_joins_series_and_draws_labelled_guides_under_the_data() -> None:
    series = [
        charts.Series("full", [(1.0, 16.0, "1B"), (10.0, 160.0, "10B")], joined=True),
        charts.Series("dots", [(2.0, 3.0, "x")]),
    ]
    svg = charts.scatter(
        series,
        charts.Axis.logarithmic(1, 10),
        charts.Axis.logarithmic(1, 1000),
        "x",
        "y",
        "Key",
        guides=[(80.0, "80 GB: H100")],
    )
    root = ET.fromstring(svg)
    guide = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "guide")
    assert guide.find(f"{SVG}text").text == "80 GB: H100"
    y80 = charts.TOP + (1 - charts.Axis.logarithmic(1, 1000).fraction(80)) * (charts.PLOT_BOTTOM - charts.TOP)
    assert abs(float(guide.find(f"{SVG}path").get("d").split()[1].split("H")[0]) - y80) < 0.2
    lines = [p for p in root.iter(f"{SVG}path") if p.get("stroke") == charts.PALETTE[0]]
    assert len(lines) == 1 and lines[0].get("d").count("L") == 1, "one line through the joined series' two points"
    assert not [p for p in root.iter(f"{SVG}path") if p.get("stroke") == charts.PALETTE[1]], "unjoined: no line"
    assert svg.index('class="guide"') < svg.index("<title>1B</title>"), "guides are drawn under the data"
