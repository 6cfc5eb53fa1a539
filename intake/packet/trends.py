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
from intake.understand.analytes import analyte_key, analyte_of
from intake.understand.labs import (
    RANGE_RE,
    _number,
    _or_equal,
    _without_trailing_unit,
    canonical_unit,
)

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing

WIDTH, HEIGHT = 240, 60  # the chart's size (px in HTML, pt in the PDF before scaling)
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 5, 14  # room for the value labels and the dates
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
    names: tuple[str, ...]  # every name the documents print for it, as printed

    @property
    def readings(self) -> tuple[Reading, ...]:
        """Oldest first."""
        return (*reversed(self.earlier), self.latest)

    @property
    def points(self) -> tuple[Reading, ...]:
        """The readings a chart shows: dated numbers, oldest first."""
        return tuple(r for r in self.readings if r.number is not None and _day(r.collected))

    @property
    def charted(self) -> bool:
        return len(self.points) >= 2

    @property
    def other_names(self) -> tuple[str, ...]:
        return tuple(n for n in self.names if n.casefold() != self.name.casefold())


def _unit_key(unit: str | None) -> str:
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
    """One trend per analyte and unit over the documents' labs, sorted by name then unit."""
    groups: dict[tuple[str, str], list[tuple[LabResult, Document]]] = {}
    for document in documents:
        for result in document.labs:
            key = (analyte_key(result.test, result.code), _unit_key(result.unit))
            groups.setdefault(key, []).append((result, document))
    trends = []
    for (key, _), results in groups.items():
        readings = _readings(results)
        latest = readings[-1]
        stated = [r.reference_range for r in readings if r.reference_range]
        reference = latest.reference_range or (stated[-1] if stated else None)
        known = analyte_of(results[0][0].test, results[0][0].code)
        names = tuple(dict.fromkeys(r.test for r, _ in results))
        trends.append(
            Trend(
                key=key,
                name=known.name if known else latest.test,
                unit=next((r.unit for r, _ in reversed(results) if r.unit), None),
                latest=latest,
                earlier=tuple(reversed(readings[:-1])),
                reference_range=reference,
                ranges_differ=any(not _same_range(s, reference or "") for s in stated),
                names=names,
            )
        )
    return sorted(trends, key=lambda t: (t.name.casefold(), (t.unit or "").casefold()))


# --- the chart: one layout, drawn as SVG and as a reportlab Drawing --------------------------


@dataclass(frozen=True, slots=True)
class Layout:
    """Where a trend's chart puts things, in a WIDTH x HEIGHT box with y growing down."""

    points: tuple[tuple[float, float, Reading], ...]
    band: tuple[float, float] | None  # the shaded reference range: top and bottom y
    labels: tuple[tuple[float, str], ...]  # y and the value printed there (the axis)
    dates: tuple[str, str]  # first and last date


def layout(trend: Trend) -> Layout | None:
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
    top, bottom = TOP, HEIGHT - BOTTOM
    left, right = LEFT, WIDTH - RIGHT

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
        points=tuple((x, y(r.number or 0.0), r) for x, r in zip(xs, points, strict=True)),
        band=band,
        labels=labels if labels[1][0] - labels[0][0] >= 9 else labels[:1],  # apart, or one
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
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="trend">',
        f"<title>{escape(_describe(trend))}</title>",
    ]
    if shape.band:
        top, bottom = shape.band
        parts.append(
            f'<rect class="range" x="{LEFT}" y="{top:.1f}" width="{WIDTH - LEFT - RIGHT}" '
            f'height="{max(bottom - top, 0.5):.1f}" fill="{RANGE_FILL}"/>'
        )
    base = HEIGHT - BOTTOM
    parts.append(
        f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="#bbbbbb"/>'
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
    text = f'font-family="Helvetica, Arial, sans-serif" font-size="8" fill="{LABEL}"'
    for y, label in shape.labels:
        parts.append(
            f'<text x="{LEFT - 3}" y="{y + 3:.1f}" text-anchor="end" {text}>{escape(label)}</text>'
        )
    first, last = shape.dates
    parts.append(f'<text x="{LEFT}" y="{HEIGHT - 3}" {text}>{escape(first)}</text>')
    if last != first:
        parts.append(
            f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 3}" text-anchor="end" {text}>'
            f"{escape(last)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def drawing(trend: Trend, scale: float = 1.0) -> Drawing | None:
    """The same chart as a reportlab Drawing (vector paths in the PDF), `scale` times the
    SVG's size; None when there is nothing to chart."""
    shape = layout(trend)
    if shape is None:
        return None
    from reportlab.graphics.shapes import Circle, Drawing, Group, Line, PolyLine, Rect, String
    from reportlab.lib import colors

    def flip(y: float) -> float:  # reportlab's y grows up
        return HEIGHT - y

    group = Group()
    if shape.band:
        top, bottom = shape.band
        group.add(
            Rect(LEFT, flip(bottom), WIDTH - LEFT - RIGHT, max(bottom - top, 0.5),
                 fillColor=colors.HexColor(RANGE_FILL), strokeColor=None)
        )  # fmt: skip
    base = flip(HEIGHT - BOTTOM)
    group.add(Line(LEFT, base, WIDTH - RIGHT, base, strokeColor=colors.HexColor("#bbbbbb")))
    path = [c for x, y, _ in shape.points for c in (x, flip(y))]
    group.add(PolyLine(path, strokeColor=colors.HexColor(LINE), strokeWidth=1.2))
    for number, (x, y, reading) in enumerate(shape.points, start=1):
        latest = number == len(shape.points)
        colour = colors.HexColor(FLAGGED if reading.flag else LINE)
        group.add(
            Circle(x, flip(y), 3.5 if latest else 2.2, fillColor=colour,
                   strokeColor=colors.black if latest else None)
        )  # fmt: skip
    label = {"fontName": "Helvetica", "fontSize": 8, "fillColor": colors.HexColor(LABEL)}
    for y, text in shape.labels:
        group.add(String(LEFT - 3, flip(y) - 3, text, textAnchor="end", **label))
    first, last = shape.dates
    group.add(String(LEFT, 3, first, **label))
    if last != first:
        group.add(String(WIDTH - RIGHT, 3, last, textAnchor="end", **label))
    group.scale(scale, scale)
    chart = Drawing(WIDTH * scale, HEIGHT * scale)
    chart.add(group)
    return chart
