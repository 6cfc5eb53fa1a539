"""What a coded source says of a result (HL7 v3 ObservationInterpretation, v2 table 0078,
SNOMED CT result flags), one table for C-CDA and FHIR."""

from __future__ import annotations

from collections.abc import Iterable

# codes that say high, low or abnormal, as intake's flags
FLAGS = {
    "H": "H", "HU": "HH", "HH": "HH", "L": "L", "LU": "LL", "LL": "LL", "A": "A", "AA": "A",
    "POS": "A", "DET": "A", "<": "L", ">": "H", "CR": "critical",
    "281302008": "H",  # SNOMED CT: above reference range
    "281300000": "L",  # SNOMED CT: below reference range
}  # fmt: skip
NORMAL = frozenset({"N", "281301001"})  # within reference range
# HX/LX (above/below a threshold, not the reference range) are left to the range, like any
# code not listed here
# the source's own word that is neither high nor low: negative, indeterminate, a susceptibility
QUALITATIVE = frozenset({
    "NEG", "ND", "IND", "E", "NR", "RR", "WR", "EXP", "UNE", "S", "R", "I", "MS", "VS", "SDD",
    "NCL", "NS", "260385009", "11896004", "30714006", "131196009",
})  # fmt: skip

KNOWN = frozenset(FLAGS) | NORMAL | QUALITATIVE


def interpretation(codes: Iterable[str]) -> tuple[str | None, bool, bool]:
    """(the flag stated, whether the source interpreted the result in words intake knows,
    whether it called it normal). A code intake does not know interprets nothing: the
    range then decides, and the flag is marked as derived."""
    known = [c for c in (code.upper() for code in codes) if c in KNOWN]
    stated = next((FLAGS[c] for c in known if c in FLAGS), None)
    return stated, bool(known), any(c in NORMAL for c in known)
