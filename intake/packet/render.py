"""Jinja2 rendering of the packet's human-readable files (INDEX.HTM, README.TXT)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from intake import __version__
from intake.model import Document, ImagingStudy, Manifest, Series
from intake.packet.categories import by_category
from intake.packet.html_text import patient_line
from intake.packet.index import PacketIndex
from intake.packet.questions import asked
from intake.packet.summary import PacketSummary, distinct
from intake.packet.trends import Trend, svg
from intake.understand.classify import LABELS

if TYPE_CHECKING:
    from collections.abc import Iterator

    from jinja2 import Environment
    from markupsafe import Markup


@cache
def environment() -> Environment:
    """The packet's Jinja2 environment (autoescaping on, undefined names are errors), made
    on first use: importing Jinja2 is slow, and the CLI's other commands need none of it."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    from intake.packet.html_text import css_string, keep_whole

    env = Environment(
        loader=PackageLoader("intake", "templates"),
        autoescape=select_autoescape(["htm", "html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(whole=keep_whole, css_string=css_string)
    return env


QUESTION_PROMPTS = [
    "What is my diagnosis, exactly, and how sure are you of it?",
    "Do you agree with the treatment plan I have been given? What would you change?",
    "What are my treatment options, and what are the risks and benefits of each?",
    "What happens if I wait, or choose no treatment for now?",
    "Are there tests or imaging I still need before deciding?",
    "Is there a clinical trial I could take part in?",
    "How would your recommendation change what happens next, and who coordinates it?",
]


SUMMARY_HEADINGS = {  # what summaries state besides the clinical summary's sections
    "procedures": "Procedures",
    "immunizations": "Immunizations",
}


def summary_lines(documents: list[Document]) -> list[tuple[str, list[tuple[str, Document]]]]:
    """Procedures and immunizations read from summaries (C-CDA, FHIR), each line once, with
    the first document that states it (problems and allergies are in the PacketSummary)."""
    grouped = []
    for key, heading in SUMMARY_HEADINGS.items():
        seen: dict[str, Document] = {}
        for document in documents:
            for line in document.sections.get(key, []):
                seen.setdefault(line, document)
        if seen:
            grouped.append((heading, list(seen.items())))
    return grouped


def lab_trends(trends: tuple[Trend, ...]) -> list[tuple[Trend, Markup]]:
    """Each analyte's trend with its chart as inline SVG (empty when there is none to draw);
    the SVG escapes every text it holds, so it goes into the page as markup."""
    from markupsafe import Markup

    return [(trend, Markup(svg(trend))) for trend in trends]


def source_links(manifest: Manifest, packet: PacketIndex) -> dict[str, str]:
    """Each document id -> the relative link that opens it: its readable page, its copy, or
    its row in the list of documents (a DICOM study's: one image file opens nothing useful)."""
    links = {}
    for document in manifest.documents:
        copy = None if document.kind == "imaging_study" else packet.first(document)
        links[document.id] = packet.readable(document) or copy or f"#{document.id}"
    return links


def index_pieces(manifest: Manifest, packet: PacketIndex, summary: PacketSummary) -> Iterator[str]:
    """INDEX.HTM, the provider's entry point (relative links only, no scripts; the clinical
    summary first, then the contents, the rest, and the caregiver's part last), in the
    pieces the template yields: a packet of many documents writes it as it comes."""
    documents = {d.id: d for d in manifest.documents}
    unique = distinct(manifest.documents)
    template = environment().get_template("INDEX.HTM.j2")
    return template.generate(
        m=manifest,
        s=summary,
        links=source_links(manifest, packet),
        categories=by_category(manifest.documents),
        documents=documents,
        trends=lab_trends(summary.trends),
        studies=[(s, d, number) for d in unique for number, s in enumerate(d.imaging)],
        summaries=summary_lines(unique),
        to_do=list(summary.to_do),
        packet=packet,
        unreported={
            doc_id
            for f in manifest.findings
            if f.code == "imaging-without-report"
            for doc_id in f.documents
        },
        has_questions=any(d.kind == "questions" for d in manifest.documents),
        questions=[(d, asked(d.text, d.title)) for d in unique if d.kind == "questions"],
        reports=study_reports(manifest),
        prompts=QUESTION_PROMPTS,
        labels=LABELS,
        prepared=date.today().isoformat(),
        version=__version__,
    )


@dataclass
class SeriesView:
    """One series as its study's page shows it: its anchor (SE0001), label, and the
    preview images written (file name beside the page, position among those shown)."""

    anchor: str
    series: Series
    label: str
    images: list[tuple[str, int]] = field(default_factory=list)
    missing: str = ""  # why it has no preview, in plain words


def render_series_page(document: Document, study: ImagingStudy, series: list[SeriesView]) -> str:
    """PREVIEW/D0001/STUDY1.HTM: a study's series, a few images each at 256 px; no scripts."""
    template = environment().get_template("SERIES.HTM.j2")
    return template.render(
        d=document, study=study, series=series, patient_line=patient_line(document)
    )


def study_reports(manifest: Manifest) -> dict[str, list[Document]]:
    """Each imaging study's reports (by study id), matched the way the checklist matches
    them (stored with it, its accession number, or its date and modality)."""
    from intake.check import report_matches

    reports = [d for d in manifest.documents if d.kind == "imaging_report"]
    return {
        study.id: [r for r in reports if report_matches(r, study)]
        for study in manifest.documents
        if study.kind == "imaging_study"
    }


def render_readme() -> str:
    """README.TXT: what the packet is and how to open it (no patient data)."""
    return environment().get_template("README.TXT.j2").render(version=__version__)
