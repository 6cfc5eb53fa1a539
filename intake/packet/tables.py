"""EXTRA/LABS.CSV and EXTRA/MEDS.CSV: the tables a spreadsheet or another tool opens (cells
through intake.csv_cells, so nothing read from a record runs as a formula)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from intake.csv_cells import csv_text
from intake.model import Document
from intake.packet.index import PacketIndex
from intake.understand.analytes import analyte_key

# (column, the record's attribute or a function of the record): header and cells come from
# one list, so they cannot disagree (MEDS.CSV had 15 headers over 14 cells: "generic" was
# never written)
LAB_FIELDS = (
    ("analyte", lambda r: analyte_key(r.test, r.code)),  # the key INDEX.HTM's trends join on
    ("test", "test"), ("value", "value"), ("unit", "unit"), ("flag", "flag"),
    ("flag_derived", "flag_derived"), ("reference_range", "reference_range"),
    ("collected", "collected"), ("reported", "reported"), ("loinc", "code"),
    ("status", "status"), ("specimen", "specimen"), ("performing_lab", "performing_lab"),
    ("ordering_provider", "ordering_provider"),
)  # fmt: skip
MED_FIELDS = (
    ("name", "name"), ("generic", "generic"), ("strength", "strength"), ("dose", "dose"),
    ("form", "form"), ("route", "route"), ("frequency", "frequency"), ("status", "status"),
    ("start", "start"), ("end", "end"), ("rxnorm", "code"), ("raw", "raw"),
)  # fmt: skip
SOURCE_COLUMNS = ["document", "document_title", "source"]
LAB_COLUMNS = [column for column, _ in LAB_FIELDS] + SOURCE_COLUMNS
MED_COLUMNS = [column for column, _ in MED_FIELDS] + SOURCE_COLUMNS


def _rows(
    documents: list[Document],
    row: Callable[[Document], list[list]],
    index: PacketIndex | None,
    name: str,
) -> list[list]:
    """Each document's rows; a document whose rows fail is left out with a note on it."""
    rows: list[list] = []
    for document in documents:
        if index is None:
            rows += row(document)
            continue
        with index.guard(document, f"its rows in {name}"):
            rows += row(document)
    return rows


def _records(attribute: str, fields: tuple[tuple[str, str | Callable[[Any], object]], ...]):
    """A function giving one row per record in a document's `attribute` (labs, medications):
    the fields in order, then the document's id, title and source."""

    def rows(document: Document) -> list[list]:
        return [
            [name(record) if callable(name) else getattr(record, name) for _, name in fields]
            + [document.id, document.title, document.source]
            for record in getattr(document, attribute)
        ]

    return rows


def labs_csv(documents: list[Document], index: PacketIndex | None = None) -> str:
    """One row per lab result, with its analyte key (LOINC, else the normalised name)."""
    rows = _rows(documents, _records("labs", LAB_FIELDS), index, "EXTRA/LABS.CSV")
    return csv_text(LAB_COLUMNS, rows)


def meds_csv(documents: list[Document], index: PacketIndex | None = None) -> str:
    """One row per medication line, with the document it was read from."""
    rows = _rows(documents, _records("medications", MED_FIELDS), index, "EXTRA/MEDS.CSV")
    return csv_text(MED_COLUMNS, rows)
