"""Patient names and birth dates, read leniently and compared leniently."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from intake.model import Person
from intake.understand.dates import birth_date

NAME_LABEL = re.compile(
    r"\b(?:patient(?:'s)?\s+name|patient|pt\.?\s+name|name)(?:\s*[:#]\s*|\s{2,}|\t)",
    re.IGNORECASE,
)
# a title line naming its person: "Blood Test Report - Akshay Jadhav"
TITLE_NAME = re.compile(
    r"^\s*[A-Za-z][A-Za-z ]{2,60}\b(?:report|results?|summary|record)\s*[-–—:|]\s*"
    r"(?P<name>[A-Z][A-Za-z'.-]+(?:\s+[A-Z][A-Za-z'.-]+){1,3})\s*$",
    re.IGNORECASE,
)
HONORIFIC = re.compile(
    r"^(?:mr|mrs|ms|miss|mx|master|baby|smt|shri|sri|kum|kumari|mast|m/s)\.?\s+", re.IGNORECASE
)
_STOP = re.compile(
    r"\s{2,}|\t|\b(?:D\.?O\.?B\.?|DOB|date\s+of\s+birth|birth\s*date|MRN|sex|gender|age|acct|"
    r"account|ID|phone|accession|collected|ordered)\b",
    re.IGNORECASE,
)
_NAME_TOKEN = re.compile(r"^[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'.-]*,?$")
_NOT_NAMES = {"unknown", "none", "n/a", "name", "patient", "information", "report", "date"}


def find_patient(text: str) -> Person:
    """The patient a document names in its header (name and birth date), possibly empty."""
    return Person(name=find_name(text), birth_date=birth_date(text))


def find_name(text: str) -> str | None:
    """The name after a 'Patient:'/'Name:' label (or in a title line 'Report - Name'),
    displayed as 'First Middle Last'."""
    return next(iter(named_people(text, limit=1)), None)


def named_people(text: str, *, limit: int = 4) -> list[str]:
    """The different people a text names under a patient/name label, in order of first
    mention (a file holding two people's reports names both)."""
    found: list[str] = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        for name in _names_in(line, title=number < HEADING_LINES):
            if not any(name_matches(name, other) for other in found):
                found.append(name)
                if len(found) >= limit:
                    return found
    return found


HEADING_LINES = 6  # a title line naming the person is among the first lines


def _names_in(line: str, *, title: bool) -> list[str]:
    names = []
    for label in NAME_LABEL.finditer(line):
        rest = _STOP.split(line[label.end() :], maxsplit=1)[0].strip(" ,;:")
        name = display_name(HONORIFIC.sub("", rest))
        if name:
            names.append(name)
    if not names and title and (match := TITLE_NAME.match(line)):
        name = display_name(match.group("name"))
        if name:
            names.append(name)
    return names


def display_name(raw: str) -> str | None:
    """'GARCIA, MARIA L' or 'Maria L. Garcia' -> 'Maria L. Garcia'-style; None if not a name."""
    raw = raw.strip()
    if "^" in raw:
        return dicom_name(raw)
    if "," in raw:
        last, _, first = raw.partition(",")
        raw = f"{first.strip()} {last.strip()}"
    tokens = [t.strip("_|:;~") for t in raw.split()]
    tokens = [t for t in tokens if t]
    if not 2 <= len(tokens) <= 5 or not all(_NAME_TOKEN.match(t) for t in tokens):
        return None
    if any(t.lower().strip(".,") in _NOT_NAMES for t in tokens):
        return None
    if all(t.isupper() or len(t) == 1 for t in tokens) or raw.islower():
        tokens = [t.capitalize() if len(t) > 1 else t.upper() for t in tokens]
    return " ".join(tokens)


def dicom_name(value: str) -> str | None:
    """A DICOM PN 'LAST^FIRST^MIDDLE^PREFIX^SUFFIX' as 'First Middle Last'."""
    parts = (str(value).split("=")[0].split("^") + [""] * 5)[:5]
    last, first, middle, prefix, suffix = (p.strip() for p in parts)
    joined = " ".join(p for p in (prefix, first, middle, last, suffix) if p)
    if not joined:
        return None
    return display_name(joined) or joined.title()


def name_key(name: str) -> frozenset[str]:
    """Tokens that identify a name regardless of order, case, punctuation and initials."""
    tokens = re.findall(r"[a-zà-ÿ]+", name.lower())
    return frozenset(t for t in tokens if len(t) > 1)


def consensus(people: Iterable[Person]) -> Person:
    """The person most documents name: the most common name and birth date."""
    people = [p for p in people if p and not p.is_empty()]
    keys = Counter(name_key(p.name) for p in people if p.name)
    name = None
    if keys:
        best_key = keys.most_common(1)[0][0]
        spellings = Counter(p.name for p in people if p.name and name_key(p.name) == best_key)
        name = spellings.most_common(1)[0][0]
    births = Counter(p.birth_date for p in people if p.birth_date)
    identifiers = sorted({i for p in people for i in p.identifiers})
    return Person(
        name=name,
        birth_date=births.most_common(1)[0][0] if births else None,
        identifiers=identifiers,
    )


NAME_MATCH = 88.0  # rapidfuzz token-set score at or above which two names are one person


def name_matches(first: str, second: str) -> bool:
    """True when two names are one person: order, case, punctuation, initials, a middle name
    present on one side only and small OCR slips do not matter."""
    from rapidfuzz import fuzz

    a, b = " ".join(sorted(name_key(first))), " ".join(sorted(name_key(second)))
    if not a or not b:
        return True  # nothing to compare
    return fuzz.token_set_ratio(a, b) >= NAME_MATCH


def differences(person: Person, patient: Person) -> list[str]:
    """How `person` (as a document names them) differs from the packet's `patient`."""
    found = []
    if person.name and patient.name and not name_matches(person.name, patient.name):
        found.append(f"names {person.name!r}, not {patient.name!r}")
    if person.birth_date and patient.birth_date and person.birth_date != patient.birth_date:
        found.append(f"birth date {person.birth_date}, not {patient.birth_date}")
    return found
