"""EXTRA/LABS.CSV and EXTRA/MEDS.CSV: the tables a spreadsheet or another tool opens (cells
through intake.csv_cells, so nothing read from a record runs as a formula)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from intake.csv_cells import csv_pieces
from intake.model import Document
from intake.packet.index import PacketIndex, reason_of
from intake.packet.summary import PacketSummary
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
    records: Sequence[tuple[object, Document]],
    fields: tuple[tuple[str, str | Callable[[Any], object]], ...],
    index: PacketIndex | None,
    name: str,
) -> Iterator[list]:
    """One row per (record, document), in the order given: the record's fields, then the
    document's id, title and source. A document whose rows fail is left out with a note:
    found in a first pass, so the rows are made as they are written, never all held."""
    failed: set[str] = set()
    for record, document in records:
        if document.id in failed:
            continue
        try:
            _row(record, document, fields)
        except MemoryError:
            raise
        except Exception as err:
            failed.add(document.id)
            if index is not None:
                index.note(document, f"{document.source}: its rows in {name} failed "
                                     f"({reason_of(err)})")  # fmt: skip
    return (_row(record, document, fields) for record, document in records
            if document.id not in failed)  # fmt: skip


def _row(record, document: Document, fields) -> list:
    return [name(record) if callable(name) else getattr(record, name) for _, name in fields] + [
        document.id,
        document.title,
        document.source,
    ]


def labs_csv(summary: PacketSummary, index: PacketIndex | None = None) -> Iterator[str]:
    """One row per lab result, in the packet's one order (PacketSummary.labs), in pieces."""
    return csv_pieces(LAB_COLUMNS, _rows(summary.labs, LAB_FIELDS, index, "EXTRA/LABS.CSV"))


def meds_csv(summary: PacketSummary, index: PacketIndex | None = None) -> Iterator[str]:
    """One row per medication line, with the document it was read from, in pieces."""
    rows = _rows(summary.medications, MED_FIELDS, index, "EXTRA/MEDS.CSV")
    return csv_pieces(MED_COLUMNS, rows)
