"""The Python API: what the CLI, tests and other programs call.

`scan_folder()` reads a folder into a Manifest; `build_packet()` also writes the
packet. Both raise IntakeError subclasses for run-level problems only.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from intake import __version__, disc, xdm
from intake.cache import ExtractionCache, storable
from intake.check import Checklist, check, load_checklist, most_severe_first
from intake.containers import Workspace
from intake.executors import (
    FILE_TIME_LIMIT,
    WORKER_MEMORY,
    Executor,
    LocalExecutor,
    map_limited,
)
from intake.extractors import EXTRACTORS, combine, extract, extractor_key
from intake.model import Document, Finding, Manifest, Person, Source
from intake.scan import ScanResult, open_archives, scan
from intake.sniff import IMAGE_TYPES, PDF
from intake.understand.enrich import enrich
from intake.understand.people import consensus
from intake.understand.reconcile import dose_conflicts, merge_medications
from intake.understand.specialty import suggest_specialty
from intake.understand.timeline import build_timeline

Progress = Callable[[str, int, int | None, str], None]
"""progress(stage, done, total, location): called as work advances; never prints itself."""


@dataclass
class Reading:
    """A folder read: the manifest, and where each file's bytes are (for the packet)."""

    manifest: Manifest
    sources: dict[str, Source]


@dataclass(frozen=True)
class Options:
    """What the caregiver says about the run: the checklist, the appointment, who it is for."""

    checklist: str | Path | Checklist = "default"
    appointment: date | None = None  # default: today
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
        reading = _read_folder(
            folder, options or Options(), progress, exclude, workspace, runtime, need_sources=False
        )
        return reading.manifest


@contextmanager
def open_folder(
    folder: Path | str,
    options: Options | None = None,
    *,
    progress: Progress | None = None,
    exclude: tuple[Path, ...] = (),
    runtime: Runtime | None = None,
) -> Iterator[Reading]:
    """Like scan_folder(), also giving the scanned sources by location.

    Archive members are unpacked into a private workspace that lives as long as the block,
    so their bytes can still be copied into a packet inside it.
    """
    with Workspace() as workspace:
        yield _read_folder(folder, options or Options(), progress, exclude, workspace, runtime)


def _read_folder(
    folder: Path | str,
    options: Options,
    progress: Progress | None,
    exclude: tuple[Path, ...],
    workspace: Workspace,
    runtime: Runtime | None = None,
    *,
    need_sources: bool = True,
) -> Reading:
    checklist = options.checklist
    rules = checklist if isinstance(checklist, Checklist) else load_checklist(checklist)
    appointment = options.appointment or date.today()
    found = 0

    def on_file(location: str) -> None:
        nonlocal found
        found += 1
        if progress:
            progress("scan", found, None, location)

    result = scan(folder, exclude=exclude, on_file=on_file)
    cache = runtime.cache if runtime else None
    key = run_key(result, rules, appointment, options)
    earlier = cache.get_run(key) if cache is not None else None
    if earlier is not None and not need_sources:  # the very same inputs: nothing to read
        return Reading(earlier, {})
    open_archives(result, workspace)
    listing = xdm.take_metadata(result)
    viewer, viewer_finding = disc.take_viewer(result)
    sources = {source.location: source for source in result.sources}
    if earlier is not None:
        return Reading(earlier, sources)
    documents = extract_all(result, progress, listing, runtime)
    patient = stated_patient(options.patient, documents)
    statuses, findings = check(
        documents, rules, result.skipped, appointment=appointment, patient=patient
    )
    findings.extend(dose_conflicts(documents))
    findings.extend(xdm.verify(listing, documents, sources))
    findings.extend(disc.cross_check(documents, sources))
    if viewer_finding:
        findings.append(viewer_finding)
    findings = most_severe_first(findings)  # the ones found after check() too
    suggested = None
    if rules.name == "default":
        suggested = suggest_specialty(d.text for d in documents)
        if suggested:
            findings.append(
                Finding(
                    "suggest-checklist",
                    "info",
                    f"these records look like {suggested}: run with --checklist {suggested}",
                )
            )
    manifest = Manifest(
        patient=patient,
        documents=documents,
        checklist=statuses,
        findings=findings,
        checklist_name=rules.name,
        suggested_checklist=suggested,
        appointment=appointment.isoformat(),
        timeline=build_timeline(documents),
        reminders=list(rules.reminders),
        skipped=result.skipped + listing.set_aside + viewer,
        skipped_junk=result.junk,
        tool={"name": "intake", "version": __version__},
        reason=options.reason,
        medication_list=merge_medications(documents),
    )
    if cache is not None and storable(documents):
        cache.put_run(key, manifest)  # a run with unreadable files is tried again next time
    return Reading(manifest, sources)


def run_key(result: ScanResult, rules, appointment: date, options) -> str:
    """A digest of everything a folder's manifest depends on: every file's content, location
    and type (an archive's content fixes its members'), what was skipped and why, intake's
    and the extractors' versions, the checklist, the appointment and what the caregiver
    stated. Equal keys give equal manifests."""
    parts = [
        __version__,
        [(e.name, e.version) for e in EXTRACTORS],
        [(s.location, s.sha256, s.media_type, s.size) for s in result.sources],
        sorted(result.unreadable),
        [(s.path, s.reason) for s in result.skipped],
        result.junk,
        repr(rules),
        appointment.isoformat(),
        repr(options.patient),
        options.reason,
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def stated_patient(stated: Person | None, documents: list[Document]) -> Person:
    """Who the packet is for: what the caregiver stated, completed by what the records say."""
    found = consensus(d.patient for d in documents if d.patient)
    if stated is None:
        return found
    return Person(
        name=stated.name or found.name,
        birth_date=stated.birth_date or found.birth_date,
        identifiers=stated.identifiers or found.identifiers,
    )


def extract_all(
    result: ScanResult,
    progress: Progress | None = None,
    listing: xdm.XdmListing | None = None,
    runtime: Runtime | None = None,
) -> list[Document]:
    """Every scanned file through the extractors, merged, understood and numbered.

    `listing` is what XDM metadata says about the files: it fills in what their bytes don't.
    """
    listed = listing.entries if listing else {}
    documents: list[Document] = []
    total = len(result.sources)
    for done, (source, found) in enumerate(
        zip(result.sources, extract_each(result.sources, runtime), strict=True), start=1
    ):
        documents.extend(found)
        if progress:
            progress("extract", done, total, source.location)
    for location, reason in result.unreadable:
        documents.append(
            Document(
                source=location,
                sha256=None,
                size=0,
                media_type="application/octet-stream",
                kind="unreadable",
                title=location.rsplit("/", 1)[-1],
                warnings=[reason],
            )
        )
    documents = combine(documents)
    for document in documents:
        entry = listed.get(document.source)
        xdm.describe(document, entry)
        enrich(document)
        xdm.settle_kind(document, entry)
    documents.sort(key=lambda d: d.source)
    for number, document in enumerate(documents, start=1):
        document.id = f"D{number:04d}"
        document.kind = document.kind or "other"
    return documents


PARALLEL_MIN_FILES = 64  # fewer files are read in this process: a pool costs more


def slow_to_read(source: Source) -> bool:
    """Files that may need OCR or heavy parsing: each runs alone under the time limit."""
    return source.media_type == PDF or source.media_type in IMAGE_TYPES or source.size > 2**26


def timed_out(
    source: Source, error: BaseException, *, limit: float = FILE_TIME_LIMIT
) -> list[Document]:
    """What a file becomes when reading it was stopped: too slow, too big, or it crashed the
    worker reading it."""
    if isinstance(error, TimeoutError):
        reason = f"reading it took longer than {limit:g} s: stopped"
    elif isinstance(error, MemoryError):
        reason = f"reading it needed more than {WORKER_MEMORY // 2**30} GB of memory: stopped"
    else:
        reason = f"the reader crashed on it ({type(error).__name__}): a damaged file?"
    return [Document.unreadable(source, [reason])]


@dataclass
class Runtime:
    """How a run is carried out, not what it reads: where the work runs, what is cached."""

    executor: Executor | None = None  # default: a process per core when there are many files
    cache: ExtractionCache | None = None  # default: none (the command line opens one)


def extract_each(sources: list[Source], runtime: Runtime | None = None) -> Iterator[list[Document]]:
    """extract() for each source, in order: from the cache when it holds the same content
    read by the same extractor versions, otherwise through the runtime's executor (storing
    what was read; unreadable results are not stored, so they are tried again next time)."""
    runtime = runtime or Runtime()
    cache = runtime.cache
    executor = runtime.executor or LocalExecutor(
        min_items=PARALLEL_MIN_FILES, timeout=FILE_TIME_LIMIT, memory_limit=WORKER_MEMORY
    )
    keys = [extractor_key(s) for s in sources] if cache is not None else [None] * len(sources)
    hits: dict[int, list[Document]] = {}
    if cache is not None:
        for index, (source, key) in enumerate(zip(sources, keys, strict=True)):
            found = cache.get(source, key) if key else None
            if found is not None:
                hits[index] = found
    misses = [source for index, source in enumerate(sources) if index not in hits]
    limit = executor.timeout if isinstance(executor, LocalExecutor) else None
    stopped = functools.partial(timed_out, limit=limit or FILE_TIME_LIMIT)
    computed = iter(map_limited(executor, extract, misses, stopped, slow_to_read))
    for index, source in enumerate(sources):
        if index in hits:
            yield hits[index]
            continue
        found = next(computed)
        key = keys[index]
        if cache is not None and key and storable(found):
            cache.put(source, key, found)
        yield found


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
    """Read `folder` and write its packet to `out` (atomically); returns the packet's manifest.

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
