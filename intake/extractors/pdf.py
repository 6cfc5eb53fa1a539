"""PDF: the text layer through pdfplumber; pages without one are rendered and OCR'd."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pypdfium2
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from intake import ocr
from intake.extractors.base import ExtractionError, Extractor
from intake.model import Document, Source
from intake.sniff import PDF

OCR_DPI = 300
MIN_TEXT_CHARS = 20  # fewer visible characters than this: the page is a scan


class PdfExtractor(Extractor):
    """Text and page count of a PDF, OCR for scanned pages."""

    name = "pdf"
    version = "1"
    priority = 0.0
    media_types = frozenset({PDF})

    def extract(self, source: Source) -> list[Document]:
        text = read_pdf(source.path)
        return [
            Document.for_source(
                source,
                pages=text.pages,
                text=text.text,
                warnings=text.warnings,
                ocr_confidence=text.ocr_confidence,
            )
        ]


@dataclass
class PdfText:
    """What a PDF says: its text (OCR'd where pages had none), page count, warnings."""

    text: str
    pages: int
    warnings: list[str]
    ocr_confidence: float | None


def read_pdf(pdf: Path | bytes) -> PdfText:
    """Read a PDF file or PDF bytes (e.g. encapsulated in DICOM); ExtractionError if it can't."""
    pages, scanned = _read_text_layer(pdf)
    warnings: list[str] = []
    confidences: list[float] = []
    if scanned:
        for index, result in zip(scanned, _ocr_pages(pdf, scanned), strict=True):
            pages[index] = result.text
            warnings += [f"page {index + 1}: {w}" for w in result.warnings]
            if result.confidence is not None:
                confidences.append(result.confidence)
        warnings.append(f"{len(scanned)} of {len(pages)} pages had no text layer: read by OCR")
    confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
    return PdfText("\n\f\n".join(pages).strip(), len(pages), warnings, confidence)


def _read_text_layer(pdf: Path | bytes) -> tuple[list[str], list[int]]:
    """Each page's text, and the indexes of pages that need OCR."""
    pages: list[str] = []
    scanned: list[int] = []
    try:
        stream = io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf
        with pdfplumber.open(stream) as pdf_file:
            for index, page in enumerate(pdf_file.pages):
                text = page.extract_text() or ""
                page.close()  # frees the page's cached objects: long PDFs stay small
                if sum(not ch.isspace() for ch in text) < MIN_TEXT_CHARS:
                    scanned.append(index)
                pages.append(text)
    except PdfminerException as err:
        raise ExtractionError(_pdfminer_reason(err)) from err
    if not pages:
        raise ExtractionError("the PDF has no pages")
    return pages, scanned


def _ocr_pages(pdf: Path | bytes, indexes: list[int]) -> list[ocr.OcrText]:
    """Render the given pages with PDFium and OCR them."""
    results = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for index in indexes:
            page = document[index]
            image = page.render(scale=OCR_DPI / 72, grayscale=True).to_pil()
            page.close()
            results.append(ocr.read_image(image))
    finally:
        document.close()
    return results


def _pdfminer_reason(err: PdfminerException) -> str:
    cause = err.args[0] if err.args else err
    if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
        return (
            "password-protected: open it with its password and save an unprotected copy "
            "(or print it to PDF), then run intake again"
        )
    return f"damaged or not a PDF ({type(cause).__name__}: {cause})"
