"""Lab result lines ("WBC  11.2  H  x10E3/uL  3.4-10.8") into LabResult, from any text source."""

from __future__ import annotations

import re

from intake.model import LabResult

FLAGS = {
    "H": "H",
    "L": "L",
    "HH": "HH",
    "LL": "LL",
    "A": "A",
    "AA": "AA",
    "HIGH": "H",
    "LOW": "L",
    "ABNORMAL": "A",
    "ABN": "A",
    "CRIT": "critical",
    "CRITICAL": "critical",
    "H*": "HH",
    "L*": "LL",
}
# what OCR makes of a lone flag letter in its own column
OCR_FLAGS = {"I": "L", "l": "L", "|": "L", "I:": "L", "L:": "L", "i": "L", "H:": "H", "#": "H"}
QUALITATIVE = (
    "not detected",
    "non-reactive",
    "nonreactive",
    "negative",
    "positive",
    "detected",
    "reactive",
    "normal",
    "abnormal",
    "trace",
)
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
VALUE_RE = re.compile(rf"^(?P<cmp>[<>]=?|≤|≥)?\s*(?P<num>{_NUMBER})$")
RANGE_RE = re.compile(
    rf"^(?:(?P<lo>{_NUMBER})\s*[-–]\s*(?P<hi>{_NUMBER})|(?P<cmp>[<>]=?|≤|≥)\s*(?P<lim>{_NUMBER}))$"
)
UNIT_RE = re.compile(r"^(?=.*[A-Za-zµ%])[A-Za-zµ%][\w/%^.*µ²³]*$|^x?10[Ee^]\d+/\w+$|^%$")
KNOWN_UNITS = (
    "mg/dL",
    "g/dL",
    "g/L",
    "mg/L",
    "ug/dL",
    "ug/L",
    "ug/mL",
    "ng/mL",
    "ng/dL",
    "pg/mL",
    "mmol/L",
    "umol/L",
    "nmol/L",
    "pmol/L",
    "mEq/L",
    "U/L",
    "IU/L",
    "mIU/mL",
    "uIU/mL",
    "IU/mL",
    "U/mL",
    "x10E3/uL",
    "x10E6/uL",
    "x10E9/L",
    "x10E12/L",
    "K/uL",
    "M/uL",
    "fL",
    "pg",
    "%",
    "mL/min/1.73",
    "mL/min/1.73m2",
    "sec",
    "ratio",
    "mm/hr",
    "cells/uL",
    "copies/mL",
    "mOsm/kg",
    "Eq/L",
)
_OCR_CONFUSIONS = str.maketrans({"l": "i", "0": "o", "|": "i", "1": "i"})


# UCUM spellings (C-CDA, FHIR) as lab reports print them
UCUM_UNITS = {
    "10*3/uL": "x10E3/uL", "10*6/uL": "x10E6/uL", "10*9/L": "x10E9/L", "10*12/L": "x10E12/L",
    "10*3/mm3": "x10E3/uL", "mm[Hg]": "mmHg", "[in_i]": "in", "[lb_av]": "lb", "Cel": "°C",
    "[degF]": "°F", "[iU]/L": "IU/L", "m[IU]/mL": "mIU/mL", "u[IU]/mL": "uIU/mL",
    "[IU]/mL": "IU/mL", "meq/L": "mEq/L", "mL/min/{1.73_m2}": "mL/min/1.73m2",
    "{beats}/min": "/min", "/min": "/min",
}  # fmt: skip


def canonical_unit(unit: str) -> str:
    """A unit as labs print it: UCUM spellings translated, OCR's l/I and 0/O confusions undone
    for known units."""
    unit = UCUM_UNITS.get(unit, unit)
    return _UNIT_KEYS.get(_unit_key(unit), unit)


def _unit_key(unit: str) -> str:
    return unit.lower().translate(_OCR_CONFUSIONS)


_UNIT_KEYS = {_unit_key(unit): unit for unit in KNOWN_UNITS}
_NOT_TESTS = re.compile(
    r"^(?:page|phone|fax|dob|date|age|mrn|id|npi|account|acct|patient|collected|received|"
    r"reported|printed|specimen|ordered|time|zip|suite|room|bed)\b",
    re.IGNORECASE,
)


def parse_labs(text: str, *, collected: str | None = None) -> list[LabResult]:
    """Every lab result line in `text`; lines with no unit, range or flag are not results."""
    results = []
    for line in text.splitlines():
        result = parse_lab_line(line, collected=collected)
        if result:
            results.append(result)
    return results


def parse_lab_line(line: str, *, collected: str | None = None) -> LabResult | None:
    """One line as a LabResult, or None when it is not a result line."""
    raw = line.strip()
    tokens = _tokens(raw)
    if len(tokens) < 2 or len(tokens) > 14:
        return None
    start = _value_index(tokens)
    if start is None:
        return None
    test = " ".join(tokens[:start]).strip(" .:*")
    if not _is_test_name(test):
        return None
    value, rest = _value(tokens, start)
    flag = unit = reference = None
    for position, token in enumerate(rest):
        upper = token.upper()
        if flag is None and upper in FLAGS:
            flag = FLAGS[upper]
        elif flag is None and position == 0 and token in OCR_FLAGS:
            flag = OCR_FLAGS[token]
        elif reference is None and (RANGE_RE.match(token) or _is_qualitative(token)):
            reference = token
        elif unit is None and UNIT_RE.match(token) and upper not in FLAGS:
            unit = canonical_unit(token)
        else:
            return None  # an unexplained word: prose, not a result line
    if not (unit or reference or flag):
        return None
    derived = False
    if flag is None and reference:
        flag = derive_flag(value, reference)
        derived = flag is not None
    return LabResult(
        test=test,
        value=value,
        unit=unit,
        reference_range=reference,
        flag=flag,
        collected=collected,
        flag_derived=derived,
        raw=raw,
    )


def settle_flag(
    stated: str | None, interpreted: bool, value: str, reference: str | None
) -> tuple[str | None, bool]:
    """(flag, derived): the flag a coded source states when it gives an interpretation,
    otherwise the one its reference range implies, marked as derived."""
    if interpreted:
        return stated, False
    if reference:
        flag = derive_flag(value, reference)
        return flag, flag is not None
    return None, False


def range_text(low: str | None, high: str | None) -> str | None:
    """A reference range from its bounds as labs print it: '3.5-5.0', '>=60', '<=200'."""
    if low and high:
        return f"{low}-{high}"
    if low:
        return f">={low}"
    if high:
        return f"<={high}"
    return None


_TRAILING_UNIT = re.compile(r"\s*[A-Za-zµ%][\w/%^.*µ²³\[\]]*$")


def derive_flag(value: str, reference: str) -> str | None:
    """H or L when a numeric value falls outside a numeric range; None when inside or unknown."""
    number = _number(value)
    core = _TRAILING_UNIT.sub("", reference.strip())
    match = RANGE_RE.match(core.replace(" ", ""))
    if number is None or not match or VALUE_RE.match(value).group("cmp"):  # type: ignore[union-attr]
        return None
    if match.group("lo"):
        low, high = _number(match.group("lo")), _number(match.group("hi"))
        return "L" if number < low else "H" if number > high else None  # type: ignore[operator]
    limit = _number(match.group("lim"))
    if match.group("cmp") in ("<", "≤", "<="):
        return "H" if number > limit or (match.group("cmp") == "<" and number == limit) else None  # type: ignore[operator]
    return "L" if number < limit or (match.group("cmp") == ">" and number == limit) else None  # type: ignore[operator]


def _tokens(line: str) -> list[str]:
    """Whitespace tokens, with '3.5 - 5.0' and '< 200' joined into one token each."""
    line = re.sub(rf"({_NUMBER})\s+[-–]\s+({_NUMBER})", r"\1-\2", line)
    line = re.sub(rf"(?<![\w.])([<>]=?|≤|≥)\s+({_NUMBER})", r"\1\2", line)
    line = re.sub(
        r"\bnot\s+detected\b",
        lambda m: re.sub(r"\s+", "\ue000", m.group(0)),
        line,
        flags=re.IGNORECASE,
    )
    return [t.replace("\ue000", " ") for t in line.split()]


def _value_index(tokens: list[str]) -> int | None:
    for i, token in enumerate(tokens[1:], start=1):
        if VALUE_RE.match(token) or token.lower() in QUALITATIVE:
            return i
    return None


def _value(tokens: list[str], start: int) -> tuple[str, list[str]]:
    return tokens[start], tokens[start + 1 :]


def _is_test_name(test: str) -> bool:
    letters = sum(ch.isalpha() for ch in test)
    return letters >= 2 and test[:1].isalpha() and not _NOT_TESTS.match(test) and len(test) <= 60


def _is_qualitative(token: str) -> bool:
    return token.lower() in QUALITATIVE


def _number(value: str) -> float | None:
    match = VALUE_RE.match(value.replace(" ", ""))
    return float(match.group("num").replace(",", "")) if match else None
