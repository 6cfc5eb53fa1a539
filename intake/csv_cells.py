"""CSV as intake writes it (LABS.CSV, MEDS.CSV, dashboard.csv): one helper for every cell.

A cell that a spreadsheet would run as a formula (=, +, -, @, a tab or a carriage return
first, or their full-width forms) is written with a leading apostrophe, so a client named
`=HYPERLINK(...)` or a medication line read from a record stays text. Numbers, negative
ones included, are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def cell(value: object) -> str:
    """Text for a cell; a value a spreadsheet would run as a formula is quoted with '."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def csv_text(columns: list[str], rows: Iterable[Iterable[object]]) -> str:
    """A CSV document (CRLF line ends, as spreadsheets expect) with every cell through cell()."""
    return "".join(csv_pieces(columns, rows))


def csv_pieces(columns: list[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The same CSV document in pieces of about PIECE characters (never all of it at once)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell(column) for column in columns])
    for row in rows:
        writer.writerow([cell(value) for value in row])
        if buffer.tell() >= PIECE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


PIECE = 1 << 16


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower().lstrip("+-") not in ("inf", "infinity", "nan")
