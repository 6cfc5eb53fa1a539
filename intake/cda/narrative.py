"""A C-CDA section's narrative block (<text>): as plain lines, or as sanitised HTML.

The HTML is built, not filtered: only the narrative elements CDA defines are mapped to
their HTML counterparts, every text is escaped, no attribute survives except table spans,
and anything else (script, style, links, images, unknown vendor tags) keeps only its text,
or nothing at all for script and style. The result never loads or runs anything.
"""

from __future__ import annotations

import re
from html import escape
from xml.etree.ElementTree import Element

from intake.cda.hl7 import local

BLOCKS = frozenset({"paragraph", "item", "tr", "br", "list", "table", "caption", "thead", "tbody"})
HTML_TAGS = {
    "paragraph": "p", "list": "ul", "item": "li", "table": "table", "thead": "thead",
    "tbody": "tbody", "tfoot": "tfoot", "tr": "tr", "td": "td", "th": "th", "caption": "caption",
    "sub": "sub", "sup": "sup", "br": "br", "colgroup": None, "col": None,
}  # fmt: skip
DROPPED = frozenset({"script", "style", "renderMultiMedia", "footnoteRef", "object", "iframe"})
# blocks that end a table's row; the others (a paragraph or a line break inside a cell)
# only part the cell's own words
ROW_BLOCKS = frozenset({"tr", "table", "thead", "tbody", "caption"})
SPANS = ("colspan", "rowspan")
# narrative markup a sending system escaped into the text itself ('&lt;paragraph
# xmlns=...&gt;&lt;br/&gt;clindamycin 300 mg capsule:'): its tags are no words of the record
ESCAPED_MARKUP = re.compile(
    r"</?(?:paragraph|content|br|list|item|table|thead|tbody|tfoot|tr|td|th|caption|sub|sup"
    r"|footnote|linkHtml)(?:\s[^<>]*)?/?>"
)
STYLES = {"Bold": "strong", "Italics": "em", "Underline": "u"}


def narrative_lines(element: Element | None, *, headers: bool = True) -> list[str]:
    """A narrative block as lines: paragraphs, list items and table rows apart, a table
    row's cells joined by " · ". Without `headers`, a header row (only <th> cells: "Planned
    Care · Start Date · Provider") is no line: a section's statements are its data rows."""
    if element is None:
        return []
    lines: list[str] = []
    parts: list[str] = []
    kinds: set[str] = set()  # the cell kinds of the row being read
    cells_open = 0  # how many table cells the walk is inside

    def flush() -> None:
        text = _without_escaped_tags("".join(parts))
        if CELL in text:
            cells = (" ".join(cell.split()) for cell in text.split(CELL))
            line = " · ".join(cell for cell in cells if cell)
            if kinds == {"th"} and not headers:
                line = ""
        else:
            line = " ".join(text.split())
        if line:
            lines.append(line)
        parts.clear()
        kinds.clear()

    def walk(node: Element) -> None:
        nonlocal cells_open
        name = local(node)
        if name in DROPPED:
            return
        # a paragraph or line break inside a cell parts words, not the row: a plan's
        # 'Jun-22-2015 | Referral | Ordered:<br/>Referrals: Location: ...' is one line
        block = name in BLOCKS and not (cells_open and name not in ROW_BLOCKS)
        if block:
            flush()
        elif name in BLOCKS:
            parts.append(" ")
        elif name in ("td", "th"):
            parts.append(CELL)
            kinds.add(name)
            cells_open += 1
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")
        if block:
            flush()
        elif name in BLOCKS:
            parts.append(" ")
        elif name in ("td", "th"):
            cells_open -= 1

    walk(element)
    flush()
    return lines


def _without_escaped_tags(text: str) -> str:
    """`text` without narrative tags written into it as text (each a space)."""
    return ESCAPED_MARKUP.sub(" ", text) if "<" in text else text


CELL = "\x1f"  # marks where a table cell begins, while a row is read


def narrative_html(element: Element | None) -> str:
    """A narrative block as safe HTML (escaped text, whitelisted tags, no attributes)."""
    if element is None:
        return ""
    out: list[str] = []
    _html(element, out, top=True)
    return "".join(out)


def _html(node: Element, out: list[str], *, top: bool = False) -> None:
    name = local(node)
    if name in DROPPED:
        out.append(escape(node.tail or "") if not top else "")
        return
    tag = None if top else HTML_TAGS.get(name)
    if name == "content":
        styles = (node.get("styleCode") or "").split()
        tag = next((STYLES[s] for s in styles if s in STYLES), None)
    if name == "list" and node.get("listType") == "ordered":
        tag = "ol"
    if tag == "br":
        out.append("<br>")
    else:
        if tag:
            spans = "".join(
                f' {a}="{int(node.get(a, "1"))}"'
                for a in SPANS
                if _is_span(node.get(a, "")) and tag in ("td", "th")
            )
            out.append(f"<{tag}{spans}>")
        out.append(escape(_without_escaped_tags(node.text or "")))
        for child in node:
            _html(child, out)
        if tag:
            out.append(f"</{tag}>")
    if not top:
        out.append(escape(_without_escaped_tags(node.tail or "")))


def _is_span(value: str) -> bool:
    """A table span as HTML takes it: 1 to 4 ASCII digits (not '²', not 5,000 digits)."""
    return value.isascii() and value.isdigit() and len(value) <= 4
