"""Read a C-CDA document (R1.1 or R2.1, any document type) into plain data.

Parsing is intake.safe_load's (defusedxml with DTDs forbidden: no external entities, no
entity expansion, no network; a depth limit). Missing sections, nullFlavors, BOMs,
stylesheet instructions and namespace prefixes are all tolerated; a section that cannot be
understood is kept as narrative.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from intake.cda import clinical, entries
from intake.cda.hl7 import (
    LOINC,
    code_in,
    end_date,
    every,
    first,
    local,
    narrative_ids,
    template_ids,
    text,
    timestamp,
)
from intake.cda.sections import TITLES, section_kind
from intake.model import Allergy, LabResult, Medication, Person, Problem
from intake.safe_load import parse_xml
from intake.understand.people import display_name

# LOINC document type codes -> kinds
KIND_BY_LOINC = {
    "34133-9": "visit_summary", "11506-3": "visit_summary", "34117-2": "visit_summary",
    "60591-5": "visit_summary", "68608-9": "visit_summary", "81218-0": "visit_summary",
    "18842-5": "discharge_summary", "34105-7": "discharge_summary", "11490-0": "discharge_summary",
    "11488-4": "consult_note", "57133-1": "referral", "57170-5": "referral",
    "11504-8": "operative_note", "28570-0": "operative_note", "34121-4": "operative_note",
    "18748-4": "imaging_report", "18726-0": "imaging_report", "11526-1": "pathology_report",
    "18776-5": "treatment_plan", "52521-2": "treatment_plan", "11502-2": "lab_report",
    "26436-6": "lab_report",
}  # fmt: skip
PROBLEM_SECTIONS = frozenset({"problems", "diagnoses"})


@dataclass
class Section:
    """One section: what kind it is, its title, its narrative, and what its entries say."""

    kind: str
    title: str
    code: str | None
    narrative: Element | None
    items: list[str] = field(default_factory=list)
    medications: list[Medication] = field(default_factory=list)
    results: list[LabResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    allergies: list[Allergy] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)


@dataclass
class CdaDocument:
    """A C-CDA document's header and sections."""

    title: str
    type_code: str | None
    kind: str  # "" when the document type is not one intake knows
    date: str | None
    patient: Person | None
    author: str | None
    sections: list[Section]
    stay: tuple[str | None, str | None] = (None, None)  # admitted, discharged (YYYY-MM-DD)

    def walk(self) -> list[Section]:
        """Every section, nested ones included, in document order."""
        found: list[Section] = []
        pending = list(reversed(self.sections))
        while pending:
            section = pending.pop()
            found.append(section)
            pending.extend(reversed(section.children))
        return found


def read_cda(handle: BinaryIO) -> CdaDocument:
    """Parse a C-CDA from a binary stream; raises safe_load.Refused for unsafe or too deep
    XML, ParseError for damaged XML."""
    root = parse_xml(handle)
    if local(root) != "ClinicalDocument":
        raise ParseError(f"root element is {local(root)}, not ClinicalDocument")
    refs = narrative_ids(root)
    type_code = code_in(first(root, "code"), LOINC) or (first(root, "code") or root).get("code")
    date = timestamp(first(root, "effectiveTime"))
    body = first(root, "component", "structuredBody")
    sections = [_section(s, refs, date) for s in _child_sections(body)]
    nonxml = first(root, "component", "nonXMLBody")
    if nonxml is not None:
        sections.append(Section("other", "Attached document", None, first(nonxml, "text")))
    return CdaDocument(
        title=text(first(root, "title")),
        type_code=type_code,
        kind=KIND_BY_LOINC.get(type_code or "", ""),
        date=date,
        patient=_patient(root),
        author=_author(root),
        sections=sections,
        stay=_stay(root, KIND_BY_LOINC.get(type_code or "", "")),
    )


INPATIENT = frozenset({"IMP", "ACUTE", "NONAC"})  # HL7 ActEncounterCode: a hospital stay


def _stay(root: Element, kind: str) -> tuple[str | None, str | None]:
    """A hospital stay's admission and discharge dates (the encompassing encounter's
    effectiveTime low and high), when the document is about a stay: a discharge summary,
    an inpatient encounter, or one stating how the patient was discharged."""
    encounter = first(root, "componentOf", "encompassingEncounter")
    if encounter is None:
        return None, None
    code = first(encounter, "code")
    inpatient = code is not None and code.get("code") in INPATIENT
    discharged = first(encounter, "dischargeDispositionCode") is not None
    if not (kind == "discharge_summary" or inpatient or discharged):
        return None, None
    period = first(encounter, "effectiveTime")
    return timestamp(first(period, "low")), end_date(period)


def _child_sections(parent: Element | None) -> list[Element]:
    return [s for c in every(parent, "component") if (s := first(c, "section")) is not None]


def _section(element: Element, refs: dict[str, str], date: str | None) -> Section:
    code = first(element, "code")
    loinc = None if code is None else code.get("code")
    kind = section_kind(loinc, template_ids(element))
    section = Section(
        kind=kind,
        title=text(first(element, "title")) or TITLES.get(kind, "Section"),
        code=loinc,
        narrative=first(element, "text"),
    )
    if kind == "medications":
        section.medications = entries.medications(element, refs)
    elif kind == "results":
        section.results = entries.results(element, refs, date)
    else:
        section.items = entries.items(element, kind, refs)
    if kind in PROBLEM_SECTIONS:
        section.problems = clinical.problems(element, refs)
    elif kind == "allergies":
        section.allergies = clinical.allergies(element, refs)
    section.children = [_section(s, refs, date) for s in _child_sections(element)]
    return section


# what an exporter writes for a name part it has none of ('<given>null</given>'); not
# hl7.NULL_WORDS, whose 'na' is also a family name
NAME_PART_NULLS = frozenset({"null", "none", "undefined", "nil"})
# given names that are not part of the name in use: a birth name (not 'CL', a call-me
# name: NextGen marks the patient's own first name so)
OTHER_GIVEN = frozenset({"BR"})


def _patient(root: Element) -> Person | None:
    role = first(root, "recordTarget", "patientRole")
    patient = first(role, "patient")
    if patient is None:
        return None
    name = first(patient, "name")
    given = [text(g) for g in every(name, "given") if g.get("qualifier") not in OTHER_GIVEN]
    given = given or [text(g) for g in every(name, "given")]  # a birth name alone: the name
    parts = [*given, text(first(name, "family"))]  # a vendor's 'null' for an absent part
    full = " ".join(part for part in parts if part and part.casefold() not in NAME_PART_NULLS)
    ids = [i.get("extension", "") for i in every(role, "id") if i.get("extension")]
    person = Person(
        name=display_name(full) or (full or None),
        birth_date=timestamp(first(patient, "birthTime")),
        identifiers=ids,
    )
    return None if person.is_empty() else person


def _author(root: Element) -> str | None:
    author = first(root, "author", "assignedAuthor")
    if author is None:
        return None
    name = first(author, "assignedPerson", "name")
    parts = [text(first(name, part)) for part in ("prefix", "given", "family", "suffix")]
    if name is not None and not any(parts):
        parts = [text(name)]
    person = " ".join(p for p in parts if p)
    organization = text(first(author, "representedOrganization", "name"))
    return ", ".join(filter(None, [person, organization])) or None


def medication_list(document: CdaDocument) -> list[Medication]:
    """All medications in the document's medication sections."""
    return [m for s in document.walk() for m in s.medications]


def problem_list(document: CdaDocument) -> list[Problem]:
    """The problems of every problem and diagnosis section, each once: one a later section
    repeats (a history section's 'Fever', onset 2015-06-22, without its status) is the
    same problem, its status taken where the first had none."""
    found: dict[tuple[str, str | None], Problem] = {}
    for problem in (p for s in document.walk() for p in s.problems):
        key = (problem.code or problem.name.casefold(), problem.onset)
        seen = found.get(key)
        if seen is None or (seen.status is None and problem.status is not None):
            found[key] = problem
    return list(found.values())


def allergy_list(document: CdaDocument) -> list[Allergy]:
    """The allergies of every allergy section, each once."""
    found: list[Allergy] = []
    for allergy in (a for s in document.walk() for a in s.allergies):
        if allergy not in found:
            found.append(allergy)
    return found


def result_list(document: CdaDocument) -> list[LabResult]:
    """All results in the document's results sections."""
    return [r for s in document.walk() for r in s.results]
