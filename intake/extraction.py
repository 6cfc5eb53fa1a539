"""The extract stage: every file of an Inventory through the runtime's extractors, once.

Files run in workers under the per-file limits (or come from the cache). Files a reading
finds inside another (a FHIR export's base64 attachments) are written to the run's private
workspace and read the same way, to a bounded depth. Per-format merging (DICOM files into
studies) happens here too; meaning is the understand stage's (whose per-document part
the workers run right after reading: see understand.stage.with_meaning).
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass

from intake.containers import Limits, Workspace, unique
from intake.extractors import combine
from intake.extractors.base import Attachment
from intake.inventory import Inventory
from intake.model import Document, Skipped, Source
from intake.runtime import Progress, Runtime

MAX_CARRIED_DEPTH = 3  # attachments inside attachments inside attachments


@dataclass(frozen=True)
class Extraction:
    """Documents as the extractors read them, and every file they came from (the scanned
    ones and those found inside them) by location, for the packet to copy."""

    documents: tuple[Document, ...]
    sources: dict[str, Source]
    notes: dict[str, dict[str, str]]  # what a file said of one it carries: title, date, kind
    # the id() of the documents above understood where they were read (no listing entry
    # describes them): see understand.stage.understand
    understood: frozenset[int] = frozenset()
    left_out: tuple[Skipped, ...] = ()  # files whose attachments the run's limit left unread


def extract(
    inventory: Inventory,
    runtime: Runtime,
    workspace: Workspace,
    progress: Progress | None = None,
) -> Extraction:
    """Read every file of `inventory` (and the files they carry) into documents."""
    documents: list[Document] = []
    sources = inventory.by_location()
    notes: dict[str, dict[str, str]] = {}
    understood: set[int] = set()
    limits = Limits()
    budget = limits.max_total_bytes  # everything unpacked from the files' attachments
    room = limits.max_run_files - len(inventory.sources)  # files the run may still read
    over: dict[str, int] = {}  # a file's attachments left out at the run's limit: how many
    taken = set(sources) | {location for location, _ in inventory.unreadable}
    pending = list(inventory.sources)
    for depth in range(MAX_CARRIED_DEPTH + 1):
        carried: list[Source] = []
        total = len(pending)
        listed = frozenset((*inventory.listing.entries, *notes))  # understood with it
        readings = runtime.read_all(pending, workspace.root, listed)  # temporary files: there
        with closing(readings):  # the workers stop on any exit
            for done, (source, reading) in enumerate(zip(pending, readings, strict=True), 1):
                if reading.understood:  # as understood where it was read (the extracted
                    for raw, meant in zip(reading.documents, reading.understood, strict=True):
                        documents.append(raw if meant is None else meant)  # one is let go)
                        if meant is not None:
                            understood.add(id(meant))
                else:
                    documents.extend(reading.documents)
                for attachment in reading.attachments:
                    if room <= 0 and not attachment.refused:
                        over[source.location] = over.get(source.location, 0) + 1
                        continue
                    location = unique(attachment.location, taken)  # never another's place
                    notes[location] = attachment.note
                    reason = _refusal(attachment, budget, depth)
                    if reason:
                        documents.append(_unopened(location, reason))
                        continue
                    budget -= len(attachment.data or b"")
                    room -= 1
                    carried.append(workspace.add(location, attachment.data or b""))
                if progress:
                    progress("extract", done, total, source.location)
        sources.update((s.location, s) for s in carried)
        pending = carried
        if not pending:
            break
    for location, reason in inventory.unreadable:
        documents.append(_unopened(location, reason))
    left_out = tuple(
        Skipped.past_limit(carrier, f"{count:,} of the files attached to it", limits.max_run_files)
        for carrier, count in over.items()
    )
    return Extraction(
        tuple(combine(documents, runtime.registry)), sources, notes, frozenset(understood),
        left_out,
    )  # fmt: skip


def _refusal(attachment: Attachment, budget: int, depth: int) -> str | None:
    if attachment.refused:
        return attachment.refused
    if depth >= MAX_CARRIED_DEPTH:
        return f"attached more than {MAX_CARRIED_DEPTH} files deep: not unpacked"
    if len(attachment.data or b"") > budget:
        return "attachment too large: not unpacked"
    return None


def _unopened(location: str, reason: str) -> Document:
    """A file that was found but could not be opened or unpacked."""
    return Document(
        source=location,
        sha256=None,
        size=0,
        media_type="application/octet-stream",
        kind="unreadable",
        title=location.rsplit("/", 1)[-1],
        warnings=(reason,),
    )
