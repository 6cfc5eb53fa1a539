"""A searchable scan: a scanned page with another OCR engine's text drawn invisibly over it.

On lab_pdf/tsilva_chporto_2023_cumulative_adobescan.pdf (an Adobe Scan of a Portuguese
cumulative report, scanned a little askew) the layer put each result's values a line above
its test name, so 18 results were lost. The page built here reproduces that fault: a
rendered lab table as the page's image, and an invisible layer holding the same words with
every value row a line above its name (the generator is this file's `searchable_scan`).
intake also reads such a page with its own OCR and keeps that reading when it holds clearly
more table rows; a layer whose rows are right is kept as it is.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from intake import ocr
from intake.extractors.pdf import read_pdf

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
HEADER = ("Analises", "Resultado", "Unidades", "Valores de Referencia")
ROWS = [  # (test, value, unit, range), as printed
    ("Hemoglobina", "14,0", "g/dL", "13,0 - 17,0"),
    ("Hematocrito", "40,9", "%", "40,0 - 50,0"),
    ("Plaquetas", "287", "x10^3/uL", "150 - 400"),
    ("Leucocitos", "5,50", "x10^3/uL", "4,00 - 11,00"),
    ("Creatinina", "0,73", "mg/dL", "0,70 - 1,20"),
    ("Ureia", "26", "mg/dL", "10 - 50"),
    ("Glicose", "87", "mg/dL", "70 - 110"),
    ("Colesterol total", "165", "mg/dL", "0 - 190"),
    ("Triglicerideos", "118", "mg/dL", "40 - 160"),
    ("Acido urico", "5,6", "mg/dL", "3,4 - 7,0"),
]
COLUMNS = (72, 250, 330, 420)  # points: test, value, unit, range
TOP, STEP = 120, 24  # the first row's baseline and the row pitch, in points


def _needs_ocr_and_font() -> None:
    try:
        ocr.check_tesseract()
    except ocr.TesseractMissing:
        pytest.skip("Tesseract is not installed")
    if not Path(FONT).exists():
        pytest.skip("DejaVu Sans is not installed (fonts-dejavu-core)")


def _cells(row: tuple[str, ...]) -> list[tuple[float, str]]:
    return list(zip(COLUMNS, row, strict=True))


def searchable_scan(*, rows_apart: bool) -> bytes:
    """A letter page: the table rendered at 200 dpi as its image, and the same words drawn
    invisibly (text render mode 3) over it; with `rows_apart`, each row's values are drawn a
    line above its test name, as the askew scan's layer had them."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    dpi, width, height = 200, 612, 792
    image = Image.new("L", (width * dpi // 72, height * dpi // 72), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, round(10 * dpi / 72))
    lines = [HEADER, *ROWS]
    for number, row in enumerate(lines):
        baseline = TOP + number * STEP
        for x, text in _cells(row):
            draw.text((x * dpi / 72, (baseline - 10) * dpi / 72), text, font=font, fill=0)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.drawImage(ImageReader(image), 0, 0, width, height)
    for number, row in enumerate(lines):
        baseline = TOP + number * STEP
        for index, (x, text) in enumerate(_cells(row)):
            shift = -STEP / 2 if rows_apart and number and index else 0  # values a line up
            layer = pdf.beginText(x, height - baseline - 2 - shift)
            layer.setTextRenderMode(3)  # invisible: a searchable scan's OCR layer
            layer.setFont("Helvetica", 10)
            layer.textOut(text)
            pdf.drawText(layer)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _found(read) -> set[tuple[str, str]]:
    return {(result.test, result.value) for result in read.labs}


def test_a_layer_with_its_rows_apart_is_read_again_by_ocr():
    _needs_ocr_and_font()
    read = read_pdf(searchable_scan(rows_apart=True))
    assert any("text layer had its table rows apart" in w for w in read.warnings)
    found = _found(read)
    right = sum((test, value) in found for test, value, _, _ in ROWS)
    assert right >= len(ROWS) - 1, found  # OCR may miss one; the layer alone gave none
    printed = {(test, value) for test, value, _, _ in ROWS}
    assert found <= printed  # nothing read that the page does not print


def test_a_layer_whose_rows_are_right_is_kept():
    _needs_ocr_and_font()
    read = read_pdf(searchable_scan(rows_apart=False))
    assert not any("text layer" in w for w in read.warnings)
    assert read.page_kinds == ["text"]
    assert _found(read) == {(test, value) for test, value, _, _ in ROWS}
