"""A C-CDA rendered as one readable HTML page for the packet (no scripts, no external links)."""

from __future__ import annotations

from intake import __version__
from intake.cda.narrative import narrative_html
from intake.cda.read import CdaDocument, Section
from intake.packet.render import environment
from intake.understand.classify import LABELS


def render_cda_page(cda: CdaDocument, *, source: str, original: str) -> str:
    """The page: header (patient, date, author, type), then each section's narrative, or its
    coded entries as tables when the author left no narrative. `original` is the relative
    link to the byte-identical XML copy."""
    sections = _with_depth(cda.sections, 0)
    return (
        environment()
        .get_template("CDA.HTM.j2")
        .render(
            cda=cda,
            sections=sections,
            narratives=[narrative_html(section.narrative) for section, _ in sections],
            kind_label=LABELS.get(cda.kind, "Clinical document"),
            source=source,
            original=original,
            version=__version__,
        )
    )


def _with_depth(sections: list[Section], depth: int) -> list[tuple[Section, int]]:
    found = []
    for section in sections:
        found.append((section, depth))
        found.extend(_with_depth(section.children, depth + 1))
    return found
