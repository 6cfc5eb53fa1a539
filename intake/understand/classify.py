"""Which kind of document a text is (DESIGN.md kinds), and a title a provider would use.

Scoring is by weighted phrases; a phrase in the first lines (the heading) counts
double. Parsed lab results and medications add evidence of their own.
"""

from __future__ import annotations

import re
from functools import cache

from intake.understand.lab_table import header_columns, words_from_text

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
    ],
    "treatment_plan": [
        (r"treatment\s+plan|plan\s+of\s+care|care\s+plan|treatment\s+summary", 4),
        (r"regimen|cycles?\b|chemotherapy|radiation\s+therapy|adjuvant|neoadjuvant", 1),
        (r"\bgoals?\b|next\s+steps", 0.5),
    ],
    "visit_summary": [
        (r"after\s+visit\s+summary|visit\s+summary|office\s+visit|clinic\s+(?:visit|note)", 4),
        (r"progress\s+note|follow-?up\s+visit", 3),
        (r"chief\s+complaint|history\s+of\s+present", 1),
    ],
    "discharge_summary": [
        (r"discharge\s+summary", 5),
        (r"discharge\s+diagnos[ie]s|admission\s+date|hospital\s+course", 2),
    ],
    "consult_note": [
        (r"consult(?:ation)?\s+(?:note|report)|\bconsultation\b", 4),
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
    ],
    "questions": [(r"\bquestions?\b|concerns?\b|\bask\b", 1)],
}
MIN_SCORE = 2.0
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
    """RULES compiled, on first use: a run served from the cache classifies nothing."""
    return {kind: [(re.compile(p, re.I), w) for p, w in rules] for kind, rules in RULES.items()}


@cache
def _any_of(kind: str) -> re.Pattern[str] | None:
    """One pattern matching where any of `kind`'s rules matches (an alternation finds a
    match if and only if one of its parts does); None when the rules cannot be joined."""
    return _alternation([pattern for pattern, _ in RULES[kind]])


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns), re.I) if patterns else None
    except re.error:  # a duplicate group name, a flag that must come first: each alone
        return None


def classify(text: str, *, labs: int = 0, medications: int = 0) -> str:
    """The DESIGN.md kind of a document from its text and what was parsed from it."""
    scores = score(text, labs=labs, medications=medications)
    kind, best = max(scores.items(), key=lambda item: item[1], default=("other", 0.0))
    return kind if best >= MIN_SCORE else "other"


def score(text: str, *, labs: int = 0, medications: int = 0) -> dict[str, float]:
    """Evidence for each kind; exposed so tests and benchmarks can see why."""
    lines = [line for line in text.splitlines() if line.strip()]
    heading = "\n".join(lines[:HEADING_LINES])
    body = "\n".join(lines[HEADING_LINES:])
    scores = {}
    for kind, rules in _compiled().items():
        total = 0.0
        anyone = _any_of(kind)  # one search says when none of the kind's rules can match
        if anyone is not None and not anyone.search(heading) and not anyone.search(body):
            scores[kind] = total
            continue
        for pattern, weight in rules:
            if pattern.search(heading):
                total += 2 * weight
            elif pattern.search(body):
                total += weight
        scores[kind] = total
    scores["lab_report"] += (1.4 if labs else 0.0) + min(labs, 10) * 0.6  # one result
    # with its unit and range already makes a lab report of an otherwise silent page
    scores["medication_list"] += min(medications, 10) * 0.8
    asked = sum(1 for line in lines if line.rstrip().endswith("?"))
    scores["questions"] += asked * 1.5 if asked >= 2 and asked * 3 >= len(lines) else 0.0
    return scores


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
_SUBTYPE_BODIES = {name: _alternation(list(body)) for name, (_, _, body) in SUBTYPES.items()}
SUBTYPE_HEADING_LINES = 6  # a subtype's title must be in the first lines, not a passing mention
# kinds a subtype never overrides: they are about the patient's own list, not a test
KEEP_KIND = frozenset({"questions", "medication_list", "insurance", "referral"})


def refine(kind: str, text: str) -> tuple[str, str | None]:
    """The kind and subtype (echocardiogram, ecg, eeg, molecular_report, staging...)."""
    if kind in KEEP_KIND:
        return kind, None
    lines = [line for line in text.splitlines() if line.strip()]
    heading = "\n".join(lines[:SUBTYPE_HEADING_LINES])
    best, best_score = None, 0
    for name, (_kind, title, body) in _SUBTYPES.items():
        score = 3 if title.search(heading) else 0
        anyone = _SUBTYPE_BODIES[name]
        if anyone is None or anyone.search(text):  # else none of its patterns is in the text
            score += sum(1 for pattern in body if pattern.search(text))
        if score >= 2 and (score > best_score):
            best, best_score = name, score
    if best is None:
        return kind, None
    implied = _SUBTYPES[best][0]
    if implied and (kind in ("other", "lab_report", "visit_summary") or best_score >= 4):
        kind = implied
    elif kind == "other":
        kind = "consult_note"
    return kind, best
