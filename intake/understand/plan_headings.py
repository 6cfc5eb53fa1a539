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


def plan_lines(text: str) -> list[str]:
    """The lines under each plan heading ("Plan of care:", "Assessment:", "Javaslat:") up to
    the next heading or a blank line; an assessment's and a follow-up's keep their heading.
    A heading with nothing under it gives nothing."""
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
            under.append(_LIST_MARK.sub("", following).strip())
        found += [f"{name}: {item}" if keep else item for item in under if item]
    return found


def _ends_plan(line: str) -> bool:
    """Whether a line opens another section: a plan heading, a heading with a colon at the
    margin, or a short line in capitals."""
    words = line.strip()
    if PLAN_HEADING.match(line):
        return True
    if _ANY_HEADING.match(words) and words[0].isupper() and not line.startswith((" ", "\t")):
        return True
    short = len(words.split()) <= 4
    return words.isupper() and short and _CAPITALS_HEADING.fullmatch(words) is not None
