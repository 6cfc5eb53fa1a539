"""C-CDA entries into the common model: medications, results, and one-line clinical items.

Strength, form and units go through understand/, so a C-CDA medication or result reads
the same as one from a PDF or a photo.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from intake.cda.hl7 import (
    LOINC,
    RXNORM,
    Code,
    agent_name,
    code_in,
    code_of,
    end_date,
    every,
    first,
    frequency,
    is_null,
    is_reaction,
    local,
    partial_date,
    quantity,
    reference_text,
    text,
    timestamp,
    unambiguous,
    xsi_type,
)
from intake.cda.narrative import narrative_lines
from intake.model import LabResult, Medication
from intake.understand.interpretation import interpretation as read_interpretation
from intake.understand.labs import canonical_unit, range_text, settle_flag
from intake.understand.meds import (
    PLACEHOLDER,
    STRENGTH_RE,
    as_needed,
    canonical_strength,
    parse_medication_line,
    route_of,
    sig_frequency,
)

PROSE_SECTIONS = frozenset(
    {"plan", "diagnoses", "hospital_course", "assessment", "reason", "problems", "allergies"}
)
UCUM_DOSES = {"ug": "mcg", "[iU]": "IU", "[IU]": "IU", "{tbl}": "tablet", "{puff}": "puff"}


def entry_roots(section: Element, wanted: str, skip: tuple[str, ...] = ()) -> Iterator[Element]:
    """Elements named `wanted` in the section's entries, not those nested inside another
    (nor inside elements named in `skip`)."""
    pending = [e for entry in every(section, "entry") for e in entry]
    while pending:
        element = pending.pop(0)
        name = local(element)
        if name == wanted:
            yield element
        elif name not in skip:
            pending.extend(element)


def medications(section: Element, refs: dict[str, str]) -> list[Medication]:
    """Medication activities (substanceAdministration) as Medications."""
    found = []
    for activity in entry_roots(section, "substanceAdministration"):
        medication = _medication(activity, refs)
        if medication:
            found.append(medication)
    return found


def _medication(activity: Element, refs: dict[str, str]) -> Medication | None:
    """A medication activity, or None for a negated entry ("not taking") or a placeholder
    ("No known medications", "No medication information")."""
    if activity.get("negationInd") == "true":
        return None
    said = code_of(first(activity, "code"), refs)  # 'Patient not on Self-Medications'
    if said and said.name and NOT_ON.search(said.name):
        return None
    material = first(activity, "consumable", "manufacturedProduct", "manufacturedMaterial")
    code = code_of(first(material, "code"), refs)
    name = (_drug_name(code) if code else None) or text(first(material, "name"))
    if not name or PLACEHOLDER.search(name) or GENERIC_PRODUCT.fullmatch(name.strip()):
        return None  # ('drug or medication': SNOMED's concept for any drug, a 'none' entry)
    sig = reference_text(first(activity, "text"), refs)
    parsed = parse_medication_line(name)
    from_sig = parse_medication_line(sig) if sig and not parsed else None
    if from_sig and not _same_drug(from_sig.name, name):
        from_sig = None  # the directions name another product first ('IV Carrier(s): 1.
        # NS100 MINI BAG PLUS 100 ML   IV Additive(s): 1. ANCEF 1 GM': not cefazolin 100 mL)
    strength = (parsed or from_sig).strength if (parsed or from_sig) else None
    if not strength and code and code.display and code.display != name:  # the author's words
        coded = parse_medication_line(code.display)  # name no strength; the code's display
        strength = coded.strength if coded else None  # does ('... 250 mg-250 mg oral tablet')
    dose = quantity(first(activity, "doseQuantity"))
    if (
        not strength
        and dose
        and dose[1]
        and not any(ch.isdigit() for ch in name)  # '... 10 GM SOLR': its own, unread
        and _unit(dose[1]).lower() not in COUNTS  # '2 Unit' of an inhaler: puffs, no strength
        and _unit(dose[1]).lower() not in VOLUMES  # '0 ml' of an infusion: an amount
        and any(ch in "123456789" for ch in dose[0])  # a dose of 0 is none
        and STRENGTH_RE.fullmatch(f"{dose[0]} {_unit(dose[1])}")
    ):
        strength = canonical_strength(f"{dose[0]} {_unit(dose[1])}")
    route_code = code_of(first(activity, "routeCode"), refs)
    route_words = (route_code.name or "") if route_code else ""
    route = route_of(route_words) or (route_words.lower() or None)
    written = parsed or from_sig
    if not route and written:
        route = written.route
    times = every(activity, "effectiveTime")
    how_often = frequency(times) or (written.frequency if written else None)
    if sig and parsed and not (how_often and route):  # the name was read; the directions
        directions = parse_medication_line(sig)  # are only in the narrative the entry
        if directions:  # references ('Take 1 tablet by mouth every 6 hours as needed')
            how_often = how_often or directions.frequency
            route = route or directions.route
    if not how_often and sig:  # 'medication:...|frequency:TWO TIMES A DAY', the entry's text
        how_often = sig_frequency(sig)
    reason = _precondition(activity, refs)
    if reason is not None:
        how_often = as_needed(how_often, reason.lower())
    span = next((t for t in times if xsi_type(t) in ("IVL_TS", "")), None)
    status = first(activity, "statusCode")
    form = written.form if written else None
    return Medication(
        name=(parsed.name if parsed else name),  # never a name read from the directions
        dose=dose_words(dose, form),
        strength=strength,
        form=form,
        route=route,
        frequency=how_often,
        raw=" — ".join(filter(None, [name, sig])),
        code=code_in(first(material, "code"), RXNORM),
        status=None if is_null(status) else status.get("code"),  # type: ignore[union-attr]
        start=timestamp(first(span, "low")),
        end=end_date(span),
    )


# an activity coded as no medication at all ('Patient not on Self-Medications', SNOMED CT
# 408350003)
NOT_ON = re.compile(
    r"\bnot\s+on\b.*\bmedications?\b|\bno\s+(?:known\s+|current\s+)?(?:self-)?medications?\b"
    r"|\bnot\s+taking\b|\bno\s+medication\s+(?:data|information)\b",
    re.I,
)
# the concept of a drug in general, which a system codes where it has no drug to name (the
# ONC certification samples' 'No Known Medications' entry: SNOMED CT 410942007, 'drug or
# medication', under a code whose nullFlavor is OTH)
GENERIC_PRODUCT = re.compile(
    r"(?:drugs?|medications?|medicines?|medicaments?|drug\s+or\s+medica(?:tion|ment)"
    r"|medicinal\s+products?|pharmaceutical\s*/\s*biologic\s+products?)",
    re.I,
)
# dose units of volume: how much is given, never a drug's strength
VOLUMES = frozenset({"ml", "l", "cc", "milliliter", "millilitre"})
# dose units that count what is taken (tablets, puffs, 'Unit'), never a drug's strength
COUNTS = frozenset({"unit", "units", "u", "1", "{tbl}", "{puff}", "{actuat}", "{dose}"})


def _same_drug(written: str, name: str) -> bool:
    """Whether a name read from an entry's directions is the entry's drug: the same generic
    where the dictionary knows both, else one name holding the other's first word."""
    from intake.understand.drugs import normalise

    one, other = normalise(written), normalise(name)
    if one and other:
        return one.generic.casefold() == other.generic.casefold()
    first_word = (name.split() or [""])[0].casefold()
    return bool(first_word) and first_word in written.casefold()


def _drug_name(code: Code) -> str | None:
    """The words a medication's code stands for: its original text, unless that text points
    at something else (the directions, the code system's name) while a display name is given."""
    from intake.understand.drugs import normalise

    original, display = code.original, code.display
    if not (original and display):
        return original or display
    if (named := agent_name(code)) != code.name:  # a class label joined to the display
        return named
    shared = set(re.findall(r"[a-z]{3,}", original.lower())) & set(
        re.findall(r"[a-z]{3,}", display.lower())
    )
    return original if shared or normalise(original, fuzzy=False) else display


def dose_words(dose: tuple[str, str | None] | None, form: str | None) -> str | None:
    """'1' with a tablet form -> '1 tablet'; '500', 'mg' -> '500 mg'."""
    if not dose:
        return None
    value, unit = dose
    unit = UCUM_DOSES.get(unit, unit) if unit else form
    return " ".join(filter(None, [value, unit]))


def _precondition(activity: Element, refs: dict[str, str]) -> str | None:
    """'' for a bare as-needed, the reason's words when given, None when not as-needed."""
    condition = first(activity, "precondition", "criterion")
    if condition is None:
        return None
    value = code_of(first(condition, "value"), refs)
    return (value.name or "") if value else ""


def _unit(unit: str) -> str:
    return canonical_unit(UCUM_DOSES.get(unit, unit))


def results(section: Element, refs: dict[str, str], default_date: str | None) -> list[LabResult]:
    """Result observations (in organizers or alone) with a value, as LabResults."""
    found = []
    named = coded_cell_names(section)
    own = first(section, "code")  # the section's LOINC code: a result so coded is a placeholder
    own_code = own.get("code") if own is not None else None
    for organizer_or_obs in entry_roots(section, "organizer"):
        organizer = code_of(first(organizer_or_obs, "code"), refs)
        if organizer and organizer.name and NOTHING_PERFORMED.search(organizer.name):
            continue  # 'No Procedure Performed' (Kareo): its '0 unit' is no result
        when = timestamp(first(organizer_or_obs, "effectiveTime")) or default_date
        for component in every(organizer_or_obs, "component"):
            result = _result(first(component, "observation"), refs, when, named, own_code)
            if result:
                found.append(result)
    for observation in entry_roots(section, "observation", skip=("organizer",)):
        result = _result(observation, refs, default_date, named, own_code)
        if result:
            found.append(result)
    return found


# an organizer saying nothing was done: its components are placeholders, not results
NOTHING_PERFORMED = re.compile(
    r"\bno\s+(?:procedures?|tests?|results?|labs?)\s+(?:were\s+)?(?:performed|done|available"
    r"|on\s+file)\b|\bnot\s+performed\b",
    re.IGNORECASE,
)


# a narrative cell naming a test with its LOINC code: "Color of Urine(5778-6)"
_CODED_CELL = re.compile(
    r"(?P<name>[^()]*[A-Za-z][^()]*?)\s*\((?:LOINC[:\s]*)?(?P<code>\d{1,7}-\d)\)"
)


def coded_cell_names(section: Element) -> dict[str, str]:
    """Test names by LOINC code from the section's narrative table cells that print a name
    with its code in brackets; a code two cells name differently is left out."""
    narrative = first(section, "text")
    if narrative is None:
        return {}
    cells = (text(cell) for cell in narrative.iter() if local(cell) in ("td", "th"))
    found = (_CODED_CELL.fullmatch(words) for words in cells if len(words) <= 200)
    return unambiguous((match["code"], match["name"].strip(" :-")) for match in found if match)


def _result(
    observation: Element | None,
    refs: dict[str, str],
    when: str | None,
    named: dict[str, str] | None = None,
    section_code: str | None = None,
) -> LabResult | None:
    if observation is None or observation.get("negationInd") == "true":
        return None
    code = code_of(first(observation, "code"), refs)
    if code and section_code and code.system == LOINC and code.code == section_code:
        return None  # coded as the whole section ('Results', 30954-2): no test's result
    value = _value(first(observation, "value"), refs)
    if value is None:
        return None
    shown, unit = value
    test = (code.original or short_loinc_name(code.display or "")) if code else ""
    test = test or _narrative_name(observation, refs, shown)
    if not test and code and code.system == LOINC and code.code and named:
        test = named.get(code.code, "")
    if not test or " ".join(shown.split()).casefold() == " ".join(test.split()).casefold():
        return None  # no test, or a 'value' that only repeats the test's name
    reference = _reference_range(observation, refs)
    interpretation = first(observation, "interpretationCode")
    codes = [] if interpretation is None else [interpretation.get("code") or ""]
    stated, interpreted, normal = read_interpretation(codes)
    flag, derived = settle_flag(stated, interpreted, shown, reference, said_normal=normal)
    status = first(observation, "statusCode")
    return LabResult(
        test=test,
        value=shown,
        unit=canonical_unit(unit) if unit else None,
        reference_range=reference,
        flag=flag,
        collected=timestamp(first(observation, "effectiveTime")) or when,
        flag_derived=derived,
        raw=" ".join(filter(None, [test, shown, unit, reference and f"({reference})"])),
        code=code_in(first(observation, "code"), LOINC),
        status=None if is_null(status) else status.get("code"),  # type: ignore[union-attr]
    )


def _narrative_name(observation: Element, refs: dict[str, str], value: str) -> str:
    """The test's name from the narrative the observation's text points at, for results
    whose code carries no display name: the words before the value when the narrative row
    holds the value too."""
    words = reference_text(first(observation, "text"), refs) or ""
    if value and value in words:
        words = words[: words.index(value)]
    words = " ".join(words.split()).strip(" :-")
    return words if 0 < len(words) <= 80 and any(c.isalpha() for c in words) else ""


def short_loinc_name(display: str) -> str:
    """'Hemoglobin [Mass/volume] in Blood' -> 'Hemoglobin': the component, as labs print it."""
    return display.split(" [", 1)[0].strip() or display


def _value(element: Element | None, refs: dict[str, str]) -> tuple[str, str | None] | None:
    if element is None or is_null(element):
        return None
    kind = xsi_type(element)
    if kind in ("PQ", "INT", "REAL", "MO"):
        amount = quantity(element)
        return (amount[0], _unit(amount[1]) if amount[1] else None) if amount else None
    if kind in ("CD", "CE", "CO", "CV"):
        code = code_of(element, refs)
        return (code.name, None) if code and code.name else None
    if kind == "IVL_PQ":
        return _interval(element)
    if kind == "ED":
        words = _encapsulated_words(element, refs)
        return (unescaped(words), None) if words else None
    if kind in ("ST", ""):
        words = text(element)
        return (unescaped(words), None) if words else None
    return None


ED_WORDS_LIMIT = 120  # an ED longer than a result's words is a report or an attachment
_PLAIN_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,+/<>=%-]{0,39}")


def _encapsulated_words(element: Element, refs: dict[str, str]) -> str | None:
    """A result written as ED (encapsulated data): its plain text when it is short text,
    the narrative its `#id` reference points at, or a word that vendors put in the
    reference's value ("YELLOW"); never base64, another media type, or a link."""
    if (element.get("representation") or "TXT").upper() != "TXT":
        return None
    if not (element.get("mediaType") or "text/plain").lower().startswith("text/plain"):
        return None
    own = " ".join((element.text or "").split())
    reference = first(element, "reference")
    if not own and reference is not None:
        target = reference.get("value") or ""
        if target.startswith("#"):
            own = " ".join((refs.get(target[1:]) or "").split())
        elif target in refs:  # an ID without its '#' ('imageresult12'): a pointer, not words
            own = " ".join(refs[target].split())
        elif _PLAIN_REFERENCE.fullmatch(target) and "://" not in target:
            own = target.strip()
    return own if 0 < len(own) <= ED_WORDS_LIMIT else None


def _interval(element: Element) -> tuple[str, str | None] | None:
    low, high = quantity(first(element, "low")), quantity(first(element, "high"))
    span = range_text(low and low[0], high and high[0])
    if span is None:
        return None
    unit = (low or high or ("", None))[1]
    return span, _unit(unit) if unit else None


_ENTITY = re.compile(r"&(?:lt|gt|le|ge|amp|#\d{2,4});")


def unescaped(words: str) -> str:
    """Text a sender escaped twice or more ('&amp;lt; OR = 1', 'PA &amp;amp; LATERAL') as
    it reads: '< OR = 1', 'PA & LATERAL'."""
    for _ in range(3):
        if not _ENTITY.search(words):
            break
        words = html.unescape(words)
    return words


def _reference_range(observation: Element, refs: dict[str, str]) -> str | None:
    for reference in every(observation, "referenceRange"):
        observed = first(reference, "observationRange")
        words = text(first(observed, "text"))
        if words:
            return unescaped(words)
        value = _value(first(observed, "value"), refs)
        if value:
            return " ".join(filter(None, value))
    return None


def items(section: Element, kind: str, refs: dict[str, str]) -> list[str]:
    """One line per entry for problems, allergies, procedures, encounters, vitals, diagnoses;
    the narrative's lines for sections that are prose (plan, hospital course, assessment)."""
    reader = _ITEM_READERS.get(kind)
    found = reader(section, refs) if reader else []
    if not found and kind in PROSE_SECTIONS:
        lines = narrative_lines(first(section, "text"), headers=False)
        found = [line for line in lines if not LABEL_ONLY.fullmatch(line)]
    return found


# a heading's label with nothing after it ('Hand-off Communication:'): no statement
LABEL_ONLY = re.compile(r"[^\W\d_][\w /&()'-]{0,60}:\s*")


def _problems(section: Element, refs: dict[str, str]) -> list[str]:
    lines = []
    for observation in entry_roots(section, "observation"):
        value = code_of(first(observation, "value"), refs)
        if not value or not value.name:
            continue
        when = partial_date(first(observation, "effectiveTime"))
        dated = when and when not in value.name
        lines.append(value.name + (f" (since {when})" if dated else ""))
    return _distinct(lines)


def _allergies(section: Element, refs: dict[str, str]) -> list[str]:
    lines = []
    for observation in entry_roots(section, "observation"):
        if observation.get("negationInd") == "true":
            lines.append("No known allergies")
            continue
        agent = code_of(
            first(observation, "participant", "participantRole", "playingEntity", "code"), refs
        )
        name = agent_name(agent)
        if not agent or not name:
            continue
        reactions = []
        for relation in every(observation, "entryRelationship"):
            inner = first(relation, "observation")
            if inner is not None:
                reaction = code_of(first(inner, "value"), refs)
                if reaction and reaction.name and relation.get("typeCode") == "MFST":
                    reactions.append(reaction.name)
        if agent.display and is_reaction(name, reactions):
            name = agent.display  # its originalText points at the reaction's cell
        lines.append(name + (f": {', '.join(reactions)}" if reactions else ""))
    return _distinct(lines)


def _dated_codes(element_name: str):
    def read(section: Element, refs: dict[str, str]) -> list[str]:
        lines = []
        for element in entry_roots(section, element_name):
            code = code_of(first(element, "code"), refs)
            if not code or not code.name:
                continue
            when = partial_date(first(element, "effectiveTime"))
            lines.append(code.name + (f" ({when})" if when else ""))
        return _distinct(lines)

    return read


def _vital_signs(section: Element, refs: dict[str, str]) -> list[str]:
    lines = []
    for organizer in entry_roots(section, "organizer"):
        when = partial_date(first(organizer, "effectiveTime"))
        for component in every(organizer, "component"):
            observation = first(component, "observation")
            code = code_of(first(observation, "code"), refs)
            value = _value(first(observation, "value"), refs)
            if code and code.name and value:
                reading = " ".join(filter(None, value))
                lines.append(f"{code.name}: {reading}" + (f" ({when})" if when else ""))
    return lines


def _immunizations(section: Element, refs: dict[str, str]) -> list[str]:
    lines = []
    for activity in entry_roots(section, "substanceAdministration"):
        material = first(activity, "consumable", "manufacturedProduct", "manufacturedMaterial")
        vaccine = code_of(first(material, "code"), refs)
        if vaccine and vaccine.name:
            when = partial_date(first(activity, "effectiveTime"))
            lines.append(vaccine.name + (f" ({when})" if when else ""))
    return _distinct(lines)


def _distinct(lines: list[str]) -> list[str]:
    return list(dict.fromkeys(lines))


_ITEM_READERS = {
    "problems": _problems,
    "diagnoses": _problems,
    "allergies": _allergies,
    "procedures": _dated_codes("procedure"),
    "encounters": _dated_codes("encounter"),
    "immunizations": _immunizations,
    "vital_signs": _vital_signs,
}
