"""Lab trends: analyte keys (aliases join, different analytes never), one row per analyte and
unit over the sample folder, the chart as SVG and as vector paths in PACKET.PDF, and the same
analytes in INDEX.HTM and PACKET.PDF."""

from __future__ import annotations

import csv
import html
import io
import re

import defusedxml.ElementTree as SafeTree
import pdfplumber
import pikepdf
import pytest

from intake import api
from intake.model import Document, LabResult
from intake.packet.render import distinct
from intake.packet.trends import build_trends, drawing, parse_range, svg
from intake.understand.analytes import ANALYTES, analyte_key
from tests.conftest import APPOINTMENT

CA_27_29 = "loinc:17842-6"


@pytest.mark.parametrize(
    ("analyte", "alias"), [(a, name) for a in ANALYTES for name in (a.name, *a.aliases)]
)
def test_every_alias_joins_its_analyte(analyte, alias):
    assert analyte_key(alias) == analyte.key
    assert analyte_key(alias.upper()) == analyte.key
    for code in analyte.loinc:  # a coded result joins by its LOINC, whatever its name
        assert analyte_key("whatever the lab calls it", code) == analyte.key


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Free T4", "T4"),
        ("LDL", "HDL"),
        ("LDL cholesterol", "Cholesterol"),
        ("Hemoglobin A1c", "Hemoglobin"),
        ("% Neutrophils", "Neutrophils (Absolute)"),
        ("CA 125", "CA 27.29"),
        ("CA 15-3", "CA 19-9"),
        ("Ca", "Calcium"),
        ("Ca", "CA 125"),
        ("Sodium", "Potassium"),
        ("AST", "ALT"),
    ],
)
def test_different_analytes_never_join(one, other):
    assert analyte_key(one) != analyte_key(other)


def test_unknown_tests_key_by_loinc_else_by_normalised_name():
    assert analyte_key("Zinc", "5763-8") == "loinc:5763-8"
    assert analyte_key("Zinc, Serum") == analyte_key("ZINC serum") == "name:zinc serum"
    assert analyte_key("Zinc") != analyte_key("Zinc", "5763-8")  # LOINC where given
    # a name of the alias table joins its LOINC ('Ferritin' was unknown before session 18)
    assert analyte_key("Ferritin") == analyte_key("Ferritin", "2276-4") == "loinc:2276-4"


def _document(doc_id: str, *labs: LabResult) -> Document:
    return Document(
        source=f"{doc_id}.pdf", sha256=None, size=0, media_type="application/pdf", id=doc_id,
        labs=labs,
    )  # fmt: skip


def test_a_different_unit_is_its_own_row_and_charts_only_same_unit_values():
    documents = [
        _document("D0001", LabResult("Hgb", "12.1", "g/dL", "11.5-15.5", None, "2026-01-05")),
        _document("D0002", LabResult("Hemoglobin", "118", "g/L", "115-155", None, "2026-03-01")),
        _document("D0003", LabResult("HGB", "11.0", "g/dl", "11.5-15.5", "L", "2026-05-02")),
    ]  # fmt: skip
    trends = build_trends(documents)
    assert [(t.key, t.unit) for t in trends] == [("loinc:718-7", "g/dL"), ("loinc:718-7", "g/L")]
    per_dl, per_l = trends
    assert per_dl.latest.value == "11.0" and per_dl.latest.flag == "L"
    assert per_dl.latest.documents == ("D0003",)
    assert [(r.value, r.collected, r.documents) for r in per_dl.earlier] == [
        ("12.1", "2026-01-05", ("D0001",))
    ]
    assert per_dl.charted and per_dl.names == ("HGB", "Hgb")
    assert not per_l.charted and svg(per_l) == "" and drawing(per_l) is None
    assert "118" not in svg(per_dl)  # the g/L value is not drawn in the g/dL chart


def test_a_urine_strips_result_is_its_own_row_and_says_so():
    # a urinalysis' glucose in mg/dL is no blood glucose, though test and unit are alike
    urine = LabResult("Glucose", "Negative", "mg/dL", collected="2026-02-01", specimen="urine")
    blood = LabResult("Glucose", "95", "mg/dL", "70-99", None, "2026-03-01")
    serum = LabResult("Glucose", "101", "mg/dL", "70-99", "H", "2026-04-01", specimen="Serum")
    trends = build_trends([_document("D0001", urine), _document("D0002", blood, serum)])
    by_name = {t.name: t for t in trends}
    assert set(by_name) == {"Glucose", "Glucose (urine)"}
    assert by_name["Glucose (urine)"].latest.value == "Negative"
    assert by_name["Glucose (urine)"].other_names == ()  # its printed name is no other name
    assert [r.value for r in by_name["Glucose"].readings] == ["95", "101"]  # serum joins blood


def test_the_same_value_reported_twice_is_one_reading_with_both_sources():
    result = LabResult("PSA", "4.1", "ng/mL", "0.0-4.0", "H", "2026-02-02")
    later = LabResult("PSA", "5.0", "ng/mL", "0.0-4.0", "H", "2026-06-02")
    (trend,) = build_trends([_document("D0001", result), _document("D0002", result, later)])
    assert trend.latest.value == "5.0"
    assert [r.documents for r in trend.earlier] == [("D0001", "D0002")]


def test_ranges_parse_and_differing_ranges_are_said():
    assert parse_range("3.5-5.0 g/dL") == (3.5, 5.0)
    assert parse_range("<38") == (None, 38.0)
    assert parse_range(">=60") == (60.0, None)
    assert parse_range("Negative") is None
    documents = [
        _document("D0001", LabResult("WBC", "3.1", "x10E3/uL", "3.4-10.8", "L", "2026-01-01")),
        _document("D0002", LabResult("WBC", "5.2", "x10E3/uL", "4.0-11.0", None, "2026-02-01")),
        _document("D0003", LabResult("WBC", "6.0", "x10E3/uL", "4.0-11.0 x10E3/uL", None,
                                     "2026-03-01")),
    ]  # fmt: skip
    (trend,) = build_trends(documents)
    assert trend.reference_range == "4.0-11.0 x10E3/uL" and trend.ranges_differ
    (same,) = build_trends(documents[1:])
    assert not same.ranges_differ


def test_the_svg_has_no_script_a_shaded_range_and_one_circle_per_value():
    documents = [
        _document(f"D000{n}", LabResult("CEA", value, "ng/mL", "0.0-3.0", None, day))
        for n, (value, day) in enumerate(
            [("2.1", "2026-01-10"), ("3.4", "2026-03-10"), ("5.9", "2026-06-10")], start=1
        )
    ]
    (trend,) = build_trends(documents)
    picture = svg(trend)
    tree = SafeTree.fromstring(picture)  # well-formed
    tags = [element.tag.rsplit("}", 1)[-1] for element in tree.iter()]
    assert "script" not in tags and "<script" not in picture.lower()
    assert "foreignObject" not in tags
    assert not any(name.startswith("on") for e in tree.iter() for name in e.attrib)
    ranges = [e for e in tree.iter() if e.get("class") == "range"]
    assert len(ranges) == 1 and ranges[0].tag.endswith("rect")
    assert tags.count("circle") == 3
    assert "2026-01-10" in picture and "2026-06-10" in picture  # axis dates
    assert float(tree.get("width")) <= 260 and float(tree.get("height")) <= 80


def test_record_text_in_the_svg_is_escaped():
    documents = [
        _document("D0001", LabResult("<b>X</b>", "1.0", "mg", "0-2", collected="2026-01-01")),
        _document("D0002", LabResult("<b>X</b>", "2.5", "mg", "0-2", "H", "2026-02-01")),
    ]
    picture = svg(build_trends(documents)[0])
    assert "<b>" not in picture and "&lt;b&gt;" in picture
    SafeTree.fromstring(picture)


def test_the_oncology_folder_gives_one_ca_27_29_row_with_its_earlier_value(oncology_manifest):
    documents = distinct(oncology_manifest.documents)
    names = {lab.test for d in documents for lab in d.labs}
    assert {"CA 27.29", "CA 27-29"} <= names  # the CCD and the lab PDF name it differently
    rows = [t for t in build_trends(documents) if t.key == CA_27_29]
    assert len(rows) == 1
    (trend,) = rows
    assert (trend.latest.value, trend.latest.collected) == ("52", "2026-10-14")
    assert [(r.value, r.collected) for r in trend.earlier] == [("52.1", "2026-10-02")]
    assert set(trend.names) == {"CA 27.29", "CA 27-29"} and trend.charted


@pytest.fixture(scope="module")
def packet(oncology, tmp_path_factory):
    out = tmp_path_factory.mktemp("trends") / "PACKET"
    manifest = api.build_packet(oncology, out, api.Options(appointment=APPOINTMENT))
    return out, manifest


def _labs_pages(path) -> list[int]:
    with pikepdf.open(path) as pdf:
        return [n for n, page in enumerate(pdf.pages) if str(page.label).startswith("Labs-")]


def _pdf_test_column(path, pages: list[int]) -> str:
    """The text of the labs table's first column, below its header, on every labs page."""
    texts = []
    with pdfplumber.open(path) as pdf:
        for number in pages:
            page = pdf.pages[number]
            words = page.extract_words()
            test = next(w for w in words if w["text"] == "Test")
            latest = next(w for w in words if w["text"] == "Latest" and w["top"] == test["top"])
            box = (0, test["bottom"] + 1, latest["x0"] - 2, page.height - 50)
            texts.append(page.crop(box).extract_text())
    return " ".join(" ".join(texts).split())


def _shown(trend) -> str:
    names = trend.other_names
    return trend.name + (f" (as {', '.join(names)})" if names else "")


def test_html_and_pdf_list_the_same_analytes_once_each(packet):
    out, manifest = packet
    trends = build_trends(distinct(manifest.documents))
    page = (out / "INDEX.HTM").read_text(encoding="utf-8")
    table = re.search(r'<table class="trends">(.*?)</table>', page, re.S)
    assert table is not None
    cells = re.findall(r"<tr[^>]*><td[^>]*>(.*?)</td>", table.group(1), re.S)
    html_names = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", c)).split()) for c in cells]
    assert html_names == [_shown(t) for t in trends]
    assert sum(1 for t in trends if t.key == CA_27_29) == 1
    pdf_column = _pdf_test_column(out / "PACKET.PDF", _labs_pages(out / "PACKET.PDF"))
    assert pdf_column == " ".join(_shown(t) for t in trends)


def test_html_draws_each_chart_inline(packet):
    out, manifest = packet
    charted = [t for t in build_trends(distinct(manifest.documents)) if t.charted]
    page = (out / "INDEX.HTM").read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == len(charted) >= 3
    assert page.count('class="range"') == sum(1 for t in charted if parse_range(t.reference_range))


def test_pdf_holds_the_charts_as_vector_paths(packet):
    out, manifest = packet
    charted = [t for t in build_trends(distinct(manifest.documents)) if t.charted]
    pages = _labs_pages(out / "PACKET.PDF")
    with pdfplumber.open(out / "PACKET.PDF") as pdf:
        curves = sum(len(pdf.pages[n].curves) for n in pages)
        lines = sum(len(pdf.pages[n].lines) for n in pages)
        images = sum(len(pdf.pages[n].images) for n in pages)
    assert curves >= sum(len(t.points) for t in charted)  # a circle per value, and the lines
    assert lines >= len(charted) and images == 0  # drawn, not pictures


def test_labs_csv_keeps_a_row_per_result_with_the_analyte_key(packet):
    out, manifest = packet
    rows = list(csv.DictReader(io.StringIO((out / "EXTRA" / "LABS.CSV").read_text())))
    assert len(rows) == sum(len(d.labs) for d in distinct(manifest.documents))
    ca = [row for row in rows if row["analyte"] == CA_27_29]
    assert sorted(row["test"] for row in ca) == ["CA 27-29", "CA 27.29"]
    assert all(row["analyte"] for row in rows)


def test_a_test_of_many_earlier_values_says_how_many_and_where_in_the_pdf():
    """A trend of 200,000 values took hundreds of MB to lay out in one cell; the lab page
    lists the latest EARLIER_SHOWN and says how many there are, first, so the count
    survives a cell cut to fit its row (it was last, and cut: seen on the rendered page)."""
    import subprocess

    from intake.packet.pdf_pages import EARLIER_SHOWN, labs_page
    from intake.packet.trends import Reading, Trend

    def reading(day: int) -> Reading:
        return Reading(f"{11 + day / 100:.2f}", 11 + day / 100, None, False,
                       f"2025-{1 + day // 28:02d}-{1 + day % 28:02d}", None, "Hemoglobin",
                       ("D0001",))  # fmt: skip

    readings = [reading(day) for day in range(300)]
    trend = Trend("hgb", "Hemoglobin", "g/dL", readings[-1], tuple(reversed(readings[:-1])),
                  None, False, ("Hemoglobin",))  # fmt: skip
    text = subprocess.run(["pdftotext", "-", "-"], input=labs_page((trend,)),
                          capture_output=True, check=True).stdout.decode()  # fmt: skip
    packed = "".join(text.split())  # a narrow cell wraps where it likes
    assert "299earlier,allinINDEX.HTMandEXTRA/LABS.CSV;thelatest:" in packed
    assert readings[-2].value in text and readings[-2 - EARLIER_SHOWN].value not in text


@pytest.mark.parametrize(
    ("printed", "lines"),
    [
        ("150.000-450.000", ["150.000-", "450.000"]),  # a platelet range as Brazilian labs print it
        ("4.000-10.000", ["4.000-", "10.000"]),
        ("3.5-5.0", ["3.5-5.0"]),  # fits: left whole
    ],
)
def test_a_range_too_wide_for_its_cell_wraps_at_its_dash(printed, lines):
    """'150.000-450.000' is wider than the range column: it wrapped between two characters
    ('150.000-45' over '0.000', which reads as a range of its own: seen on a rendered page
    of a real DASA report); it wraps at the dash, each number whole."""
    import subprocess

    from intake.packet.pdf_pages import labs_page
    from intake.packet.trends import Reading, Trend

    latest = Reading("250.000", 250.0, None, False, "2024-05-02", None, "Plaquetas", ("D0001",))
    trend = Trend("plt", "Plaquetas", "/mm3", latest, (), printed, False, ("Plaquetas",))
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=labs_page((trend,)),
                          capture_output=True, check=True).stdout.decode()  # fmt: skip
    words = text.split()
    assert all(line in words for line in lines)
    assert not any(w.startswith(printed[:9]) and w not in lines for w in words)
