"""A scanned page whose numbers Tesseract could not read surely (a tinted table column, the
back of the sheet showing through) is read again in black and white; numbers the two
readings disagree on are left out only when Tesseract was about as sure of both.

tests/excerpts/pt_trindade_2001_hemogram_rows.jpg is the hemogram rows of page 1 of
lab_pdf/tsilva_ordem_trindade_porto_2001_scanned.pdf (tsilva/parselabs, MIT, Copyright (c)
2024 Tiago Silva; corpus/SOURCES.tsv), cropped from the scan's own 243-dpi image: test names,
results and the blue-tinted reference column only (no patient data). The expected values
are typed from the page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from intake import ocr
from intake.understand.labs import parse_labs, parse_split_row, units_row
from tests.layouts import tesseract_line

EXCERPT = Path(__file__).resolve().parent / "excerpts" / "pt_trindade_2001_hemogram_rows.jpg"

# (test, value, unit, range) as printed on the page
ROWS = [
    ("Eritrocitos", "4.21", "x10^12/L", "4.5-5.9"),
    ("Hemoglobina", "14.2", "g/dL", "13.2-16.9"),
    ("Volume globular", "40.0", "%", "41-49"),
    ("Hemoglobina Globular Media", "33.7", "pg", "28-34"),
    ("Leucocitos", "5.9", "x10^9/L", "3.9-10.9"),
]
COUNTS = [  # the differential: share and absolute count, the range the absolute one's
    ("Eosinofilos", "2.0", "0.118", "0.0-0.2"),
    ("Linfocitos", "19.0", "1.121", "1.0-4.2"),
]


def _needs_tesseract() -> None:
    try:
        ocr.check_tesseract()
    except ocr.TesseractMissing:
        pytest.skip("Tesseract is not installed")


@pytest.fixture(scope="module")
def readings():
    """The excerpt read as intake reads a page first, and after the black-and-white look."""
    from PIL import Image

    _needs_tesseract()
    image = Image.open(EXCERPT)
    first = ocr._read_page_file(image, 60)
    kept, read_from = ocr.black_and_white_look(image, first, timeout=60)
    return image, first, kept, read_from


def test_the_tinted_column_becomes_paper():
    import numpy as np
    from PIL import Image

    image = Image.open(EXCERPT)
    grey = np.asarray(image.convert("L"))
    clean = np.asarray(ocr.binarized(image))
    assert set(np.unique(clean)) <= {0, 255}
    # the tinted reference column, right of its ranges: darker than the paper in the scan,
    # paper in black and white
    tint, paper = grey[600:640, 2150:2250], grey[600:640, 900:1000]
    assert np.median(tint) < np.median(paper) - 15
    assert clean[600:640, 2150:2250].min() == 255


def test_the_tinted_page_is_read_again_in_black_and_white(readings):
    image, first, kept, read_from = readings
    assert ocr.unsure_numbers(first) >= ocr.UNSURE_NUMBERS
    assert read_from is not image  # kept the black-and-white reading
    assert ocr.sure_numbers(kept) > ocr.sure_numbers(first)
    found = {(r.test, r.value, r.unit, r.reference_range) for r in parse_labs(kept.text)}
    for row in ROWS:
        assert row in found


def test_the_differential_under_its_units_row(readings):
    kept = readings[2]
    lines = kept.text.splitlines()
    header = next(i for i, line in enumerate(lines) if "LEUCOCITARIA" in line)
    units = units_row(lines[header])
    assert units == ("%", "10^9/L", "10^9/L")
    read = {}
    for line in lines[header + 1 :]:
        for result in parse_split_row(line, units):
            read[(result.test, result.unit)] = (result.value, result.reference_range)
    for test, share, count, reference in COUNTS:
        assert read[(test, "%")] == (share, None)
        assert read[(test, "10^9/L")] == (count, reference)


def test_no_number_of_the_page_is_invented(readings):
    kept = readings[2]
    printed = {value for row in ROWS for value in row[1:2]} | {
        number for row in COUNTS for number in row[1:3]
    }
    for result in parse_labs(kept.text):
        if result.test in {row[0] for row in ROWS}:
            assert result.value in printed


def test_a_clean_page_is_read_once():
    # a born-digital page's numbers, all read surely: no second reading is made
    data = tesseract_line(
        [("Hemoglobin", 0, 200, 96), ("13.2", 260, 60, 95), ("g/dL", 340, 60, 93)]
    )
    first = ocr._assemble(data)
    image = object()  # never read: the look returns before touching it
    kept, read_from = ocr.black_and_white_look(image, first, timeout=1)  # type: ignore[arg-type]
    assert kept is first and read_from is image


def _pair(kept_conf: float, their_word: str, their_conf: float) -> dict[int, tuple[str, str]]:
    kept = tesseract_line([("Hemoglobina", 0, 200, 95), ("16.9", 260, 60, kept_conf)])
    other = tesseract_line([("Hemoglobina", 0, 200, 80), (their_word, 262, 58, their_conf)])
    return ocr._disagreements(kept, other, ocr._sure_rival)


def test_a_rival_number_counts_only_when_about_as_sure():
    # the tinted reading's '1679' (confidence 74) against the clean '16.9' (96): not a rival
    assert _pair(96, "1679", 74) == {}
    # a rival Tesseract was as sure of leaves the number out
    assert _pair(96, "1679", 90) == {1: ("16.9", "1679")}
    # a guess (under 50) or a word not shaped like a number is never a rival
    assert _pair(55, "1679", 45) == {}
    assert _pair(96, "3o9-a", 96) == {}
    # the same number read alike is no disagreement
    assert _pair(96, "16.9", 96) == {}
    # a kept number that is a guess itself is no surer than any rival: left out
    assert _pair(40, "1679", 45) == {1: ("16.9", "1679")}
    assert _pair(40, "1679", 20) == {1: ("16.9", "1679")}
    assert _pair(40, "16.9", 45) == {}


def test_a_unit_in_brackets_is_not_a_number_read_two_ways():
    kept = tesseract_line([("Leucocitos", 0, 200, 95), ("(x10°9/L)", 220, 120, 88)])
    other = tesseract_line([("Leucocitos", 0, 200, 95), ("(x1079/L)", 221, 119, 88)])
    assert ocr._disagreements(kept, other) == {}


def test_a_number_left_out_is_left_out_of_the_word_boxes_too():
    data = tesseract_line(
        [("TGP", 0, 80, 95), ("19", 120, 40, 95), ("<", 200, 20, 90), ("3", 230, 20, 90)]
    )
    read = ocr._assemble(data, doubtful={3})
    assert read.text.endswith("< ?")
    assert [box[0] for box in read.boxes] == ["TGP", "19", "<", "?"]


def test_only_a_tinted_page_is_tinted():
    from PIL import Image, ImageDraw

    assert ocr.tinted(Image.open(EXCERPT))  # the shaded reference column
    page = Image.new("L", (1200, 800), 255)  # a clean page: paper and ink
    ImageDraw.Draw(page).text((100, 100), "Hemoglobin 13.2 g/dL 12.0-15.5", fill=0)
    assert not ocr.tinted(page)
