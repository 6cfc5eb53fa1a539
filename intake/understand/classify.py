"""Which kind of document a text is (DESIGN.md kinds), and a title a provider would use.

Scoring is by weighted phrases; a phrase in the first lines (the heading) counts
double. Parsed lab results and medications add evidence of their own. A kind needs
more than one piece of evidence (two different phrases, or parsed results) unless its
one phrase is a specific title ("discharge summary"): one passing word ("insurance" in
a company's name) never makes a kind. A text with the sections of a clinical note
(chief complaint, history, exam, assessment/plan) is a note even when it holds labs.
"""

from __future__ import annotations

import re
from functools import cache

from intake.understand.lab_table import header_columns, words_from_text
from intake.understand.needles import (
    Needles,
    alternation,
    lowered,
    may_match,
    needles,
    needles_of_all,
)
from intake.understand.vocabulary import kind_rules

HEADING_LINES = 12
RULES: dict[str, list[tuple[str, float]]] = {
    "lab_report": [
        (r"lab(?:oratory)?\s+(?:report|results?)", 3),
        (r"reference\s+(?:range|interval)", 2),
        (r"specimen\s+(?:collected|type)|date\s+collected|collection\s+date", 1),
        (r"complete\s+blood\s+count|\bcbc\b|metabolic\s+panel|\bcmp\b|lipid\s+panel", 2),
        (r"tests?\s+ordered|standard\s+range|your\s+value", 2),
        (r"cumulative\s+(?:results?|report)|test\s+results?", 2),
    ],
    "pathology_report": [
        (r"surgical\s+pathology|pathology\s+report|cytopathology", 4),
        (r"gross\s+description|microscopic\s+description", 3),
        (r"final\s+(?:pathologic\s+)?diagnosis", 2),
        (r"\bspecimen\b", 0.5),
        (r"carcinoma|margins?|immunohistochem|estrogen\s+receptor", 1),
    ],
    "imaging_report": [
        (r"radiology\s+report|imaging\s+report|diagnostic\s+(?:mammogra\w+|imaging)", 4),
        (r"\bimpression\b", 2),
        (r"\btechnique\b|\bcomparison\b", 1),
        (r"\bfindings\b", 1),
        (r"\bmri\b|\bct\b|ultrasound|mammogra\w+|x-?ray|\bpet\b|bi-?rads", 1),
    ],
    "medication_list": [
        (r"medication\s+list|current\s+medications|my\s+medications|list\s+of\s+medications", 4),
        (r"\bmedications?\b", 1),
        (r"pharmacy|\brx\b|refills?", 1),
        (r"\bprescription\b", 2),
        # a prescription pad's fields (OCR may garble "Substitution": keep its start)
        (r"substi\w*\s+(?:\w+\s+){0,2}(?:allowed|permitted)|dispense\s+as\s+written", 2),
        # a drug line led by its dose form, as prescriptions print it: "1. TAB. NAME (500 MG)"
        (
            r"^\s*(?:\d{1,2}\s*[.,)]\s*(?:tab|cap|syp|syr|inj)s?[.,]?|(?:tab|cap|syp|syr|inj)s?\.)"
            r"\s+[a-z]",
            2,
        ),
    ],
    "treatment_plan": [
        (r"treatment\s+plan|plan\s+of\s+care|care\s+plan|treatment\s+summary", 4),
        (r"regimen|cycles?\b|chemotherapy|radiation\s+therapy|adjuvant|neoadjuvant", 1),
        (r"\bgoals?\b|next\s+steps", 0.5),
    ],
    "visit_summary": [
        (r"after\s+visit\s+summary|visit\s+summary|office\s+visit|clinic\s+(?:visit|note)", 4),
        (r"progress\s+note|follow-?up\s+visit", 3),
        (r"history\s+(?:and|&)\s+physical|\bH\s?&\s?P\b|admission\s+note", 4),
        (r"patient\s+summary|summary\s+of\s+care|health\s+summary", 5),
        (r"chief\s+complaint|history\s+of\s+present", 1),
    ],
    "discharge_summary": [
        (r"discharge\s+summary", 5),
        (r"discharge\s+diagnos[ie]s|admission\s+date|hospital\s+course", 2),
    ],
    "consult_note": [
        (r"consult(?:ation)?\s+(?:note|report)", 4),
        (r"\bconsultation\b", 2),
        (r"reason\s+for\s+consult", 2),
    ],
    "operative_note": [
        (r"operative\s+(?:report|note)|op\s+note|procedure\s+note", 5),
        (r"pre-?operative\s+diagnosis|post-?operative\s+diagnosis|anesthesia|estimated\s+blood", 2),
    ],
    "referral": [
        (r"\breferral\b|referred\s+to", 4),
        (r"reason\s+for\s+referral|referring\s+(?:physician|provider)", 2),
    ],
    "insurance": [
        (r"insurance|member\s+id|group\s+(?:number|no)|subscriber|payer|\bplan\s+id\b", 2),
        (r"explanation\s+of\s+benefits|prior\s+authori[sz]ation", 3),
        # an insurance card's own words
        (r"\bco-?pay\b|\bdeductible\b|\b(?:PPO|HMO|EPO)\b|\brx\s*(?:bin|pcn|grp)\b", 2),
    ],
    "questions": [(r"\bquestions?\b|concerns?\b|\bask\b", 1)],
}
MIN_SCORE = 2.0
TITLE_WEIGHT = 3  # a phrase this specific ("lab report", "discharge summary") is enough alone
# the sections of a clinical note, as headings (a line's start or a column's, after a gap)
NOTE_SECTIONS = [
    r"chief\s+complaints?",
    r"history\s+of\s+(?:the\s+)?present\s+il\w*|\bHPI\b",
    r"review\s+of\s+systems",
    r"physical\s+exam(?:ination)?",
    r"assessment\s*(?:and|&|/)\s*plan|impression\s*(?:and|&|/)\s*plan",
    r"past\s+medical\s+history",
    r"social\s+history",
    r"family\s+history",
]
NOTE_MIN_SECTIONS = 3
NOTE_KINDS = ("visit_summary", "consult_note", "discharge_summary", "operative_note", "referral")
# kinds a note's sections override: what a note holds (its labs, its medication list)
HELD_KINDS = frozenset({"lab_report", "medication_list", "imaging_report", "insurance", "other"})
LABELS = {
    "lab_report": "Lab report",
    "imaging_study": "Imaging study",
    "imaging_report": "Imaging report",
    "medication_list": "Medication list",
    "treatment_plan": "Treatment plan",
    "visit_summary": "Visit summary",
    "discharge_summary": "Discharge summary",
    "consult_note": "Consult note",
    "pathology_report": "Pathology report",
    "operative_note": "Operative note",
    "referral": "Referral",
    "insurance": "Insurance",
    "questions": "Questions and concerns",
    "other": "Other document",
    "unreadable": "Unreadable file",
}


@cache
def _compiled() -> dict[str, list[tuple[re.Pattern[str], float]]]:
    """RULES and the other languages' titles and headings (vocabulary.py) compiled, on first
    use: a run served from the cache classifies nothing."""
    flags = re.I | re.M
    return {kind: [(re.compile(p, flags), w) for p, w in found] for kind, found in _rules().items()}


@cache
def _rules() -> dict[str, list[tuple[str, float]]]:
    """Each kind's (pattern, weight): RULES and the other languages' (vocabulary.py)."""
    rules = {kind: list(patterns) for kind, patterns in RULES.items()}
    for kind, extra in kind_rules().items():
        rules.setdefault(kind, []).extend(extra)
    return rules


@cache
def _needles() -> dict[str, tuple[Needles | None, list[Needles | None]]]:
    """Each kind's needles (needles.py): of any of its rules, and of each rule."""
    flags = re.I | re.M
    return {
        kind: (needles_of_all([p for p, _ in found], flags), [needles(p, flags) for p, _ in found])
        for kind, found in _rules().items()
    }


@cache
def _note_sections() -> list[tuple[re.Pattern[str], Needles | None]]:
    return [
        (re.compile(rf"(?:^|\s{{2}})\s*(?:{p})\b", re.I | re.M), needles(p, re.I | re.M))
        for p in NOTE_SECTIONS
    ]


@cache
def _any_of(kind: str) -> re.Pattern[str] | None:
    """One pattern matching where any of `kind`'s rules matches (an alternation finds a
    match if and only if one of its parts does); None when the rules cannot be joined."""
    return alternation([pattern for pattern, _ in _rules()[kind]], re.I | re.M)  # their flags


def classify(text: str, *, labs: int = 0, medications: int = 0) -> str:
    """The DESIGN.md kind of a document from its text and what was parsed from it."""
    return classify_held(text, labs=labs, medications=medications)[0]


def classify_held(text: str, *, labs: int = 0, medications: int = 0) -> tuple[str, str]:
    """(the kind, the kind of what it holds): a History & Physical whose lab block would
    make a lab report alone is ("visit_summary", "lab_report"); most are (kind, kind)."""
    found = _evidence(text, labs=labs, medications=medications)
    enough = {kind: total for kind, (total, terms, strongest) in found.items()
              if total >= MIN_SCORE and (len(terms) >= 2 or strongest >= TITLE_WEIGHT)}  # fmt: skip
    held = max(enough.items(), key=lambda item: item[1], default=("other", 0.0))[0]
    if held in SUMMARISED_KINDS and record_sections(text) >= RECORD_MIN_SECTIONS:
        return "visit_summary", held  # a portal's download of the whole record
    if held in HELD_KINDS and note_sections(text) >= NOTE_MIN_SECTIONS:
        # an H&P or progress note holding a lab block or a medication list is still a note
        notes = {k: total for k, total in enough.items() if k in NOTE_KINDS}
        return max(notes.items(), key=lambda item: item[1], default=("visit_summary", 0.0))[0], held
    return held, held


# The sections of a whole record as a patient portal exports it in text (the VA's and
# Medicare's Blue Button downloads: '----- VA MEDICATION HISTORY -----', 'Self Reported
# Allergies'), each a heading line of its own
RECORD_SECTIONS = {
    "medications": r"\bmedications?\b|\bprescriptions?\b|\bdrugs\b",
    "allergies": r"\ballerg",
    "problems": r"\bproblems?\b|\bconditions\b|\bmedical\s+events\b|\bdiagnos[ie]s\b",
    "immunizations": r"\bimmuni[sz]ations?\b|\bvaccin",
    "results": r"\blab(?:orator(?:y|ies))?\b|\btests\b|\bresults\b",
    "vitals": r"\bvitals?\b",
    "demographics": r"\bdemographics?\b",
    "appointments": r"\bappointments\b",
    "insurance": r"\binsurance\b|\bcoverage\b",
    "providers": r"\bproviders\b|\bfacilities\b",
}
RECORD_MIN_SECTIONS = 5
RECORD_HEADING_WORDS = 6
# the kinds a whole record's download would otherwise take from one of its parts (a note's
# kind, a medication list's, a referral's stand: those are what the text is about)
SUMMARISED_KINDS = frozenset(
    {"lab_report", "imaging_report", "pathology_report", "treatment_plan", "insurance", "other"}
)
_RECORD_SECTION = {
    name: re.compile(pattern, re.IGNORECASE) for name, pattern in RECORD_SECTIONS.items()
}
_HEADING_MARKS = " -=*#:\t"


def record_sections(text: str) -> int:
    """How many of a whole record's sections (RECORD_SECTIONS) the text heads a line with:
    a line of a few words, no digits, alone or between rules of dashes."""
    seen: set[str] = set()
    for line in text.splitlines():
        words = line.strip(_HEADING_MARKS)
        if not words or ":" in words or len(words.split()) > RECORD_HEADING_WORDS:
            continue
        if any(ch.isdigit() for ch in words):
            continue
        seen.update(name for name, pattern in _RECORD_SECTION.items() if pattern.search(words))
    return len(seen)


def note_sections(text: str) -> int:
    """How many of a clinical note's sections (NOTE_SECTIONS) the text has as headings."""
    low = lowered(text)
    return sum(
        1 for pattern, found in _note_sections() if may_match(found, low) and pattern.search(text)
    )


def score(text: str, *, labs: int = 0, medications: int = 0) -> dict[str, float]:
    """Evidence for each kind; exposed so tests and benchmarks can see why."""
    found = _evidence(text, labs=labs, medications=medications)
    return {kind: total for kind, (total, _terms, _strongest) in found.items()}


def _evidence(
    text: str, *, labs: int = 0, medications: int = 0
) -> dict[str, tuple[float, set[str], float]]:
    """Each kind's (score, distinct evidence found, weight of its strongest phrase)."""
    lines = [line for line in text.splitlines() if line.strip()]
    heading = "\n".join(lines[:HEADING_LINES])
    body = "\n".join(lines[HEADING_LINES:])
    low = lowered(text)  # heading and body are its lines: a needle in them is in it
    found = {}
    for kind, rules in _compiled().items():
        total, terms, strongest = 0.0, set(), 0.0
        needed, each = _needles()[kind]
        anyone = _any_of(kind)  # one search says when none of the kind's rules can match
        if not may_match(needed, low) or (
            anyone is not None and not anyone.search(heading) and not anyone.search(body)
        ):
            found[kind] = (total, terms, strongest)
            continue
        for (pattern, weight), own in zip(rules, each, strict=True):
            if not may_match(own, low):
                continue
            if pattern.search(heading):
                total += 2 * weight
            elif pattern.search(body):
                total += weight
            else:
                continue
            strongest = max(strongest, weight)
            terms.update(" ".join(m.group().lower().split()) for m in pattern.finditer(text))
        found[kind] = (total, terms, strongest)
    # one result with its unit and range already makes a lab report of an otherwise silent page
    _add(found, "lab_report", (1.4 if labs else 0.0) + min(labs, 10) * 0.6, labs, "results")
    _add(found, "medication_list", min(medications, 10) * 0.8, medications, "medications")
    asked = sum(1 for line in lines if _asks(line))
    if asked and asked * 3 >= len(lines):  # a short list of questions is one too
        _add(found, "questions", asked * 1.5, asked, "question lines")
    return found


# a question: a word ending in '?' ('What next?'), or three words and more with a space before
# it as French prints it ('Faut-il opérer ?'); OCR's '?' for a number it read two ways follows
# a wide gap or a word or two ('Store ?', 'subtotal   -   ?'), or a unit ('mg/dL?')
_ASKED = re.compile(r"(?<![\w/])[^\W\d_]{2,}[\"'’)]*\?$")
_ASKED_SPACED = re.compile(r"[^\W\d_]{2,}[\"'’)]* \?$")
_WORD = re.compile(r"[^\W\d_]{2,}")


def _asks(line: str) -> bool:
    """Whether a line is a question (_ASKED)."""
    line = line.rstrip()
    if _ASKED.search(line):
        return True
    return bool(_ASKED_SPACED.search(line)) and len(_WORD.findall(line)) >= 3


def _add(found: dict, kind: str, points: float, count: int, term: str) -> None:
    """Parsed records as evidence enough alone: one result with its unit and range, or one
    drug with its strength, is more than a passing word."""
    total, terms, strongest = found[kind]
    found[kind] = (
        total + points,
        terms | ({f"{term} 1", f"{term} 2"} if count else set()),
        strongest,
    )


def title_for(kind: str, text: str) -> str:
    """A short title: the heading line that named the kind, else the kind's label."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:HEADING_LINES]
    for pattern, _weight in _compiled().get(kind, []):
        for line in lines:
            if pattern.search(line) and _is_heading(line):
                return line
    return LABELS.get(kind, kind)


def _is_heading(line: str) -> bool:
    """A line that can title a document: short, not a 'Label: value' field line, not a
    table's column names ('Test  Result  Units  Reference Range')."""
    if len(line) > 80 or re.search(r"\w:\s", line):
        return False
    rows = words_from_text(line)
    return not (rows and header_columns(rows[0]) is not None)


# subtype: (kind it implies or None to keep the kind, title patterns, body patterns).
# A subtype holds when a title pattern is in the heading, or two body patterns are anywhere.
SUBTYPES: dict[str, tuple[str | None, str, list[str]]] = {
    "echocardiogram": (
        "imaging_report",
        r"echocardiogra\w*|transthoracic\s+echo|\bTTE\b|\bTEE\b",
        [r"ejection\s+fraction|\bLVEF\b", r"left\s+ventric", r"mitral|tricuspid|aortic\s+valve"],
    ),
    "ecg": (
        "other",
        r"\bECG\b|\bEKG\b|electrocardiogra\w*|12[-\s]lead",
        [r"sinus\s+rhythm", r"\bQTc\b", r"\bPR\s+interval|\bQRS\b", r"ventricular\s+rate"],
    ),
    "stress_test": (
        "other",
        r"stress\s+test|exercise\s+(?:tolerance|treadmill)|myocardial\s+perfusion|nuclear\s+stress",
        [r"bruce\s+protocol", r"\bMETs\b", r"target\s+heart\s+rate|peak\s+heart\s+rate"],
    ),
    "cardiac_catheterization": (
        "operative_note",
        r"cardiac\s+catheteri[sz]ation|coronary\s+angiogra\w+|left\s+heart\s+cath",
        [r"\bLAD\b|left\s+anterior\s+descending", r"stenosis", r"\bstent\b|\bPCI\b"],
    ),
    "heart_monitor": (
        "other",
        r"holter|event\s+monitor|ambulatory\s+(?:ECG|cardiac)|zio\b|cardiac\s+monitor",
        [
            r"atrial\s+fibrillation\s+burden|\bPVCs?\b|\bPACs?\b",
            r"monitoring\s+period|hours\s+of\s+recording",
        ],
    ),
    "eeg": (
        "other",
        r"\bEEG\b|electroencephalogra\w*",
        [r"epileptiform", r"posterior\s+dominant\s+rhythm|background\s+activity", r"photic"],
    ),
    "emg": (
        "other",
        r"\bEMG\b|electromyogra\w*|nerve\s+conduction",
        [r"amplitude", r"latency", r"fibrillation\s+potentials"],
    ),
    "molecular_report": (
        "pathology_report",
        r"molecular|genomic|next[-\s]generation\s+sequencing|\bNGS\b|oncotype|foundationone"
        r"|genetic\s+test(?:ing)?\s+(?:report|results)",
        [
            r"\bvariants?\b|mutation",
            r"tumor\s+mutational\s+burden|\bTMB\b|microsatellite",
            r"pathogenic|\bVUS\b|recurrence\s+score",
        ],
    ),
    "staging": (
        "consult_note",
        r"\bstaging\b|cancer\s+stage|\bTNM\b",
        [r"\bc?p?T[0-4][a-d]?\s*N[0-3]", r"\bAJCC\b", r"\bstage\s+(?:[0I]{1,3}V?|IV)[ABC]?\b"],
    ),
    "physical_therapy": (
        "visit_summary",
        r"physical\s+therapy|physiotherapy|occupational\s+therapy|\bPT\s+(?:evaluation|note)",
        [
            r"range\s+of\s+motion|\bROM\b",
            r"strength(?:ening)?\s+exercises|home\s+exercise",
            r"gait",
        ],
    ),
}
_SUBTYPES = {
    name: (kind, re.compile(title, re.I), [re.compile(p, re.I) for p in body])
    for name, (kind, title, body) in SUBTYPES.items()
}
_SUBTYPE_BODIES = {
    name: alternation(list(body), re.I | re.M) for name, (_, _, body) in SUBTYPES.items()
}
# (title's needles, the body patterns', each body pattern's): needles.py
_SUBTYPE_NEEDLES = {
    name: (needles(title, re.I), needles_of_all(body, re.I), [needles(p, re.I) for p in body])
    for name, (_, title, body) in SUBTYPES.items()
}
SUBTYPE_HEADING_LINES = 6  # a subtype's title must be in the first lines, not a passing mention
# kinds a subtype never overrides: they are about the patient's own list, not a test
KEEP_KIND = frozenset({"questions", "medication_list", "insurance", "referral"})


def refine(kind: str, text: str) -> tuple[str, str | None]:
    """The kind and subtype (echocardiogram, ecg, eeg, molecular_report, staging...)."""
    if kind in KEEP_KIND:
        return kind, None
    lines = [line for line in text.splitlines() if line.strip()]
    heading = "\n".join(lines[:SUBTYPE_HEADING_LINES])
    low = lowered(text)  # the heading is its lines: a needle in it is in the text
    best, best_score = None, 0
    for name, (_kind, title, body) in _SUBTYPES.items():
        titled, bodied, each = _SUBTYPE_NEEDLES[name]
        score = 3 if may_match(titled, low) and title.search(heading) else 0
        anyone = _SUBTYPE_BODIES[name]
        if may_match(bodied, low) and (anyone is None or anyone.search(text)):
            # else none of its patterns is in the text
            score += sum(
                1
                for pattern, own in zip(body, each, strict=True)
                if may_match(own, low) and pattern.search(text)
            )
        if score >= 2 and (score > best_score):
            best, best_score = name, score
    if best is None:
        return kind, None
    if record_sections(text) >= RECORD_MIN_SECTIONS:
        return kind, None  # a whole record's download holding an echo report among its notes
    if kind in NOTE_KINDS and note_sections(text) >= NOTE_MIN_SECTIONS:
        return kind, None  # a clinical note (history, exam, assessment...) mentioning an echo
        # or an ECG it reviewed: no report of one (MTSamples consults became 'other' (ECG)
        # and imaging reports, their medications dropped)
    implied = _SUBTYPES[best][0]
    if implied and (kind in ("other", "lab_report", "visit_summary") or best_score >= 4):
        kind = implied
    elif kind == "other":
        kind = "consult_note"
    return kind, best
