"""The Python API: what the CLI, tests and other programs call.

A run is five stages, each a function whose result the next one reads and never changes:

    scan -> Inventory -> extract -> Extraction -> understand -> documents (frozen)
         -> check -> Assessment -> Manifest (the contract) -> render -> packet

`scan_folder()` runs them up to the Manifest; `build_packet()` also renders the packet.
Both raise IntakeError subclasses for run-level problems only: a bad file is a finding.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from intake import __version__
from intake.cache import storable
from intake.check import Checklist, load_checklist, records_of_others
from intake.containers import Workspace
from intake.errors import stop_if_requested
from intake.model import Document, Finding, Manifest, Person, Source
from intake.runtime import Progress, Runtime
from intake.scan import ScanResult, scan

if TYPE_CHECKING:
    from intake.extraction import Extraction
    from intake.inventory import Inventory

__all__ = [
    "Options",
    "Progress",
    "Reading",
    "Runtime",
    "build_packet",
    "open_folder",
    "scan_folder",
]


@dataclass(frozen=True)
class Reading:
    """A folder read: the manifest, and where each file's bytes are (for the packet)."""

    manifest: Manifest
    sources: dict[str, Source]


@dataclass(frozen=True)
class Options:
    """What the caregiver says about the run: the checklist, the appointment, who it is for."""

    checklist: str | Path | Checklist | None = None  # None: the default list, with a
    # specialty's own items added when the records clearly fit one; "default": that list only
    appointment: date | None = None  # None: not given (recency is measured from today)
    patient: Person | None = None  # stated identity; default: what most documents say
    reason: str | None = None  # why the second opinion is sought (shown on the cover)


def scan_folder(
    folder: Path | str,
    options: Options | None = None,
    *,
    progress: Progress | None = None,
    exclude: tuple[Path, ...] = (),
    runtime: Runtime | None = None,
) -> Manifest:
    """Read every file in `folder` and check the set against the checklist."""
    with Workspace() as workspace:
        return read_folder(
            folder, options, workspace, progress=progress, exclude=exclude, runtime=runtime,
            need_sources=False,
        ).manifest  # fmt: skip


@contextmanager
def open_folder(
    folder: Path | str,
    options: Options | None = None,
    *,
    progress: Progress | None = None,
    exclude: tuple[Path, ...] = (),
    runtime: Runtime | None = None,
) -> Iterator[Reading]:
    """Like scan_folder(), also giving the files read by location.

    Archive members and attachments are unpacked into a private workspace that lives as
    long as the block, so their bytes can still be copied into a packet inside it.
    """
    with Workspace() as workspace:
        yield read_folder(
            folder, options, workspace, progress=progress, exclude=exclude, runtime=runtime
        )


def read_folder(
    folder: Path | str,
    options: Options | None,
    workspace: Workspace,
    *,
    progress: Progress | None = None,
    exclude: tuple[Path, ...] = (),
    runtime: Runtime | None = None,
    need_sources: bool = True,
) -> Reading:
    """The stages in order, from the folder to its Manifest."""
    options = options or Options()
    runtime = runtime or Runtime()
    rules = _checklist(options)
    appointment = options.appointment or date.today()
    walked = scan(folder, exclude=exclude, on_file=_counting(progress))
    key = run_key(walked, rules, appointment, options, runtime)
    earlier = runtime.cache.get_run(key) if runtime.cache is not None else None
    if earlier is not None and not need_sources:  # the very same inputs: nothing to read
        return Reading(earlier, {})
    # the stages proper, imported only when a folder is read (a run served whole from the
    # cache never loads them)
    from intake import disc
    from intake.check import check
    from intake.extraction import extract
    from intake.inventory import take_inventory
    from intake.understand.reconcile import merge_medications
    from intake.understand.stage import split_indexes, understand
    from intake.understand.timeline import build_timeline
    from intake.xdm import from_notes

    inventory = take_inventory(walked, workspace)
    if earlier is not None and _holds_every_file(earlier, inventory):
        return Reading(earlier, inventory.by_location())
    with runtime.settings():
        extraction = extract(inventory, runtime, workspace, progress)
        stop_if_requested()  # a stop a worker pool's finalizer swallowed ends the run here
        listing = {**from_notes(extraction.notes), **inventory.listing.entries}
        records, indexes = split_indexes(extraction.documents)
        documents = understand(records, listing, extraction.understood)
        patient = stated_patient(options.patient, documents)
        assessment = check(
            documents,
            rules,
            (*inventory.skipped, *extraction.left_out),
            appointment=appointment,
            patient=patient,
            evidence=evidence(inventory, extraction, documents, indexes),
            add_specialty=options.checklist is None,
        )
    # the patient's own records: another person's (an identity error) stays listed, with its
    # finding, but lends nothing to the timeline or the merged medication list
    others = records_of_others(assessment.findings)
    own = [d for d in documents if d.id not in others]
    manifest = Manifest(
        patient=patient,
        documents=documents,
        checklist=assessment.statuses,
        findings=assessment.findings,
        to_do=assessment.to_do,
        checklist_name=rules.name,
        suggested_checklist=assessment.suggested_checklist,
        appointment=options.appointment.isoformat() if options.appointment else None,
        timeline=tuple(build_timeline(own)),
        reminders=rules.reminders,
        skipped=(
            *inventory.skipped,
            *extraction.left_out,
            *inventory.set_aside,
            *map(disc.as_skipped, indexes),
        ),
        skipped_junk=inventory.junk,
        tool={"name": "intake", "version": __version__},
        reason=options.reason,
        medication_list=tuple(merge_medications(own)),
    )
    if runtime.cache is not None and storable(documents):
        runtime.cache.put_run(key, manifest)  # a run with unread files is tried again
    return Reading(manifest, extraction.sources)


def _checklist(options: Options) -> Checklist:
    chosen = options.checklist
    return chosen if isinstance(chosen, Checklist) else load_checklist(chosen or "default")


def _counting(progress: Progress | None):
    found = 0

    def on_file(location: str) -> None:
        nonlocal found
        found += 1
        if progress:
            progress("scan", found, None, location)

    return on_file


def _holds_every_file(manifest: Manifest, inventory: Inventory) -> bool:
    """True when every file the manifest's documents stand for is in the inventory (files
    found inside others, such as FHIR attachments, are only there after extraction)."""
    present = {source.location for source in inventory.sources}
    return all(ref.source in present for d in manifest.documents for ref in d.files if ref.sha256)


def evidence(
    inventory: Inventory,
    extraction: Extraction,
    documents: tuple[Document, ...],
    indexes: Sequence[Document] = (),
) -> list[Finding]:
    """Findings only the files themselves can show: XDM digests and listings, a disc's
    DICOMDIR (`indexes`: not documents) against its files, the viewer set aside."""
    from intake import disc, xdm

    found = xdm.verify(inventory.listing, list(documents), extraction.sources)
    found += disc.cross_check(list(indexes), extraction.sources)
    if inventory.viewer:
        found.append(inventory.viewer)
    return found


def run_key(result: ScanResult, rules, appointment: date, options, runtime: Runtime) -> str:
    """A digest of everything a folder's manifest depends on: every file's content, location
    and type (an archive's content fixes its members'), what was skipped and why, intake's
    and the extractors' versions (and its own files' sizes and times), the checklist, the
    appointment and what the caregiver stated. Equal keys give equal manifests."""
    from intake.warm import package_state

    parts = [
        __version__,
        package_state(),  # intake's own files: an edited module or checklist misses
        runtime.versions(),
        [(s.location, s.sha256, s.media_type, s.size) for s in result.sources],
        sorted(result.unreadable),
        [(s.path, s.reason) for s in result.skipped],
        result.junk,
        repr(rules),
        options.checklist is None,  # a specialty's items may be added
        appointment.isoformat(),
        options.appointment is None,
        repr(options.patient),
        options.reason,
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def stated_patient(stated: Person | None, documents: tuple[Document, ...]) -> Person:
    """Who the packet is for: what the caregiver stated, completed by what the records say."""
    from intake.understand.people import consensus

    found = consensus(d.patient for d in documents if d.patient)
    if stated is None:
        return found
    return Person(
        name=stated.name or found.name,
        birth_date=stated.birth_date or found.birth_date,
        identifiers=stated.identifiers or found.identifiers,
    )


def build_packet(
    folder: Path | str,
    out: Path | str,
    options: Options | None = None,
    *,
    force: bool = False,
    progress: Progress | None = None,
    layout: str = "folder",
    runtime: Runtime | None = None,
) -> Manifest:
    """Read `folder` and write its packet to `out` (atomically); returns the packet's manifest
    (the same as scan_folder() gives).

    `layout` is "folder" (the packet), "zip" (the packet as one zip file) or "pdf" (just
    PACKET.PDF)."""
    from intake.packet.writer import check_destination, write_packet

    folder, out = Path(folder), Path(out)
    check_destination(folder, out, force=force, layout=layout)
    with open_folder(
        folder, options, progress=progress, exclude=(out,), runtime=runtime
    ) as reading:
        write_packet(
            reading.manifest, reading.sources, out, force=force, progress=progress, layout=layout
        )
        return reading.manifest
