"""PACKET.PDF: one file a physician can read anywhere, built with pikepdf.

Order: the clinical summary with the contents (PacketSummary), timeline, medications, lab
results, the caregiver's to-do list and checklist on their own page; then every document by
category (PDFs as they are, images as pages, C-CDAs and texts rendered,
a page per imaging study with its previews); then the questions and blank notes pages.
The outline (bookmarks) has one entry per part and per document, grouped by category, and
page labels name each document's pages ("D0003-1"), so "page D0003-2" means one thing.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, Pdf, String

from intake import __version__
from intake.extractors.base import ExtractionError
from intake.extractors.dicom import encapsulated_pdf
from intake.model import Document, Manifest, Source, SourceChanged
from intake.packet import pdf_fonts, pdf_pages, text_layer
from intake.packet.categories import by_category
from intake.packet.dicom_set import APART_FOLDER, DICOM_FOLDER
from intake.packet.index import PacketIndex, reason_of
from intake.packet.kept_write_error import KeptWriteError
from intake.packet.photo_page import photo_page
from intake.packet.summary import PacketSummary
from intake.pdf_files import open_pdf
from intake.sniff import CDA, DICOM, IMAGE_TYPES, PDF

MARK = Name("/IntakePacket")  # in the document information: "intake <version>"; --force
# replaces a PDF only when it carries this (a PDF intake wrote)
SUMMARY = "Summary"
SUMMARY_TITLE = "Clinical summary and contents"
SUMMARY_LABEL = "Summary-"
CLOSING = "Questions and notes"


@dataclass
class Part:
    """A run of pages: where it sits in the outline and how its pages are labelled."""

    category: str
    title: str
    pdf: bytes | Path
    label: str  # page label prefix
    own: bool = True  # pages intake wrote (they get its footer); False: a record's own PDF
    pages: range | None = None  # its pages in `pdf` when several parts share one PDF


# documents whose pages PACKET.PDF holds: no reader pages through more, and its size in
# memory while it is joined grows with its pages
MAX_PDF_DOCUMENTS = 1_000

JOINED_PDF_MAX = 256 * 2**20  # bytes of the records' own PDFs joined into PACKET.PDF: qpdf
# holds their pages in memory while it writes it (a 200 MB scan took 356 MB); past that a
# record's PDF gets a page saying where its copy in the packet is


def build_packet_pdf(
    manifest: Manifest,
    sources: dict[str, Source],
    root: Path,
    index: PacketIndex,
    *,
    documents: list[Document],
    summary: PacketSummary,
    prepared: str,
    prompts: list[str],
    target: BinaryIO,
    join_all: bool = False,
) -> None:
    """The whole PACKET.PDF, written to `target` as it is joined.
    `root` is the packet being written (its copies of the records' PDFs are joined from
    there, never held whole in memory);
    `join_all` (--only-pdf, whose PDF is all there is): every record's PDF joined, past
    the JOINED_PDF_MAX budget too.
    `documents` are the ones to include (byte-identical repeats already left out). The
    clinical summary and contents come first, the caregiver's to-do and checklist on their
    own page after the clinical tables, then the documents."""
    index.general += pdf_fonts.current().notes
    tables = [
        ("Timeline", "Timeline-", lambda: pdf_pages.timeline_page(manifest)),
        ("Medications", "Medications-", lambda: pdf_pages.medications_page(manifest, summary)),
        ("Lab results", "Labs-", lambda: pdf_pages.labs_page(summary.trends)),
        ("For the caregiver: to do and checklist", "Caregiver-",
         lambda: pdf_pages.caregiver_page(manifest, summary.to_do)),
    ]  # fmt: skip
    parts = [Part(SUMMARY, title, _whole_part(title, make), label)
             for title, label, make in tables]  # fmt: skip
    questions = [d for d in documents if d.kind == "questions"]
    shown = [
        (category, document)
        for category, members in by_category(documents)
        for document in members
        if document.kind != "questions" and document.subtype != "dicomdir"
    ]
    if len(shown) > MAX_PDF_DOCUMENTS:  # the packet folder and INDEX.HTM still hold them all
        left = shown[MAX_PDF_DOCUMENTS:]
        shown = shown[:MAX_PDF_DOCUMENTS]
        index.general.append(
            f"PACKET.PDF holds the first {MAX_PDF_DOCUMENTS:,} documents in its order; the "
            f"other {len(left):,} ({', '.join(sorted({c for c, _ in left}))}) are in the "
            "packet folder and listed in INDEX.HTM."
        )
    texts = _text_parts([d for _, d in shown if _plain_text(d, sources)])
    budget = JOINED_PDF_MAX if not join_all else float("inf")  # --only-pdf: no copy to name
    for category, document in shown:
        title = " ".join(filter(None, [document.date, document.title or document.source]))
        if id(document) in texts:
            pdf, pages = texts[id(document)]
            parts.append(Part(category, title, pdf, f"{document.id}-", True, pages))
            continue
        joined = document.media_type != PDF or document.size <= budget
        budget -= document.size if joined and document.media_type == PDF else 0
        pdf, own = _pages_for(document, sources, root, index, joined=joined)
        parts.append(Part(category, title, pdf, f"{document.id}-", own))
    sheet = _whole_part("Questions and concerns",
                        lambda: pdf_pages.questions_sheet(questions, prompts))  # fmt: skip
    parts.append(Part(CLOSING, "Questions and concerns", sheet, "Questions-"))
    parts.append(Part(CLOSING, "Notes", pdf_pages.notes_pages(), "Notes-"))
    meta = (f"intake {__version__} · {len(manifest.documents)} documents · "
            f"checklist: {manifest.checklist_name}")  # fmt: skip
    first = _summary_part(summary, parts, prepared=prepared, meta=meta)
    name = manifest.patient.name
    reason = manifest.reason
    about = Info(
        title=f"Medical records of {name}" if name else "Medical records for a second opinion",
        subject=" - ".join(filter(None, [name or "Patient name not found",
                                         f"second opinion: {reason}" if reason else None])),
        patient=name or "",
    )  # fmt: skip
    assemble([first, *parts], about, target)


def _summary_part(summary: PacketSummary, parts: list[Part], *, prepared: str, meta: str) -> Part:
    """The clinical summary with the contents: each later part's first page number, known
    once the summary's own length is (laid out again until it is stable)."""
    counts = [_page_count(part) for part in parts]
    entries: list[tuple[str, str, int]] = []  # (title, link key, page after the summary)
    page, category = 1, None
    for part, count in zip(parts, counts, strict=True):
        if part.category == SUMMARY or part.category == CLOSING:
            entries.append((part.title, part.label.rstrip("-"), page))
        elif part.category != category:
            entries.append((f"Documents: {part.category}", part.label.rstrip("-"), page))
        category = part.category
        page += count
    length, made = 1, b""
    for _ in range(3):
        contents = [(title, key, start + length) for title, key, start in entries]
        made = _whole_part(SUMMARY_TITLE, lambda c=contents: pdf_pages.summary_page(
            summary, prepared=prepared, meta=meta, contents=c))  # fmt: skip
        pages = _page_count(Part(SUMMARY, SUMMARY_TITLE, made, SUMMARY_LABEL))
        if pages == length:
            break
        length = pages
    return Part(SUMMARY, SUMMARY_TITLE, made, SUMMARY_LABEL)


TEXT_BATCH = 500  # plain-text documents laid out together: one embedded font, not one each


def _plain_text(document: Document, sources: dict[str, Source]) -> bool:
    """A document _render_pages lays out as text pages (a note, an HTML page, JSON)."""
    source = sources.get(document.files[0].source) if document.files else None
    return (
        document.kind != "unreadable"
        and source is not None
        and document.media_type not in (PDF, DICOM)
        and not (document.media_type == CDA and document.narrative is not None)
        and document.media_type not in IMAGE_TYPES
        and bool(document.text.strip())
    )


def _text_parts(documents: list[Document]) -> dict[int, tuple[bytes, range]]:
    """Plain-text documents' pages, TEXT_BATCH to a PDF (the pages each would have alone;
    a thousand separate PDFs embedded a thousand copies of the font): by id(document), the
    shared PDF and the document's pages in it. A batch that cannot be laid out leaves its
    documents to be laid out one by one (and fail alone)."""
    found: dict[int, tuple[bytes, range]] = {}
    for first in range(0, len(documents), TEXT_BATCH):
        batch = documents[first : first + TEXT_BATCH]
        if len(batch) < 2:
            continue
        try:
            pdf, starts = pdf_pages.text_pages_together(batch)
        except MemoryError:
            raise
        except Exception:
            continue
        ends = [*starts[1:], _page_count(Part(SUMMARY, "", pdf, ""))]
        for document, start, end in zip(batch, starts, ends, strict=True):
            found[id(document)] = (pdf, range(start, end))
    return found


def _page_count(part: Part) -> int:
    if part.pages is not None:
        return len(part.pages)
    with contextlib.ExitStack() as handles:
        source = _open(part, handles)
        try:
            return len(source.pages)
        finally:
            source.close()


@dataclass(frozen=True)
class Info:
    """PACKET.PDF's document information and its pages' footer."""

    title: str
    subject: str
    patient: str  # in the footer of intake's own pages
    language: str = "en"


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
    document: Document,
    sources: dict[str, Source],
    root: Path,
    index: PacketIndex,
    *,
    joined: bool = True,
) -> tuple[bytes | Path, bool]:
    """The pages standing for one document in the packet, and whether intake wrote them
    (False: the record's own PDF); whatever fails becomes a note on the document and its
    placeholder page."""
    copy = index.first(document)
    try:
        return _render_pages(document, sources, root, index, copy, joined)
    except MemoryError:
        raise
    except Exception as err:
        why = reason_of(err)
        index.note(document, f"{document.source}: its pages in PACKET.PDF failed ({why})")
        return _whole_part(document.id, lambda: pdf_pages.placeholder(document, why, copy)), True


def _render_pages(
    document: Document,
    sources: dict[str, Source],
    root: Path,
    index: PacketIndex,
    copy,
    joined: bool,
) -> tuple[bytes | Path, bool]:
    source = sources.get(document.files[0].source) if document.files else None
    if document.kind == "unreadable" or source is None:
        reason = "; ".join(document.warnings) or "the file could not be read"
        return pdf_pages.placeholder(document, reason, copy), True
    try:
        if document.media_type == PDF and not joined:
            return pdf_pages.placeholder(
                document, f"PACKET.PDF joins at most {JOINED_PDF_MAX // 2**20} MB of the "
                f"records' own PDFs, and this one ({document.size / 2**20:,.0f} MB) is past "
                "that: open it from the packet", copy), True  # fmt: skip
        if document.media_type == PDF:  # the walked file's bytes, never a swapped-in one
            if copy:  # its checked copy in the packet, read lazily, while the source is
                with source.open():  # still the file walked (SourceChanged: a placeholder)
                    pdf: bytes | Path = root / copy
            else:
                pdf = source.read_bytes()
            if document.ocr_confidence is not None:  # scanned pages: their OCR text, invisible
                scratch = root.parent / f"{document.id}.pdf"  # the private partial folder
                pdf = text_layer.add_to_scans(pdf, document.text, scratch)
            return pdf, False
        if document.media_type == DICOM and document.kind == "imaging_study":
            previews = {
                (study, series): root / name
                for study, study_detail in enumerate(document.imaging)
                for series in range(len(study_detail.series_detail))
                if (name := index.preview(document, study, series))
            }
            placed = index.files(document)
            apart = any(name.startswith(f"{APART_FOLDER}/") for name in placed)
            listed = any(name.startswith(f"{DICOM_FOLDER}/") for name in placed)
            page = pdf_pages.study_page(document, previews, listed=listed or not placed,
                                        apart=APART_FOLDER if apart else None)  # fmt: skip
            return page, True
        if document.media_type == DICOM:
            try:
                return encapsulated_pdf(source), False
            except ExtractionError:
                return pdf_pages.text_pages(document.text, document), True
        if document.media_type == CDA and document.narrative is not None:
            return pdf_pages.cda_pages(document), True
        if document.media_type in IMAGE_TYPES:
            return photo_page(source, document), True
        if document.text.strip():
            return pdf_pages.text_pages(document.text, document), True
    except (ExtractionError, OSError, ValueError, SourceChanged) as err:
        return pdf_pages.placeholder(document, str(err), copy), True
    return pdf_pages.placeholder(document, "open the original file from the packet", copy), True


def assemble(parts: list[Part], about: Info | None = None, target: BinaryIO | None = None):
    """Join the parts into one PDF with an outline by category, page labels, the document
    information and footers on intake's own pages, written to `target` as it is made
    (returned as bytes when there is none); when that fails, the PDF is joined again
    without the parts that cannot be joined alone."""
    sink = KeptWriteError(target) if target is not None else io.BytesIO()
    try:
        _assemble(parts, about, sink)
    except MemoryError:
        raise
    except OSError:  # the output failing (a full disk): not a part to leave out
        raise
    except Exception:
        kept = [part for part in parts if _joins(part)]
        if len(kept) == len(parts):
            raise
        sink.seek(0)
        sink.truncate()
        _assemble(kept, about, sink)
    if isinstance(sink, KeptWriteError):
        sink.check()
        return None
    return sink.getvalue()


def _joins(part: Part) -> bool:
    try:
        _assemble([part], None, io.BytesIO())
    except MemoryError:
        raise
    except Exception:
        return False
    return True


def _assemble(parts: list[Part], about: Info | None, target: BinaryIO) -> None:
    out = Pdf.new()
    handles = contextlib.ExitStack()  # files opened for pikepdf (open_pdf)
    opened: list[Pdf] = []
    starts: list[tuple[Part, int]] = []
    labels: list[object] = []
    shared: dict[int, Pdf | None] = {}  # a PDF several parts take pages from, opened once
    try:
        for part in parts:
            if part.pages is not None and id(part.pdf) in shared:
                source = shared[id(part.pdf)]
            else:
                source = _open(part, handles)
                if source is not None:
                    opened.append(source)
                if part.pages is not None:
                    shared[id(part.pdf)] = source
            if source is None:
                continue
            start = len(out.pages)
            pages = source.pages
            out.pages.extend(pages if part.pages is None else [pages[i] for i in part.pages])
            starts.append((part, start))
            labels += [start, Dictionary(S=Name.D, P=String(part.label))]
        _outline(out, starts)
        if about is not None:
            opened += _footers(out, starts, about.patient)
            out.docinfo[Name.Title] = String(about.title)
            out.docinfo[Name.Subject] = String(about.subject)
            out.Root.Lang = String(about.language)
            out.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        _resolve_links(out, starts)
        out.Root.PageLabels = Dictionary(Nums=Array(labels))
        out.Root.PageMode = Name.UseOutlines
        out.docinfo[MARK] = String(f"intake {__version__}")
        out.docinfo[Name.Author] = String("intake")
        out.docinfo[Name.Creator] = String(f"intake {__version__}")
        out.save(target, deterministic_id=True)
    finally:
        for source in opened:
            source.close()
        out.close()
        handles.close()


def _outline(out: Pdf, starts: list[tuple[Part, int]]) -> None:
    """One bookmark per category with one per part under it; a category whose only part
    has its own name is one bookmark (no child repeating its parent)."""
    groups: list[tuple[str, list[tuple[Part, int]]]] = []
    for part, start in starts:
        if not groups or groups[-1][0] != part.category:
            groups.append((part.category, []))
        groups[-1][1].append((part, start))
    with out.open_outline() as outline:
        for category, members in groups:
            item = OutlineItem(category, members[0][1])
            outline.root.append(item)
            if len(members) == 1 and members[0][0].title == category:
                continue
            item.children += [OutlineItem(part.title, start) for part, start in members]


def _footers(out: Pdf, starts: list[tuple[Part, int]], patient: str) -> list[Pdf]:
    """Stamp every page with "page x of y": intake's own pages with the patient's name and
    the part too; a record's own pages, small at the very bottom edge, with the document's id
    (so a printed page is found from the summary's "[D0006]"). Returns the stamps' PDF, to
    be closed after `out` is saved."""
    from reportlab.pdfgen.canvas import Canvas

    total = len(out.pages)
    ends = [start for _, start in starts[1:]] + [total]
    pages = [
        (number, part)
        for (part, start), end in zip(starts, ends, strict=True)
        for number in range(start, end)
    ]
    if not pages:
        return []
    fonts = pdf_fonts.current()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1, initialFontName=fonts.regular)
    for number, part in pages:
        box = out.pages[number].mediabox
        width, height = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
        canvas.setPageSize((width, height))
        canvas.setFillColorRGB(0.5, 0.5, 0.5)
        right = f"page {number + 1} of {total}"
        if part.own:
            left = " · ".join(filter(None, [patient, part.title]))[:100]
            pdf_fonts.draw(canvas, 0.7 * 72, 0.45 * 72, left, 7.5, fonts)
            canvas.setFont(fonts.regular, 7.5)
            canvas.drawRightString(width - 0.7 * 72, 0.45 * 72, right)
        else:  # the record's own page: below its content, out of its way
            ident = part.label.rstrip("-")
            canvas.setFont(fonts.regular, 6)
            canvas.drawRightString(width - 0.3 * 72, 0.12 * 72, f"{ident} · {right}")
        canvas.showPage()
    canvas.save()
    stamps = Pdf.open(io.BytesIO(buffer.getvalue()))
    for stamp, (number, _) in zip(stamps.pages, pages, strict=True):
        out.pages[number].add_overlay(stamp)
    return [stamps]


def _resolve_links(out: Pdf, starts: list[tuple[Part, int]]) -> None:
    """The summary's "intake:<key>" links become links to the first page of the part
    labelled "<key>-" (a document, a table); a link whose part is missing is removed."""
    first = {part.label.rstrip("-"): start for part, start in starts}
    ours = [start for part, start in starts if part.label == SUMMARY_LABEL]
    if not ours:
        return
    end = next((start for _, start in starts if start > ours[0]), len(out.pages))
    for page in out.pages[ours[0] : end]:
        annotations = page.obj.get(Name.Annots)
        if annotations is None:
            continue
        kept = Array()
        for annotation in annotations:
            action = annotation.get(Name.A)
            uri = str(action.get(Name.URI, "")) if action is not None else ""
            if not uri.startswith(pdf_pages.LINK_SCHEME):
                kept.append(annotation)
                continue
            target = first.get(uri[len(pdf_pages.LINK_SCHEME) :])
            if target is None:
                continue
            del annotation[Name.A]
            annotation[Name.Dest] = Array([out.pages[target].obj, Name.Fit])
            kept.append(annotation)
        page.obj[Name.Annots] = kept


def _open(part: Part, handles: contextlib.ExitStack) -> Pdf | None:
    """Open a part's PDF; a document PDF that pikepdf cannot open becomes a placeholder.
    Files opened for it are closed with `handles`."""
    try:
        return open_pdf(part.pdf, handles)
    except pikepdf.PasswordError:
        why = "it is password-protected"
    except pikepdf.PdfError as err:
        why = f"it is damaged ({str(err)[:120]})"
    except OSError as err:  # the file went away or cannot be read now
        why = f"it cannot be read ({reason_of(err)})"
    stand_in = Document(source=part.title, sha256=None, size=0, media_type=PDF, title=part.title)
    return Pdf.open(io.BytesIO(pdf_pages.placeholder(stand_in, why)))
