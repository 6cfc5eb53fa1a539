"""Give a text-bearing document its meaning: kind, title, date, patient, labs, medications."""

from __future__ import annotations

from intake.model import Document
from intake.understand.classify import classify, refine, title_for
from intake.understand.dates import document_date
from intake.understand.labs import parse_labs
from intake.understand.meds import parse_medications
from intake.understand.people import find_patient

# kinds whose numbers are measurements, not doses: medication lines are not read from them
NO_MEDICATIONS = frozenset({"lab_report", "imaging_report", "pathology_report"})


def enrich(document: Document) -> Document:
    """Fill in what the extractor left open ("" kind, no date/patient/title); returns it."""
    if document.kind:
        if not document.title:
            document.title = title_for(document.kind, document.text)
        return document
    text = document.text
    date = document_date(text)
    labs = parse_labs(text, collected=date)
    medications = parse_medications(text)
    kind, subtype = refine(classify(text, labs=len(labs), medications=len(medications)), text)
    document.kind, document.subtype = kind, subtype
    document.date = document.date or date
    document.labs = labs if kind == "lab_report" else []
    document.medications = [] if kind in NO_MEDICATIONS else medications
    patient = find_patient(text)
    document.patient = document.patient or (None if patient.is_empty() else patient)
    if not document.title:
        document.title = title_for(kind, text)
    if not text.strip():
        document.warnings.append("no text could be read from it")
    return document
