"""EXTRA/LABS.CSV and EXTRA/MEDS.CSV: the tables a spreadsheet or another tool opens (cells
through intake.csv_cells, so nothing read from a record runs as a formula)."""

from __future__ import annotations

from collections.abc import Callable

from intake.csv_cells import csv_text
from intake.model import Document
from intake.packet.index import PacketIndex

LAB_COLUMNS = ["test", "value", "unit", "flag", "flag_derived", "reference_range", "collected",
               "reported", "loinc", "status", "specimen", "performing_lab", "ordering_provider",
               "document", "document_title", "source"]  # fmt: skip
MED_COLUMNS = ["name", "generic", "strength", "dose", "form", "route", "frequency", "status",
               "start", "end", "rxnorm", "raw", "document", "document_title", "source"]  # fmt: skip


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


def labs_csv(documents: list[Document], index: PacketIndex | None = None) -> str:
    """One row per lab result."""

    def rows(d: Document) -> list[list]:
        return [
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
            for lab in d.labs
        ]

    return csv_text(LAB_COLUMNS, _rows(documents, rows, index, "EXTRA/LABS.CSV"))


def meds_csv(documents: list[Document], index: PacketIndex | None = None) -> str:
    """One row per medication line, with the document it was read from."""

    def rows(d: Document) -> list[list]:
        return [
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
            for m in d.medications
        ]

    return csv_text(MED_COLUMNS, _rows(documents, rows, index, "EXTRA/MEDS.CSV"))
