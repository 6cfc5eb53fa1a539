"""C-CDA documents (portal downloads): header identity, date, title and narrative text.

Parsed with defusedxml: no external entities, no DTD tricks, no network. Sections'
structured entries are a later step; their narrative text already feeds understand/.
"""

from __future__ import annotations

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException

from intake.extractors.base import ExtractionError, Extractor
from intake.model import Document, Person, Source
from intake.sniff import CDA
from intake.understand.dates import parse_dicom_date
from intake.understand.people import display_name

NS = {"v3": "urn:hl7-org:v3"}
# LOINC document type codes -> kinds
KIND_BY_LOINC = {
    "34133-9": "visit_summary", "11506-3": "visit_summary", "34117-2": "visit_summary",
    "18842-5": "discharge_summary", "11488-4": "consult_note", "57133-1": "referral",
    "11504-8": "operative_note", "28570-0": "operative_note", "18748-4": "imaging_report",
    "11526-1": "pathology_report", "60591-5": "visit_summary", "18726-0": "imaging_report",
    "18776-5": "treatment_plan", "11502-2": "lab_report",
}  # fmt: skip


class CcdaExtractor(Extractor):
    """Patient (recordTarget), effectiveTime, title, document type and narrative of a C-CDA."""

    name = "ccda"
    version = "1"
    priority = 0.0
    media_types = frozenset({CDA})
    max_bytes = 50 * 2**20

    def extract(self, source: Source) -> list[Document]:
        try:
            with source.open() as handle:
                root = SafeTree.parse(handle, forbid_dtd=True).getroot()
        except DefusedXmlException as err:
            raise ExtractionError(f"refused unsafe XML ({type(err).__name__})") from err
        except SafeTree.ParseError as err:
            raise ExtractionError(f"damaged XML ({err})") from err
        title = _text(root.find("v3:title", NS))
        code = root.find("v3:code", NS)
        kind = KIND_BY_LOINC.get(code.get("code", "") if code is not None else "", "")
        date = _hl7_date(root.find("v3:effectiveTime", NS))
        narrative = []
        for section in root.iterfind(".//v3:section", NS):
            narrative.append(_text(section.find("v3:title", NS)))
            narrative.extend(narrative_lines(section.find("v3:text", NS)))
        return [
            Document.for_source(
                source,
                kind=kind,
                title=title,
                date=date,
                patient=_patient(root),
                pages=1,
                text="\n".join(filter(None, [title, *narrative])),
            )
        ]


def _patient(root) -> Person | None:
    patient = root.find("v3:recordTarget/v3:patientRole/v3:patient", NS)
    if patient is None:
        return None
    name = patient.find("v3:name", NS)
    given = [_text(g) for g in name.iterfind("v3:given", NS)] if name is not None else []
    family = _text(name.find("v3:family", NS)) if name is not None else ""
    full = " ".join(filter(None, [*given, family]))
    role = root.find("v3:recordTarget/v3:patientRole", NS)
    ids = [i.get("extension") for i in role.iterfind("v3:id", NS) if i.get("extension")]
    person = Person(
        name=display_name(full) or (full or None),
        birth_date=_hl7_date(patient.find("v3:birthTime", NS)),
        identifiers=ids,
    )
    return None if person.is_empty() else person


def _hl7_date(element) -> str | None:
    value = element.get("value", "") if element is not None else ""
    return parse_dicom_date(value[:8])


BLOCKS = frozenset({"paragraph", "item", "tr", "br", "list", "table", "caption", "thead", "tbody"})


def narrative_lines(element) -> list[str]:
    """A section's narrative block as lines: paragraphs, list items and table rows apart."""
    if element is None:
        return []
    lines: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        line = " ".join("".join(parts).split())
        if line:
            lines.append(line)
        parts.clear()

    def walk(node) -> None:
        local = node.tag.rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""
        if local in BLOCKS:
            flush()
        elif local in ("td", "th"):
            parts.append("   ")
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")
        if local in BLOCKS:
            flush()

    walk(element)
    flush()
    return lines


def _text(element) -> str:
    if element is None:
        return ""
    return " ".join(" ".join(element.itertext()).split())
