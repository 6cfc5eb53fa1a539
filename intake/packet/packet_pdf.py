"""PACKET.PDF: one file a physician can read anywhere, built with pikepdf.

Order: cover (with the to-do list), checklist, timeline, medications, lab results; then
every document by category (PDFs as they are, images as pages, C-CDAs and texts rendered,
a page per imaging study with its previews); then the questions and blank notes pages.
The outline (bookmarks) has one entry per part and per document, grouped by category, and
page labels name each document's pages ("D0003-1"), so "page D0003-2" means one thing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, Pdf, String

from intake import __version__
from intake.extractors.base import ExtractionError
from intake.extractors.dicom import encapsulated_pdf
from intake.model import Document, Manifest, Source, SourceChanged
from intake.packet import pdf_pages
from intake.packet.categories import by_category
from intake.packet.index import PacketIndex, reason_of
from intake.sniff import CDA, DICOM, IMAGE_TYPES, PDF

MARK = Name("/IntakePacket")  # in the document information: "intake <version>"; --force
# replaces a PDF only when it carries this (a PDF intake wrote)
SUMMARY = "Summary"
CLOSING = "Questions and notes"


@dataclass
class Part:
    """A run of pages: where it sits in the outline and how its pages are labelled."""

    category: str
    title: str
    pdf: bytes | Path
    label: str  # page label prefix


def build_packet_pdf(
    manifest: Manifest,
    sources: dict[str, Source],
    root: Path,
    index: PacketIndex,
    *,
    documents: list[Document],
    prepared: str,
    reason: str | None,
    to_do: list[str],
    prompts: list[str],
) -> bytes:
    """The whole PACKET.PDF as bytes. `root` is the packet being written (for previews);
    `documents` are the ones to include (byte-identical repeats already left out)."""
    summary = [
        ("Cover and to-do list", "Cover-",
         lambda: pdf_pages.cover(manifest, prepared=prepared, reason=reason, to_do=to_do)),
        ("Checklist", "Checklist-", lambda: pdf_pages.checklist_page(manifest)),
        ("Timeline", "Timeline-", lambda: pdf_pages.timeline_page(manifest)),
        ("Medications", "Medications-", lambda: pdf_pages.medications_page(manifest)),
        ("Lab results", "Labs-", lambda: pdf_pages.labs_page(documents)),
    ]  # fmt: skip
    parts = [Part(SUMMARY, title, _whole_part(title, make), label)
             for title, label, make in summary]  # fmt: skip
    questions = [d for d in documents if d.kind == "questions"]
    for category, members in by_category(documents):
        for document in members:
            if document.kind == "questions" or document.subtype == "dicomdir":
                continue
            title = " ".join(filter(None, [document.date, document.title or document.source]))
            parts.append(
                Part(category, title, _pages_for(document, sources, root, index), f"{document.id}-")
            )
    sheet = _whole_part("Questions and concerns",
                        lambda: pdf_pages.questions_sheet(questions, prompts))  # fmt: skip
    parts.append(Part(CLOSING, "Questions and concerns", sheet, "Questions-"))
    parts.append(Part(CLOSING, "Notes", pdf_pages.notes_pages(), "Notes-"))
    return assemble(parts)


def _whole_part(title: str, make) -> bytes:
    """A part of the packet as a whole (cover, checklist, ...), or a page saying why not."""
    try:
        return make()
    except MemoryError:
        raise
    except Exception as err:
        stand_in = Document(source=title, sha256=None, size=0, media_type=PDF, title=title)
        return pdf_pages.placeholder(stand_in, f"this part could not be made ({reason_of(err)})")


def _pages_for(
    document: Document, sources: dict[str, Source], root: Path, index: PacketIndex
) -> bytes | Path:
    """The pages standing for one document in the packet; whatever fails becomes a note on
    the document and its placeholder page."""
    copy = index.first(document)
    try:
        return _render_pages(document, sources, root, index, copy)
    except MemoryError:
        raise
    except Exception as err:
        why = reason_of(err)
        index.note(document, f"{document.source}: its pages in PACKET.PDF failed ({why})")
        return _whole_part(document.id, lambda: pdf_pages.placeholder(document, why, copy))


def _render_pages(
    document: Document, sources: dict[str, Source], root: Path, index: PacketIndex, copy
) -> bytes | Path:
    source = sources.get(document.files[0].source) if document.files else None
    if document.kind == "unreadable" or source is None:
        reason = "; ".join(document.warnings) or "the file could not be read"
        return pdf_pages.placeholder(document, reason, copy)
    try:
        if document.media_type == PDF:
            return source.read_bytes()  # the walked file's bytes, never a swapped-in one
        if document.media_type == DICOM and document.kind == "imaging_study":
            previews = {
                (study, series): root / name
                for study, study_detail in enumerate(document.imaging)
                for series in range(len(study_detail.series_detail))
                if (name := index.preview(document, study, series))
            }
            return pdf_pages.study_page(document, previews)
        if document.media_type == DICOM:
            try:
                return encapsulated_pdf(source)
            except ExtractionError:
                return pdf_pages.text_pages(document.text, document)
        if document.media_type == CDA and document.narrative is not None:
            return pdf_pages.cda_pages(document)
        if document.media_type in IMAGE_TYPES:
            with source.open() as handle:
                return pdf_pages.image_page(handle, document)
        if document.text.strip():
            return pdf_pages.text_pages(document.text, document)
    except (ExtractionError, OSError, ValueError, SourceChanged) as err:
        return pdf_pages.placeholder(document, str(err), copy)
    return pdf_pages.placeholder(document, "open the original file from the packet", copy)


def assemble(parts: list[Part]) -> bytes:
    """Join the parts into one PDF with an outline by category and page labels; when that
    fails, the PDF is joined again without the parts that cannot be joined alone."""
    try:
        return _assemble(parts)
    except MemoryError:
        raise
    except Exception:
        kept = [part for part in parts if _joins(part)]
        if len(kept) == len(parts):
            raise
        return _assemble(kept)


def _joins(part: Part) -> bool:
    try:
        _assemble([part])
    except MemoryError:
        raise
    except Exception:
        return False
    return True


def _assemble(parts: list[Part]) -> bytes:
    out = Pdf.new()
    opened: list[Pdf] = []
    starts: list[tuple[Part, int]] = []
    labels: list[object] = []
    try:
        for part in parts:
            source = _open(part)
            if source is None:
                continue
            opened.append(source)
            start = len(out.pages)
            out.pages.extend(source.pages)
            starts.append((part, start))
            labels += [start, Dictionary(S=Name.D, P=String(part.label))]
        with out.open_outline() as outline:
            current: OutlineItem | None = None
            for part, start in starts:
                if current is None or current.title != part.category:
                    current = OutlineItem(part.category, start)
                    outline.root.append(current)
                current.children.append(OutlineItem(part.title, start))
        out.Root.PageLabels = Dictionary(Nums=Array(labels))
        out.Root.PageMode = Name.UseOutlines
        out.docinfo[MARK] = String(f"intake {__version__}")
        out.docinfo[Name.Creator] = String(f"intake {__version__}")
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True)
        return buffer.getvalue()
    finally:
        for source in opened:
            source.close()
        out.close()


def _open(part: Part) -> Pdf | None:
    """Open a part's PDF; a document PDF that pikepdf cannot open becomes a placeholder."""
    try:
        if isinstance(part.pdf, Path):
            return Pdf.open(part.pdf)
        return Pdf.open(io.BytesIO(part.pdf))
    except pikepdf.PasswordError:
        why = "it is password-protected"
    except pikepdf.PdfError as err:
        why = f"it is damaged ({str(err)[:120]})"
    except OSError as err:  # the file went away or cannot be read now
        why = f"it cannot be read ({reason_of(err)})"
    stand_in = Document(source=part.title, sha256=None, size=0, media_type=PDF, title=part.title)
    return Pdf.open(io.BytesIO(pdf_pages.placeholder(stand_in, why)))
