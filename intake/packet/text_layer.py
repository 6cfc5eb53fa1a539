"""An invisible text layer (text render mode 3) over scanned pages and photos in PACKET.PDF,
so a reader can search and copy the words OCR read from them.

Intake keeps the OCR text of each page, not Tesseract's word boxes (they are let go in the
extract stage's workers): each page's text is laid out invisibly from the top of the page,
a line of the OCR text per line of the page, scaled to the page's width. Search and copy
find the words; their place on the page is approximate.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from intake.packet import pdf_fonts
from intake.packet.kept_write_error import KeptWriteError

TOP_MARGIN = 36.0  # points
LINE = 10.0  # points between lines; shrunk so the text fits the page
MIN_TEXT_CHARS = 20  # a page with fewer characters of its own is a scan (as in extract)


def page_texts(text: str) -> list[str]:
    """A document's text as pages (the extractors join pages with a form feed)."""
    return [page.strip("\n") for page in text.split("\f")]


def draw_invisible(canvas, text: str, width: float, height: float) -> None:
    """Draw `text` invisibly from the top of a `width` x `height` page (render mode 3)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return
    fonts = pdf_fonts.current()
    step = min(LINE, (height - 2 * TOP_MARGIN) / len(lines))
    usable = width - 2 * TOP_MARGIN
    canvas.saveState()
    for number, line in enumerate(lines):
        y = height - TOP_MARGIN - (number + 1) * step
        pieces = list(pdf_fonts.runs(line, fonts))
        wide = sum(stringWidth(piece, font, step) for font, piece in pieces) or 1.0
        size = step * min(1.0, usable / wide)
        text_object = canvas.beginText(TOP_MARGIN, y)
        text_object.setTextRenderMode(3)
        for font, piece in pieces:
            text_object.setFont(font, max(size, 0.5))
            text_object.textOut(piece)
        canvas.drawText(text_object)
    canvas.restoreState()


def add_to_scans(pdf: bytes | Path, text: str, into: Path) -> bytes | Path:
    """`pdf` with the OCR `text` of its pages laid invisibly over each page that has no text
    of its own (a scan), written to `into` (a private scratch file); the PDF as it was when
    no page needs it or it cannot be read. A path is read lazily, never whole."""
    import pikepdf
    import pypdfium2

    from intake.pdf_files import open_pdf

    texts = page_texts(text)
    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError:
        return pdf
    try:
        scans = []
        for index in range(min(len(document), len(texts))):
            page = document[index]
            textpage = page.get_textpage()
            own = len(textpage.get_text_range().strip())
            width, height = page.get_size()  # as shown (rotation and crop box applied)
            textpage.close()
            page.close()
            if own < MIN_TEXT_CHARS and texts[index].strip():
                scans.append((index, width, height))
    finally:
        document.close()
    if not scans:
        return pdf
    layer = _layer_pdf([(w, h, texts[i]) for i, w, h in scans])
    with contextlib.ExitStack() as handles:
        out = open_pdf(pdf, handles)
        handles.callback(out.close)
        over = handles.enter_context(pikepdf.Pdf.open(io.BytesIO(layer)))
        for number, (index, _, _) in enumerate(scans):
            out.pages[index].add_overlay(over.pages[number])
        descriptor = os.open(into, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            written = KeptWriteError(handle)  # a full disk inside qpdf: raised here, after
            out.save(written, deterministic_id=True)
            written.check()
    return into


def _layer_pdf(pages: list[tuple[float, float, str]]) -> bytes:
    """A PDF whose pages hold only invisible text: (width, height, text) each."""
    from reportlab.pdfgen.canvas import Canvas

    fonts = pdf_fonts.current()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1, initialFontName=fonts.regular)
    for width, height, text in pages:
        canvas.setPageSize((width, height))
        draw_invisible(canvas, text, width, height)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
