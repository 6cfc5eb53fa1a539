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
from intake.understand.meds import RELATIVES  # someone else's figures: 'mother ...', 'anyja ...'

EXTRA_NAMES = ("IgE", "Total IgE")  # named alone in allergy notes
_LINK = r"(?:\s*(?:[:=]|\b(?:of|is|was|were|currently|now)\b))*"
_NUMBER = r"\d{1,4}(?:[.,]\d{1,2})?"
_DOSE_OR_MORE = re.compile(  # what may not follow a result's number
    r"^\s*(?:[-–/.,:]\s*\d|(?:mg|mcg|µg|g|grams?|gm|ml|iu|units?|meq|tablets?|caps?|x|times)\b(?!\s*/)"
    r"|%|years?|yrs?|days?|weeks?|months?|hours?)",
    re.IGNORECASE,
)
# words that make a figure a goal, a threshold or a dose, not the patient's result, in the
# clause before it or after it: 'LDL goal 70', 'if creatinine is 1.5', 'A1c of 7 would be
# ideal', 'PSA 4 or higher', 'potassium 40 given', 'Calcium 600 with D twice daily'; goals
# in Hungarian, Portuguese and Spanish too ('cél', 'meta', 'alvo')
_NOT_RESULT_BEFORE = re.compile(
    r"\b(?:if|unless|when(?:ever)?|goal|target|aim|keep|maintain|threshold|cut-?off|under|over"
    r"|below|above|less|greater|given|give|replaced?|replete|supplement(?:ed)?|start(?:ed)?"
    r"|takes?|taking|dose|ha|si|meta|alvo|objetivo|cél\w*|ideális)\b",
    re.IGNORECASE,
)
_NOT_RESULT_AFTER = re.compile(
    r"^[^,;\n]*?\b(?:or\s+(?:less|more|higher|lower|above|below|greater|over|under)|would|should"
    r"|ideal|goal|target|threshold|cut-?off|for\s+(?:men|women|males|females)|given|transfused"
    r"|replaced|daily|twice|nightly|weekly|b\.?i\.?d|t\.?i\.?d|q\.?d|tablets?|capsules?)\b",
    re.IGNORECASE,
)
# a word that makes a short analyte name part of another name ('Vitamin K', 'vit. K')
_PART_OF_NAME = re.compile(r"\b(?:vitamins?|vitamina|vit\.?)\s*$", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[,;]\s|[.!?](?:\s|$)|\n")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n")
_FULL_STOP = re.compile(r"[.!?](?:\s|$)")  # a sentence's end, across the lines it wraps over
SENTENCE_BACK = 400  # characters looked back for the start of a sentence
# a specimen other than blood, named in the sentence before a figure: the alias table's
# names are blood analytes ('red blood cells 34' of a urinalysis is a count per field of
# urine, not an erythrocyte count), so such a figure is not read (urine, CSF, a fluid, stool)
_OTHER_SPECIMEN = re.compile(
    r"\b(?:urin\w*|orina|vizelet\w*|(?-i:UA|U/A|CSF|BAL)|cerebrospinal|spinal\s+fluid"
    r"|lumbar\s+puncture|pleural|peritoneal|ascitic|ascites|synovial|joint\s+fluid|stool"
    r"|fecal|faecal|sputum|bronchoalveolar|semen|seminal|liquor)\b",
    re.IGNORECASE,
)
_UNIT = re.compile(
    r"^\s*(mmol/mol|mg/dl|mmol/l|g/dl|g/l|µmol/l|umol/l|u/l|iu/ml|ku/l|meq/l|ng/ml|pg/ml)\b", re.I
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
        if not _stated_result(text, match):
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


def _stated_result(text: str, match: re.Match[str]) -> bool:
    """Whether a name and number state the patient's result: not a goal or threshold in
    the same clause, not a dose, not a relative's figure in the same sentence."""
    before = text[: match.start()]
    if _PART_OF_NAME.search(before):
        return False  # 'Vitamin K 10': a vitamin (a dose), not potassium
    clause = before[max((m.end() for m in _CLAUSE_END.finditer(before)), default=0) :]
    sentence = before[max((m.end() for m in _SENTENCE_END.finditer(before)), default=0) :]
    if _NOT_RESULT_BEFORE.search(clause) or RELATIVES.search(sentence):
        return False
    if _OTHER_SPECIMEN.search(_whole_sentence(before)):
        return False  # 'urinalysis ... showed red blood cells 34': not a blood count
    return not _NOT_RESULT_AFTER.match(text[match.end() : match.end() + 80])


def _whole_sentence(before: str) -> str:
    """The sentence a figure stands in, up to it: back to the last full stop (not a line
    break: a PDF's sentence wraps over lines), at most SENTENCE_BACK characters."""
    window = before[-SENTENCE_BACK:]
    return window[max((m.end() for m in _FULL_STOP.finditer(window)), default=0) :]
