"""EXTRA/LABS.CSV and EXTRA/MEDS.CSV: the tables a spreadsheet or another tool opens (cells
through intake.csv_cells, so nothing read from a record runs as a formula)."""

from __future__ import annotations

from intake.csv_cells import csv_text
from intake.model import Document

LAB_COLUMNS = ["test", "value", "unit", "flag", "flag_derived", "reference_range", "collected",
               "reported", "loinc", "status", "specimen", "performing_lab", "ordering_provider",
               "document", "document_title", "source"]  # fmt: skip
MED_COLUMNS = ["name", "generic", "strength", "dose", "form", "route", "frequency", "status",
               "start", "end", "rxnorm", "raw", "document", "document_title", "source"]  # fmt: skip


def labs_csv(documents: list[Document]) -> str:
    """One row per lab result."""
    rows = [
        [
            lab.test,
            lab.value,
            lab.unit,
            lab.flag,
            lab.flag_derived,
            lab.reference_range,
            lab.collected,
            lab.reported,
            lab.code,
            lab.status,
            lab.specimen,
            lab.performing_lab,
            lab.ordering_provider,
            d.id,
            d.title,
            d.source,
        ]
        for d in documents
        for lab in d.labs
    ]
    return csv_text(LAB_COLUMNS, rows)


def meds_csv(documents: list[Document]) -> str:
    """One row per medication line, with the document it was read from."""
    rows = [
        [
            m.name,
            m.strength,
            m.dose,
            m.form,
            m.route,
            m.frequency,
            m.status,
            m.start,
            m.end,
            m.code,
            m.raw,
            d.id,
            d.title,
            d.source,
        ]
        for d in documents
        for m in d.medications
    ]
    return csv_text(MED_COLUMNS, rows)
