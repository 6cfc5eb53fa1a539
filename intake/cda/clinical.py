"""C-CDA problem and allergy entries as Problem and Allergy records.

Problem concern act -> problem observation (name, code, onset, status); allergy concern act
-> allergy observation (substance, reactions, severity, status). A negated allergy entry or
an allergy whose substance is "no known allergy" becomes one "No known allergies" record;
a negated or null problem, or one saying there are no problems, is no problem at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from intake.cda.hl7 import (
    Code,
    agent_name,
    code_of,
    every,
    first,
    is_null,
    is_reaction,
    local,
    partial_date,
    reference_text,
    template_ids,
    text,
    unambiguous,
)
from intake.model import Allergy, Problem
from intake.understand.problems import NO_ALLERGY_WORDS

SYSTEMS = {
    "2.16.840.1.113883.6.96": "SNOMED",
    "2.16.840.1.113883.6.90": "ICD-10",
    "2.16.840.1.113883.6.3": "ICD-10",
    "2.16.840.1.113883.6.103": "ICD-9",
    "2.16.840.1.113883.6.88": "RxNorm",
    "2.16.840.1.113883.4.9": "UNII",
    "2.16.840.1.113883.6.69": "NDC",
}
STATUS_OBSERVATIONS = frozenset(
    {"2.16.840.1.113883.10.20.22.4.6", "2.16.840.1.113883.10.20.22.4.28"}
)
REACTION = "2.16.840.1.113883.10.20.22.4.9"  # some vendors link it as SUBJ, not MFST
SEVERITY = "2.16.840.1.113883.10.20.22.4.8"
CRITICALITY = "2.16.840.1.113883.10.20.22.4.145"
CONCERN_STATUS = {"active": "active", "completed": "resolved", "suspended": "inactive"}
SNOMED_TAG = re.compile(r"\s*\((?:severity modifier|qualifier value)\)", re.I)
NO_PROBLEMS = re.compile(
    r"^\s*(?:no\s+(?:known\s+|current\s+|active\s+)?(?:problems?|diagnos[ie]s|medical problems)"
    r"|problems?|unlisted problem|none|no problems or disability.*"
    r"|no current problems or disability"
    # a placeholder entry: 'No problem data is applicable' (Partners HealthCare), 'not
    # applicable', 'no information'
    r"|no\s+(?:known\s+)?(?:problem|diagnosis|condition)s?\s+(?:data|information)\b.*"
    r"|not\s+applicable|no\s+(?:data|information)(?:\s+available)?)\s*\.?\s*$",
    re.I,
)
ALLERGY_TYPE = re.compile(r"\b(?:allerg|intoleran|adverse|sensitiv|reaction|propensity)", re.I)
NO_ALLERGIES = re.compile(
    r"\bno\s+known\s+(?:drug\s+)?(?:allerg|sensitiv)|\bNKD?A\b|\bno\s+(?:drug\s+)?allerg", re.I
)


def problems(section: Element, refs: dict[str, str]) -> list[Problem]:
    """The section's problem observations (under concern acts or alone), in order."""
    found: list[Problem] = []
    rows = row_names(section)
    for concern, observation in _observations(section):
        problem = _problem(concern, observation, refs, rows)
        if problem and problem not in found:
            found.append(problem)
    return found


def allergies(section: Element, refs: dict[str, str]) -> list[Allergy]:
    """The section's allergy observations; a 'no known allergies' entry once."""
    found: list[Allergy] = []
    for concern, observation in _observations(section):
        allergy = _allergy(concern, observation, refs)
        if allergy and allergy not in found:
            found.append(allergy)
    return found


# a table cell holding only a code ('59621000', 'E11.9')
_CODE_CELL = re.compile(r"(?=[A-Z0-9.\-]*\d)[A-Z0-9][A-Z0-9.\-]{1,19}")


def row_names(section: Element) -> dict[str, str]:
    """Names by code from the section's narrative rows that print an entry's code in a
    cell of its own and its words in the first (Intellichart: '<td>Essential hypertension
    (Disorder)</td><td>59621000</td>'); a code two rows name differently is left out."""
    narrative = first(section, "text")
    if narrative is None:
        return {}
    rows = (
        [text(cell) for cell in row if local(cell) in ("td", "th")]
        for row in narrative.iter()
        if local(row) == "tr"
    )
    return unambiguous(
        (cell, cells[0])
        for cells in rows
        if len(cells) >= 2 and re.search(r"[^\W\d_]{3}", cells[0])
        for cell in cells[1:]
        if _CODE_CELL.fullmatch(cell)
    )


def _observations(section: Element) -> Iterator[tuple[Element | None, Element]]:
    """(concern act or None, observation) for each entry's top observations."""
    for entry in every(section, "entry"):
        for element in entry:
            if local(element) == "observation":
                yield None, element
            elif local(element) == "act":
                for relation in every(element, "entryRelationship"):
                    observation = first(relation, "observation")
                    if observation is not None:
                        yield element, observation


def _problem(
    concern: Element | None,
    observation: Element,
    refs: dict[str, str],
    rows: dict[str, str],
) -> Problem | None:
    if observation.get("negationInd") == "true" or observation.get("nullFlavor"):
        return None
    if concern is not None and concern.get("nullFlavor"):
        return None
    value = first(observation, "value")
    code = code_of(value, refs)
    name = _name(code) or _text(observation, refs)
    if not name and code and code.code:  # a bare code: the words its narrative row prints
        name = rows.get(code.code)
    if not name or NO_PROBLEMS.match(name):
        return None
    onset = partial_date(first(observation, "effectiveTime", "low"))
    return Problem(
        name=name,
        status=_status(concern, observation, refs),
        onset=onset,
        code=_coded(value),
        raw=" — ".join(filter(None, [name, onset and f"onset {onset}"])),
    )


def _allergy(concern: Element | None, observation: Element, refs: dict[str, str]) -> Allergy | None:
    entity = first(observation, "participant", "participantRole", "playingEntity")
    agent_element = first(entity, "code")
    agent = code_of(agent_element, refs)
    name = agent_name(agent)
    written = text(first(entity, "name"))  # the product's free text (C32 6.03)
    if written and not written.strip().isdigit() and (not name or _unnamed_code(agent, name)):
        name = written  # 'Coded Allergy Name Not Available', or a date before the name
    name = name or _unnamed_agent(observation, agent, refs)
    if observation.get("nullFlavor") or (concern is not None and concern.get("nullFlavor")):
        return None  # "unknown" is not "none"
    value = code_of(first(observation, "value"), refs)
    says_none = (
        observation.get("negationInd") == "true"
        or NO_ALLERGIES.search(name)
        or (value is not None and value.code in NO_ALLERGY_WORDS)
        or (agent is not None and agent.code in NO_ALLERGY_WORDS)
    )
    if says_none:
        if name and not NO_ALLERGIES.search(name) and observation.get("negationInd") == "true":
            return None  # "not allergic to X" is not a statement about all allergies
        code = next(
            (c.code for c in (agent, value) if c and c.code in NO_ALLERGY_WORDS), "716186003"
        )
        return Allergy(substance=NO_ALLERGY_WORDS[code], raw=name or "negated allergy entry")
    if not name:
        return None
    reactions, severity = [], _severity(observation, refs)
    for relation in every(observation, "entryRelationship"):
        inner = first(relation, "observation")
        if inner is None or not (
            relation.get("typeCode") == "MFST" or REACTION in template_ids(inner)
        ):
            continue
        reaction = code_of(first(inner, "value"), refs)
        if reaction and reaction.name and reaction.name not in reactions:
            reactions.append(reaction.name)
        severity = severity or _severity(inner, refs)
    if agent and agent.display and agent.original and is_reaction(agent.original, reactions):
        name = agent.display  # its originalText points at the reaction's cell, not the agent's
    reaction_words = ", ".join(reactions) or None
    return Allergy(
        substance=name,
        reaction=reaction_words,
        severity=severity,
        status=_status(concern, observation, refs),
        code=_coded(agent_element),
        raw=name + (f": {reaction_words}" if reaction_words else ""),
    )


# words a system prints where it has no name for a coded value
UNAVAILABLE = re.compile(
    r"\bnot\s+available\b|\bunavailable\b|^\W*(?:unknown|unk|n/?a|null)\W*$", re.I
)


def _unnamed_code(agent: Code | None, name: str) -> bool:
    """Whether an allergen's words are no name of its own: a placeholder ('Coded Allergy Name
    Not Available'), or, its code empty, a narrative cell holding more than the name
    ('February 1, 2011 Ketorolac': the date of another column run into it)."""
    if UNAVAILABLE.search(name):
        return True
    return agent is not None and not agent.code and bool(re.search(r"\d", name))


def _unnamed_agent(observation: Element, agent: Code | None, refs: dict[str, str]) -> str:
    """An allergen coded without words (Allscripts FollowMyHealth: a bare RxNorm code, its
    name only in the narrative the observation's value points at): those words, else the
    code itself ('RxNorm 733'), so a penicillin allergy is never dropped for want of a name;
    '' when nothing is coded."""
    value = code_of(first(observation, "value"), refs)
    words = value.original if value else None
    if words and words != value.display and not ALLERGY_TYPE.search(words):  # type: ignore[union-attr]
        return words  # (not the observation's own kind: 'Drug allergy', 'Intolerance')
    if agent and agent.code:
        return f"{SYSTEMS.get(agent.system or '', 'code')} {agent.code}"
    return ""


def _name(code: Code | None) -> str | None:
    return code.name if code and code.name else None


def _text(observation: Element, refs: dict[str, str]) -> str | None:
    words = reference_text(first(observation, "text"), refs)
    return words if words and len(words) <= 200 else None


def _inner(observation: Element, roots: frozenset[str] | set[str]) -> Iterator[Element]:
    for relation in every(observation, "entryRelationship"):
        inner = first(relation, "observation")
        if inner is not None and template_ids(inner) & roots:
            yield inner


def _severity(observation: Element, refs: dict[str, str]) -> str | None:
    for inner in _inner(observation, {SEVERITY, CRITICALITY}):
        value = code_of(first(inner, "value"), refs)
        if value and value.name:
            return SNOMED_TAG.sub("", value.name).lower() or None
    return None


def _status(concern: Element | None, observation: Element, refs: dict[str, str]) -> str | None:
    """The status observation's words, else resolved when the observation has an end,
    else the concern act's status."""
    for inner in _inner(observation, STATUS_OBSERVATIONS):
        value = code_of(first(inner, "value"), refs)
        if value and value.name:
            return value.name.lower()
    if timestamp_high(observation):
        return "resolved"
    status = first(concern, "statusCode")
    if status is None or is_null(status):
        return None
    code = status.get("code") or ""
    if code == "completed" and not timestamp_high(concern):
        return None  # the record's act is done (CCD 1.0 fixes it so), not the concern ended
    return CONCERN_STATUS.get(code)


def timestamp_high(observation: Element) -> str | None:
    high = first(observation, "effectiveTime", "high")
    return None if is_null(high) else partial_date(high)


def _coded(element: Element | None) -> str | None:
    """'SNOMED 254837009', 'ICD-10 C50.912', 'RxNorm 70618': the element's own code when
    its system is known, else its first translation in a known system."""
    if element is None:
        return None
    for candidate in [element, *every(element, "translation")]:
        system = SYSTEMS.get(candidate.get("codeSystem") or "")
        if system and candidate.get("code"):
            return f"{system} {candidate.get('code')}"
    return None
