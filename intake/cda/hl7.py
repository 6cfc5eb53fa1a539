"""HL7 v3 data types as C-CDA uses them: codes, timestamps, quantities, timing.

Every helper takes an element or None and tolerates nullFlavor, missing attributes and
vendor quirks: it returns None (or an empty value) rather than raising.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from intake.understand.dates import parse_dicom_date
from intake.understand.meds import EVENT_WORDS, period_words, sig_frequency

V3 = "urn:hl7-org:v3"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
RXNORM = "2.16.840.1.113883.6.88"
LOINC = "2.16.840.1.113883.6.1"


def tag(name: str) -> str:
    """The qualified name of a CDA element."""
    return f"{{{V3}}}{name}"


def local(element: Element) -> str:
    """An element's name without its namespace."""
    name = element.tag if isinstance(element.tag, str) else ""
    return name.rsplit("}", 1)[-1]


def first(element: Element | None, *path: str) -> Element | None:
    """The first element along `path` (CDA local names), or None."""
    for name in path:
        if element is None:
            return None
        element = element.find(tag(name))
    return element


def every(element: Element | None, name: str) -> list[Element]:
    """The children of `element` named `name`."""
    return [] if element is None else element.findall(tag(name))


def text(element: Element | None) -> str:
    """All text inside an element, whitespace collapsed."""
    if element is None:
        return ""
    return " ".join(" ".join(element.itertext()).split())


def is_null(element: Element | None) -> bool:
    return element is None or element.get("nullFlavor") is not None


def xsi_type(element: Element | None) -> str:
    value = "" if element is None else element.get(XSI_TYPE, "")
    return value.rsplit(":", 1)[-1]


def template_ids(element: Element | None) -> set[str]:
    return {t.get("root", "") for t in every(element, "templateId")}


@dataclass(frozen=True)
class Code:
    """A coded value with the words a person reads for it."""

    code: str | None
    system: str | None
    display: str | None
    original: str | None  # originalText, with a narrative reference resolved

    @property
    def name(self) -> str | None:
        """What to show: the words the author wrote, else the code's display name."""
        return self.original or self.display


def agent_name(code: Code | None) -> str | None:
    """The name of a drug or allergen: the author's words, unless they are the display name
    with more before or after it (a system's 'Allergy to Eggs + Eggs', 'Antihypertensive
    combinations + Enalapril ...': a group label joined to the name), then the display."""
    if code is None:
        return None
    original, display = code.original, code.display
    if original and display and original.strip().isdigit():
        return display  # the code's number as its text ('7980' for Penicillin G)
    if original and display:
        folded = display.casefold()
        if folded in original.casefold() and folded != original.casefold():
            return display
    return code.name


def unambiguous(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """{code: name} from the (code, name) pairs a narrative prints; a code given two
    different names is left out (neither is known to be its)."""
    names: dict[str, set[str]] = {}
    for code, name in pairs:
        names.setdefault(code, set()).add(name)
    return {code: next(iter(seen)) for code, seen in names.items() if len(seen) == 1}


def is_reaction(words: str, reactions: list[str]) -> bool:
    """Whether an allergen's words are one of its reactions' (a vendor's originalText
    referencing the reaction's narrative cell: penicillin shown as 'Hives')."""
    return words.casefold() in {reaction.casefold() for reaction in reactions}


def code_of(element: Element | None, refs: dict[str, str]) -> Code | None:
    """A CD/CE/CV element (or a code with nullFlavor and a translation) as a Code."""
    if element is None:
        return None
    original = reference_text(first(element, "originalText"), refs)
    code, system, display = (
        element.get("code"),
        element.get("codeSystem"),
        element.get("displayName"),
    )
    if code is None:
        for translation in every(element, "translation"):
            if translation.get("code"):
                code, system = translation.get("code"), translation.get("codeSystem")
                display = display or translation.get("displayName")
                break
    if not (code or display or original):
        return None
    return Code(code, system, _clean(display), _clean(original))


def code_in(element: Element | None, system: str) -> str | None:
    """The code from `system` on an element or any of its translations."""
    if element is None:
        return None
    for candidate in [element, *every(element, "translation")]:
        if candidate.get("codeSystem") == system and candidate.get("code"):
            return candidate.get("code")
    return None


def reference_text(element: Element | None, refs: dict[str, str]) -> str | None:
    """The narrative a `<text><reference value="#id"/></text>` points at, or its own text."""
    if element is None:
        return None
    reference = first(element, "reference")
    if reference is not None:
        resolved = refs.get(reference.get("value", "").lstrip("#"))
        if resolved:
            return resolved
    own = text(element)
    if _REFERENCE_WORD.fullmatch(own):  # a reference written as text ('#nomeds'): its
        return refs.get(own[1:]) or None  # target's words, never the pointer itself
    return own or None


_REFERENCE_WORD = re.compile(r"\s*#[\w.:-]+\s*")


def narrative_ids(root: Element) -> dict[str, str]:
    """Every narrative element with an ID attribute, by ID, as text (for references)."""
    found = {}
    for element in root.iter():
        identifier = element.get("ID")
        if identifier:
            found[identifier] = text(element)
    return found


_TS = re.compile(r"^(\d{4})(\d{2})?(\d{2})?")


def timestamp(element: Element | None) -> str | None:
    """A TS or IVL_TS as YYYY-MM-DD (value, else low, else center); None when partial or null."""
    if element is None:
        return None
    value = element.get("value")
    if value is None:
        for part in ("low", "center"):
            inner = first(element, part)
            if inner is not None and inner.get("value"):
                value = inner.get("value")
                break
    if not value:
        return None
    return parse_dicom_date(value[:8]) if len(value) >= 8 else None


def partial_date(element: Element | None) -> str | None:
    """Like timestamp(), but keeps a year or year-month when that is all there is."""
    full = timestamp(element)
    if full or element is None:
        return full
    value = element.get("value") or (first(element, "low") or Element("x")).get("value") or ""
    match = _TS.match(value)
    if not match:
        return None
    return "-".join(filter(None, match.groups()))


def end_date(element: Element | None) -> str | None:
    """The `high` of an IVL_TS as YYYY-MM-DD."""
    return timestamp(first(element, "high"))


def quantity(element: Element | None) -> tuple[str, str | None] | None:
    """A PQ as (value, unit); None when null or without a value."""
    if is_null(element) or not element.get("value"):  # type: ignore[union-attr]
        return None
    unit = element.get("unit")  # type: ignore[union-attr]
    return element.get("value"), (None if unit in (None, "", "1") else unit)  # type: ignore[union-attr,return-value]


def frequency(effective_times: list[Element]) -> str | None:
    """How often, from PIVL_TS (period) or EIVL_TS (event) effectiveTime elements."""
    for element in effective_times:
        kind = xsi_type(element)
        if kind == "EIVL_TS":
            event = first(element, "event")
            words = EVENT_WORDS.get(event.get("code", "")) if event is not None else None
            if words:
                return words
        elif kind == "PIVL_TS":
            period = first(element, "period")
            if period is None or is_null(period):
                continue
            per_day = element.get("institutionSpecified") == "true"
            unit = period.get("unit", "")
            words = period_words(period.get("value", ""), unit, per_day=per_day)
            if not words and unit.isalnum() and period.get("value", "1") == "1":
                words = sig_frequency(unit)  # a sig's abbreviation as the unit: 'BID', 'Q8H'
            if words:
                return words
    return None


NULL_WORDS = frozenset({"null", "none", "nullflavor", "unknown", "n/a", "na"})


def _clean(value: str | None) -> str | None:
    """Words as shown, or None for nothing (or a vendor's literal 'null')."""
    if not value:
        return None
    words = " ".join(value.split())
    return None if not words or words.lower() in NULL_WORDS else words
