"""C-CDA documents (portal downloads, R1.1 and R2.1): identity, type, sections and entries.

Parsed by intake.safe_load (defusedxml): no external entities, no DTD tricks, no network,
a depth limit.
Coded medications, results, problems and allergies become the same Medication, LabResult,
Problem and Allergy records that PDF and photo text yields, so the medication list, lab
tables and problem list work across sources.
"""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

from intake.cda.narrative import narrative_html, narrative_lines
from intake.cda.read import (
    CdaDocument,
    Section,
    allergy_list,
    medication_list,
    problem_list,
    read_cda,
    result_list,
)
from intake.extractor_versions import VERSIONS
from intake.extractors.base import ExtractionError, Extractor
from intake.model import Document, Narrative, NarrativeSection, Source
from intake.safe_load import Refused
from intake.sniff import CDA


class CcdaExtractor(Extractor):
    """Patient, date, title, author, document type, sections and coded entries of a C-CDA."""

    name = "ccda"
    version = VERSIONS["ccda"]
    priority = 0.0
    media_types = frozenset({CDA})
    max_bytes = 50 * 2**20

    def extract(self, source: Source) -> list[Document]:
        cda = load(source)
        sections = {}
        for section in cda.walk():
            if section.items:
                sections.setdefault(section.kind, []).extend(section.items)
        admitted, discharged = cda.stay
        for key, when in (("admitted", admitted), ("discharged", discharged)):
            if when:
                sections[key] = [when]
        medications, labs = medication_list(cda), result_list(cda)
        return [
            Document.for_source(
                source,
                kind=cda.kind,
                title=cda.title,
                date=cda.date,
                patient=cda.patient,
                author=cda.author,
                pages=1,
                labs=labs,
                medications=medications,
                problems=tuple(problem_list(cda)),
                allergies=tuple(allergy_list(cda)),
                sections={kind: list(dict.fromkeys(lines)) for kind, lines in sections.items()},
                structured=bool(medications or labs),
                text=document_text(cda),
                narrative=narrative_of(cda),
            )
        ]


def load(source: Source) -> CdaDocument:
    """Parse a C-CDA source; ExtractionError with the reason when it is unsafe or damaged."""
    try:
        with source.open() as handle:
            return read_cda(handle)
    except Refused as err:
        raise ExtractionError(str(err)) from err
    except ParseError as err:
        raise ExtractionError(f"damaged XML ({err})") from err


def narrative_of(cda: CdaDocument) -> Narrative:
    """What the packet shows of the document, read now so it is never parsed again: each
    section's narrative as safe HTML and as lines, or its coded entries."""
    return Narrative(type_code=cda.type_code, sections=tuple(_sections(cda.sections, 0)))


def _sections(sections: list[Section], depth: int) -> list[NarrativeSection]:
    shown = []
    for section in sections:
        shown.append(
            NarrativeSection(
                title=section.title,
                depth=depth,
                html=narrative_html(section.narrative),
                lines=tuple(narrative_lines(section.narrative)),
                items=tuple(section.items),
                medications=tuple(section.medications),
                results=tuple(section.results),
            )
        )
        shown.extend(_sections(section.children, depth + 1))
    return shown


def document_text(cda: CdaDocument) -> str:
    """The document as text: title, then each section's title and narrative lines."""
    lines = [cda.title]
    for section in cda.walk():
        lines.append(section.title)
        lines.extend(narrative_lines(section.narrative))
    return "\n".join(filter(None, lines))
