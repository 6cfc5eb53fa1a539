"""Lab values a clinical note states in its sentences ('fasting lipids showed cholesterol of
165, triglycerides 180, HDL cholesterol 22'; 'IgE 169'; 'Labs: Na 138, K 4.1').

Only analytes of the alias table (understand.analytes) are read, each name followed at once
by its number (a few linking words between: 'of', 'is', 'was', 'currently'); a number that
is a date, a year, a range, a ratio or a dose ('B12 1000 mcg') is never a result. The longest
name wins ('HDL cholesterol 22' is never 'cholesterol 22'); one analyte and value is kept
once (a note repeats its figures)."""

from __future__ import annotations

import functools
import re

from intake.model import LabResult
from intake.understand.analytes import ANALYTES, analyte_of

EXTRA_NAMES = ("IgE", "Total IgE")  # named alone in allergy notes
_LINK = r"(?:\s*(?:[:=]|\b(?:of|is|was|were|currently|now)\b))*"
_NUMBER = r"\d{1,4}(?:[.,]\d{1,2})?"
_DOSE_OR_MORE = re.compile(  # what may not follow a result's number
    r"^\s*(?:[-–/.,:]\s*\d|(?:mg|mcg|µg|g|ml|iu|units?|meq|tablets?|caps?|x)\b(?!\s*/)"
    r"|%|years?|yrs?|days?|weeks?|months?|hours?)",
    re.IGNORECASE,
)
_UNIT = re.compile(
    r"^\s*(mg/dl|mmol/l|g/dl|g/l|µmol/l|umol/l|u/l|iu/ml|ku/l|meq/l|ng/ml|pg/ml)\b", re.I
)


@functools.cache
def _names() -> re.Pattern[str]:
    names = {name for a in ANALYTES for name in (a.name, *a.aliases)} | set(EXTRA_NAMES)
    ordered = sorted(names, key=len, reverse=True)  # longest first: 'HDL cholesterol'
    alternation = "|".join(re.escape(name).replace(r"\ ", r"\s+") for name in ordered)
    return re.compile(
        rf"(?<![\w/.-])(?P<test>{alternation})(?![\w/-]){_LINK}\s*(?P<value>{_NUMBER})(?![\d])",
        re.IGNORECASE,
    )


def prose_labs(text: str, *, collected: str | None = None) -> list[LabResult]:
    """The results a note's sentences state, in order, each analyte and value once."""
    found: list[LabResult] = []
    seen: set[tuple[str, str]] = set()
    for match in _names().finditer(text):
        test, value = " ".join(match.group("test").split()), match.group("value")
        after = text[match.end() : match.end() + 20]
        if _DOSE_OR_MORE.match(after) or re.fullmatch(r"(?:19|20)\d\d", value):
            continue
        analyte = analyte_of(test)
        key = (analyte.name if analyte else test.casefold(), value)
        if key in seen:
            continue
        seen.add(key)
        unit = _UNIT.match(after)
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        found.append(
            LabResult(
                test=test,
                value=value,
                unit=unit.group(1) if unit else None,
                reference_range=None,
                flag=None,
                collected=collected,
                raw=text[line_start : line_end if line_end >= 0 else len(text)].strip(),
            )
        )
    return found
