"""Bounded cost of large input (issue 19, point 8): blank pages never reach Tesseract, and
OCR stops at a number of pages per file, naming the pages it left. Real Tesseract runs;
`PdfText.ocr_pages` counts the pages sent to it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from intake.extractors.pdf import read_pdf

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LETTER = (612, 792)


def _scan(line: str, *, noise: bool = False) -> ImageReader:
    """A 300-dpi page image holding `line` in 14-point type (or nothing but paper grain)."""
    image = Image.new("L", (2550, 3300), 248)
    if noise:
        image = Image.effect_noise(image.size, 6).point(lambda v: 242 + v // 32)
    if line:
        draw = ImageDraw.Draw(image)
        draw.text((300, 400), line, font=ImageFont.truetype(FONT, 58), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    buffer.seek(0)
    return ImageReader(buffer)


def _pdf(path: Path, pages: list[str | None]) -> Path:
    """One page per entry: None an empty page, "" a scanned sheet of blank paper, else a
    scanned page of that text."""
    pdf = canvas.Canvas(str(path), pagesize=LETTER)
    for page in pages:
        if page is not None:
            pdf.drawImage(_scan(page, noise=page == ""), 0, 0, *LETTER)
        pdf.showPage()
    pdf.save()
    return path


def test_a_document_of_blank_pages_is_not_ocrd(tmp_path):
    read = read_pdf(_pdf(tmp_path / "blank.pdf", [None] * 28 + ["", ""]))
    assert read.page_kinds == ["blank"] * 30
    assert read.ocr_pages == 0
    assert "30 blank pages: nothing to read" in read.warnings
    assert read.text == ""


def test_blank_pages_are_skipped_and_scanned_pages_still_ocrd(tmp_path):
    read = read_pdf(_pdf(tmp_path / "mixed.pdf", [None, "Potassium 4.1 mmol/L", ""]))
    assert read.page_kinds == ["blank", "scanned", "blank"]
    assert read.ocr_pages == 1
    assert "Potassium" in read.text
    assert "2 blank pages skipped" in read.warnings


def test_ocr_stops_at_its_limit_per_file_and_names_the_pages_left(tmp_path):
    lines = ["Sodium 140 mmol/L", "", "Chloride 101 mmol/L", "Glucose 95 mg/dL", "Calcium 9.4"]
    read = read_pdf(_pdf(tmp_path / "long.pdf", lines), ocr_limit=1)
    assert read.ocr_pages == 1
    assert "Sodium" in read.text
    assert "Chloride" not in read.text and "Glucose" not in read.text
    assert (
        "OCR stopped after 1 pages (the limit per file): page(s) 3-5 not read by OCR"
        in read.warnings
    )


@pytest.mark.parametrize("pages", [[3, 5, 6, 7, 12], [1]])
def test_pages_left_are_named_as_runs(pages):
    from intake.extractors.pdf import _spans

    assert _spans(pages) == {1: "1", 5: "3, 5-7, 12"}[len(pages)]


def test_packet_pdf_holds_a_bounded_number_of_documents_and_says_so(tmp_path, monkeypatch):
    """Past MAX_PDF_DOCUMENTS, PACKET.PDF stops taking documents (its memory grows with its
    pages); every document is still copied and listed, and the packet says which are out."""
    import pikepdf

    from intake import api
    from intake.packet import packet_pdf

    folder = tmp_path / "records"
    folder.mkdir()
    for number in range(6):
        (folder / f"note{number}.txt").write_text(f"Note {number}\nA short note.\n")
    monkeypatch.setattr(packet_pdf, "MAX_PDF_DOCUMENTS", 2)
    manifest = api.build_packet(folder, tmp_path / "out")
    out = tmp_path / "out"
    with pikepdf.open(out / "PACKET.PDF") as pdf, pdf.open_outline() as tree:
        outline = [item.title for item in _flat(tree.root)]
    held = [t for t in outline if "note" in t.lower()]
    assert len(held) == 2, outline
    assert len(manifest.documents) == 6
    assert "PACKET.PDF holds the first 2 documents" in (out / "INDEX.HTM").read_text()


def _flat(items):
    for item in items:
        yield item
        yield from _flat(item.children)
