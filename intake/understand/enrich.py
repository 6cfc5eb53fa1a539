"""Give a text-bearing document its meaning: kind, title, date, patient, labs, medications,
problems and allergies."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from intake.model import Document, LabResult, Medication
from intake.ocr_missing import lacks_ocr
from intake.understand.classify import classify_held, refine, title_for
from intake.understand.dates import document_date
from intake.understand.drugs import normalise
from intake.understand.imaging_report import imaging_fields
from intake.understand.lab_prose import prose_labs
from intake.understand.labs import lost_separator, parse_labs
from intake.understand.meds import parse_medications
from intake.understand.people import find_patient, name_matches, named_people
from intake.understand.problems import parse_allergies, parse_problems
from intake.understand.strengths import unmade_strength

# kinds whose numbers are measurements, not doses: medication lines are not read from them
NO_MEDICATIONS = frozenset({"lab_report", "imaging_report", "pathology_report"})
# notes whose sentences may state lab values ('cholesterol of 165')
PROSE_LAB_KINDS = frozenset({"visit_summary", "discharge_summary", "consult_note"})
# formats whose problems and allergies are coded entries: their text is not mined for them
CODED = frozenset({"ccda", "fhir"})


def enrich(document: Document) -> Document:
    """The document with what the extractor left open filled in (kind "", date, patient,
    title, labs and medications read from its text, generic drug names).

    A kind the extractor already knows (DICOM study, C-CDA document type) is kept; its text,
    if any, is still read for lab results, medications, dates and the patient.
    """
    text = document.text
    if not text.strip():
        warnings = document.warnings
        if not document.kind and not lacks_ocr(document):  # else its warning says why
            warnings = (*warnings, "no text could be read from it")
        title = document.title or title_for(document.kind or "other", text)
        return replace(document, title=title, warnings=warnings)
    date = document_date(text)
    warnings = document.warnings
    if document.structured:  # coded entries (C-CDA, FHIR): the text is not mined again
        labs, medications = document.labs, document.medications
    else:  # results an extractor read from word positions (PDF) beat the flattened text
        labs = document.labs
        if not document.labs_read:
            labs = parse_labs(text, collected=document.date or date)
        labs = dated(labs, document.date or date)
        medications = parse_medications(text, ocr=document.ocr_confidence is not None)
        if document.ocr_confidence is not None:
            labs, lost = _without_lost_separators(labs)
            warnings = (*document.warnings, *lost)
    kind = held = document.kind
    if not kind:
        kind, held = classify_held(text, labs=len(labs), medications=len(medications))
    kind, subtype = refine(kind, text)
    collected = [lab.collected for lab in labs if lab.collected]
    if kind == "lab_report" and collected and not document.date:
        date = max(collected)  # a cumulative report: its latest collection
    if not document.structured:
        labs = labs if "lab_report" in (kind, held) else []  # a note's own lab block too
        if not labs and kind in PROSE_LAB_KINDS:  # a note's figures in its sentences
            labs = prose_labs(text, collected=document.date or date)
        medications = [] if kind in NO_MEDICATIONS else medications
    sections = document.sections
    if kind == "imaging_report" and "exam" not in sections:
        sections = {**imaging_fields(text), **sections}
    found = find_patient(text)
    patient = document.patient or (None if found.is_empty() else found)
    others = document.others_named
    if patient and patient.name:
        others = tuple(name for name in named_people(text) if not name_matches(name, patient.name))
    medications = with_generics(medications)
    if document.ocr_confidence is not None and not document.structured:
        medications, unmade = _without_unmade_strengths(medications)
        warnings = (*warnings, *unmade)
    problems, allergies = document.problems, document.allergies
    if document.extractor not in CODED and not (problems or allergies):
        problems = tuple(parse_problems(text, kind))
        allergies = tuple(parse_allergies(text))
    return replace(
        document,
        kind=kind,
        subtype=subtype,
        date=document.date or date,
        labs=tuple(labs),
        medications=tuple(medications),
        problems=problems,
        allergies=allergies,
        sections=sections,
        patient=patient,
        others_named=others,
        title=document.title or title_for(kind, text),
        warnings=warnings,
    )


def _without_unmade_strengths(
    medications: list[Medication],
) -> tuple[list[Medication], list[str]]:
    """OCR'd medications, a strength its drug is not made in left out with a warning
    ('Lasix 80 mg' read '60 mg': furosemide tablets are 20, 40 or 80 mg; see strengths.py)."""
    kept, warnings = [], []
    for med in medications:
        if (
            med.strength
            and med.generic
            and unmade_strength(med.generic, med.strength, med.route, med.form)
        ):
            warnings.append(
                f"check by hand: OCR read {med.name} {med.strength}, a strength "
                f"{med.generic.lower()} is not made in: its strength left out"
            )
            med = replace(med, strength=None)
        kept.append(med)
    return kept, warnings


def _without_lost_separators(labs: list[LabResult]) -> tuple[list[LabResult], list[str]]:
    """OCR'd results without those whose decimal separator was probably lost ('5,2' read
    '52', far beyond its range while the page prints decimals): a misread value is worse
    than none, so each is left out with a warning naming the test."""
    decimals_seen = any(re.search(r"\d[.,]\d", lab.value) for lab in labs)
    kept, warnings = [], []
    for lab in labs:
        if lost_separator(lab.value, lab.reference_range, decimals_seen=decimals_seen):
            warnings.append(
                f"check by hand: {lab.test} reads {lab.value} against range "
                f"{lab.reference_range}, its decimal separator probably lost in OCR: left out"
            )
        else:
            kept.append(lab)
    return kept, warnings


def dated(labs: Iterable[LabResult], collected: str | None) -> list[LabResult]:
    """The results, each undated one dated `collected` (the document's date). New records:
    the extractor's stay as read, so a later reading of the same bytes (with a listing's
    date, or from the cache) starts from what the file says."""
    if not collected:
        return list(labs)
    return [lab if lab.collected else replace(lab, collected=collected) for lab in labs]


def with_generics(medications: Iterable[Medication]) -> list[Medication]:
    """The medications, each with its generic name from the drug dictionary where it had
    none (kept as read when unknown). New records: the extractor's stay as they were read
    (a C-CDA's narrative shows the same ones), so a document read from the cache is the
    one read from the file."""
    named = []
    for medication in medications:
        match = normalise(medication.name) if medication.generic is None else None
        if match:
            medication = replace(medication, generic=match.generic, match_score=match.score)
        named.append(medication)
    return named
