"""The headings that open a note's assessment and plan, in every language intake reads:
one vocabulary for the checklist (does a note state a plan?) and the summary (its lines)."""

from __future__ import annotations

import re

from intake.understand.vocabulary import ASSESSMENT_HEADINGS, PLAN_HEADINGS, alternation

_ASSESSMENT = alternation(ASSESSMENT_HEADINGS)
# alone on its line ("Assessment and Plan") or before a colon ("Plan: start tamoxifen")
PLAN_HEADING = re.compile(
    rf"^[ \t]*(?:{_ASSESSMENT}|{alternation(PLAN_HEADINGS)})[ \t]*(?::|$)",
    re.IGNORECASE | re.MULTILINE,
)
_ASSESSMENT_NAME = re.compile(rf"(?:{_ASSESSMENT})[ \t]*:?", re.IGNORECASE)


def is_assessment(heading: str) -> bool:
    """Whether a plan heading names an assessment or follow-up (its name stays before its
    lines) rather than the plan itself."""
    return _ASSESSMENT_NAME.fullmatch(heading.strip()) is not None


# any other section heading, which ends a plan: "Exam:", "Felírt vények:", or a short line
# in capitals without a colon ("DIAGNÓZIS")
_ANY_HEADING = re.compile(r"[^\W\d_](?:[^\W\d_]|[ /&()-]){2,40}:(?:\s|$)")
_CAPITALS_HEADING = re.compile(r"[^\W\d_](?:[^\W\d_]|[ /&()-]){2,40}")
_LIST_MARK = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s*")
# a note's other sections named alone on their line without a colon ("Physical Exam")
_SECTION_LINE = re.compile(
    r"(?:physical\s+exam(?:ination)?|exam(?:ination)?|review\s+of\s+systems|ros"
    r"|(?:past\s+)?(?:medical|surgical|social|family)\s+history|history\s+of\s+present\s+illness"
    r"|hpi|chief\s+complaint|(?:current\s+)?medications?|allergies|vital\s+signs|vitals"
    r"|lab(?:s|oratory)?(?:\s+results)?|results|impression|findings|subjective|objective)",
    re.IGNORECASE,
)
# a page's running header or footer, printed inside a plan that runs over a page break:
# 'Page 2 of 3', the patient's identifiers, a page count before a label ('1/2 Szoftver:
# EESZT ...'), a department and its long code alone ('Bőrgyógyászat - 08031004')
_PAGE_FURNITURE = re.compile(
    r"^\s*page\s+\d+(?:\s+of\s+\d+)?\s*$|\b(?:dob|date\s+of\s+birth|mrn)\b[\s:#]*\d"
    r"|^\s*\d{1,3}\s*/\s*\d{1,3}\s+[^\W\d_]+:"
    r"|^\s*[^\W\d_]{3,40}\s*[-–:]\s*\d{6,}\s*$",
    re.IGNORECASE,
)
# a signature block, which ends a plan: the place and date a report is signed at
# ("Budapest, 2021.02.22."), a doctor's name alone on its line (maybe after a stamp code:
# "O40599 Dr. Hidas Katalin"), a line naming a signature ("vizsgáló orvos aláírása")
_SIGNATURE = re.compile(
    r"^\s*(?:[^\W\d_][^\W\d_ .'-]*(?:[ .'-]+[^\W\d_]+){0,3},\s*)?"
    r"(?:\d{4}\s*[./-]\s*\d{1,2}\s*[./-]\s*\d{1,2}|\d{1,2}\s*[./-]\s*\d{1,2}\s*[./-]\s*\d{2,4})"
    r"\.?\s*$"
    r"|^\s*(?:[A-Z]?\d{3,}\s+)?(?:dr|prof)\.?\s+[A-ZÀ-Þ][\w'-]*\.?(?:\s+[A-ZÀ-Þ][\w'-]*\.?){0,4}\s*$"
    r"|\b(?:signature|signed|aláírás\w*|assinatura|assinado|firma(?:do)?|unterschrift)\b",
    re.IGNORECASE,
)
# a plan heading's placeholder: no plan stated
_NOTHING = re.compile(r"\W*(?:none|nil|n/?a|nincs|nenhum|ninguno|nada|-+)\W*", re.IGNORECASE)


def plan_lines(text: str) -> list[str]:
    """The lines under each plan heading ("Plan of care:", "Assessment:", "Javaslat:") up to
    the next heading or a blank line; an assessment's and a follow-up's keep their heading.
    A heading with nothing under it, or only 'none', gives nothing; a page's running
    header or footer inside a plan is skipped."""
    found: list[str] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        heading = PLAN_HEADING.match(line)
        if not heading:
            continue
        name = heading.group(0).strip().rstrip(":").strip()
        keep = is_assessment(name)
        rest = line[heading.end() :].strip()
        under = [rest] if rest else []
        for following in lines[index + 1 :]:
            if not following.strip():
                if under:
                    break
                continue
            if _ends_plan(following):
                break
            if _PAGE_FURNITURE.search(following):
                continue
            item = _LIST_MARK.sub("", following).strip()
            marked = item != following.strip()
            if marked or not _continues(under, item):
                under.append(item)  # a list's item, or a line of its own
            else:  # a sentence wrapped onto the next line: one item
                under[-1] = f"{under[-1]} {item}"
        under = [item for item in under if item and not _NOTHING.fullmatch(item)]
        found += [f"{name}: {item}" if keep else item for item in under]
    return found


def _continues(under: list[str], line: str) -> bool:
    """Whether `line` goes on with the sentence of the line above it (a paragraph wrapped
    by the page): the line above ends in no stop and this one starts in lower case."""
    return bool(under) and not under[-1].endswith((".", "!", "?", ":", ";")) and line[:1].islower()


def _ends_plan(line: str) -> bool:
    """Whether a line opens another section: a plan heading, a heading with a colon at the
    margin, or a short line in capitals."""
    words = line.strip()
    if PLAN_HEADING.match(line) or _SECTION_LINE.fullmatch(words.rstrip(" :")):
        return True
    if _SIGNATURE.search(words):
        return True
    if _ANY_HEADING.match(words) and words[0].isupper() and not line.startswith((" ", "\t")):
        return True
    short = len(words.split()) <= 4
    return words.isupper() and short and _CAPITALS_HEADING.fullmatch(words) is not None
