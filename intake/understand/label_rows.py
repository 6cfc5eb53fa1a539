"""A row of labels over a row of values, as text that names each value beside its label.

US lab reports print their patient header as a grid: 'Patient Last Name' over 'DOE',
'Age (Y/M/D)   Date of Birth   Sex   Fasting' over '26/05/21   01/23/90   M' (the
fasting cell empty). Plain text loses the columns, and with them which value is under
which label; the words' positions keep them. Such a pair of rows becomes one line,
'Age (Y/M/D): 26/05/21   Date of Birth: 01/23/90   Sex: M   Fasting', which the text
readers (patient name, birth date) read like any 'Label: value' header.
"""

from __future__ import annotations

import re

from intake.understand.dates import BIRTH_LABEL
from intake.understand.lab_table import Row, row_cells, row_text
from intake.understand.people import NAME_LABEL

_LINE_GAP = 2.5  # the value row starts within this many row heights of the labels' bottom


def page_lines(rows: list[Row]) -> list[str]:
    """The rows as text lines, each label row naming the patient or the birth date merged
    with the row of values under it."""
    lines: list[str] = []
    skip = False
    for number, row in enumerate(rows):
        if skip:
            skip = False
            continue
        below = rows[number + 1] if number + 1 < len(rows) else None
        merged = labelled_line(row, below) if below else None
        if merged:
            lines.append(merged)
            skip = True
        else:
            lines.append(row_text(row))
    return lines


def labelled_line(labels: Row, values: Row) -> str | None:
    """'Label: value' cells when `labels` is a row of two bare labels or more, one the
    patient's name or birth date, and each cell of `values` lies under a different label
    (the one whose centre is nearest); None otherwise. A name or birth-date label with no
    value under it is left out of the line."""
    label_cells = row_cells(labels)
    if len(label_cells) < 2:
        return None  # a label alone on its line: people.py looks below it
    texts = [_text(cell) for cell in label_cells]
    if not any(_is_identity_label(text) for text in texts):
        return None
    if any(re.search(r"\d", text) and not BIRTH_LABEL.search(text) for text in texts):
        return None  # a label row holds no values ('Age (Y/M/D)' aside)
    height = max(w.bottom - w.top for w in labels)
    if min(w.top for w in values) - max(w.bottom for w in labels) > height * _LINE_GAP:
        return None
    value_cells = row_cells(values)
    if any(_is_identity_label(_text(cell)) for cell in value_cells):
        return None  # the next row of labels, not values
    under: dict[int, str] = {}
    for cell in value_cells:
        centre = (cell[0].x0 + cell[-1].x1) / 2
        nearest = min(
            range(len(label_cells)),
            key=lambda i: abs((label_cells[i][0].x0 + label_cells[i][-1].x1) / 2 - centre),
        )
        if nearest in under:
            return None  # two values under one label: not a grid of label over value
        under[nearest] = _text(cell)
    if not under:
        return None
    # a name or birth-date label with nothing under it is left out: kept, it would stand
    # before the next label's value ('DOB   Collected: 03/04/2021' reads as a birth date)
    return "   ".join(
        f"{text}: {under[index]}" if index in under else text
        for index, text in enumerate(texts)
        if index in under or not _is_identity_label(text)
    )


def _is_identity_label(text: str) -> bool:
    """A cell that is only a patient-name or a birth-date label ('Date of Birth')."""
    text = text.rstrip(" :")
    for pattern in (NAME_LABEL, BIRTH_LABEL):
        match = pattern.search(text)
        if match and match.start() == 0 and not text[match.end() :].strip(" :"):
            return True
    return False


def _text(cell: Row) -> str:
    return " ".join(word.text for word in cell)
