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
# a page's running header or footer, printed inside a plan that runs over a page break
_PAGE_FURNITURE = re.compile(
    r"^\s*page\s+\d+(?:\s+of\s+\d+)?\s*$|\b(?:dob|date\s+of\s+birth|mrn)\b[\s:#]*\d",
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
            under.append(_LIST_MARK.sub("", following).strip())
        under = [item for item in under if item and not _NOTHING.fullmatch(item)]
        found += [f"{name}: {item}" if keep else item for item in under]
    return found


def _ends_plan(line: str) -> bool:
    """Whether a line opens another section: a plan heading, a heading with a colon at the
    margin, or a short line in capitals."""
    words = line.strip()
    if PLAN_HEADING.match(line) or _SECTION_LINE.fullmatch(words.rstrip(" :")):
        return True
    if _ANY_HEADING.match(words) and words[0].isupper() and not line.startswith((" ", "\t")):
        return True
    short = len(words.split()) <= 4
    return words.isupper() and short and _CAPITALS_HEADING.fullmatch(words) is not None
