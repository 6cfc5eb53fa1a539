"""Literal prefilters (understand/needles.py): a pattern they rule out never matches."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from intake.understand import classify
from intake.understand.needles import lowered, may_match, needles, needles_of_all

LABELLED = Path(__file__).resolve().parent.parent / "samples" / "labelled"


def _patterns() -> list[tuple[str, int]]:
    """Every pattern classify.py prefilters, with the flags it is compiled with."""
    found = [(p, re.I | re.M) for rules in classify._rules().values() for p, _ in rules]
    found += [(p, re.I | re.M) for p in classify.NOTE_SECTIONS]
    for _kind, title, body in classify.SUBTYPES.values():
        found += [(title, re.I)] + [(p, re.I) for p in body]
    return found


def _texts() -> list[str]:
    texts = [path.read_text() for path in sorted(LABELLED.glob("*.txt"))]
    lines = [line for text in texts for line in text.splitlines() if line.strip()]
    return texts + lines + ["Note 17\nA short note, number 17, about nothing.\n"]


def test_no_pattern_matches_a_text_its_needles_rule_out():
    texts = [(text, lowered(text)) for text in _texts()]
    assert len(texts) > 100
    ruled_out = 0
    for pattern, flags in _patterns():
        compiled, found = re.compile(pattern, flags), needles(pattern, flags)
        for text, low in texts:
            if not may_match(found, low):
                ruled_out += 1
                assert not compiled.search(text), (pattern, text[:80])
    assert ruled_out > 1000  # the prefilter does rule texts out


@pytest.mark.parametrize(
    ("pattern", "flags", "text", "can"),
    [
        (r"lab(?:oratory)?\s+report", re.I, "LABORATORY   REPORT", True),
        (r"lab(?:oratory)?\s+report", re.I, "laboratory results", False),
        (r"\bH\s?&\s?P\b", re.I, "h & p", True),
        (r"\bH\s?&\s?P\b", re.I, "history and plan", False),
        (r"cycles?\b", re.I, "Cycle 3", True),
        (r"specimen", re.I, "\u017fpecimen", True),  # long s: re.I matches it with 's'
        (r"specimen", re.I, "spec\u0131men", True),  # dotless i: any non-ASCII text may match
        (r"\u212aidney", re.I, "kidney", True),  # the Kelvin sign matches 'k'
        (r"a+|b?", 0, "zzz", True),  # a pattern that can match nothing has no needles
        (r"(?i:panel)", 0, "PANEL", True),
    ],
)
def test_may_match(pattern, flags, text, can):
    assert may_match(needles(pattern, flags), lowered(text)) is can
    assert bool(re.search(pattern, text, flags)) is can


def test_needles_of_an_alternation_and_a_bad_pattern():
    found = needles_of_all([r"\bcbc\b", r"lipid\s+panel"], re.I)
    assert found is not None
    assert found.alternatives == {("cbc",), ("lipid", "panel")}
    assert needles_of_all([r"cbc", r"\d+"]) is None
    assert needles(r"(unclosed") is None
