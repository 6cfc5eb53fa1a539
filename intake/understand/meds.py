"""Medication lines ("Metformin 500 mg tablet by mouth twice daily") into Medication."""

from __future__ import annotations

import re

from intake.model import Medication
from intake.understand.vocabulary import (
    DIRECTION_WORDS,
    MEDICATION_HEADINGS,
    OTHER_SECTION_HEADINGS,
    alternation,
)

# 'mikrogramm' (hu, de), 'microgramas' (pt), 'microgramos' (es): micrograms
_UNIT = (
    r"(?i:mg/ml|mg|mcg|µg|mikrogramm?|micro?gram(?:a|o|me)?s?|gm|grams?|g|ml|units?|unt|iu|%"
    r"|meq|mmol)"
)
# a number starts only where no digit, point or comma stands before it, so a long run of
# digits is tried once, not from every position (linear time on a pasted barcode); a comma
# before one or two digits is a decimal comma ('0,1%', '0,5 mg'), never thousands
_NUMBER = (
    r"(?<![\d.,])\d+,\d{1,2}(?![\d,])"
    r"|(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|(?<![\d.])\.\d+"
)
STRENGTH_RE = re.compile(
    rf"(?P<strength>(?:{_NUMBER})\s*{_UNIT}(?:\s*/\s*(?:\d+(?:[.,]\d+)?)?\s*(?i:ml))?)(?![A-Za-z])",
)
FORMS = {  # with the words other languages print on a label or a prescription
    "tablet": r"tab(?:let)?s?|tbl?s?|tbs?|tabletta|tablette[n]?|comprimidos?|comprim[ée]s?"
    r"|compresse",
    "capsule": r"cap(?:sule)?s?|kapszula|kapseln?|c[áa]psulas?|g[ée]lules?",
    "patch": r"patch(?:es)?",
    "inhaler": r"inhaler|puffs?",
    "solution": r"solution|oral\s+liquid|syrup|oldat|solu[çc][ãa]o|soluci[óo]n|l[öo]sung"
    r"|soluzione",
    "suspension": r"suspension",
    "injection": r"injection|injectable|pen|syringe|vial",
    "cream": r"cream|kr[ée]m|creme|crema|cr[èe]me",
    "ointment": r"ointment|ken[őo]cs|pomada|salbe|pommade|unguento",
    "gel": r"gel|g[ée]l",
    "foam": r"foam|hab|espuma|schaum|mousse",
    "drops": r"drops?",
    "spray": r"spray",
}
ROUTES = {
    "by mouth": r"by\s+mouth|orally|oral|p\.?o\.?",
    "sublingual": r"sublingual(?:ly)?|s\.?l\.?",
    "topical": r"topical(?:ly)?|to\s+skin",
    "inhaled": r"inhal(?:ed|ation)|by\s+inhalation",
    "subcutaneous": r"subcutaneous(?:ly)?|s\.?c\.?|subq|sub-q",
    "intramuscular": r"intramuscular(?:ly)?|i\.?m\.?",
    "intravenous": r"intravenous(?:ly)?|i\.?v\.?",
}
FREQUENCIES = [
    ("every {n} hours", r"(?:every|q)\s*(?P<n>\d+)\s*(?:hours?|hrs?|h)\b"),
    # 'Two times daily', '3 times a day' (said in words or digits)
    ("four times daily", r"(?:four|4)\s+times\s+(?:a\s+|per\s+)?(?:day|daily)|q\.?i\.?d\.?"),
    ("three times daily", r"(?:three|3)\s+times\s+(?:a\s+|per\s+)?(?:day|daily)|t\.?i\.?d\.?"),
    (
        "twice daily",
        r"twice\s+(?:a\s+)?day|twice\s+daily|(?:two|2)\s+times\s+(?:a\s+|per\s+)?(?:day|daily)"
        r"|b\.?i\.?d\.?",
    ),
    ("at bedtime", r"at\s+bedtime|nightly|q\.?h\.?s\.?"),
    ("weekly", r"(?:once\s+)?weekly|once\s+a\s+week|every\s+week|q\.?\s?wk\b"),
    ("daily", r"(?:once\s+)?daily|once\s+a\s+day|every\s+(?:day|morning|evening)|q\.?d\.?"),
]
PRN_RE = re.compile(r"\b(?:as\s+needed|prn|if\s+needed)\b(?:\s+for\s+(?P<reason>[a-z ]+))?", re.I)
NOT_NAMES = frozenset(
    [
        "non-va",  # 'Non-va lisinopril 5mg tab': a drug from outside the VA (its notes)
        "take",
        "takes",
        "taking",
        "tablet",
        "tablets",
        "tab",
        "tabs",
        "tbl",
        "capsule",
        "capsules",
        "cap",
        "caps",
        "by",
        "mouth",
        "daily",
        "twice",
        "once",
        "with",
        "food",
        "dose",
        "each",
        "every",
        "one",
        "two",
        "three",
        "four",
        "half",
        "and",
        "or",
        "the",
        "of",
        "for",
        "to",
        "at",
        "in",
        "patch",
        "inhaler",
        "solution",
        "injection",
        "total",
        "qty",
        "quantity",
        "refills",
        "refill",
        "sig",
        "directions",
        "medication",
        "medications",
        "name",
        "strength",
        "dosage",
        # a change the note reports, beside the name ('Metformin increased to 750 mg')
        "increased",
        "decreased",
        "reduced",
        "started",
        "continued",
        "continue",
        "resumed",
        "changed",
        "now",
    ]
)


SIG_START = re.compile(r"^\s*(?:take|use|apply|inhale|inject|place|insert|instill|chew|dissolve|"
                       r"give|spray)\b", re.I)  # fmt: skip
QUANTITY_RE = re.compile(
    r"\b(?:qty|quantity|disp(?:ense)?)\b[\s:#.]*(?P<q>\d+(?:\.\d+)?"
    r"(?:\s*(?:tablets?|tabs?|capsules?|caps?|ml|each|ea))?)", re.I)  # fmt: skip
REFILLS_RE = re.compile(  # on its own line ('No refills.' above '16. Lasix' is no 16)
    r"\b(?P<no>no\s+)?(?:refills?|rf)\b(?(no)|[ \t:#.]*(?P<r>\d+|none|no)\b)", re.I
)
PRESCRIBER_RE = re.compile(
    r"\b(?:prescriber|prescribed by|dr\b\.?|doctor)\s*[:#]?\s*"  # 'Dr.', not 'dressings'
    r"(?P<p>(?-i:[A-Z])[A-Za-z.'\- ]{2,40}?)(?=\s{2,}|\s*(?:md|do|np|pa)\b|$)",
    re.I | re.M)  # fmt: skip
PHARMACY_RE = re.compile(  # a name of capitalised words ('My Local Drugstore', 'CVS Pharmacy'),
    # never a sentence's words ('use alcohol or illicit drugs', "the patient's pharmacy")
    r"(?P<ph>(?-i:[A-Z])[\w&'.]*(?:\s+(?-i:[A-Z0-9&])[\w&'.]*){0,4}\s(?:pharmacy|drugs?|rx))\b",
    re.I,
)
START_RE = re.compile(
    r"\b(?:start(?:ed)?|began|since|filled|date filled)\b[\s:]*(?P<d>[^\n]{6,30})", re.I
)
LOCAL_DIRECTIONS = re.compile(alternation(DIRECTION_WORDS), re.I)  # 'naponta', 'täglich'
LABEL_WINDOW = 8  # lines after a drug line that may hold its label's details
LABEL_HEADER = 4  # lines before it (a label's pharmacy, Rx number, fill date)


# a medication section's heading in another language: 'Terápia:', 'Receptek', 'Medicação'
LOCAL_MED_HEADING = re.compile(
    rf"^[\W\d]*(?:{alternation(MEDICATION_HEADINGS)})\s*(?::(?P<rest>.*))?$", re.I
)
LOCAL_OTHER_HEADING = re.compile(rf"^[\W\d]*(?:{alternation(OTHER_SECTION_HEADINGS)})", re.I)
MED_HEADING = re.compile(
    r"^[\W\d]*(?:(?:current|active|home|discharge|admission|outpatient|inpatient|new|my|your"
    r"|list\s+of|changed|continued?|ongoing|prescribed|outside)\s+)*"
    r"(?:medications?|medicines?|meds|prescriptions?|drugs?|rx|medication\s+list)"
    r"(?:\s+(?:list|taken|prescribed|on\s+admission|at\s+discharge|on\s+discharge|reconciliation"
    r"|and\s+supplements|\(.{0,30}\)))*\s*(?::(?P<rest>.*))?$",
    re.I,
)
OTHER_HEADING = re.compile(
    r"^[\W\d]*(?:allerg|problems?\b|diagnos|results?\b|lab(?:s|oratory)?\b|vital|immuni[sz]"
    r"|procedures?\b|encounters?\b|plan\b|assessment|(?:past|medical|social|family|surgical)"
    r"\s+history|review\s+of|physical|exam(?:ination)?\b|impression|findings|instructions"
    r"|follow|tests?\b|orders?\b|chief|reason|hpi\b|subjective|objective|signature|signed"
    r"|electronically|page\s+\d|insurance|payer|care\s+team|functional|goals|notes?\b)",
    re.I,
)
PLACEHOLDER = re.compile(
    r"^\W*(?:no|none|nil|not|denies|unknown|n/a)\b|\bno\s+known\b"
    r"|\bnot\s+(?:applicable|available|on\s+file|taking)\b|\bno\s+(?:current\s+|active\s+)?"
    r"(?:medications?|meds)\b|\bno\s+medication\s+(?:data|information)\b",
    re.I,
)
CONCENTRATION = re.compile(r"\s*/\s*(?:d?l|[uµ]l|kg|m2|min|h|hr|g)\b", re.I)  # g/dL, mg/kg
PER_GRAM = re.compile(r"\s*/\s*g\b", re.I)  # '20 mg/g' of a cream is its strength
TOPICAL = {form: FORMS[form] for form in ("cream", "ointment", "gel", "foam")}
_PER_GRAM = r"(?:\s*/\s*g(?![A-Za-z]))?"
COMBINED = re.compile(
    rf"{_PER_GRAM}(?:\s*[/+]\s*(?:{_NUMBER})\s*{_UNIT}(?![A-Za-z]){_PER_GRAM})*", re.I
)
TAIL_RANGE = re.compile(r"\d\s*(?:-|–|to)\s*\.?\d|\b(?:ref(?:erence)?|range|normal)\b", re.I)
MEASURED = re.compile(
    r"(?:\b(?:of|was|were|is|are|at|from|about|approximately|than|measured|measuring)|[=<>])\s*$",
    re.I,
)
BLOCK_LINES = 80  # a medication block ends by then, at another heading, or at a long gap
BLOCK_GAP = 3  # blank lines that end a block


# a wide gap between words: where text set in columns (two-column notes, OCR of a page
# read as one block) joins one column's line to the next column's; OCR often reads the
# gutter as a lone "~" or "|"
CELL_GAP = re.compile(r"\s{3,}|\s+[~|]\s+")


def cells(line: str) -> list[str]:
    """A line's cells: the parts between wide gaps."""
    return [cell for cell in CELL_GAP.split(line.strip()) if cell.strip()]


def medication_blocks(lines: list[str]) -> list[str | None]:
    """For each line, its part that stands in a medication block, else None: under a
    "Medications:" heading (or after it on the heading's own line) until another section's
    heading or a long gap.

    A heading in a right-hand column (a cell after the first) opens a block in that column
    only: the following lines' cells after their first are in it (a line of one cell is
    all in it), the left column's text is not, and only a heading on that side ends it."""
    inside: list[str | None] = [None] * len(lines)
    block_left, blank, side = 0, 0, "line"
    for index, line in enumerate(lines):
        stripped = line.strip()
        parts = cells(stripped)
        opened = _heading(stripped) if len(parts) < 2 else None
        for number, cell in enumerate(parts if len(parts) > 1 else []):
            if (opened := _heading(cell)) is not None:
                side = "right" if number else "line"  # a heading at the left edge heads
                if not number:  # the whole width under it (a table's columns)
                    opened = _heading(stripped) or opened
                break
        if opened is not None and len(parts) < 2:
            side = "line"
        if opened is not None:
            block_left, blank = BLOCK_LINES, 0
            inside[index] = opened or None
            continue
        if not stripped:
            blank += 1
            if blank >= BLOCK_GAP:
                block_left = 0
            continue
        blank = 0
        part = _side(stripped, parts, side)
        ends = len(part) <= 50 and (OTHER_HEADING.match(part) or LOCAL_OTHER_HEADING.match(part))
        if block_left and ends and not STRENGTH_RE.search(part):
            block_left = 0
        if block_left:
            inside[index] = part
            block_left -= 1
    return inside


def _heading(text: str) -> str | None:
    """A medication heading's own-line remainder ("" for a bare heading), else None."""
    heading = (
        (MED_HEADING.match(text) or LOCAL_MED_HEADING.match(text)) if len(text) <= 80 else None
    )
    if heading and (len(text) <= 60 or heading.group("rest")):
        return (heading.group("rest") or "").strip()
    return None


def _side(line: str, parts: list[str], side: str) -> str:
    """The part of a line in a block opened on `side` (a single-cell line is all of it)."""
    if side == "line" or len(parts) < 2:
        return line
    return "   ".join(parts[1:])


def measurement_shaped(line: str, match: re.Match[str]) -> bool:
    """A value that is measured, not a dose: a concentration unit (13.2 g/dL), a reference
    range or range words after it, or prose leading up to it ("fraction of 45%")."""
    tail = line[match.end() :]
    if CONCENTRATION.match(tail) and not (PER_GRAM.match(tail) and _lookup(TOPICAL, line)):
        return True
    if TAIL_RANGE.search(tail) and not sig_frequency(tail):
        return True
    return bool(MEASURED.search(line[: match.start()]))


def parse_medications(text: str, *, ocr: bool = False) -> list[Medication]:
    """Medications a free text states: where a medication is what the text means.

    A line counts when it names a drug the dictionary knows, with a strength, and either
    stands in a medication block ("Medications:") or carries directions of its own (a
    frequency, route or form, or a directions line below, as on a pharmacy label). Lab
    lines, vital signs, measurements in prose, placeholders and negations never count.
    Close spellings are matched only in text that OCR read (`ocr`).

    A pharmacy label prints the directions on the line after the drug ("TAKE 1 TABLET BY
    MOUTH TWICE DAILY"); they complete it. Quantity, refills, prescriber, pharmacy and a start
    or fill date are read from the label's lines when printed."""
    from intake.understand.drugs import normalise
    from intake.understand.labelled_medications import (
        complete,
        drug_fields,
        drug_line,
        named_drug,
    )

    lines = text.splitlines()
    inside = medication_blocks(lines)
    records = {  # a drug's line over its labelled fields ('Medication: X' / 'Status: Active')
        index: fields
        for index, line in enumerate(lines)
        if ":" in line and (fields := drug_fields(lines, index)) is not None
    }
    parsed: list[Medication | None] = []  # each line read once: its block's part, or all
    for index, line in enumerate(lines):
        part = inside[index]
        if index in records:
            parsed.append(_candidate(drug_line(line, records[index])))
        elif part is not None and part != line.strip():  # a column's part of the line
            med = _candidate(part)
            if med is None:
                inside[index] = None  # the rest of the line is outside the block
                med = _candidate(line)
            parsed.append(med)
        else:
            parsed.append(_candidate(line))
    meds = []
    for index, med in enumerate(parsed):
        if not med:
            if index in records and not ocr and (named := named_drug(lines[index])):
                complete(named, records[index])
                meds.append(named)
            elif inside[index] is not None and not ocr and (bare := _unstrengthed(lines[index])):
                meds.append(bare)
            elif not ocr and not PLACEHOLDER.search(lines[index]):
                meds += _dosed(lines[index])
            continue
        after = parsed[index + 1 : index + 1 + LABEL_WINDOW]
        stop = next((i for i, other in enumerate(after) if other), len(after))
        window = lines[index + 1 : index + 1 + stop]
        directed = bool(med.frequency or med.route or med.form or index in records)
        directed = directed or any(
            LOCAL_DIRECTIONS.search(line) for line in (lines[index], *window[:1])
        )
        if window and SIG_START.match(window[0]):
            _complete_from_sig(med, window[0])
            directed = True
        if not (directed or inside[index] is not None):
            continue
        match = normalise(med.name, fuzzy=ocr, spelling=True)
        if match is None:
            continue
        med.generic, med.match_score = match.generic, match.score
        header: list[str] = []
        for back in range(index - 1, max(-1, index - 1 - LABEL_HEADER), -1):
            if parsed[back]:
                break
            header.insert(0, lines[back])
        _label_details(med, "\n".join([*header, lines[index], *window]))
        if index in records:
            complete(med, records[index])
        meds.append(med)
    if not ocr:
        meds += _taking(text, known={m.name.lower() for m in meds})
    return meds


# what makes a drug named without a strength not one the patient takes: an allergy or a
# reaction, a stop, a negation, the past ('Penicillin 2x1 - rash', 'Metformin 2x1
# abbahagyva', 'nem szed', 'szedett'); English, Hungarian, Portuguese and Spanish words
NOT_TAKEN = re.compile(
    r"\b(?:allerg\w*|alerg\w*|intoleran\w*|\w*érzékeny\w*|reakci\w*|rash|hives|kiütés\w*"
    r"|anaphyla\w*|stop(?:ped|s)?|discontinu\w*|d/c|held|hold|ceased|no\s+longer|denies|den(?:y|ied)"
    r"|previously|formerly|prior|past|nem|ne|abbahagy\w*|elhagy\w*|leállít\w*|felfüggeszt\w*"
    r"|kihagy\w*|korábban|régebben|szedett|szedte|kapott|parou|suspens[oa]|suspendid[oa]"
    r"|interromp\w*|não|sem|sin|no)\b",
    re.IGNORECASE,
)
# someone else's medicine ('mother takes metformin', 'édesanyja metformint szed')
RELATIVES = re.compile(
    r"\b(?:mother|father|sister|brother|son|daughter|parents?|siblings?|grand(?:mother|father)"
    r"|aunt|uncle|cousin|family|wife|husband|FH|\w*anyj\w*|\w*apj\w*|testvér\w*|családi?\w*"
    r"|nagymam\w*|nagyap\w*|mãe|pai|irmã|irmão|avó|avô|família|familiar|madre|padre"
    r"|herman[oa]s?|abuel[oa]s?)\b",
    re.IGNORECASE,
)
# a stop said before the drug's strength ('Stopped metformin 500 mg', 'Discontinue ...')
STOPPED = re.compile(
    r"\b(?:stop(?:ped)?|discontinu\w*|d/c|ceased|no\s+longer|abbahagy\w*|leállít\w*"
    r"|elhagy\w*|parou|suspend\w*|interromp\w*)\b",
    re.IGNORECASE,
)
# a change the note plans, said before the drug's strength ('Recommendations: Increase
# Metformin dosage to 750mg', 'Consider adding ...', 'Start lisinopril 10 mg'): not what the
# patient takes now (the past, 'increased', 'started', is)
PLANNED = re.compile(
    r"\b(?:increase|decrease|reduce|titrate|raise|lower|start|begin|initiate|consider|add"
    r"|adding|switch|change|taper|wean|recommend\w*|suggest\w*|will|should|plan(?:ned)?\s+to"
    r"|aumentar|reduzir|iniciar|considerar|trocar|recomend\w*)\b",
    re.IGNORECASE,
)
SIZE_WORDS = re.compile(r"\b(?:size|méret\w*|tamanho|dimens\w*|tamaño|cm|mm)\b", re.IGNORECASE)


# a drug a Hungarian note says the patient takes: the drug in the accusative, then the verb
# ('terbinafint szed': takes terbinafine); 'nem szed' (does not take) never matches
TAKING_HU = re.compile(
    r"\b(?P<drug>[^\W\d_]{5,}?)(?:ot|et|öt|at|t)\s+"
    r"(?:szed|szedi|szedik|kap|kapja)\b",  # the present: 'szedett' (took) is the past
    re.IGNORECASE,
)


def _taking(text: str, *, known: set[str]) -> list[Medication]:
    """Drugs named in 'X-t szed' sentences: a generic name (or its national spelling) the
    dictionary knows exactly, no strength (none is stated)."""
    from intake.understand.drugs import normalise

    found: list[Medication] = []
    for match in TAKING_HU.finditer(text):
        name = match.group("drug")
        drug = normalise(name, fuzzy=False, spelling=True)
        if drug is None or name.lower() in known or name.lower() in NOT_NAMES:
            continue
        start = max(text.rfind(mark, 0, match.start()) for mark in (".", "\n", ";", "!", "?"))
        ends = [
            at for mark in (".", "\n", ";", "!", "?") if (at := text.find(mark, match.end())) >= 0
        ]
        sentence = text[start + 1 : min(ends, default=len(text))]
        if RELATIVES.search(sentence) or _allergy_or_stop(sentence, match.group()):
            continue
        known.add(name.lower())
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        raw = text[line_start : line_end if line_end >= 0 else len(text)].strip()
        found.append(Medication(name=name, raw=raw, generic=drug.generic, match_score=drug.score))
    return found


# a dose written as times x units, as much of Europe writes it: '2x1' (twice a day, one),
# '1 x 1/2'; not a size ('2x1,5x1 cm') nor a pack ('1x15g', '30x')
DOSE_COUNT = re.compile(
    r"(?<![\w.,×])[1-6]\s*[x×]\s*(?:[1-9](?:[/,.]\d)?|0[,.]\d|½)"
    r"(?![\d.,]*\s*(?:[x×]|cm|mm|m\b|g\b|ml|mg|kg))",
    re.I,
)
DOSE_REACH = 2  # words between a drug's name and its dose count


def _allergy_or_stop(sentence: str, taking: str) -> bool:
    """Whether a sentence stating a drug is taken also names an allergy, a reaction or a
    stop ('Penicillint kap, kiütés lett'); its own verb ('szed') is not read as one."""
    return NOT_TAKEN.search(sentence.replace(taking, " ")) is not None


def _dosed(line: str) -> list[Medication]:
    """Drugs named beside a dose count and no strength ('sz. esetén 2x1 Flector-R',
    'Terbinafin napi 1x1 tbl'): the capitalised word next to the count that the
    dictionary knows is the drug."""
    from intake.understand.drugs import normalise

    found: list[Medication] = []
    if DOSE_COUNT.search(line) is None:  # no count, nothing found: the cheap test first
        return found
    if NOT_TAKEN.search(line) or RELATIVES.search(line) or SIZE_WORDS.search(line):
        return found
    for dose in DOSE_COUNT.finditer(line):
        before = re.findall(r"[^\W\d][\w'-]*", line[: dose.start()])[-DOSE_REACH - 1 :]
        after = re.findall(r"[^\W\d][\w'-]*", line[dose.end() :])[:1]
        for word in [*reversed(before), *after]:
            if not word[0].isupper() or len(word) < 4 or word.lower() in NOT_NAMES:
                continue
            match = normalise(word, fuzzy=False, spelling=True)
            if match:
                med = Medication(name=word, raw=line.strip())
                med.generic, med.match_score = match.generic, match.score
                found.append(med)
                break
    return found


def _candidate(line: str) -> Medication | None:
    """A line's medication reading, unless the line is a placeholder or a measurement.

    In a line of cells the first cell holding a strength that is not a measurement is read,
    with the cells after it (its directions): "HEAD: normocephalic   Eliquis 5 mg" names
    Eliquis, not the other column's words;
    else the whole line (a table's name and strength columns: "Metformin   500 mg")."""
    text = line.strip()
    if not STRENGTH_RE.search(text) or PLACEHOLDER.search(text):
        return None
    parts = cells(text)
    if len(parts) > 1:
        position = 0
        for cell in parts:
            at = text.index(cell, position)
            position = at + len(cell)
            match = STRENGTH_RE.search(text, at, position)
            usable = match and not measurement_shaped(text, match)
            if usable and (med := parse_medication_line(cell)):
                # the cells after it are its row's directions ("1 tablet by mouth daily"):
                # read from the drug's cell to the end, never the columns before it
                return parse_medication_line(text[at:]) or med
    match = STRENGTH_RE.search(text)
    if match is None or measurement_shaped(text, match):
        return None
    before = text[: match.start()]
    if RELATIVES.search(before) or STOPPED.search(before) or PLANNED.search(before):
        return None  # 'Mother takes metformin 500 mg', 'Stopped metformin 500 mg daily'
    return parse_medication_line(text)


# a numbered entry of a medication list naming a drug without a strength (a combination
# product: '2. Aggrenox, one tablet p.o. b.i.d.'): its name, a comma, then its directions
UNSTRENGTHED = re.compile(
    r"^\s*(?:\d{1,2}[.)]|[-•*])\s*(?P<name>[A-Za-z][A-Za-z\-]{2,}(?:\s+[A-Za-z][A-Za-z\-]+){0,2})"
    r"\s*,\s*(?P<directions>\S.*)$"
)


def _unstrengthed(line: str) -> Medication | None:
    """A medication list's entry without a strength, when its whole name is a drug the
    dictionary knows exactly and the rest of the line gives a frequency and a form or route
    ('one tablet p.o. b.i.d.'); the strength stays empty, never guessed."""
    from intake.understand.drugs import DIRECTION_WORDS as SIG_WORDS
    from intake.understand.drugs import normalise

    match = UNSTRENGTHED.match(line)
    if not match or PLACEHOLDER.search(line) or NOT_TAKEN.search(line) or RELATIVES.search(line):
        return None
    name, directions = match.group("name"), match.group("directions")
    if any(word.lower() in NOT_NAMES or word.lower() in SIG_WORDS for word in name.split()):
        return None
    frequency = sig_frequency(directions)
    form, route = _lookup(FORMS, directions), _lookup(ROUTES, directions)
    if not frequency or not (form or route):
        return None
    drug = normalise(name, fuzzy=False)
    if drug is None or drug.score < 100 or normalise(name.split()[0], fuzzy=False) is None:
        return None
    return Medication(name=name, form=form, route=route, frequency=frequency, raw=line.strip(),
                      generic=drug.generic, match_score=drug.score)  # fmt: skip


def as_needed(frequency: str | None, reason: str | None) -> str:
    """'every 8 hours' + 'nausea' -> 'every 8 hours, as needed for nausea' (reason optional)."""
    needed = "as needed" + (f" for {reason}" if reason else "")
    if frequency and "as needed" in frequency:  # said already (the directions' own words)
        if reason and reason not in frequency:
            return frequency.replace("as needed", needed, 1)
        return frequency
    return ", ".join(filter(None, [frequency, needed]))


def _complete_from_sig(med: Medication, sig: str) -> None:
    """Fill what the drug line left open from the directions line below it."""
    med.route = med.route or _lookup(ROUTES, sig)
    med.form = med.form or _lookup(FORMS, sig)
    frequency = sig_frequency(sig)
    prn = PRN_RE.search(sig)
    if prn:
        frequency = as_needed(frequency, (prn.group("reason") or "").strip())
    med.frequency = med.frequency or frequency
    med.raw = f"{med.raw} — {sig.strip()}"


def _label_details(med: Medication, block: str) -> None:
    from intake.understand.dates import parse_date

    if match := QUANTITY_RE.search(block):
        med.quantity = med.quantity or " ".join(match.group("q").lower().split())
    if match := REFILLS_RE.search(block):
        value = "no" if match.group("no") else match.group("r").lower()
        med.refills = med.refills or ("0" if value in ("none", "no") else value)
    if match := PRESCRIBER_RE.search(block):
        med.prescriber = med.prescriber or " ".join(match.group("p").split()).strip(" .")
    if match := PHARMACY_RE.search(block):
        med.pharmacy = med.pharmacy or " ".join(match.group("ph").split())
    if match := START_RE.search(block):
        med.start = med.start or parse_date(match.group("d"))


def parse_medication_line(line: str) -> Medication | None:
    """One line as a Medication, or None when it names no drug with a strength."""
    source = line.strip()
    raw = source.replace("%%", "%")  # OCR's doubled sign: 'Combigan 0.2%%-0.5%'
    pack = _PACK.match(raw)  # RxNorm's '1 ML tacrolimus 5 MG/ML Injection': the pack's
    match = STRENGTH_RE.search(raw, pack.end() if pack else 0)  # volume is no strength
    if not match:
        return None
    name = _name(raw[: match.start()])
    if not name:
        return None
    tail = raw[match.end() :]
    strength = match.group("strength")
    extra = COMBINED.match(tail)  # '50 mikrogramm/0,5 mg/g', '20 mg/g+10 mg/g' of a cream
    combined = extra and re.search(r"[/+]\s*[\d.]", extra.group())  # a second ingredient
    if extra and extra.group() and (combined or _lookup(TOPICAL, raw)):
        strength, tail = strength + extra.group(), tail[extra.end() :]
    elif (per_mass := _PER_PRODUCT_UNIT.match(tail)) and "/" not in strength:
        strength, tail = strength + per_mass.group(), tail[per_mass.end() :]  # a ratio
    window = max(0, match.start() - JOINED_REACH)  # (a bounded look back: linear time)
    paired = None
    if joined := _JOINED_NUMBERS.search(raw, window, match.start()):  # '50-325-40-30 MG'
        name = _name(raw[: joined.start()]) or name
        paired = _PAIRED_UNIT.match(tail) if joined.group().count("-") == 1 else None
        strength = joined.group() + strength
    names, strengths = [name], [strength]
    if joined and paired:  # '1-50 MG-MCG' (Necon): 1 mg of one ingredient, 50 mcg of the other
        number, unit = re.match(r"([\d.,]+)\s*(.*)", match.group("strength")).groups()  # type: ignore[union-attr]
        strengths = [f"{joined.group()[:-1]} {unit}", f"{number} {paired.group('unit')}"]
        tail = tail[paired.end() :]
    if not joined and (lead := _LEADING_INGREDIENT.search(raw, window, match.start())):
        first, second = _name(raw[: lead.start()]), _name(lead.group("name"))
        if first and second:  # 'HCTZ 25/TRIAMTERENE 37.5MG': 25 mg of the first drug
            unit = re.sub(r"^[\d.,\s]+", "", strength)
            name, names, strengths = first, [first, second], [f"{lead.group('n')} {unit}", strength]
    while more := _NEXT_INGREDIENT.match(tail):  # 'A 10 MG / B 25 MG', '250 mg-250 mg'
        more_name = _name(more.group("name") or "")
        if more.group("name") and not more_name:
            break
        joint, after = (more.group("joint") or "").lower(), tail[more.end() :][:30]
        if joint == "and" and not _lookup(FORMS, after):
            break  # 'X 500 mg and codeine phosphate 12.8 mg oral tablet' names one product;
            # 'metformin 500 mg and lisinopril 10 mg daily', two drugs
        names += [more_name] if more_name else []
        strengths.append(more.group("strength"))
        tail = tail[more.end() :]
    if len(strengths) > 1:
        if len(names) > 1:  # as the source writes it, each ingredient with its strength
            start = raw.rfind(name.split()[0], 0, match.start())
            name = " ".join(raw[max(start, 0) : len(raw) - len(tail)].split())
        strength = " / ".join(canonical_strength(s) for s in strengths)  # spaced: each
    else:  # ingredient's own '21.7 mg/mL' stays whole
        strength = canonical_strength(strength)
    tail = own_directions(tail, name)  # never the next drug's ('Seroquel 25 mg p.o. nightly.
    # Zyprexa 5 mg p.o. b.i.d.': Seroquel is taken nightly)
    frequency = sig_frequency(tail)
    prn = PRN_RE.search(tail)
    if prn:
        frequency = as_needed(frequency, (prn.group("reason") or "").strip())
    return Medication(
        name=name,
        strength=strength,
        form=_lookup(FORMS, tail) or _lookup(FORMS, raw[: match.start()]),
        route=_lookup(ROUTES, tail),
        frequency=frequency,
        raw=source,
    )


# the numbers of a combination's strengths joined by dashes or slashes before their one
# unit ('50-325-40-30 MG', '500/125 mg'), or a range of doses ('200-400 mg')
_JOINED_NUMBERS = re.compile(r"(?<![\w.])(?:\d+(?:\.\d+)?[-/])+$")
JOINED_REACH = 40  # characters before a strength its joined numbers may take
# the second unit of two joined numbers' strengths ('1-50 MG-MCG': 1 mg and 50 mcg)
_PAIRED_UNIT = re.compile(rf"-\s*(?P<unit>{_UNIT})(?![A-Za-z])")
# a combination whose first ingredient's strength has no unit of its own, the unit after the
# last ('HCTZ 25/TRIAMTERENE 37.5MG', 'ACETAMINOPHEN 325/OXYCODONE 5MG', as VA pharmacies
# print them): the number, a slash, the next ingredient's name, up to the strength
_LEADING_INGREDIENT = re.compile(
    r"(?<![\w.])(?P<n>\d+(?:\.\d+)?)\s*/\s*(?P<name>[A-Za-z][A-Za-z\- ]{1,40}?)\s*$"
)
# a combination product's next ingredient after a strength: its name and strength after
# '/', '+' or 'and', or a bare strength after a dash ('250 mg-250 mg')
_NEXT_INGREDIENT = re.compile(
    rf"\s*(?:(?P<joint>/|\+|\band\b)\s*(?P<name>[A-Za-z][A-Za-z,\- ]{{1,40}}?\s+)?"
    rf"|(?P<dash>-)\s*(?=\d))(?P<strength>(?:{_NUMBER})\s*{_UNIT}"
    rf"(?:\s*/\s*(?:\d+(?:[.,]\d+)?)?\s*(?i:ml))?)(?![A-Za-z])",  # (each its own per mL)
    re.IGNORECASE,
)
# a strength per milligram or per actuation of the product ('Desonide Topical Ointment
# 0.0005 mg/mg', as RxNorm writes 0.05%; '0.09 MG/ACTUAT'): without it, '0.0005 mg' would be
# a dose a thousand times too small
_PER_PRODUCT_UNIT = re.compile(r"\s*/\s*(?:mg|actuat(?:ion)?)(?![A-Za-z])", re.IGNORECASE)


UNIT_SPELLING = {
    "mg": "mg", "mcg": "mcg", "µg": "mcg", "mikrogramm": "mcg", "mikrogram": "mcg",
    "microgram": "mcg", "micrograms": "mcg", "microgramas": "mcg", "microgramos": "mcg",
    "g": "g", "gm": "g", "gram": "g", "grams": "g", "ml": "mL", "actuat": "actuation",
    "actuation": "actuation", "unit": "unit", "units": "units", "unt": "units",
    "iu": "IU", "%": "%", "meq": "mEq", "mmol": "mmol", "mg/ml": "mg/mL",
}  # fmt: skip


def canonical_strength(strength: str) -> str:
    """'1 MG' -> '1 mg', '10mg/5ML' -> '10 mg/5 mL': one spelling whatever the source wrote."""
    spaced = re.sub(r"(\d)\s*([A-Za-zµ%])", r"\1 \2", " ".join(strength.split()))
    spaced = re.sub(r"(\d),(\d{1,2})\b", r"\1.\2", spaced)  # a decimal comma: 0,5 -> 0.5
    spaced = re.sub(r"\s*([/+])\s*", r"\1", spaced)
    return re.sub(
        r"[A-Za-zµ%]+(?:/[A-Za-z]+)?",
        lambda m: (
            UNIT_SPELLING.get(m.group().lower())
            or "/".join(UNIT_SPELLING.get(part.lower(), part) for part in m.group().split("/"))
        ),
        spaced,
    )


_HOURS = {24: "daily", 12: "twice daily", 8: "three times daily", 6: "four times daily"}
_UNIT_HOURS = {"h": 1, "min": 1 / 60, "d": 24, "wk": 168, "mo": 730, "a": 8760}
# HL7 timing events (v3 EIVL_TS event codes and FHIR Timing.repeat.when share them)
EVENT_WORDS = {
    "HS": "at bedtime", "AC": "before meals", "PC": "after meals", "C": "with meals",
    "ACM": "before breakfast", "ACD": "before lunch", "ACV": "before dinner",
    "CM": "with breakfast", "CD": "with lunch", "CV": "with dinner", "PCM": "after breakfast",
    "PCD": "after lunch", "PCV": "after dinner", "WAKE": "on waking", "MORN": "in the morning",
    "NIGHT": "at night", "EVE": "in the evening",
}  # fmt: skip


def period_words(value: str | float, unit: str, *, per_day: bool = False) -> str | None:
    """Words for one dose every `value` `unit` (UCUM h, d, wk, mo): '12', 'h' -> 'every 12
    hours'; with `per_day` (HL7 institutionSpecified: times a day, not exact times) 'twice
    daily'. None when the period makes no sense."""
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return None
    hours = _UNIT_HOURS.get(unit)
    if hours is None or amount <= 0:
        return None
    total = round(amount * hours, 6)
    if abs(total - round(total)) <= 0.01 * total:  # '0.3333 d': 7.9992 hours are 8
        total = float(round(total))
    if total == 24 or (per_day and total in _HOURS):
        return _HOURS[int(total)]
    if total == 168:
        return "weekly"
    if total < 24:
        return f"every {total:g} hours"
    if total % 168 == 0:
        return f"every {total / 168:g} weeks"
    return f"every {total / 24:g} days"


def route_of(text: str) -> str | None:
    """The route a text names ("ORAL" -> "by mouth"), or None."""
    return _lookup(ROUTES, text)


_PACK = re.compile(r"^\s*\d+(?:\.\d+)?\s*(?:actuat(?:ion)?s?|ml|doses?)\s+", re.IGNORECASE)
# bullets and a list's numbers before the name, not the hours of '12 Hour Decongestant'
_LIST_MARK = re.compile(
    r"^(?![\s\-–•*·>]*\d{1,2}[- ](?:hours?|hr)\b)[\s\-–•*·>\d.)]+", re.IGNORECASE
)
_NAME_WORD = re.compile(r"\d{1,2}[- ](?:hours?|hr)\b|[A-Za-z][A-Za-z0-9\-']*", re.IGNORECASE)


# a sentence about someone, after a drug's directions: no part of them
_OTHER_SENTENCE = re.compile(r"[.!?]\s+(?=(?:she|he|they|we|i|the\s+patient|patient)\b)", re.I)


def own_directions(tail: str, name: str) -> str:
    """What follows drug `name`'s strength up to the next drug the line names with a strength
    of its own (a sentence listing several: 'Celebrex 200 mg daily, for one month, Colace 100
    mg b.i.d.'), so one drug's frequency, form and route are never another's. The same drug
    named again (a table row's generic after its brand: 'Tylenol Extra Strength 500 MG ...
    Acetaminophen 500 MG ... every 6 hours as needed') is no other drug."""
    from intake.understand.drugs import normalise

    tail = _OTHER_SENTENCE.split(tail, maxsplit=1)[0]  # '... every week.  She is on heparin'
    own = normalise(name, fuzzy=False)
    for strength in STRENGTH_RE.finditer(tail):
        for word in reversed(list(_NAME_WORD.finditer(tail, 0, strength.start()))[-3:]):
            other = normalise(word.group(), fuzzy=False)
            if other is not None:  # a drug's first word before this strength
                if own is not None and other.generic.casefold() == own.generic.casefold():
                    break
                return tail[: word.start()]
    return tail


def _name(before: str) -> str | None:
    """The drug name: the words before the strength, without bullets, numbers and filler."""
    before = _PACK.sub("", before)  # RxNorm's pack: '120 ACTUAT Fluticasone propionate'
    before = _LIST_MARK.sub("", before)
    before = re.sub(r"\([^()]*\)", " ", before)  # "Aranesp (Albumin Free) 500 MCG/ML"
    before = re.split(r"[:;(]", before)[-1]
    before = _after_listed_words(before)
    words = _NAME_WORD.findall(before)  # '12 Hour Decongestant' keeps its hours
    while words and words[0].lower() in NOT_NAMES:
        words.pop(0)
    while words and words[-1].lower() in NOT_NAMES:
        words.pop()
    words = _after_procedure(words)
    if not words or len(words) > 4 or len("".join(words)) < 3:
        return None
    return " ".join(words)


def _after_listed_words(before: str) -> str:
    """The part after a comma and a space when it starts with a drug the dictionary knows and
    the words before it name none: 'Postoperative anemia, Feosol', 'Depression and anxiety,
    Paxil' (a problem list's line with its drug) name Feosol and Paxil; 'INSULIN,GLARGINE'
    (no space) stays whole."""
    from intake.understand.drugs import normalise

    head, comma, last = before.rpartition(", ")
    if not comma or not last.strip() or normalise(head, fuzzy=False) is not None:
        return before
    first = _NAME_WORD.match(last.strip())
    return last if first and normalise(first.group(), fuzzy=False) is not None else before


def _after_procedure(words: list[str]) -> list[str]:
    """The drug of 'Conscious sedation with propofol': the words after 'with' or 'using'
    when those before it name no drug and those after it do ('Tylenol with Codeine' stays
    whole)."""
    from intake.understand.drugs import normalise

    lowered = [word.lower() for word in words]
    for joint in ("with", "using"):
        if joint in lowered[1:-1]:
            at = lowered.index(joint)
            before, after = " ".join(words[:at]), " ".join(words[at + 1 :])
            if normalise(before, fuzzy=False) is None and normalise(after, fuzzy=False):
                return words[at + 1 :]
    return words


def _lookup(table: dict[str, str], text: str) -> str | None:
    for canonical, pattern in table.items():
        if re.search(rf"\b(?:{pattern})(?![A-Za-z])", text, re.IGNORECASE):
            return canonical
    return None


def sig_frequency(text: str) -> str | None:
    """How often directions say to take a drug ('TWO TIMES A DAY': 'twice daily'), or None."""
    for canonical, pattern in FREQUENCIES:
        match = re.search(rf"\b(?:{pattern})", text, re.IGNORECASE)
        if match:
            return canonical.format(n=match.groupdict().get("n"))
    return None
