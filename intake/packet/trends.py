"""Lab trends: one row per analyte and unit, its latest value beside the earlier ones, and a
small chart when two or more dated numbers share the unit (inline SVG for INDEX.HTM, a
reportlab Drawing for PACKET.PDF: both from the same points, so they cannot disagree)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from intake.model import Document, LabResult
from intake.understand.analytes import BY_LOINC, analyte_key
from intake.understand.labs import (
    RANGE_RE,
    _number,
    _or_equal,
    _without_trailing_unit,
    canonical_unit,
)

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing

RANGE_FILL = "#dff3e3"
LINE = "#1f4e79"
FLAGGED = "#8a1c16"
LABEL = "#555555"


@dataclass(frozen=True, slots=True)
class Reading:
    """One value of an analyte, with the documents that report it (the same value on the
    same day in two documents is one reading)."""

    value: str
    number: float | None  # None for text ("Negative") and for bounds ("<0.5")
    flag: str | None
    flag_derived: bool
    collected: str | None
    reference_range: str | None
    test: str  # the name as its document printed it
    documents: tuple[str, ...]

    def describe(self) -> str:
        """'45.1 H (2026-09-01, D0003)'."""
        where = ", ".join(filter(None, [self.collected or "undated", *self.documents]))
        return f"{' '.join(filter(None, [self.value, self.flag]))} ({where})"


CHART_POINTS = 100  # the latest dated values a chart shows


@dataclass(frozen=True, slots=True)
class Trend:
    """An analyte's results in one unit: the latest, the earlier ones (newest first), and
    the reference range (the latest's; `ranges_differ` when earlier results state others)."""

    key: str
    name: str
    unit: str | None
    latest: Reading
    earlier: tuple[Reading, ...]
    reference_range: str | None
    ranges_differ: bool
    names: tuple[str, ...]  # every name the documents print for it, as printed, the
    # latest's (`name`) first

    @property
    def readings(self) -> tuple[Reading, ...]:
        """Oldest first."""
        return (*reversed(self.earlier), self.latest)

    @property
    def points(self) -> tuple[Reading, ...]:
        """The readings a chart shows: dated numbers, oldest first, the latest CHART_POINTS
        (a chart of 200,000 circles is unreadable, and megabytes in INDEX.HTM)."""
        dated = [r for r in self.readings if r.number is not None and _day(r.collected)]
        return tuple(dated[-CHART_POINTS:])

    @property
    def charted(self) -> bool:
        return len(self.points) >= 2

    @property
    def other_names(self) -> tuple[str, ...]:
        """The names printed for it besides the one shown (the latest's, as printed: a urine
        result's 'Glicose' is shown as 'Glicose (urine)', not as another name)."""
        shown = {self.name.casefold(), *(n.casefold() for n in self.names[:1])}
        return tuple(n for n in self.names if n.casefold() not in shown)


def trend_key(result: LabResult) -> tuple[str, str]:
    """Which trend a result belongs to: its analyte key (a urine result's apart: urine glucose
    'Negative mg/dL' is no blood glucose) and its unit's spelling-free key."""
    key = analyte_key(result.test, result.code)
    return (f"{key}|urine" if _in_urine(result) else key), unit_key(result.unit)


def _in_urine(result: LabResult) -> bool:
    return (result.specimen or "").casefold() in URINE_SPECIMENS


URINE_SPECIMENS = frozenset({"urine", "urina", "orina", "vizelet"})


def shown_name(result: LabResult) -> str:
    """A result's name as the packet shows it: a urine result's says so ('Glicose (urine)')
    unless its name already does."""
    if _in_urine(result) and "urin" not in result.test.casefold():
        return f"{result.test} (urine)"
    return result.test


def unit_key(unit: str | None) -> str:
    return re.sub(r"\s+", "", canonical_unit(unit)).casefold() if unit else ""


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def parse_range(text: str | None) -> tuple[float | None, float | None] | None:
    """(low, high) of a numeric reference range ('3.5-5.0 g/dL', '<38', '>=60'); an open side
    is None; None when the range is not numeric ('Negative')."""
    if not text:
        return None
    core = _without_trailing_unit(_or_equal(text.strip())).replace(" ", "")
    match = RANGE_RE.match(core)
    if not match:
        return None
    if match.group("lo"):
        return _number(match.group("lo")), _number(match.group("hi"))
    limit = _number(match.group("lim"))
    if limit is None:
        return None
    return (None, limit) if match.group("cmp") in ("<", "<=", "≤") else (limit, None)


def _same_range(a: str, b: str) -> bool:
    parsed_a, parsed_b = parse_range(a), parse_range(b)
    if parsed_a is not None or parsed_b is not None:
        return parsed_a == parsed_b
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _readings(results: list[tuple[LabResult, Document]]) -> list[Reading]:
    """The results as readings, oldest first (undated ones first, in document order), the
    same dated value from several documents merged into one reading."""
    readings: list[Reading] = []
    merged: dict[tuple[str, str], int] = {}
    for result, document in sorted(results, key=lambda x: x[0].collected or ""):
        same = (result.collected, result.value.strip()) if result.collected else None
        if same is not None and same in merged:
            at = merged[same]
            if document.id not in readings[at].documents:
                first = readings[at]
                readings[at] = Reading(
                    first.value, first.number, first.flag, first.flag_derived, first.collected,
                    first.reference_range, first.test, (*first.documents, document.id),
                )  # fmt: skip
            continue
        if same is not None:
            merged[same] = len(readings)
        readings.append(
            Reading(
                value=result.value.strip(),
                number=_number(result.value),
                flag=result.flag,
                flag_derived=result.flag_derived,
                collected=result.collected,
                reference_range=result.reference_range,
                test=result.test,
                documents=(document.id,),
            )
        )
    return readings


def build_trends(documents: Iterable[Document]) -> list[Trend]:
    """One trend per analyte and unit over the documents' labs, in the order of `_order`."""
    groups: dict[tuple[str, str], list[tuple[LabResult, Document]]] = {}
    for document in documents:
        for result in document.labs:
            groups.setdefault(trend_key(result), []).append((result, document))
    trends = []
    for (key, _), results in groups.items():
        readings = _readings(results)
        latest = readings[-1]
        stated = [r.reference_range for r in readings if r.reference_range]
        reference = latest.reference_range or (stated[-1] if stated else None)
        names = tuple(dict.fromkeys([latest.test, *(r.test for r, _ in results)]))
        name = shown_name(results[-1][0]) if _in_urine(results[-1][0]) else latest.test
        trends.append(
            Trend(
                key=key,
                name=name,
                unit=next((canonical_unit(r.unit) for r, _ in reversed(results) if r.unit), None),
                latest=latest,
                earlier=tuple(reversed(readings[:-1])),
                reference_range=reference,
                ranges_differ=any(not _same_range(s, reference or "") for s in stated),
                names=names,
            )
        )
    return sorted(trends, key=_order)


def _order(trend: Trend) -> tuple[str, str, str]:
    """By the analyte's name (the table's, so one analyte's rows in several units sit
    together), then unit."""
    known = BY_LOINC.get(trend.key.removeprefix("loinc:"))
    name = known.name if known else trend.name
    return (name.casefold(), trend.key, (trend.unit or "").casefold())


# --- the chart: one layout, drawn as SVG and as a reportlab Drawing --------------------------


@dataclass(frozen=True, slots=True)
class Box:
    """A chart's size and the room around its plot for the value labels (left) and the
    dates (below); px in HTML, pt in the PDF."""

    width: float = 240
    height: float = 60
    left: float = 34
    right: float = 8
    top: float = 5
    bottom: float = 14
    font: float = 8


SVG_BOX = Box()
PDF_BOX = Box(width=150, height=44, left=26, right=5, top=4, bottom=10, font=6)


@dataclass(frozen=True, slots=True)
class Layout:
    """Where a trend's chart puts things in its box, y growing down."""

    box: Box
    points: tuple[tuple[float, float, Reading], ...]
    band: tuple[float, float] | None  # the shaded reference range: top and bottom y
    labels: tuple[tuple[float, str], ...]  # y and the value printed there (the axis)
    dates: tuple[str, str]  # first and last date


def layout(trend: Trend, box: Box = SVG_BOX) -> Layout | None:
    """The chart's geometry, or None when fewer than two dated numbers share the unit."""
    if not trend.charted:
        return None
    points = trend.points
    numbers = [r.number for r in points if r.number is not None]
    bounds = parse_range(trend.reference_range) or (None, None)
    span = numbers + [b for b in bounds if b is not None]
    if bounds[0] is None and bounds[1] is not None and min(span) >= 0:
        span.append(0.0)  # "<38": the range runs from zero
    low, high = min(span), max(span)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad
    top, bottom = box.top, box.height - box.bottom
    left, right = box.left, box.width - box.right

    def y(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    days = [_day(r.collected) for r in points]
    first, last = days[0], days[-1]
    assert first is not None and last is not None  # points are dated
    total = (last - first).days
    xs = [
        left + ((d - first).days / total if total else (i + 0.5) / len(points)) * (right - left)
        for i, d in enumerate(days)
        if d is not None
    ]
    band = None
    if bounds != (None, None):
        band_low = bounds[0] if bounds[0] is not None else low
        band_high = bounds[1] if bounds[1] is not None else high
        band = (y(min(band_high, high)), y(max(band_low, low)))
    labels = ((y(max(numbers)), _short(max(numbers))), (y(min(numbers)), _short(min(numbers))))
    return Layout(
        box=box,
        points=tuple((x, y(r.number or 0.0), r) for x, r in zip(xs, points, strict=True)),
        band=band,
        labels=labels if labels[1][0] - labels[0][0] > box.font else labels[:1],  # apart, or one
        dates=(first.isoformat(), last.isoformat()),
    )


def _short(number: float) -> str:
    return f"{number:.4g}"


def _describe(trend: Trend) -> str:
    unit = f" {trend.unit}" if trend.unit else ""
    steps = "; ".join(f"{r.value}{unit} on {r.collected}" for r in trend.points)
    shaded = f"; shaded: reference range {trend.reference_range}" if trend.reference_range else ""
    return f"{trend.name}: {steps}{shaded}"


def svg(trend: Trend) -> str:
    """The trend's chart as inline SVG (no script, no links): the reference range shaded,
    a line through the values, one circle per value (the latest larger, red when flagged),
    the highest and lowest values and the first and last dates as labels. '' when there
    is nothing to chart."""
    shape = layout(trend)
    if shape is None:
        return ""
    box = shape.box
    width, height, left, right = box.width, box.height, box.left, box.width - box.right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
        f'viewBox="0 0 {width:g} {height:g}" role="img" class="trend">',
        f"<title>{escape(_describe(trend))}</title>",
    ]
    if shape.band:
        top, bottom = shape.band
        parts.append(
            f'<rect class="range" x="{left:g}" y="{top:.1f}" width="{right - left:g}" '
            f'height="{max(bottom - top, 0.5):.1f}" fill="{RANGE_FILL}"/>'
        )
    base = height - box.bottom
    parts.append(
        f'<line x1="{left:g}" y1="{base:g}" x2="{right:g}" y2="{base:g}" stroke="#bbbbbb"/>'
    )
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in shape.points)
    parts.append(f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="1.2"/>')
    for number, (x, y, reading) in enumerate(shape.points, start=1):
        latest = number == len(shape.points)
        colour = FLAGGED if reading.flag else LINE
        ring = ' stroke="#000000"' if latest else ""
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{3.5 if latest else 2.2}" fill="{colour}"{ring}>'
            f"<title>{escape(reading.describe())}</title></circle>"
        )
    text = f'font-family="Helvetica, Arial, sans-serif" font-size="{box.font:g}" fill="{LABEL}"'
    for y, label in shape.labels:
        parts.append(
            f'<text x="{left - 3:g}" y="{y + box.font / 3:.1f}" text-anchor="end" {text}>'
            f"{escape(label)}</text>"
        )
    first, last = shape.dates
    parts.append(f'<text x="{left:g}" y="{height - 3:g}" {text}>{escape(first)}</text>')
    if last != first:
        parts.append(
            f'<text x="{right:g}" y="{height - 3:g}" text-anchor="end" {text}>{escape(last)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def drawing(trend: Trend, box: Box = PDF_BOX) -> Drawing | None:
    """The same chart as a reportlab Drawing (vector paths in the PDF), drawn in `box`;
    None when there is nothing to chart."""
    shape = layout(trend, box)
    if shape is None:
        return None
    from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
    from reportlab.lib import colors

    left, right = box.left, box.width - box.right

    def flip(y: float) -> float:  # reportlab's y grows up
        return box.height - y

    chart = Drawing(box.width, box.height)
    if shape.band:
        top, bottom = shape.band
        chart.add(
            Rect(left, flip(bottom), right - left, max(bottom - top, 0.5),
                 fillColor=colors.HexColor(RANGE_FILL), strokeColor=None)
        )  # fmt: skip
    base = box.bottom
    chart.add(Line(left, base, right, base, strokeColor=colors.HexColor("#bbbbbb")))
    path = [c for x, y, _ in shape.points for c in (x, flip(y))]
    chart.add(PolyLine(path, strokeColor=colors.HexColor(LINE), strokeWidth=1.0))
    for number, (x, y, reading) in enumerate(shape.points, start=1):
        latest = number == len(shape.points)
        colour = colors.HexColor(FLAGGED if reading.flag else LINE)
        chart.add(
            Circle(x, flip(y), 2.8 if latest else 1.8, fillColor=colour,
                   strokeColor=colors.black if latest else None)
        )  # fmt: skip
    label = {"fontName": "Helvetica", "fontSize": box.font, "fillColor": colors.HexColor(LABEL)}
    for y, text in shape.labels:
        chart.add(String(left - 2, flip(y) - box.font / 3, text, textAnchor="end", **label))
    first, last = shape.dates
    chart.add(String(left, 2, first, **label))
    if last != first:
        chart.add(String(right, 2, last, textAnchor="end", **label))
    return chart
