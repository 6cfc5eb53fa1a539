"""Problems and allergies from text (PDF text layers, OCR): precision first.

Diagnoses are read only inside a section that states them: a pathology "DIAGNOSIS:" /
"FINAL DIAGNOSIS:" block, a "Diagnosis:" line, an "Assessment" / "Assessment and Plan" /
"Impression" section (Impression only as a numbered or bulleted list). A negated item ("no
evidence of...", "negative for...", "rule out...") is never a problem. Stage, grade,
receptor and molecular status stated in the same item (or the lines continuing it) go to
`detail`. Allergies come from an "Allergies:" block, or "NKDA" / "No known drug allergies".
"""

from __future__ import annotations

import re

from intake.model import Allergy, Problem

HEADING = re.compile(
    r"^\s*(?P<name>(?:final\s+|pathologic(?:al)?\s+|clinical\s+|discharge\s+|principal\s+)?"
    r"diagnos[ie]s|assessment\s*(?:and|&|/)\s*plan|assessment|impression)"
    r"\s*(?::|-\s|$)\s*(?P<rest>.*)$",
    re.I,
)
OTHER_HEADING = re.compile(r"^\s*[A-Z][A-Za-z0-9 /&()'-]{1,40}:(?:\s|$)|^\s*[A-Z][A-Z /&-]{3,}\s*$")
ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[A-Z][.)]|[-•*·▪])\s+(?P<text>.+)$")
NEGATED = re.compile(
    r"^\s*(?:no|not|none|negative|without|denies|free of|absence of|absent)\b"
    r"|\b(?:rule\s*out|r/o|ruled out|no (?:evidence|history|sign) of|negative for|"
    r"history of no|unlikely|(?:is|was|are|were)\s+negative)\b",  # 'screen is negative'
    re.I,
)
# the sentence introducing the patient ('Mr. X is a 64 yo M with a PMHx as above who
# presents in routine follow-up'), no diagnosis
PATIENT_DESCRIBED = re.compile(r"\b\d{1,3}[- ]?(?:yo|y/o|y\.o\.|year[- ]old|years?\s+old)\b", re.I)
DETAIL = re.compile(
    r"\b(?:ER|PR|PgR)\s*[+-](?:\s*/\s*(?:ER|PR|PgR|HER-?2(?:/neu)?)\s*[+-])*"
    r"|\bHER-?2(?:/neu)?\s*[+-]"
    r"|\b(?:ER|PR|HER-?2|estrogen receptor|progesterone receptor)\b[^,;.]{0,12}?"
    r"\b(?:positive|negative|equivocal|[0-3]\+)"
    r"|\b(?:y?[cp])T[0-4isx][a-d]?(?:\s*N[0-3x][a-c]?(?:\s*M[01x])?)?\b"
    r"|\bstage\s+(?:[0-4]|I{1,3}V?|IV)[A-C]?[0-9]?\b"
    r"|\b(?:Nottingham\s+|histologic\s+|nuclear\s+|WHO\s+)?grade\s+(?:group\s+)?[1-4](?:\s+of\s+[34])?\b"
    r"|\bGleason\s+(?:score\s+)?\d\s*\+\s*\d(?:\s*=\s*\d{1,2})?"
    r"|\b(?:well|moderately|poorly)[- ]differentiated\b"
    r"|\bKi-?67\b[^,;]{0,12}?\d{1,3}\s*%"
    r"|\b(?:EGFR|KRAS|NRAS|BRAF|ALK|ROS1|BRCA[12]|PIK3CA|TP53|IDH[12]?|MGMT|PD-L1|FLT3|NPM1)\b"
    r"[^,;.]{0,30}?\b(?:mutat(?:ion|ed)|positive|negative|wild[- ]type|unmethylated|methylated"
    r"|amplified|not detected|detected|\d{1,3}\s*%)"
    r"|\bMSI-H\b|\bMSS\b|\btriple[- ]negative\b",
    re.I,
)
NO_ALLERGY_WORDS = {
    "716186003": "No known allergies", "no-known-allergies": "No known allergies",
    "409137002": "No known drug allergies",
    "no-known-medication-allergies": "No known drug allergies",
    "429625007": "No known food allergies", "no-known-food-allergies": "No known food allergies",
    "428607008": "No known environmental allergies",
    "no-known-environmental-allergies": "No known environmental allergies",
}  # fmt: skip
NKDA = re.compile(r"\bNKDA\b|\bno\s+known\s+drug\s+allerg(?:y|ies)\b", re.I)
NKA = re.compile(
    r"\bNKA\b|\bno\s+known\s+allerg(?:y|ies)\b|^\s*(?:none|none known|no allergies)\.?\s*$", re.I
)
ALLERGY_HEADING = re.compile(
    r"^\s*(?:drug\s+)?allerg(?:y|ies)(?:\s*/\s*(?:adverse\s+)?reactions?)?\s*:\s*(?P<rest>.*)$",
    re.I,
)
REACTION = re.compile(r"^(?P<substance>[^()]+?)\s*(?:\((?P<paren>[^)]+)\)|[-–:]\s+(?P<dash>.+))$")
NO_TEXT_PROBLEMS = frozenset({"lab_report", "imaging_report", "medication_list"})


# a pathology diagnosis's specimen label before its finding ('B) RECTOSIGMOID BIOPSIES:')
SPECIMEN = re.compile(
    r"\b(?:biops\w*|bx|bxs|excision|resection|specimen|aspirat\w*|cytology|curettage|core)\b",
    re.I,
)
# VistA's word-processing codes printed into its text ('|TAB||NOWRAP|' under a heading)
VISTA_CODES = re.compile(r"\|(?:TAB|NOWRAP|WRAP|CENTER|INDENT|BLANK|PAGE|TOP)\|")


def parse_problems(text: str, kind: str = "") -> list[Problem]:
    """The diagnoses a note or report states in its diagnosis or assessment sections."""
    if kind in NO_TEXT_PROBLEMS:
        return []
    text = VISTA_CODES.sub("", text) if "|" in text else text
    found: list[Problem] = []
    for heading, lines in _blocks(text):
        listed_only = heading.startswith("impression")
        for item in _items(lines, listed_only=listed_only):
            problem = _problem(item)
            if problem and problem.name not in {p.name for p in found}:
                found.append(problem)
    return found


def _blocks(text: str) -> list[tuple[str, list[str]]]:
    """(heading, lines) for each diagnosis or assessment section: the heading line's own
    words, then the lines up to a blank line or the next heading."""
    lines = text.splitlines()
    blocks = []
    for number, line in enumerate(lines):
        match = HEADING.match(line)
        if not match:
            continue
        block = [match["rest"]] if match["rest"].strip() else []
        for following in lines[number + 1 :]:
            if not following.strip():
                if block:
                    break
                continue
            if HEADING.match(following) or (
                OTHER_HEADING.match(following) and not ITEM.match(following)
            ):
                break
            block.append(following)
        blocks.append((match["name"].lower(), block))
    return blocks


def _items(lines: list[str], *, listed_only: bool) -> list[str]:
    """Each numbered or bulleted item with the plain lines continuing it; unlisted plain
    lines make one item (the first line), the rest continuing it."""
    items: list[str] = []
    listed = any(ITEM.match(line) for line in lines)
    if listed_only and not listed:
        return []
    for line in lines:
        bullet = ITEM.match(line)
        if bullet:
            items.append(bullet["text"].strip())
        elif items:
            items[-1] += "\n" + line.strip()
        elif not listed or not items:
            items.append(line.strip())
    return items


def _problem(item: str) -> Problem | None:
    """One item as a Problem: its first line's first clause (cut at ';' or ' - ' plans),
    with the detail stated anywhere in the item."""
    lines = item.split("\n")
    first = lines[0]
    for wrapped in lines[1:]:  # a line the page wrapped ("...of the left parietal / lobe.")
        if not wrapped[:1].islower():
            break
        first += " " + wrapped
    if first.rstrip().endswith(":"):  # a specimen label ("A. Breast, left, biopsy:")
        return None
    specimen, colon, finding = first.partition(": ")
    if colon and SPECIMEN.search(specimen) and finding.strip():
        first = finding  # 'A) GASTRIC FUNDUS BIOPSY: HYPERPLASTIC POLYP ...': the finding
    clause = re.split(r"\s*;\s*|\s+[-–—]\s+|:\s+", first, maxsplit=1)[0].strip()
    if not clause or NEGATED.search(clause) or PATIENT_DESCRIBED.search(clause):
        return None
    detail = _detail(item)
    parts = [p.strip() for p in clause.rstrip(".").split(",")]
    kept = [p for p in parts if p and not _only_detail(p) and not NEGATED.search(p)]
    name = ", ".join(kept).strip(" .")
    if not name or not re.search(r"[A-Za-z]{3,}", name) or len(name) > 120:
        return None
    return Problem(name=name, detail=detail, raw=" ".join(item.split()))


def _detail(item: str) -> str | None:
    found = [" ".join(m.group(0).split()) for m in DETAIL.finditer(item)]
    return ", ".join(dict.fromkeys(found)) or None


def _only_detail(part: str) -> bool:
    """Whether a comma-separated part holds detail and nothing else worth a name."""
    rest = DETAIL.sub("", part)
    return part != rest and not re.search(r"[A-Za-z]{3,}", re.sub(r"\bof\b", "", rest))


def parse_allergies(text: str) -> list[Allergy]:
    """Allergies from an 'Allergies:' block, or NKDA / 'No known drug allergies'."""
    found: list[Allergy] = []

    def add(allergy: Allergy) -> None:
        if allergy.substance not in {a.substance for a in found}:
            found.append(allergy)

    lines = text.splitlines()
    for number, line in enumerate(lines):
        match = ALLERGY_HEADING.match(line)
        if not match:
            continue
        block = [match["rest"]] if match["rest"].strip() else []
        if not block:
            for following in lines[number + 1 : number + 12]:
                if not following.strip():
                    if block:
                        break
                    continue
                if OTHER_HEADING.match(following) and not ITEM.match(following):
                    break
                block.append(following)
        for entry in block:
            bullet = ITEM.match(entry)
            for allergy in _allergies_in((bullet["text"] if bullet else entry).strip()):
                add(allergy)
    if not found:
        for line in lines:
            if NKDA.search(line):
                add(Allergy(substance="No known drug allergies", raw=line.strip()))
    return found


# a sentence of an allergy block that negates what it lists ('NO SHRIMP, SEAFOOD, OR DYE
# ALLERGY.'): none of them is an allergy
NOT_ALLERGIC = re.compile(r"(?:no|not|denie[sd]|negative\s+for|none)\b", re.I)
NOT_ALLERGEN = re.compile(r"(?:causes?|caused|causing|which|with|denie[sd]|none)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[a-z)])\.\s+", re.I)
_CONJUNCTION = re.compile(r"^(?:or|and)\s+", re.I)
_ALLERGIC_TO = re.compile(r"^(?:allergic|allergy|allergies)\s+to\s+", re.I)
_ALLERGY_WORD = re.compile(r"\s+allerg(?:y|ies)\W*$", re.I)  # 'OR DYE ALLERGY'


def _allergies_in(words: str) -> list[Allergy]:
    if NKDA.search(words):
        return [Allergy(substance="No known drug allergies", raw=words)]
    if NKA.search(words):
        return [Allergy(substance="No known allergies", raw=words)]
    found = []
    stated = " ".join(
        s for s in _SENTENCE_END.split(words) if not NOT_ALLERGIC.match(s.strip(" ,"))
    )
    for part in re.split(r"\s*[;,]\s*(?![^()]*\))", stated.strip(" .")):
        part = _CONJUNCTION.sub("", _ALLERGY_WORD.sub("", part)).strip()
        part = _ALLERGIC_TO.sub("", part)  # 'ALLERGIC TO PENICILLIN'
        if not re.search(r"[A-Za-z]{3,}", part) or re.match(r"(?i)reviewed|unknown|see\b", part):
            continue
        if NOT_ALLERGEN.match(part):
            continue  # 'CAUSES SKIN RASH' (the reaction of the one before), 'Denied'
        match = REACTION.match(part)
        substance = (match["substance"] if match else part).strip(" .-:")
        reaction = (match["paren"] or match["dash"]).strip(" .") if match else None
        if 2 < len(substance) <= 60:
            found.append(Allergy(substance=substance, reaction=reaction, raw=part))
    return found
