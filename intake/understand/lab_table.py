"""Positioned words into rows and lab-table columns, whatever produced the words.

A PDF text layer (pdfplumber words), Tesseract's word boxes and plain text (one
character = one unit of width) all become `Word`s; rows are words sharing a line;
a header row ("Tests Ordered  Result  Flag  Units  Reference Interval") names the
columns, and the data rows below it are cut into cells by those columns.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from intake.understand.dates import parse_date


@dataclass(frozen=True, slots=True)
class Word:
    """One word and its box (any unit: points, pixels, characters), top < bottom."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


Row = list[Word]


_STRAY = re.compile(r"[^\w/.\-]|_")


def _bare(word: str) -> str:
    """A header word as compared: lower case, OCR's stray marks removed."""
    return _STRAY.sub("", word.lower()).strip(".-")


# header labels by column role; matched greedily, longest first, over a row's words
HEADER_LABELS: dict[str, tuple[str, ...]] = {
    "test": ("tests ordered", "test name", "test description", "lab test", "tests", "test",
             "components", "component", "analyte", "description", "procedure", "parameter",
             "exame", "exames", "examen", "analito", "parâmetro", "parametro", "prueba",
             "biomarker", "biomarkers", "megnevezés", "vizsgálat", "vizsgálat neve"),
    "value": ("current result and flag", "your value", "current result", "result value",
              "observed value", "results", "result", "resultado", "resultados", "value",
              "in range", "within range", "normal", "eredmény", "érték"),
    "previous": ("previous result and date", "previous result", "prior result",
                 "previous value", "last result"),
    "out": ("out of range", "out-of-range", "abnormal result", "outside range", "abnormal"),
    "flag": ("abnormal flag", "abn flag", "flags", "flag", "h/l", "abn", "indicator",
             "eltérés", "minősítés", "jelzés"),
    "unit": ("units", "unit", "uom", "unidade", "unidades", "unidad", "m.e.", "mértékegység"),
    "range": ("reference interval", "reference range", "reference ranges", "standard range",
              "normal range", "ref range", "ref. range", "ref interval", "reference values",
              "expected range", "normal values", "reference", "range",
              "valor de referência", "valores de referência", "valor de referencia",
              "valores de referencia", "intervalo de referência", "rango de referencia",
              "referência", "referencia", "referencia értékek", "referencia érték",
              "referenciatartomány", "referencia tartomány", "ref. tart.", "normál érték"),
    # a range printed as two columns, lower then upper limit
    "low": ("lower limit", "low limit", "lower", "alsó határ", "alsó", "min", "mínimo"),
    "high": ("upper limit", "high limit", "upper", "felső határ", "felső", "max", "máximo"),
    # a code column before the test's name (the Hungarian EESZT portal's LOINC column)
    "code": ("loinc code", "loinc kód", "loinc"),
    "lab": ("performing lab", "lab code", "lab", "site"),
    "status": ("result status", "status", "státusz"),
    "method": ("method", "methodology", "assay"),
    "interpretation": ("clinical interpretation", "interpretation", "clinical significance"),
}  # fmt: skip
_LABELS = sorted(
    {
        (words, role)
        for role, labels in HEADER_LABELS.items()
        for label in labels
        for words in (
            tuple(_bare(word) for word in label.split()),
            (_bare(label.replace(" ", "")),),  # OCR: "TestName"
        )
    },
    key=lambda item: (-len(item[0]), item),
)


_TEST_LABELS = [label for label, role in _LABELS if role == "test"]
_CODE_LABELS = [label for label, role in _LABELS if role == "code"]
# the test labels by their number of words: a row's words looked up once per length
_TEST_LABELS_BY_LENGTH = tuple(
    (length, frozenset(label for label in _TEST_LABELS if len(label) == length))
    for length in sorted({len(label) for label in _TEST_LABELS})
)
# the words a header's first labels span at most (a code's, then a test's)
_FIRST_LABEL_WORDS = max(map(len, _CODE_LABELS)) + max(map(len, _TEST_LABELS))


@dataclass
class Column:
    """A header cell: what the column holds, where it sits, its date (cumulative reports)."""

    role: str
    x0: float
    x1: float
    date: str | None = None


def words_from_text(text: str) -> list[Row]:
    """Plain text as rows of words, one character wide each, one line high."""
    rows = []
    for number, line in enumerate(text.splitlines()):
        row = [
            Word(m.group(), m.start(), m.end(), number, number + 1)
            for m in re.finditer(r"\S+", line)
        ]
        if row:
            rows.append(row)
    return rows


def group_rows(words: Iterable[Word]) -> list[Row]:
    """Words on the same line, top to bottom, each row left to right."""
    rows: list[tuple[float, float, list[Word]]] = []  # (middle, height, words)
    for word in sorted(words, key=lambda w: (w.middle, w.x0)):
        height = word.bottom - word.top
        if rows and abs(word.middle - rows[-1][0]) <= max(rows[-1][1], height) * 0.45:
            middle, row_height, members = rows[-1]
            members.append(word)
            rows[-1] = (middle, max(row_height, height), members)
        else:
            rows.append((word.middle, height, [word]))
    return [sorted(members, key=lambda w: w.x0) for _, _, members in rows]


def row_text(row: Row) -> str:
    """A row as text: words joined by a space, wide gaps (column breaks) by three."""
    parts: list[str] = []
    wide = _height(row) * 1.5  # once per row: a long row stays linear
    for previous, word in zip([None, *row], row, strict=False):
        if previous is not None:
            gap = word.x0 - previous.x1
            parts.append("   " if gap > wide else " ")
        parts.append(word.text)
    return "".join(parts)


def row_cells(row: Row) -> list[Row]:
    """A row's words in cells: a gap wider than 1.5 word heights starts a new one."""
    heights = sorted(w.bottom - w.top for w in row)
    wide = heights[len(heights) // 2] * 1.5 if heights else 1.0
    found: list[Row] = []
    for previous, word in zip([None, *row], row, strict=False):
        if previous is None or word.x0 - previous.x1 > wide:
            found.append([word])
        else:
            found[-1].append(word)
    return found


def header_columns(row: Row) -> list[Column] | None:
    """The columns a lab-table header row names, or None when the row is not one.

    An unknown word set apart from its neighbours (a column intake has no name for, or
    an OCR misreading of one) becomes an "other" column, so its cells stay out of the
    known ones; short specks are ignored."""
    words: list[str] = []  # bared as far as needed: most rows stop at their first words
    for word in row:
        words.append(_bare(word.text))
        if len(words[-1]) >= 3:
            break
    else:
        return None
    first = len(words) - 1
    words += [_bare(w.text) for w in row[len(words) : first + _FIRST_LABEL_WORDS]]
    code = next((label for label in _CODE_LABELS
                 if tuple(words[first : first + len(label)]) == label), None)  # fmt: skip
    if code:  # a code column first ('LOINC kód'), then the test's name
        first += len(code)
    if not any(
        tuple(words[first : first + length]) in labels for length, labels in _TEST_LABELS_BY_LENGTH
    ):
        return None  # a header's first column names the test: most rows stop here
    words += [_bare(w.text) for w in row[len(words) :]]
    columns: list[Column] = []
    unmatched = 0
    index = 0
    height = _height(row)
    while index < len(row):
        for label, role in _LABELS:
            if tuple(words[index : index + len(label)]) == label:
                end = index + len(label) - 1
                columns.append(Column(role, row[index].x0, row[end].x1))
                index = end + 1
                break
        else:
            word = row[index]
            date = parse_date(word.text) if re.search(r"\d", word.text) else None
            if date:
                columns.append(Column("date", word.x0, word.x1, date))
            elif len(words[index]) >= 3:
                unmatched += 1
                apart = not columns or word.x0 - columns[-1].x1 > height * 1.5
                if apart:
                    columns.append(Column("other", word.x0, word.x1))
            index += 1
    roles = {column.role for column in columns}
    if _biomarker_header(columns):
        return columns
    values = roles & {"value", "out"} or ("date" in roles and "value" not in roles)
    known = [column for column in columns if column.role != "other"]
    enough = len(roles & {"range", "unit", "flag"}) >= 1 and len(known) >= 3
    if "test" not in roles or not values or not enough or unmatched > len(known) // 2:
        return None
    if columns[0].role == "code":
        return columns if len(columns) > 1 and columns[1].role == "test" else None
    if columns[0].role != "test":
        return None
    return columns


def _biomarker_header(columns: list[Column]) -> bool:
    """A molecular report's summary table: 'Biomarker / Method / Result / Interpretation',
    each role once, no unit or range column."""
    roles = [column.role for column in columns if column.role != "other"]
    return (
        bool(columns)
        and columns[0].role == "test"
        and len(roles) == len(set(roles))
        and "value" in roles
        and bool({"method", "interpretation"} & set(roles))
        and not {"unit", "range", "flag", "date"} & set(roles)
    )


def is_biomarker_table(columns: list[Column]) -> bool:
    """Whether the header names a biomarker table (results read as printed words)."""
    return _biomarker_header(columns)


def cells(row: Row, columns: list[Column]) -> list[tuple[Column, str]]:
    """The row's text cut at the columns' boundaries: (column, text) for non-empty cells.
    A word belongs to the last column it starts in, so long test names stay whole."""
    bounds = _boundaries(columns, _height(row))
    found: dict[int, list[str]] = {}
    for word in row:
        index = sum(word.x0 >= bound for bound in bounds)
        found.setdefault(index, []).append(word.text)
    return [(columns[i], " ".join(texts)) for i, texts in sorted(found.items())]


def centred_cells(row: Row, columns: list[Column]) -> list[tuple[Column, str]]:
    """The row cut into cells by its wide gaps, each cell given to the column whose header
    is nearest its middle: for tables whose headers are centred over their cells (a
    molecular report's 'RESULT' over 'p.G12C Detected'), where a cell may start left of its
    header by more than `cells` allows. Specks without a letter or digit ('|') are dropped."""
    height = _height(row)
    chunks: list[list[Word]] = []
    for word in row:
        if chunks and word.x0 - chunks[-1][-1].x1 <= height * 1.5:  # as row_text
            chunks[-1].append(word)
        else:
            chunks.append([word])
    found: dict[int, list[str]] = {}
    for chunk in chunks:
        words = [w.text for w in chunk if re.search(r"\w", w.text)]
        if not words:
            continue
        middle = (chunk[0].x0 + chunk[-1].x1) / 2
        index = min(
            range(len(columns)),
            key=lambda i: max(columns[i].x0 - middle, middle - columns[i].x1, 0.0),
        )
        found.setdefault(index, []).extend(words)
    return [(columns[i], " ".join(texts)) for i, texts in sorted(found.items())]


def _boundaries(columns: list[Column], height: float) -> list[float]:
    """Where each column after the first begins: a little before its header (values may
    start left of it), never more than halfway back to the previous header."""
    bounds = []
    for previous, column in itertools.pairwise(columns):
        gap = max(column.x0 - previous.x1, 0.0)
        bounds.append(column.x0 - min(gap / 2, height * 1.5))
    return bounds


def _height(row: Row) -> float:
    heights = sorted(w.bottom - w.top for w in row)
    return heights[len(heights) // 2] if heights else 1.0
