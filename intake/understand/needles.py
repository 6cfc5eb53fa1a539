"""Literal prefilters for regular expressions: the words a match must contain.

Searching a pattern of many alternatives costs tens of microseconds even on a two-line
note, while `"word" in text` costs tens of nanoseconds. `needles(pattern)` reads the
pattern's parse tree for a set of lower-case strings of which every match contains one;
`may_match` then rules a pattern out when none of them is in the text, and searches
otherwise. Only ASCII texts are ruled out this way: under re.IGNORECASE a few non-ASCII
letters match ASCII ones ('ſ' matches 's'), which a substring test cannot follow.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache

try:  # CPython's own parser of patterns (private: a Python without it only loses the speed-up)
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    sre = sre_parse = None

Alternatives = frozenset[tuple[str, ...]]  # each a tuple of strings that all are in a match


@dataclass(frozen=True)
class Needles:
    """A pattern's needles: every match holds all the strings of one alternative."""

    alternatives: Alternatives
    longest: tuple[str, ...] = ()  # each alternative's longest string, tested first

    @classmethod
    def of(cls, alternatives: Alternatives | None) -> Needles | None:
        if alternatives is None:
            return None
        return cls(alternatives, tuple({max(a, key=len) for a in alternatives}))


MOST = 8  # alternatives kept when a sequence's parts are combined


def needles(pattern: str, flags: int = 0) -> Needles | None:
    """Needles of `pattern`: every match holds (lowered) all the strings of one of them;
    None when nothing can be said (or this Python has no pattern parser to read)."""
    if sre_parse is None:
        return None
    try:
        tree = sre_parse.parse(pattern, flags)
    except re.error:
        return None
    return Needles.of(_sequence(list(tree)))


def needles_of_all(patterns: list[str], flags: int = 0) -> Needles | None:
    """Needles for an alternation of `patterns`: any one of theirs (None if one has none)."""
    found: set[tuple[str, ...]] = set()
    for pattern in patterns:
        own = needles(pattern, flags)
        if own is None:
            return None
        found |= own.alternatives
    return Needles.of(frozenset(found))


def alternation(patterns: list[str], flags: int = 0) -> re.Pattern[str] | None:
    """One pattern matching where any of `patterns` matches (an alternation finds a match if
    and only if one of its parts does); None when there are none or they cannot be joined
    (a duplicate group name, a flag that must come first: then each is searched alone)."""
    if not patterns:
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns), flags)
    except re.error:
        return None


def lowered(text: str) -> str | None:
    """The text as `may_match` tests it: lower-cased if ASCII, else None (anything may
    match it)."""
    return text.lower() if text.isascii() else None


def may_match(found: Needles | None, text: str | None) -> bool:
    """False only when a pattern with these needles cannot match the text whose
    `lowered()` is `text`."""
    if found is None or text is None:
        return True
    if not any(map(text.__contains__, found.longest)):  # the common case, at C speed
        return False
    for strings in found.alternatives:
        for needle in strings:
            if needle not in text:
                break
        else:
            return True
    return False


def _sequence(items: list) -> Alternatives | None:
    """A sequence's needles: each literal run and each required part is needed, so the
    most selective are combined (every match holds one alternative of each)."""
    candidates: list[Alternatives] = []
    run: list[str] = []
    for op, value in items:
        char = _literal(op, value)
        if char is not None:
            run.append(char)
            continue
        if run:
            candidates.append(frozenset({("".join(run),)}))
            run = []
        part = _part(op, value)
        if part:
            candidates.append(part)
    if run:
        candidates.append(frozenset({("".join(run),)}))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (-min(max(map(len, a)) for a in c), len(c)))
    combined = candidates[0]
    for candidate in candidates[1:]:
        if len(combined) * len(candidate) > MOST:
            break
        combined = frozenset(tuple(sorted({*a, *b})) for a in combined for b in candidate)
    return combined


def _part(op, value) -> Alternatives | None:
    """The needles of one non-literal item (a group, alternatives, a required repeat)."""
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, body = value
        return None if add_flags or del_flags else _sequence(list(body))
    if op is sre.BRANCH:
        found: set[tuple[str, ...]] = set()
        for branch in value[1]:
            own = _sequence(list(branch))
            if own is None:
                return None
            found |= own
        return frozenset(found)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, _high, body = value
        return _sequence(list(body)) if low >= 1 else None
    return None  # classes, lookarounds, references, anchors: nothing required


def _literal(op, value) -> str | None:
    """The lower-case character a LITERAL item stands for, when a substring test of the
    lowered text can find it (not whitespace or a line break: lines may be rejoined)."""
    if op is not sre.LITERAL:
        return None
    char = chr(value)
    if char.isspace() or _folds_to_ascii(char):
        return None
    return char.lower()


@cache
def _folds_to_ascii(char: str) -> bool:
    """A non-ASCII letter that re.IGNORECASE matches with an ASCII one ('ſ', 'K')."""
    if char.isascii():
        return len(char.lower()) != 1
    return len(char.lower()) != 1 or any(
        re.fullmatch(re.escape(char), other, re.I) for other in string.printable
    )
