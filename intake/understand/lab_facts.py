"""What a lab report says about its results as a whole: when the specimen was collected and
the report issued, the specimen, the performing lab, who ordered it, the result status.

Facts are read line by line with their position, so a report with several sections
(a portal printout with one "Collected on" per panel) gives each result its own.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass

from intake.understand.dates import BIRTH_LABEL, PRINT_LABEL, parse_date
from intake.understand.lab_table import Row, row_cells
from intake.understand.needles import alternation, lowered, may_match, needles_of_all

_LABEL_WORDS = frozenset(
    [
        "specimen",
        "type",
        "id",
        "source",
        "collected",
        "collection",
        "received",
        "reported",
        "report",
        "date",
        "time",
        "status",
        "result",
        "resulted",
        "sex",
        "gender",
        "dob",
        "age",
        "physician",
        "provider",
        "doctor",
        "account",
        "number",
        "patient",
        "mrn",
        "phone",
        "fax",
        "npi",
        "lab",
        "site",
        "ordered",
        "ordering",
        "by",
        "performed",
        "performing",
        "at",
        "client",
        "control",
        "requisition",
        "accession",
        "fasting",
        "printed",
        "page",
    ]
)
_DATE_FACTS = {
    "collected": re.compile(
        r"\b(?:date(?:/time)?\s+collected|collect(?:ed|ion)(?:\s+(?:date|time|on))*"
        r"|specimen\s+collected|drawn(?:\s+on)?|date\s+of\s+collection"
        r"|mintav[ée]tel(?:\s+(?:ideje|id[őo]pontja|d[áa]tuma))?|(?:data\s+da\s+)?colheita"
        r"|fecha\s+de\s+(?:toma|extracci[óo]n)|toma\s+de\s+muestra"
        r"|sample\s+(?:taken|collected|date))\b",
        re.I,
    ),
    "reported": re.compile(
        r"\b(?:date\s+reported|report(?:ed)?(?:\s+(?:date|on))?|resulted(?:\s+on)?"
        r"|result\s+date|date\s+resulted|verified(?:\s+on)?|final\s+report\s+date"
        r"|lelet\s+k[ée]sz[üu]lt|kiad[áa]s\s+id[őo]pontja)\b(?!\s+status)",
        re.I,
    ),
}
# a lab panel's heading with its date and nothing else ('CBC with diff 07/16/17 05:30',
# 'Lab Results 07/16/17 05:30 to 07/16/17 05:30'), as clinical notes print results
_WHEN = r"\d{1,2}/\d{1,2}/\d{2,4}(?:\s+\d{1,2}:\d{2})?"
_PANEL_DATE = re.compile(
    r"^\s*(?:(?i:lab(?:oratory)?\s+results?|labs?|(?:\w+\s+){0,3}(?:panel|profile|chemistry"
    r"|hematology|urinalysis))|(?:BMP|CMP|CBC|LFTs?|ABG|VBG|UA)(?:\s+(?i:with\s+diff\w*))?)"
    rf"\s*:?\s+(?P<when>{_WHEN})(?:\s+to\s+\S+(?:\s+\d{{1,2}}:\d{{2}})?)?\s*$"
)
_TEXT_FACTS = {
    "specimen": re.compile(r"\b(?:specimen(?:\s+(?:type|source))?|sample\s+type|source)\s*:", re.I),
    "performing_lab": re.compile(
        r"\b(?:performing\s+(?:lab(?:oratory)?|site|location)|performed\s+(?:at|by)"
        r"|testing\s+(?:lab(?:oratory)?|site))\s*:?",
        re.I,
    ),
    "ordering_provider": re.compile(
        r"\b(?:ordering\s+(?:physician|provider|doctor|clinician)|ordered\s+by"
        r"|requesting\s+(?:physician|provider)|ordering)\s*:",
        re.I,
    ),
}
_STATUS = re.compile(
    r"\b(?:(?:report|result)\s+status|status)\s*:?\s*(?P<a>final|preliminary|corrected|amended"
    r"|partial|pending|cancell?ed)\b|\b(?P<b>final|preliminary|corrected|amended)\s+report\b",
    re.I,
)


_DATE_LABEL_NEEDLES = needles_of_all([p.pattern for p in _DATE_FACTS.values()], re.I)
# one search rules out a line holding no fact (most lines): each label alone is a search.
# Case-blind (it may match more, never less), the groups' names dropped (they repeat)
_ANY_FACT = alternation(
    [re.sub(r"\?P<\w+>", "?:", p.pattern)
     for p in (*_DATE_FACTS.values(), _PANEL_DATE, *_TEXT_FACTS.values(), _STATUS)],
    re.I,
)  # fmt: skip

_LAB_NAME = re.compile(r"\b(?:laborator(?:y|ies)|diagnostics|lab)\b", re.I)
_CODE = re.compile(r"^(?:[A-Z0-9]{1,3}\s+)+(?=[A-Z][a-z])")
_CREDENTIALS = {"MD", "DO", "NP", "PA", "RN", "PHD", "DNP", "FNP", "APRN", "PA-C", "MBBS", "DR"}
_HEADING_ROWS = 6


@dataclass
class Fact:
    """One fact and the row it was read from."""

    name: str
    value: str
    row: int


def read_facts(lines: list[str], first_row: int = 0) -> list[Fact]:
    """Every fact on every line, in order, numbered from `first_row`."""
    facts: list[Fact] = []
    for number, line in enumerate(lines):
        if _ANY_FACT is not None and not _ANY_FACT.search(line):
            continue
        row = first_row + number
        for name, label in _DATE_FACTS.items():
            for match in label.finditer(line):
                value = parse_date(line[match.end() : match.end() + 40])
                if value:
                    facts.append(Fact(name, value, row))
                    break
        panel = _PANEL_DATE.match(line)
        if panel and not BIRTH_LABEL.search(line) and not PRINT_LABEL.search(line):
            value = parse_date(panel.group("when"))
            if value:  # 'BMP 07/16/17 05:30': the panel's results below were drawn then
                facts.append(Fact("collected", value, row))
        for name, label in _TEXT_FACTS.items():
            match = label.search(line)
            if not match:
                continue
            value = _value_after(line, match.end())
            if not value and number + 1 < len(lines):  # "PERFORMING SITE:" above its lines
                value = _value_after(lines[number + 1], 0)
            value = _clean(name, value)
            if value:
                facts.append(Fact(name, value, row))
        status = _STATUS.search(line)
        if status:
            facts.append(Fact("status", (status.group("a") or status.group("b")).lower(), row))
    return facts


def column_facts(rows: list[Row], first_row: int = 0) -> list[Fact]:
    """Dates printed under their labels, a row of labels above a row of values ('Date and
    Time Collected' over '07/14/16 00:00'): a label's date is the one whose words lie
    under its cell, so an age ('26/05/21') or a birth date beside it is never taken."""
    facts: list[Fact] = []
    for number, (row, below) in enumerate(itertools.pairwise(rows)):
        if not may_match(_DATE_LABEL_NEEDLES, lowered(" ".join(w.text for w in row))):
            continue  # a cell's label is in its row's words: none there, none in a cell
        for cell in row_cells(row):
            text = " ".join(w.text for w in cell)
            for name, label in _DATE_FACTS.items():
                match = label.search(text)
                if not match or match.end() != len(text.rstrip(" :")) or len(cell) > 5:
                    continue  # a label ends its own short cell ('Date Collected:')
                under = [w.text for w in below if w.x1 > cell[0].x0 and w.x0 < cell[-1].x1]
                value = parse_date(" ".join(under)) if under else None
                if value:
                    facts.append(Fact(name, value, first_row + number + 1))
                break
    return facts


def heading_lab(lines: list[str]) -> Fact | None:
    """The lab a report's heading names ("Example National Laboratories"), for reports that
    name their performing lab nowhere else."""
    for line in lines[:_HEADING_ROWS]:
        if _LAB_NAME.search(line) and ":" not in line:
            value = _clean("performing_lab", line)
            return Fact("performing_lab", value, -1) if value else None
    return None


class FactIndex:
    """Facts by name in row order, for finding the one nearest a row quickly."""

    def __init__(self, facts: list[Fact]) -> None:
        self._rows: dict[str, list[int]] = {}
        self._values: dict[str, list[str]] = {}
        for fact in sorted(facts, key=lambda f: f.row):
            self._rows.setdefault(fact.name, []).append(fact.row)
            self._values.setdefault(fact.name, []).append(fact.value)

    def at(self, row: int) -> dict[str, str]:
        """The facts that apply to a result on `row`: for each, the nearest one above it,
        else the nearest below (a footer)."""
        chosen = {}
        for name, rows in self._rows.items():
            position = bisect.bisect_right(rows, row)
            chosen[name] = self._values[name][position - 1 if position else 0]
        return chosen


def _value_after(line: str, start: int) -> str:
    """The text after a label, up to the next 'Label:' or a wide gap."""
    rest = line[start:].strip()
    rest = re.split(r"\s{3,}", rest, maxsplit=1)[0]
    words = rest.split(" ")
    for index, word in enumerate(words):
        if index and word.endswith(":"):  # the next label: its words are not the value
            start = index
            while start > 0 and words[start - 1].lower().strip(":") in _LABEL_WORDS:
                start -= 1
            if words[index].lower().strip(":") in _LABEL_WORDS or start < index:
                return " ".join(words[:start]).strip()
    return rest


def _clean(name: str, value: str) -> str | None:
    value = value.strip(" :;-")
    if name == "specimen" and (not value or _looks_like_id(value)):
        return None
    if name == "performing_lab":
        value = _CODE.sub("", value.split(",")[0].strip()).strip()
    if name == "ordering_provider":
        value = _name_case(value)
    elif value.isupper() and len(value) > 3:
        value = value.capitalize() if name == "specimen" else value.title()
    return value or None


def _looks_like_id(value: str) -> bool:
    return len(value.split()) == 1 and bool(re.search(r"\d", value))


def _name_case(value: str) -> str:
    """'A EXAMPLE, MD' → 'A Example, MD'; mixed-case names are kept as written."""
    if not value.isupper():
        return value
    words = []
    for word in value.split():
        bare = word.strip(",.")
        words.append(word if bare in _CREDENTIALS or len(bare) == 1 else word.title())
    return " ".join(words)
