"""Small text helpers for the packet's HTML pages: dates and ranges kept whole, CSS strings,
the patient line printed atop each page."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from intake.model import Document

WHOLE = re.compile(
    r"(?<![\d/.-])(?:\d{4}-\d{2}(?:-\d{2})?|\d{1,2}/\d{1,2}/\d{2,4}"  # dates
    r"|\d+(?:\.\d+)?-\d+(?:\.\d+)?)(?![\d/-])"  # ranges: 34.0-46.6
)


def keep_whole(text: object) -> Markup:
    """`text` escaped, each date (2026-10-02, 2026-10, 10/02/2026) and numeric range (11.5-15.5)
    in it wrapped in a `<span class="whole">` the page keeps on one line: never broken
    mid-value at its hyphen or slash."""
    escaped = str(escape("" if text is None else text))
    return Markup(WHOLE.sub(lambda m: f'<span class="whole">{m.group(0)}</span>', escaped))


def css_string(text: object) -> Markup:
    """`text` as a quoted CSS string (for `content:` in a `<style>`): every character but
    letters, digits and spaces as a six-digit hex escape (its closing space is part of the
    escape), so nothing in it can close the string or the style element."""
    chars = (c if c.isalnum() or c == " " else f"\\{ord(c):06x} " for c in str(text or ""))
    return Markup('"' + "".join(chars) + '"')


def patient_line(document: Document) -> str:
    """'Name · born 1961-03-14': who the page is about, printed at the top of each page."""
    patient = document.patient
    if patient is None or not (patient.name or patient.birth_date):
        return document.title or "Clinical document"
    born = f"born {patient.birth_date}" if patient.birth_date else ""
    return " · ".join(filter(None, [patient.name, born]))
