"""The understand stage: meaning from what the extractors read, then frozen.

Each document gets what its container's metadata says (XDM, a FHIR DocumentReference), its
kind, date, patient, title, lab results and medications (understand.enrich), an id in
source order. The documents returned are final: no later stage changes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from intake import xdm
from intake.model import Document
from intake.understand.enrich import enrich


def understand(
    documents: Sequence[Document], listing: Mapping[str, xdm.XdmEntry]
) -> tuple[Document, ...]:
    """The documents understood, in source order, numbered D0001, D0002..."""
    understood = []
    for document in documents:
        entry = listing.get(document.source)
        understood.append(xdm.settle_kind(enrich(xdm.describe(document, entry)), entry))
    understood.sort(key=lambda d: d.source)
    return tuple(
        replace(document, id=f"D{number:04d}", kind=document.kind or "other")
        for number, document in enumerate(understood, start=1)
    )
