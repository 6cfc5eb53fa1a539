"""A C-CDA rendered as one readable HTML page for the packet (no scripts, no external links).

Rendered from what the C-CDA's reader kept (`Document.narrative`): the file is not parsed
again here."""

from __future__ import annotations

from intake import __version__
from intake.model import Document
from intake.packet.html_text import patient_line
from intake.packet.render import environment
from intake.understand.classify import LABELS


def render_cda_page(document: Document, *, original: str) -> str:
    """The page: header (patient, date, author, type), then each section's narrative, or its
    coded entries as tables when the author left no narrative. `original` is the relative
    link to the byte-identical XML copy."""
    narrative = document.narrative
    return (
        environment()
        .get_template("CDA.HTM.j2")
        .render(
            d=document,
            type_code=narrative.type_code if narrative else None,
            sections=narrative.sections if narrative else (),
            kind_label=LABELS.get(document.kind, "Clinical document"),
            patient_line=patient_line(document),
            source=document.source,
            original=original,
            version=__version__,
        )
    )
