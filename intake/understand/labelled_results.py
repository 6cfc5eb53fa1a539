"""Results printed as a block of labelled lines, one field to a line.

The VA's My HealtheVet Blue Button download (and other portals' text exports) prints each
result as

    Test Name: POTASSIUM
    Result: 6.5 Critical High
    Units: mmol/L
    Reference Range: (3.5-5.0)
    Interpretation: ...
    Status: Final

Read line by line, 'Result: 6.5' looks like a test named 'Result'. Such a block is read
whole into one result here, and its lines are not read again as results; a block whose
result is no value (a word the lab wrote, 'canc', 'Pending') gives nothing.
"""

from __future__ import annotations

import re

from intake.model import LabResult

_TEST = re.compile(r"^\s*test\s+name\s*:\s*(?P<name>\S.*?)\s*$", re.IGNORECASE)
_FIELD = re.compile(
    r"^\s*(?P<label>result|units?|reference\s+range|status)\s*:\s*(?P<value>.*?)\s*$",
    re.IGNORECASE,
)
_END = re.compile(r"^\s*(?:-{5,}|={5,}|test\s+name\s*:|lab\s+test\s*:)", re.IGNORECASE)
REACH = 40  # lines a block may run (its interpretation notes included)
# the value, then at most a flag: '13.2 Low', '.7', '<0.5', '6.5 Critical High'
_RESULT = re.compile(r"^(?P<value>(?:[<>]=?|≤|≥)?\s*(?:\d[\d,]*(?:\.\d+)?|\.\d+))\s*(?P<flag>.*)$")
_CRITICAL = {"critical high": "HH", "critical low": "LL", "critical": "critical"}


def labelled_block(lines: list[str], start: int) -> tuple[LabResult | None, int] | None:
    """(the result, the line after the block) when `lines[start]` opens a labelled block
    ('Test Name: ...' with a 'Result:' line below it), else None. The result is None when
    the block holds no value intake can read: the block is passed over all the same."""
    opened = _TEST.match(lines[start])
    if not opened:
        return None
    fields: dict[str, str] = {}
    end = start + 1
    while end < len(lines) and end - start <= REACH and not _END.match(lines[end]):
        field = _FIELD.match(lines[end])
        if field:
            label = " ".join(field.group("label").lower().split())
            fields.setdefault("unit" if label == "units" else label, field.group("value"))
        end += 1
    if "result" not in fields:
        return None
    return _result(opened.group("name"), fields, lines[start:end]), end


def _result(test: str, fields: dict[str, str], block: list[str]) -> LabResult | None:
    from intake.understand.labs import (
        QUALITATIVE,
        TABLE_WORDS,
        canonical_unit,
        flag_word,
        settle_flag,
        split_range,
    )

    shown = " ".join(fields["result"].split())
    read = _RESULT.match(shown)
    if read:
        value, words = read.group("value").replace(" ", ""), read.group("flag").lower()
        flag = _CRITICAL.get(words) or (flag_word(words) if words else None)
        if words and flag is None:
            return None  # a word after the value intake cannot place: left out
    elif shown.lower() in QUALITATIVE or shown.lower() in TABLE_WORDS:
        value, flag = shown, None  # a word result ('NEG') in the field that holds results
    else:
        return None  # 'canc', 'Pending', 'See comment': no value
    unit = fields.get("unit", "").strip().strip("-").strip()  # 'Units: --': none
    reference, range_unit = split_range(fields.get("reference range", "").strip().strip("()"))
    number = "0" + value if value.startswith(".") else value  # '.7' against '2-3'
    flag, derived = settle_flag(flag, flag is not None, number, reference)
    status = fields.get("status", "").strip().lower()
    return LabResult(
        test=test,
        value=value,
        unit=canonical_unit(unit) if unit else range_unit,
        reference_range=reference,
        flag=flag,
        flag_derived=derived,
        raw=" / ".join(line.strip() for line in block if _FIELD.match(line) or _TEST.match(line)),
        status=status or None,
    )
