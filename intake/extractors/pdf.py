"""PDF: a fast PDFium pass sorts every page (text, scanned, mixed); only pages that look like
lab tables get pdfplumber's word positions; scanned and mixed pages are OCR'd in parallel.

Lab results are read from positioned words (text layer or OCR alike) by
understand.labs, so columns survive whatever produced the page.
"""

from __future__ import annotations

import contextvars
import io
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from intake import ocr, ocr_missing
from intake.extractor_versions import VERSIONS
from intake.extractors.base import ExtractionError, Extractor
from intake.model import Document, LabResult, Source
from intake.sniff import PDF
from intake.understand.lab_table import Row, Word, group_rows, words_from_text
from intake.understand.label_rows import page_lines
from intake.understand.labs import LabReader, parse_lab_line

if TYPE_CHECKING:  # the PDF libraries are imported where used: slow to import
    import pypdfium2

OCR_DPI = 300
MIN_TEXT_CHARS = 20  # fewer visible characters than this: the page is a scan
MIXED_IMAGE_SHARE = 0.3  # an image over this share of a page with a sparse text layer: mixed
SPARSE_TEXT_CHARS = 400  # a text layer this short beside a large image is a stamp, not the page
LOW_CONFIDENCE = 70.0  # mean OCR word confidence under which a page is named for checking
PAGE_TIMEOUT = 60.0  # seconds Tesseract may spend on one page
OCR_PAGE_LIMIT = 200  # pages OCR'd per file at most: one file cannot take hours
BLANK_DPI = 20  # a page without a text layer is rendered this small to see if it is blank
BLANK_SPREAD = 24  # no pixel further than this from the page's median grey: blank
PASSWORD_HINT = (
    "password-protected: open it with its password and save an unprotected copy "
    "(or print it to PDF), then run intake again"
)
LAB_HINTS = re.compile(  # OCR may read an accent or an i wrong: 'Valores de Referéncla'
    r"reference\s+(?:range|interval)|standard\s+range|normal\s+range|your\s+value"
    r"|tests?\s+ordered|out\s+of\s+range|\bunits?\b.{0,40}\b(?:range|flag)\b|\bflag\b"
    r"|valor(?:es)?\s+de\s+refer[eêé]nc[il1]a|intervalo\s+de\s+refer|rango\s+de\s+refer"
    r"|valeurs?\s+de\s+r[ée]f[ée]rence|referenzbereich|biological\s+ref"
    r"|\bbiomarkers?\b.{0,30}\bresults?\b|\bloinc\b|referencia\s*(?:tartomány|értékek?)",
    re.I,
)


class PdfExtractor(Extractor):
    """Text, lab results and page count of a PDF, OCR for scanned pages."""

    name = "pdf"
    version = VERSIONS["pdf"]
    priority = 0.0
    media_types = frozenset({PDF})

    preload = ("pdfplumber", "pypdfium2", "pikepdf", "PIL.Image", "intake.ocr")

    def extract(self, source: Source) -> list[Document]:
        read = read_pdf(source.read_bytes())  # the walked file's bytes, never a swapped-in one
        return [
            Document.for_source(
                source,
                pages=read.pages,
                text=read.text,
                labs=read.labs,
                labs_read=True,
                warnings=read.warnings,
                ocr_confidence=read.ocr_confidence,
            )
        ]


@dataclass
class PdfText:
    """What a PDF says: its text (OCR'd where pages had none), page count, warnings,
    the lab results its pages hold and how each page was read."""

    text: str
    pages: int
    warnings: list[str]
    ocr_confidence: float | None
    labs: list[LabResult] = field(default_factory=list)
    page_kinds: list[str] = field(default_factory=list)  # text, scanned, mixed or blank
    ocr_pages: int = 0  # pages sent to Tesseract


@dataclass
class Page:
    """One page after triage, then after reading."""

    index: int
    kind: str  # text, scanned, mixed, blank
    text: str
    searchable: bool = False  # a scan's own OCR layer (invisible text) over a lab table
    our_reading: ocr.OcrText | None = None  # intake's OCR of a searchable page, until compared
    lab_like: bool = False
    rows: list[Row] = field(default_factory=list)
    confidence: float | None = None


def read_pdf(pdf: Path | bytes, *, ocr_limit: int = OCR_PAGE_LIMIT) -> PdfText:
    """Read a PDF file or PDF bytes (e.g. encapsulated in DICOM); ExtractionError if it can't.

    Blank pages are counted, never OCR'd; at most `ocr_limit` pages are OCR'd, a warning
    names the rest."""
    warnings: list[str] = []
    document, data = _open(pdf, warnings)
    try:
        pages = list(_triage(document, warnings))
        if not pages:
            raise ExtractionError("the PDF has no pages")
        to_read = [p for p in pages if p.kind in ("scanned", "mixed") or p.searchable]
        if len(to_read) > ocr_limit:
            left = [p.index + 1 for p in to_read[ocr_limit:]]
            warnings.append(
                f"OCR stopped after {ocr_limit} pages (the limit per file): page(s) "
                f"{_spans(left)} not read by OCR"
            )
            to_read = to_read[:ocr_limit]
        unlayered = sum(p.kind in ("scanned", "mixed") for p in to_read)
        read_by_ocr = _ocr(document, to_read, warnings)
    finally:
        document.close()
    damaged = any(w.startswith(("damaged", "the PDF was damaged")) for w in warnings)
    if damaged and not any(p.text.strip() for p in pages):
        reason = "; ".join(w for w in warnings if "damaged" in w)
        raise ExtractionError(f"{reason}. Nothing could be recovered from it")
    labs = _read_labs(data if data is not None else pdf, pages, warnings)
    confidences = [p.confidence for p in pages if p.confidence is not None]
    if read_by_ocr and unlayered:
        warnings.append(f"{unlayered} of {len(pages)} pages had no text layer (or only part "
                        f"of one): read by OCR")  # fmt: skip
    blank = sum(p.kind == "blank" for p in pages)
    if blank == len(pages):
        warnings.append(f"{blank} blank pages: nothing to read")
    elif blank:
        warnings.append(f"{blank} blank pages skipped")
    return PdfText(
        "\n\f\n".join(p.text for p in pages).strip(),
        len(pages),
        warnings,
        round(sum(confidences) / len(confidences), 1) if confidences else None,
        labs=labs,
        page_kinds=[p.kind for p in pages],
        ocr_pages=len(to_read) if read_by_ocr else 0,
    )


def _open(pdf: Path | bytes, warnings: list[str]) -> tuple[pypdfium2.PdfDocument, bytes | None]:
    """PDFium's document, and for a damaged file the bytes qpdf (pikepdf) repaired, which
    the other readers then use. A truncated file is repaired even when PDFium copes."""
    import pypdfium2

    truncated = _is_truncated(pdf)
    if truncated:
        warnings.append(
            "damaged PDF: the file ends early (truncated download or copy): read what could be "
            "recovered; ask for a fresh copy"
        )
    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError as err:
        if "password" in str(err).lower():
            raise ExtractionError(PASSWORD_HINT) from err
        data = _repair(pdf, err)
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as again:
            raise ExtractionError(f"damaged or not a PDF ({err})") from again
        warnings.append("the PDF was damaged: read from a copy repaired by qpdf")
        return document, data
    if not truncated:
        return document, None
    try:
        return document, _repair(pdf, None)
    except ExtractionError:  # PDFium recovered more than qpdf can: the others read as is
        return document, None


def _repair(pdf: Path | bytes, first: Exception | None) -> bytes:
    """A PDF rewritten by qpdf, which rebuilds a broken cross-reference table."""
    import pikepdf

    from intake.pdf_files import opened_pdf

    buffer = io.BytesIO()
    try:
        with opened_pdf(pdf) as repaired:
            repaired.save(buffer)
    except pikepdf.PasswordError as err:
        raise ExtractionError(PASSWORD_HINT) from err
    except Exception as err:  # qpdf could not make sense of it either
        reason = first or err
        raise ExtractionError(
            f"damaged or not a PDF, and qpdf could not repair it ({reason})"
        ) from err
    return buffer.getvalue()


def _triage(document: pypdfium2.PdfDocument, warnings: list[str]) -> Iterator[Page]:
    """Each page's text layer and kind, one page in memory at a time."""
    import pypdfium2

    lost: list[int] = []
    for index in range(len(document)):
        try:
            page = document[index]
        except pypdfium2.PdfiumError:
            lost.append(index + 1)
            continue
        textpage = page.get_textpage()
        text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
        textpage.close()
        visible = len("".join(text.split()))
        if visible < MIN_TEXT_CHARS or _is_junk(text, visible):
            kind = "blank" if _is_blank(page) else "scanned"
        elif (
            visible < SPARSE_TEXT_CHARS
            and _image_share(page) >= MIXED_IMAGE_SHARE
            and not _only_invisible_text(page)  # a searchable scan's OCR layer is kept
        ):
            kind = "mixed"  # a printed header or stamp over a scanned page
        else:
            kind = "text"
        lab_like = _looks_like_labs(text) if kind in ("text", "mixed") else False
        searchable = kind == "text" and lab_like and _only_invisible_text(page)
        page.close()
        kept = text if kind in ("text", "mixed") else ""
        yield Page(index, kind, kept, searchable=searchable, lab_like=lab_like)
    if lost and len(lost) == len(document):
        raise ExtractionError("damaged PDF: none of its pages could be loaded")
    if lost:
        warnings.append(f"damaged PDF: page(s) {_numbers(lost)} could not be loaded")


MAX_RENDER_PIXELS = 60_000_000  # an A0 poster at 300 DPI is 140 MP: rendered smaller


def _scale(page: pypdfium2.PdfPage, dpi: int) -> float:
    """The render scale for `dpi`, made smaller for a page so large that its bitmap would
    pass MAX_RENDER_PIXELS (a 200,000-point MediaBox ran out of memory: the file was
    unreadable)."""
    width, height = page.get_size()
    scale = dpi / 72
    area = max(width * height, 1.0) * scale * scale
    return scale if area <= MAX_RENDER_PIXELS else scale * (MAX_RENDER_PIXELS / area) ** 0.5


def _is_blank(page: pypdfium2.PdfPage) -> bool:
    """Nothing on the page to read: rendered at BLANK_DPI (a few milliseconds, against
    seconds of OCR), no pixel stands out from the page's median grey. A word of 8-point
    type or a hairline still does; scanner noise and paper tone do not."""
    import numpy as np

    pixels = np.asarray(page.render(scale=_scale(page, BLANK_DPI), grayscale=True).to_pil())
    if pixels.size == 0:
        return True
    median = int(np.median(pixels))
    return int(pixels.max()) - median <= BLANK_SPREAD and median - int(pixels.min()) <= BLANK_SPREAD


def _spans(pages: list[int]) -> str:
    """Page numbers as runs: 3, 5-9, 12."""
    runs: list[list[int]] = []
    for number in pages:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _numbers(pages: list[int]) -> str:
    shown = ", ".join(map(str, pages[:10]))
    return shown + (f" and {len(pages) - 10} more" if len(pages) > 10 else "")


def _is_truncated(pdf: Path | bytes) -> bool:
    """No end-of-file marker near the end: the download or copy stopped early."""
    if isinstance(pdf, bytes):
        tail = pdf[-2048:]
    else:
        with open(pdf, "rb") as handle:
            handle.seek(0, io.SEEK_END)
            handle.seek(max(0, handle.tell() - 2048))
            tail = handle.read()
    return b"%%EOF" not in tail


def _image_share(page: pypdfium2.PdfPage) -> float:
    import pypdfium2

    width, height = page.get_size()
    area = 0.0
    for image in page.get_objects(filter=(pypdfium2.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        left, bottom, right, top = image.get_bounds()
        area += max(0.0, min(right, width) - max(left, 0)) * max(
            0.0, min(top, height) - max(bottom, 0)
        )
    return min(area / (width * height), 1.0) if width and height else 0.0


_ODD = re.compile("[\ufffd\ufffe\ue000-\uf8ff\x00-\x08\x0b\x0c\x0e-\x1f]")
_WORDLIKE = re.compile(r"[A-Za-z]{2}|\d")  # searched per token: linear on a row of dots
_RANGE_HINT = re.compile(
    r"\d\s*(?:-|\ba\b|\bto\b)\s*\d|[<>]=?\s*\d|\b(?:negative|positive|detected|reactive)\b", re.I
)


def _only_invisible_text(page: pypdfium2.PdfPage) -> bool:
    """All the page's text is drawn invisibly: the OCR layer of a 'searchable' scan."""
    import pypdfium2

    invisible = pypdfium2.raw.FPDF_TEXTRENDERMODE_INVISIBLE
    seen = False
    for text in page.get_objects(filter=(pypdfium2.raw.FPDF_PAGEOBJ_TEXT,), max_depth=2):
        if pypdfium2.raw.FPDFTextObj_GetTextRenderMode(text.raw) != invisible:
            return False  # the first visible text answers: a born-digital page stops here
        seen = True
    return seen


def _is_junk(text: str, visible: int) -> bool:
    """A text layer no one can read (`visible` non-space characters): unmapped glyphs,
    private-use codes, no words."""
    tokens = text.split()
    odd = len(_ODD.findall(text))
    wordlike = sum(1 for token in tokens if _WORDLIKE.search(token))
    return odd > visible * 0.3 or wordlike < len(tokens) * 0.3


def _looks_like_labs(text: str) -> bool:
    """A lab table's header words, or a result line (only looked for when a range or a
    qualitative result appears at all)."""
    if LAB_HINTS.search(text):
        return True
    return bool(_RANGE_HINT.search(text)) and any(map(parse_lab_line, text.splitlines()))


def ocr_workers() -> int:
    """Tesseract processes to run at once (settings.ocr_jobs)."""
    from intake import settings

    return settings.ocr_jobs()


OCR_BATCH = 4  # pages per Tesseract process at most (one model load for all of them)


def _ocr(document: pypdfium2.PdfDocument, pages: list[Page], warnings: list[str]) -> bool:
    """Render pages (PDFium is single-threaded) while Tesseract processes read the rendered
    ones in parallel, a few pages each, one thread each; few images wait in memory.

    Without a usable Tesseract the pages are left as they are (a mixed page keeps its text
    layer, a scanned one stays empty) and a warning names them; returns whether OCR ran."""
    if not pages:
        return False
    try:
        ocr.check_tesseract()
    except ocr.TesseractMissing as err:
        for kind in ("scanned", "mixed"):
            numbers = [page.index + 1 for page in pages if page.kind == kind]
            if numbers:
                warnings.append(
                    ocr_missing.pages_warning(
                        numbers, len(document), err.reason, images_only=kind == "mixed"
                    )
                )
        return False
    workers = ocr_workers()
    size = max(1, min(OCR_BATCH, -(-len(pages) // workers)))
    pending: list[tuple[list[Page], Future[list[ocr.OcrText]]]] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(pages), size):
            batch = pages[start : start + size]
            images = []
            for page in batch:
                pdf_page = document[page.index]
                scale = _scale(pdf_page, OCR_DPI)
                images.append(pdf_page.render(scale=scale, grayscale=True).to_pil())
                pdf_page.close()
            pending.append(
                (
                    batch,
                    pool.submit(
                        contextvars.copy_context().run,  # the run's OCR settings and folder
                        ocr.read_pages,
                        images,
                        timeout=PAGE_TIMEOUT,
                    ),
                )
            )
            del images
            while sum(not future.done() for _, future in pending) > workers:
                next(future for _, future in pending if not future.done()).result()
        for batch, future in pending:
            for page, result in zip(batch, future.result(), strict=True):
                if page.searchable:  # compared with the layer's rows when labs are read
                    page.our_reading = result
                else:
                    _take_ocr(page, result, warnings)
    return True


# A searchable scan's text layer is another OCR engine's reading, drawn invisibly over the
# scan; on a lab page scanned askew its rows can come apart (values a line above their test
# names). Such a page is also read by intake's OCR, and that reading replaces the layer when
# clearly more results are read from it.
LAYER_ROWS_MORE = 1.2  # times the layer's results intake's reading must give to replace it


def _better_than_layer(rows: list[Row], ours: ocr.OcrText) -> bool:
    """Whether intake's OCR of a searchable scan reads its results better than the scan's own
    layer (its words' `rows`): more results, and at least a fifth more."""
    layer = _results(rows)
    mine = _results(group_rows(Word(*box) for box in ours.boxes))
    return mine > layer and mine >= layer * LAYER_ROWS_MORE


def _results(rows: list[Row]) -> int:
    """How many lab results a page's rows read as (alone: no earlier page's table header)."""
    reader = LabReader()
    reader.read(rows)
    return len(reader.finish())


def _take_ocr(page: Page, result: ocr.OcrText, warnings: list[str]) -> None:
    number = page.index + 1
    warnings += [f"page {number}: {w}" for w in result.warnings]
    if result.turned:
        warnings.append(f"page {number}: scanned turned {result.turned}°: read upright")
    if result.confidence is not None and result.confidence < LOW_CONFIDENCE:
        warnings.append(
            f"page {number}: low OCR confidence ({result.confidence:.0f}%): check its values "
            "against the page"
        )
    page.confidence = result.confidence
    page.lab_like = _looks_like_labs(result.text)
    page.rows = group_rows(
        Word(text, x0, x1, top, bottom) for text, x0, x1, top, bottom in result.boxes
    )
    if page.kind == "mixed":  # keep the exact text layer; add what only the image holds
        known = {_squash(line) for line in page.text.splitlines()}
        extra = [line for line in result.text.splitlines() if _squash(line) not in known]
        page.text = "\n".join([page.text.rstrip(), *extra])
    else:
        page.text = result.text


def _squash(line: str) -> str:
    return re.sub(r"\s+", "", line).lower()


PLUMBER_CHUNK = 50  # pages per pdfplumber opening: pdfminer's object cache stays bounded


def _read_labs(pdf: Path | bytes, pages: list[Page], warnings: list[str]) -> list[LabResult]:
    """Lab results of the pages that look like lab reports, page by page in order: each
    page's word boxes (pdfplumber's, or OCR's) are read and let go."""
    reader = LabReader()
    plumbed = _word_rows(pdf, [p for p in pages if p.lab_like and p.kind == "text"], warnings)
    for page in pages:
        if page.lab_like:
            rows = next(plumbed) if page.kind == "text" else page.rows
            ours, page.our_reading = page.our_reading, None
            if ours is not None and _better_than_layer(rows, ours):
                page.kind = "scanned"  # the layer is set aside
                warnings.append(
                    f"page {page.index + 1}: the scan's own text layer had its table rows "
                    "apart: read by OCR"
                )
                _take_ocr(page, ours, warnings)
                rows = page.rows
            reader.read(rows or words_from_text(page.text))
            page.rows = []
    return reader.finish()


def _word_rows(pdf: Path | bytes, wanted: list[Page], warnings: list[str]) -> Iterator[list[Row]]:
    """pdfplumber's word boxes, as rows, for each wanted page in order (the page's text
    becomes the rows' text, column gaps kept); PDFium's text lines if pdfminer fails."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    for start in range(0, len(wanted), PLUMBER_CHUNK):
        chunk = wanted[start : start + PLUMBER_CHUNK]
        stream = io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf
        try:
            with pdfplumber.open(stream, pages=[p.index + 1 for p in chunk]) as document:
                for page, plumbed in zip(chunk, document.pages, strict=True):
                    words = plumbed.extract_words(  # tight kerning: a gap of 15% of the
                        keep_blank_chars=False, use_text_flow=False, x_tolerance_ratio=0.15
                    )  # font size splits words, as PDF readers show them
                    rows = group_rows(
                        Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"]) for w in words
                    )
                    plumbed.close()  # frees the page's cached objects
                    page.text = "\n".join(page_lines(rows))
                    yield rows
        except PdfminerException as err:
            cause = err.args[0] if err.args else err
            if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
                raise ExtractionError(PASSWORD_HINT) from err
            warnings.append(
                f"word positions unreadable ({type(cause).__name__}): labs read as lines"
            )
            break
    while True:  # pages left after a failure: their PDFium text
        yield []
