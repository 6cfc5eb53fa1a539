"""Give a text-bearing document its meaning: kind, title, date, patient, labs, medications."""

from __future__ import annotations

from intake.model import Document
from intake.ocr_missing import lacks_ocr
from intake.understand.classify import classify, refine, title_for
from intake.understand.dates import document_date
from intake.understand.drugs import normalise
from intake.understand.imaging_report import imaging_fields
from intake.understand.labs import parse_labs
from intake.understand.meds import parse_medications
from intake.understand.people import find_patient, name_matches, named_people

# kinds whose numbers are measurements, not doses: medication lines are not read from them
NO_MEDICATIONS = frozenset({"lab_report", "imaging_report", "pathology_report"})


def enrich(document: Document) -> Document:
    """Fill in what the extractor left open (kind "", date, patient, title); returns it.

    A kind the extractor already knows (DICOM study, C-CDA document type) is kept; its text,
    if any, is still read for lab results, medications, dates and the patient.
    """
    text = document.text
    if not text.strip():
        if not document.kind and not lacks_ocr(document):  # else its warning says why
            document.warnings.append("no text could be read from it")
        document.title = document.title or title_for(document.kind or "other", text)
        return document
    date = document_date(text)
    if document.structured:  # coded entries (C-CDA, FHIR): the text is not mined again
        labs, medications = document.labs, document.medications
    else:  # results an extractor read from word positions (PDF) beat the flattened text
        labs = document.labs
        if not document.labs_read:
            labs = parse_labs(text, collected=document.date or date)
        for lab in labs:
            lab.collected = lab.collected or document.date or date
        medications = parse_medications(text, ocr=document.ocr_confidence is not None)
    kind = document.kind or classify(text, labs=len(labs), medications=len(medications))
    kind, subtype = refine(kind, text)
    document.kind, document.subtype = kind, subtype
    collected = [lab.collected for lab in labs if lab.collected]
    if kind == "lab_report" and collected and not document.date:
        date = max(collected)  # a cumulative report: its latest collection
    document.date = document.date or date
    if not document.structured:
        document.labs = labs if kind == "lab_report" else []
        document.medications = [] if kind in NO_MEDICATIONS else medications
    if kind == "imaging_report" and "exam" not in document.sections:
        document.sections = {**imaging_fields(text), **document.sections}
    patient = find_patient(text)
    document.patient = document.patient or (None if patient.is_empty() else patient)
    if document.patient and document.patient.name:
        document.others_named = [
            name for name in named_people(text) if not name_matches(name, document.patient.name)
        ]
    document.title = document.title or title_for(kind, text)
    name_generics(document)
    return document


def name_generics(document: Document) -> None:
    """Each medication's generic name from the drug dictionary (kept as read when unknown)."""
    for medication in document.medications:
        if medication.generic is None:
            match = normalise(medication.name)
            if match:
                medication.generic, medication.match_score = match.generic, match.score
