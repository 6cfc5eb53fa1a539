"""Dates in the forms records print them, and which date is the document's own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from intake.understand.vocabulary import BIRTH_DATE_LABELS, alternation

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
DATE_RE = re.compile(
    r"(?<![\d/.-])(?:"
    r"(?P<iy>(?:19|20)\d\d)(?P<isep>[-./])(?P<im>\d{1,2})(?P=isep)(?P<id>\d{1,2})"
    # year first with dots and spaces, each part closed by a dot: '1999. 06. 08.' (Hungary)
    r"|(?P<hy>(?:19|20)\d\d)\.\s(?P<hm>\d{1,2})\.\s?(?P<hd>\d{1,2})\."
    r"|(?P<um>\d{1,2})(?P<usep>[/.-])(?P<ud>\d{1,2})[/.-](?P<uy>\d{4}|\d{2})"
    r"|" + _MONTH + r"\s+(?P<md>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<my>\d{4})"
    r"|(?P<dd>\d{1,2})(?:st|nd|rd|th)?[\s-]"
    + _MONTH.replace("mon", "mon2")
    + r"[\s,-]+(?P<dy>\d{4})"
    r")(?![\d/])",
    re.IGNORECASE,
)

BIRTH_LABEL = re.compile(
    r"\b(?:D\.?O\.?B\.?|date\s+of\s+birth|birth\s*date|born|data\s+de\s+nascimento"
    r"|fecha\s+de\s+nacimiento|geburtsdatum|D\.?N\.?(?=\s*:)|nascimento|data\s+de\s+nasc\.?"
    r"|sz[üu]let[ée]si\s+(?:id[őo]|d[áa]tum)|sz[üu]l\.\s*(?:id[őo]|d[áa]tum)|age\s*\(y/m/d\)|"
    + alternation(BIRTH_DATE_LABELS)
    + ")",
    re.I,
)
CLINICAL_LABEL = re.compile(
    r"\b(?:collect(?:ed|ion)(?:\s+date)?|date\s+collected|date\s+of\s+service|service\s+date|DOS"
    r"|(?:date\s+of\s+)?(?:procedure|exam(?:ination)?|study|visit|encounter|surgery"
    r"|discharge|consult(?:ation)?|appointment)(?:\s+date)?|discharged"
    r"|plan\s+date|date\s+of\s+plan"
    r"|mintav[ée]tel(?:\s+(?:ideje|id[őo]pontja|d[áa]tuma))?|(?:data\s+da\s+)?colheita"
    r"|fecha\s+de\s+(?:toma|extracci[óo]n)|toma\s+de\s+muestra"
    r"|sample\s+(?:taken|collected|date)|specimen\s+(?:taken|date))\b",
    re.I,
)
REPORT_LABEL = re.compile(  # and admission: a stay's summary is dated by its discharge
    r"\b(?:report(?:ed)?(?:\s+date)?|date\s+reported|signed(?:\s+on)?|final(?:ized)?|date"
    r"|admission(?:\s+date)?|date\s+of\s+admission|admitted"
    r"|dictated|verified|received|be[ée]rkez[ée]s(?:\s+ideje)?|lelet\s+k[ée]sz[üu]lt"
    r"|kiad[áa]s(?:\s+id[őo]pontja)?)\b",
    re.I,
)
PRINT_LABEL = re.compile(
    r"\b(?:print(?:ed)?(?:\s+on)?|print\s+date|download(?:ed)?|generated|accessed|run\s+date"
    r"|leletnyomtat[áa]s|gener[áa]l[áa]s(?:\s+id[őo]pontja)?|l[ée]trehoz[áa]s(?:\s+d[áa]tuma)?)\b",
    re.I,
)
_LABEL_REACH = 40  # characters between a label and its date


def parse_date(text: str, *, day_first: bool = False) -> str | None:
    """The first date in `text` as YYYY-MM-DD, or None. `day_first` reads 05/04/1990 as
    5 April (the document's own dates show which order it uses: see day_first_order)."""
    for match in DATE_RE.finditer(text):
        value = _to_iso(match, day_first=day_first)
        if value:
            return value
    return None


_NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,2})[/.-](\d{1,2})[/.-](?:\d{4}|\d{2})(?![\d/])")


def day_first_order(text: str) -> bool:
    """True when the text's unambiguous numeric dates put the day first (23/10/2023) and
    none puts the month first (10/23/2023)."""
    firsts = seconds = 0
    for match in _NUMERIC_DATE.finditer(text[:200_000]):
        first, second = int(match.group(1)), int(match.group(2))
        firsts += first > 12 >= second
        seconds += second > 12 >= first
    return firsts > 0 and seconds == 0


def parse_dicom_date(value: str | None) -> str | None:
    """A DICOM DA value (YYYYMMDD) as YYYY-MM-DD, or None when malformed."""
    value = (value or "").strip()
    if re.fullmatch(r"\d{4}\.\d{2}\.\d{2}", value):  # ACR-NEMA and old DICOM: 1994.11.05
        value = value.replace(".", "")
    if not re.fullmatch(r"\d{8}", value):
        return None
    # software wrote it: read as written, also before 1900 (only free text is held to
    # the years a misread cannot reach)
    return _valid(int(value[:4]), int(value[4:6]), int(value[6:]), earliest=STRUCTURED_EARLIEST)


def find_dates(text: str, *, day_first: bool = False) -> list[tuple[str, int, int]]:
    """Every valid date in `text`: (YYYY-MM-DD, start, end)."""
    found = []
    for match in DATE_RE.finditer(text):
        value = _to_iso(match, day_first=day_first)
        if value:
            found.append((value, match.start(), match.end()))
    return found


def birth_date(text: str) -> str | None:
    """The birth date a document states next to a DOB label, or None."""
    return next(_birth_dates(text), None)


def birth_dates(text: str) -> list[str]:
    """Every different birth date a document states next to a DOB label, in order (more
    than one: a file holding two people's reports)."""
    return list(dict.fromkeys(_birth_dates(text)))


# a family history's record of a relative: its DOB is the relative's (Medicare's Blue Button:
# 'Family Member: Brother' / 'Type:' / 'DOB:1/10/1915'), within this many lines of its label
FAMILY_LABEL = re.compile(r"^\s*(?:family\s+member|relative)\s*:", re.IGNORECASE)
FAMILY_REACH = 8


def _birth_dates(text: str) -> Iterator[str]:
    if not BIRTH_LABEL.search(text):
        return
    day_first = day_first_order(text)
    relative_at = -FAMILY_REACH - 1  # the line of the last 'Family Member:' label
    for number, line in enumerate(text.splitlines()):
        if FAMILY_LABEL.match(line):
            relative_at = number
        if number - relative_at <= FAMILY_REACH:
            continue  # a relative's record in a family history ('Family Member: Brother')
        for label in BIRTH_LABEL.finditer(line):
            if label.group().lower().startswith("age"):
                continue  # 'Age (Y/M/D): 26/05/21' is an age, never the birth date
            value = parse_date(line[label.end() : label.end() + _LABEL_REACH], day_first=day_first)
            if value:
                yield value


def document_date(text: str) -> str | None:
    """The document's clinical date: collection/service/visit first, then report, then any.

    Birth dates and print/download dates are never chosen.
    """
    best: dict[int, str] = {}
    day_first = day_first_order(text)
    for line in text.splitlines():
        for value, start, _end in find_dates(line, day_first=day_first):
            before = line[max(0, start - _LABEL_REACH) : start]
            rank = _rank(before)
            if rank is not None and rank not in best:
                best[rank] = value
    return best[min(best)] if best else None


def _rank(before: str) -> int | None:
    """0 clinical, 1 report, 2 unlabelled; None for birth and print dates."""
    labels = [
        (m.end(), rank)
        for pattern, rank in (
            (BIRTH_LABEL, None),
            (PRINT_LABEL, None),
            (CLINICAL_LABEL, 0),
            (REPORT_LABEL, 1),
        )
        for m in pattern.finditer(before)
    ]
    if not labels:
        return 2
    return max(labels, key=lambda item: item[0])[1]  # the label nearest the date wins


def _to_iso(match: re.Match[str], *, day_first: bool = False) -> str | None:
    g = match.groupdict()
    if g["iy"]:
        return _valid(int(g["iy"]), int(g["im"]), int(g["id"]))
    if g["hy"]:
        return _valid(int(g["hy"]), int(g["hm"]), int(g["hd"]))
    if g["uy"]:
        year = int(g["uy"])
        if len(g["uy"]) == 2:
            year += 2000 if year <= (date.today().year % 100) + 1 else 1900
        first, second = int(g["um"]), int(g["ud"])
        day_first = day_first or g["usep"] == "."  # 08.06.1999: dotted, day first
        if first > 12 >= second or (day_first and second <= 12):  # 14/09/2026: day first
            first, second = second, first
        return _valid(year, first, second)
    if g["my"]:
        return _valid(int(g["my"]), MONTHS.get(g["mon"].lower(), 0), int(g["md"]))
    if g["dy"]:
        return _valid(int(g["dy"]), MONTHS.get(g["mon2"].lower(), 0), int(g["dd"]))
    return None  # a month the pattern matched case-blind but no table holds ('Auguſt'): none


STRUCTURED_EARLIEST = 1000  # a coded date (DICOM DA, HL7 TS) below this is a placeholder


def _valid(year: int, month: int, day: int, *, earliest: int = 1900) -> str | None:
    if not earliest <= year <= 2100:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None
