"""The pages intake writes itself for PACKET.PDF (reportlab platypus): cover, checklist,
timeline, medications, lab results with trends, a page per imaging study, readable C-CDA,
text and image documents, the questions sheet and notes pages. Each part is its own small
PDF; packet_pdf.py joins them to the documents and adds the outline."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from intake.heif import heif_available
from intake.model import Document, Manifest
from intake.packet import pdf_fonts, text_layer
from intake.packet.questions import asked
from intake.packet.summary import PacketSummary
from intake.packet.trends import Trend

STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=STYLES["BodyText"], fontSize=9.5, leading=12)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10, textColor=colors.grey)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=10.5)
TITLE = ParagraphStyle("title", parent=STYLES["Title"], textColor=colors.HexColor("#1f4e79"))
# headings stay on the page of what they head (a heading was left alone at a page's foot)
HEADING = ParagraphStyle(
    "heading", parent=STYLES["Heading2"], textColor=colors.HexColor("#1f4e79"), keepWithNext=1
)
SUBHEADING = ParagraphStyle("subheading", parent=STYLES["Heading4"], keepWithNext=1)
SUMMARY_TITLE = ParagraphStyle("summary_title", parent=TITLE, fontSize=15, leading=18, spaceAfter=2)
SUMMARY_HEADING = ParagraphStyle(
    "summary_heading",
    parent=HEADING,
    fontSize=11,
    leading=13,
    spaceBefore=5,
    spaceAfter=1,
    keepWithNext=1,
)
FACT = ParagraphStyle("fact", parent=BODY, fontSize=8.5, leading=10.5, leftIndent=8)
LINK_SCHEME = "intake:"  # a summary link's target, made a page destination by packet_pdf
ABNORMAL = colors.HexColor("#fde2e1")
HEADER_FILL = colors.HexColor("#f1f4f8")
STATUS_FILL = {
    "present": colors.HexColor("#dff3e3"),
    "missing": colors.HexColor("#fde2e1"),
    "incomplete": colors.HexColor("#fff1cc"),
    "stale": colors.HexColor("#fff1cc"),
}
NOTES_PAGES = 2
TEXT_PAGE_LIMIT = 200_000  # characters of a text document laid out as pages
LINE_PIECE = 2_000  # a longer line is laid out as several paragraphs
MARGIN = 0.7 * inch
FRAME_WIDTH = letter[0] - 2 * MARGIN - 12  # a page's text width (the frame's padding out)
FRAME_HEIGHT = letter[1] - 2 * MARGIN - 12
CELL_PADDING = 12  # a table cell's left + right padding
MOST_OF_A_CELL = FRAME_HEIGHT / 3  # a table row never splits: its cells stay well under a page
MOST_OF_A_HEADING = FRAME_HEIGHT / 6
CUT = "…"
EARLIER_SHOWN = 12  # earlier values of one test listed on the lab results page
PHOTO_SIDE = 2400  # pixels: a photo's longer side on its page (about 300 dpi on Letter)


def render(flowables: list, *, title: str, on_page=None) -> bytes:
    """Lay out `flowables` on US Letter pages; returns the PDF bytes. The footer (patient,
    page x of y) is stamped when PACKET.PDF is assembled; `on_page(canvas, doc)` may draw
    more on each page."""
    fonts = pdf_fonts.current()  # the fonts are registered before the pages are laid out
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        initialFontName=fonts.regular,  # no page names a font it does not embed
        invariant=1,  # the same packet gives the same bytes: no timestamps, no random IDs
        pagesize=letter,
        title=title,
        author="intake",
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
    )

    def page(canvas, doc) -> None:
        if on_page is not None:
            on_page(canvas, doc)

    document.build(flowables or [Spacer(1, 1)], onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


def p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped: record text never becomes markup), each run of
    it in a font that can show it."""
    fonts = pdf_fonts.current()
    bold = "Bold" in style.fontName
    return Paragraph(pdf_fonts.markup(text, fonts, bold=bold), embedded(style))


def embedded(style: ParagraphStyle) -> ParagraphStyle:
    """`style` in the run's embedded font: no reference left to a font the page lacks."""
    fonts = pdf_fonts.current()
    face = fonts.bold if "Bold" in style.fontName else fonts.regular
    if face == style.fontName:
        return style
    return ParagraphStyle(style.name, parent=style, fontName=face)


def linked(parts: list[tuple[str, str | None]], style: ParagraphStyle, *, bold_first=False):
    """A paragraph of plain-text pieces, each a link when it has a target (an
    "intake:<key>" link packet_pdf resolves); every piece escaped and in a font that shows it."""
    fonts = pdf_fonts.current()
    markup = []
    for number, (text, target) in enumerate(parts):
        piece = pdf_fonts.markup(text, fonts, bold=bold_first and number == 0)
        if target:
            piece = f'<a href="{escape(LINK_SCHEME + target)}" color="#1f4e79">{piece}</a>'
        markup.append(piece)
    return Paragraph("".join(markup), embedded(style))


def fit(
    text: str, style: ParagraphStyle, width: float = FRAME_WIDTH, height: float = MOST_OF_A_HEADING
) -> Paragraph:
    """A paragraph of `text` no taller than `height` points at `width`: text that cannot fit
    is cut, ending in "…" (every table cell and heading goes through here: reportlab cannot
    split a table row or a heading kept with what follows, and fails on one taller than a
    page). The whole text stays in INDEX.HTM and the manifest."""
    whole = p(text, style)
    if whole.wrap(width, height)[1] <= height:
        return whole
    short, long = 0, len(text)  # the longest cut that fits: between these
    while long - short > 1:
        middle = (short + long) // 2
        if p(text[:middle].rstrip() + CUT, style).wrap(width, height)[1] <= height:
            short = middle
        else:
            long = middle
    return p(text[:short].rstrip() + CUT, style)


# a range's dash, a unit's slash, a list's comma: between two other characters
_BREAK_AFTER = re.compile(r"(?<=[^\s\-/–,;][-/–,;])(?=[^\s\-/–,;])")


def breakable(text: str, style: ParagraphStyle, width: float) -> str:
    """`text` with a space after each dash, slash, comma or semicolon inside a word too wide
    for `width` points: such a word wraps there ('150.000-' over '450.000') instead of
    between any two characters ('150.000-45' over '0.000', which reads as another range)."""
    if len(text) > LONG_CELL:  # (cut to fit anyway: no word of it is measured)
        return text
    face = embedded(style).fontName
    pieces = re.split(r"(\s+)", text)  # words and the spaces between them, kept as they are
    return "".join(
        _BREAK_AFTER.sub(" ", piece)
        if piece and not piece.isspace() and stringWidth(piece, face, style.fontSize) > width
        else piece
        for piece in pieces
    )


LONG_CELL = 2_000  # characters: longer cells are cut to fit, not measured word by word


def table(rows: list[list], widths: list[float], *, fills: dict[int, object] | None = None):
    """A table with a header row; `fills` colours whole rows (row index -> colour); a cell
    is text, or a flowable (a chart) placed as it is."""
    cells = [
        [cell if isinstance(cell, Flowable) else
         fit(breakable(str(cell), CELL, width * inch - CELL_PADDING), CELL,
             width * inch - CELL_PADDING, MOST_OF_A_CELL)
         for cell, width in zip(row, widths, strict=True)]
        for row in rows
    ]  # fmt: skip
    result = Table(cells, colWidths=[w * inch for w in widths], repeatRows=1)
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), pdf_fonts.current().regular),  # embedded, none other
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d5d8de")),
    ]
    for row, fill in (fills or {}).items():
        style.append(("BACKGROUND", (0, row), (-1, row), fill))
    result.setStyle(TableStyle(style))
    return result


def summary_page(
    summary: PacketSummary, *, prepared: str, meta: str, contents: list[tuple[str, str, int]]
) -> bytes:
    """The first page: the clinical summary (each fact linked to its document's pages by an
    "intake:<document id>" link that packet_pdf resolves), then the table of contents
    (title, link key, page number)."""
    flow = [
        fit("Second opinion: clinical summary", SUMMARY_TITLE),
        p(f"Prepared {prepared} · {meta} · each fact links to the document stating it", SMALL),
        Spacer(1, 4),
    ]
    flow += [linked([(f"{label}: ", None), (value, None)], BODY, bold_first=True)
             for label, value in summary.head]  # fmt: skip
    for section in summary.sections:
        flow.append(fit(section.title, SUMMARY_HEADING))
        if not section.facts:
            flow.append(p(section.empty, SMALL))
            continue
        for fact in section.facts:
            pieces: list[tuple[str, str | None]] = [(f"- {fact.text}", None)]
            for source in fact.sources:
                pieces += [(" ", None), (f"[{source}]", source)]
            flow.append(linked(pieces, FACT))
        if section.more:
            flow.append(p(f"and {section.more} more further on", SMALL))
    flow += [Spacer(1, 6), fit("Contents", SUMMARY_HEADING)]
    for title, key, page in contents:
        flow.append(linked([(title, key), (f" · page {page}", None)], FACT))
    return render(flow, title="Clinical summary")


def caregiver_page(manifest: Manifest, to_do: tuple[str, ...]) -> bytes:
    """For the caregiver, on its own page after the clinical content: the to-do list, then
    the checklist and the findings."""
    flow = [fit("For the caregiver: to do before the appointment", HEADING)]
    flow += [p(f"[  ]  {item}") for item in to_do] or [p("Nothing: the packet is complete.")]
    flow += [Spacer(1, 12), *_checklist_flow(manifest)]
    return render(flow, title="To do and checklist")


def _checklist_flow(manifest: Manifest) -> list:
    """Each what-to-bring item with its status and the documents that satisfy it."""
    titles = {d.id: d.title or d.source for d in manifest.documents}
    rows = [["Item", "Status", "Documents", "Note"]]
    fills = {}
    for number, item in enumerate(manifest.checklist, start=1):
        names = "; ".join(f"{i} {titles.get(i, '')}" for i in item.documents[:6])
        rows.append([item.heading(), item.status, names, item.note])
        fills[number] = STATUS_FILL.get(item.status, colors.white)
    flow = [
        fit("What to bring: checklist", HEADING),
        table(rows, [2.2, 0.8, 2.3, 1.8], fills=fills),
    ]
    if manifest.findings:
        flow += [Spacer(1, 10), fit("Findings", HEADING)]
        flow += [p(f"{f.severity}: {f.message}", CELL) for f in manifest.findings]
    return flow


def timeline_page(manifest: Manifest) -> bytes:
    """The dated story: diagnoses, procedures, imaging, abnormal results, medications, stays,
    each with the ids of the documents stating it."""
    rows = [["Date", "What", "Event", "Sources"]]
    rows += [[e.date, e.category, e.title, ", ".join(e.documents)] for e in manifest.timeline]
    if len(rows) == 1:
        rows.append(["", "", "No dated events were found.", ""])
    return render([fit("Timeline", HEADING), table(rows, [0.9, 0.9, 4.2, 1.1])], title="Timeline")


def medications_page(manifest: Manifest, summary: PacketSummary) -> bytes:
    """Each drug once, with its strengths, how it is taken, and the documents listing it;
    a stopped one says how it ended; rows where documents disagree are shaded."""
    rows = [["Medication", "Strength", "How taken", "Listed in"]]
    fills = {}
    for number, row in enumerate(manifest.medication_list, start=1):
        ended = summary.ended_note(row.name)
        rows.append(
            [
                f"{row.name}\nstopped: {ended}" if ended else row.name,
                " / ".join(row.strengths),
                ", ".join(row.routes + row.frequencies),
                ", ".join(row.documents),
            ]
        )
        if len(row.strengths) > 1 or len(row.frequencies) > 1:
            fills[number] = ABNORMAL
    if len(rows) == 1:
        rows.append(["No medications with dosages were found.", "", "", ""])
    flow = [fit("Medications", HEADING), table(rows, [2.0, 1.3, 2.3, 1.5], fills=fills)]
    return render(flow, title="Meds")


def labs_page(trends: tuple[Trend, ...]) -> bytes:
    """Lab results, one row per test and unit (the trends INDEX.HTM lists): the latest value,
    the earlier ones beside it, a chart where two or more dated values share the unit;
    rows whose latest value is flagged are highlighted."""
    from intake.packet.trends import drawing

    rows: list[list] = [["Test", "Latest", "Flag", "Range", "Earlier values", "Trend"]]
    fills = {}
    for number, trend in enumerate(trends, start=1):
        latest = trend.latest
        also = f" (as {', '.join(trend.other_names)})" if trend.other_names else ""
        where = ", ".join([latest.collected or "undated", *latest.documents])
        flag = (latest.flag or "") + (
            " (from range)" if latest.flag and latest.flag_derived else ""
        )
        differ = " (latest; others differ)" if trend.ranges_differ else ""
        rows.append(
            [
                trend.name + also,
                f"{' '.join(filter(None, [latest.value, trend.unit]))}\n{where}",
                flag,
                (trend.reference_range or "") + differ,
                _earlier_values(trend),
                drawing(trend) or "",
            ]
        )
        if latest.flag:
            fills[number] = ABNORMAL
    if len(rows) == 1:
        rows.append(["No lab values were read.", "", "", "", "", ""])
    widths = [1.2, 1.1, 0.65, 0.85, 1.05, 2.25]  # 2.25in: the chart's 150pt + padding
    return render([fit("Lab results", HEADING), table(rows, widths, fills=fills)], title="Labs")


def _earlier_values(trend: Trend) -> str:
    """The earlier values, newest first: how many there are when not all are listed (first:
    a cell cut to fit its row keeps it), then the first EARLIER_SHOWN (a cell of 200,000
    values took hundreds of MB to lay out, and no page shows them)."""
    shown = "\n".join(r.describe() for r in trend.earlier[:EARLIER_SHOWN])
    if len(trend.earlier) > EARLIER_SHOWN:
        shown = (f"{len(trend.earlier):,} earlier, all in INDEX.HTM and EXTRA/LABS.CSV; "
                 f"the latest:\n{shown}")  # fmt: skip
    return shown


def study_page(
    document: Document,
    previews: dict[tuple[int, int], Path],
    *,
    listed: bool = True,
    apart: str | None = None,
) -> bytes:
    """An imaging study: its facts, its series and their previews ((study, series) -> PNG);
    `listed`: some of its files are in the DICOMDIR; `apart`: the packet folder holding
    those of its files the DICOMDIR could not list."""
    flow = [fit(f"{document.title} {document.date or ''}", HEADING)]
    for study_index, study in enumerate(document.imaging):
        facts = [
            ["Study", ""],
            ["Date", study.date or ""],
            ["Modality", study.modality or ""],
            ["Body part", study.body_part or ""],
            ["Accession", study.accession or ""],
            ["Institution", study.institution or ""],
            ["Referring physician", study.referring_physician or ""],
            ["Series / images", f"{study.series} / {study.instances}"],
        ]
        flow.append(table(facts, [2.0, 5.1]))
        flow.append(Spacer(1, 8))
        for series_index, series in enumerate(study.series_detail):
            label = f"{series.number or ''} {series.description or series.modality or 'series'}"
            parts = [fit(f"{label.strip()}: {series.instances} images", SUBHEADING)]
            preview = previews.get((study_index, series_index))
            if preview:
                parts.append(Image(str(preview), width=2 * inch, height=2 * inch,
                                   kind="proportional"))  # fmt: skip
            flow.append(KeepTogether(parts))
    where = ["The images themselves are in the packet's DICOM folder (open DICOMDIR)."] * listed
    if apart:
        where.append(
            f"{'Some are' if listed else 'The images themselves are'} kept apart "
            f"in {apart}, not in DICOMDIR: see this study's notes in INDEX.HTM."
        )
    flow.append(p(" ".join(where), SMALL))
    return render(flow, title=document.title or "Imaging study")


def cda_pages(document: Document) -> bytes:
    """A C-CDA as readable pages: header, then each section's narrative (as its reader kept
    it: the file is not parsed again)."""
    patient = document.patient
    flow = [fit(document.title or "Clinical document", HEADING)]
    header = " · ".join(
        filter(
            None,
            [
                patient.name if patient else None,
                f"born {patient.birth_date}" if patient and patient.birth_date else None,
                f"dated {document.date}" if document.date else None,
                document.author,
            ],
        )
    )
    flow.append(p(header, SMALL))
    sections = document.narrative.sections if document.narrative else ()
    budget = TEXT_PAGE_LIMIT  # reportlab holds every paragraph until the pages are done:
    for shown, section in enumerate(sections):  # 100,000 sections took 1.4 GB
        if budget <= 0:
            left = len(sections) - shown
            flow.append(p(f"{left:,} more section{'s' * (left != 1)} not laid out here (the "
                          f"PDF shows the first {TEXT_PAGE_LIMIT:,} characters): the whole "
                          f"document is the original file, {document.source} (a packet folder "
                          "also holds its copy and a readable page).", SMALL))  # fmt: skip
            break
        flow.append(fit(section.title, SUBHEADING))
        lines = section.lines or section.items
        flow += [p(line, CELL) for line in lines] or [p("No information.", SMALL)]
        budget -= len(section.title) + sum(len(line) for line in lines)
    return render(flow, title=f"{document.id} {document.title}")


def text_pages(text: str, document: Document) -> bytes:
    """A text document (notes, questions, HTML pages) as pages."""
    return render(_text_flow(text, document), title=f"{document.id} {document.title}")


def text_pages_together(documents: Sequence[Document]) -> tuple[bytes, list[int]]:
    """Several text documents' pages in one PDF, each starting a page as it would alone;
    returns the PDF and the index of each document's first page."""
    starts: list[int] = []
    flow: list = []
    for document in documents:
        if flow:
            flow.append(PageBreak())
        flow += [_PageMark(starts), *_text_flow(document.text, document)]
    pdf = render(flow, title="texts")
    if len(starts) != len(documents):
        raise ValueError("a text document's pages were not laid out")
    return pdf, starts


class _PageMark(Flowable):
    """Takes no room; notes the (0-based) page it is drawn on."""

    def __init__(self, starts: list[int]) -> None:
        super().__init__()
        self.starts = starts

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self) -> None:
        self.starts.append(self.canv.getPageNumber() - 1)


def _text_flow(text: str, document: Document) -> list:
    body = text[:TEXT_PAGE_LIMIT]
    flow = [fit(document.title or document.source, HEADING)]
    for line in body.splitlines():
        if not line.strip():
            flow.append(Spacer(1, 6))
            continue
        for start in range(0, len(line), LINE_PIECE):  # reportlab splits one long paragraph
            flow.append(p(line[start : start + LINE_PIECE], CELL))  # in quadratic time
    if len(text) > TEXT_PAGE_LIMIT:
        flow.append(p(f"The PDF shows the first {TEXT_PAGE_LIMIT:,} of its {len(text):,} "
                      f"characters: the whole text is in the original file, {document.source} "
                      "(a packet folder also holds its copy).", SMALL))  # fmt: skip
    return flow


def image_page(path: Path | BinaryIO, document: Document) -> bytes:
    """A photo or scan, upright (EXIF applied), fitted to one page."""
    from PIL import Image as PillowImage
    from PIL import ImageOps

    heif_available()  # a HEIC photo opens once pillow-heif is registered

    with PillowImage.open(path) as original:  # made small first, then turned: a 48 MP
        original.draft("RGB", (PHOTO_SIDE, PHOTO_SIDE))  # photo is decoded at 1/2 to 1/8
        original.thumbnail((PHOTO_SIDE, PHOTO_SIDE))  # scale (JPEG), never copied whole
        upright = ImageOps.exif_transpose(original).convert("RGB")
    buffer = io.BytesIO()
    upright.save(buffer, format="JPEG", quality=85)
    buffer.seek(0)
    width, height = 7.1 * inch, 9.0 * inch
    picture = Image(buffer, width=width, height=height, kind="proportional")
    flow = [fit(f"{document.title or document.source}", SUBHEADING), picture]
    ocr_text = text_layer.page_texts(document.text)[0]  # the frame shown: the first

    def searchable(canvas, doc) -> None:  # the photo's OCR text, invisible, for search
        if doc.page == 1:
            text_layer.draw_invisible(canvas, ocr_text, *letter)

    return render(flow, title=f"{document.id} {document.title}", on_page=searchable)


def placeholder(document: Document, reason: str, copy: str | None = None) -> bytes:
    """A page standing for a document that could not be included, saying why."""
    flow = [
        fit(document.title or document.source, HEADING),
        p(f"This document could not be included in this PDF: {reason}."),
        p(f"Original file: {document.source}", SMALL),
    ]
    if copy:
        flow.append(p(f"Its copy in the packet: {copy}", SMALL))
    return render(flow, title=f"{document.id} {document.title}")


def questions_sheet(questions: list[Document], prompts: list[str]) -> bytes:
    """The patient's questions, or prompts to fill in, with space to write."""
    flow = [fit("Questions and concerns", HEADING)]
    if questions:
        for document in questions:
            items = asked(document.text, document.title)
            flow += [p(f"{n}. {item}", BODY) for n, item in enumerate(items, start=1)]
            flow.append(p(f"From {document.title or document.source} ({document.source})", SMALL))
    else:
        flow.append(p("No list of questions was found. Some to consider:", SMALL))
        flow += [p(f"{n}. {prompt}") for n, prompt in enumerate(prompts, start=1)]
    flow.append(Spacer(1, 12))
    flow += [p("_" * 95, SMALL) for _ in range(10)]
    return render(flow, title="Questions")


def notes_pages(count: int = NOTES_PAGES) -> bytes:
    """Lined pages for notes during the appointment."""
    flow = []
    for page in range(count):
        flow.append(fit("Notes", HEADING))
        flow += [p("_" * 95, SMALL) for _ in range(34)]
        if page < count - 1:
            flow.append(PageBreak())
    return render(flow, title="Notes")
