"""EXTRA/LABS.CSV and EXTRA/MEDS.CSV: the tables a spreadsheet or another tool opens."""

from __future__ import annotations

import csv
import io

from intake.model import Document

LAB_COLUMNS = ["test", "value", "unit", "flag", "flag_derived", "reference_range", "collected",
               "reported", "loinc", "status", "specimen", "performing_lab", "ordering_provider",
               "document", "document_title", "source"]  # fmt: skip
MED_COLUMNS = ["name", "generic", "strength", "dose", "form", "route", "frequency", "status",
               "start", "end", "rxnorm", "raw", "document", "document_title", "source"]  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
    return _csv(LAB_COLUMNS, rows)


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
    return _csv(MED_COLUMNS, rows)


def _csv(columns: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue()


def _cell(value: object) -> str:
    """Text for a cell; a value a spreadsheet would run as a formula is quoted with '."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
