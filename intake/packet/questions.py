"""The questions in a caregiver's questions document, as the packet lists them.

A questions file usually has a heading ("Questions for the second opinion") and then the
questions: lines ending with "?" or numbered or bulleted items. The heading is not a
question; a line starting in lower case continues the item above it (a wrapped line).
When no line looks like a question, every line but the heading is kept (a list of
concerns written as sentences).
"""

from __future__ import annotations

import re

ITEM = re.compile(r"^\s*(?:\(?\d{1,2}[.):]|[-*•‣◦–])\s+(?P<text>\S.*)$")
MAX_LINES = 200  # a questions file longer than this is not a list of questions


def asked(text: str, title: str = "") -> list[str]:
    """The questions and concerns in `text`, one per item, numbering and bullets removed."""
    lines = [line.strip() for line in text.splitlines()[:MAX_LINES]]
    items: list[str] = []
    previous_kept = False
    for line in lines:
        if not line:
            previous_kept = False
            continue
        marked = ITEM.match(line)
        if marked:
            items.append(marked.group("text").strip())
            previous_kept = True
        elif previous_kept and line[0].islower() and not items[-1].endswith("?"):
            items[-1] = f"{items[-1]} {line}"
        elif line.endswith("?"):
            items.append(line)
            previous_kept = True
        else:
            previous_kept = False
    if items:
        return items
    heading = title.strip().casefold()
    return [line for line in lines if line and line.casefold() != heading]
