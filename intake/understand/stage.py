"""The understand stage: meaning from what the extractors read, then frozen.

Each document gets what its container's metadata says (XDM, a FHIR DocumentReference), its
kind, date, patient, title, lab results and medications (understand.enrich), an id in
source order. The per-document part runs where the file was read (`with_meaning`, in the
extraction worker: in parallel and under the file's time and memory limits) whenever no
listing entry applies; this stage does the rest, and the whole for a cache hit or a DICOM
study. Files with identical bytes (the same report downloaded twice) become one
document listing every path. The documents returned are final: no later stage changes them.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from functools import cache

from intake import xdm
from intake.extractors.base import Extractor, FileReading
from intake.model import Document
from intake.sniff import DICOM, TEXT
from intake.understand.drugs import load_dictionary
from intake.understand.enrich import enrich

log = logging.getLogger(__name__)

ALSO_AT = "also at "  # the note a merged document carries for each other path
NOT_UNDERSTOOD_MARK = "its contents could not be interpreted"
NOT_UNDERSTOOD = NOT_UNDERSTOOD_MARK + " ({fault}): listed as read, unsorted"


def understand(
    documents: Sequence[Document],
    listing: Mapping[str, xdm.XdmEntry],
    done: Collection[int] = frozenset(),
) -> tuple[Document, ...]:
    """The documents understood, identical files merged, in source order, numbered D0001...

    `done` holds the id() of documents already understood where they were read (a worker:
    `with_meaning`), which no listing entry describes."""
    understood = []
    for document in documents:
        entry = listing.get(document.source)
        if id(document) not in done:
            understood.append(understand_one(document, entry))
        elif entry is None:
            understood.append(document)
        else:  # (not reached: a location listed after its file was read) the entry's kind
            understood.append(xdm.settle_kind(xdm.describe(document, entry), entry))
    understood = merge_identical(understood)
    understood.sort(key=lambda d: d.source)
    return tuple(
        replace(document, id=f"D{number:04d}", kind=document.kind or "other")
        for number, document in enumerate(understood, start=1)
    )


def understand_one(document: Document, entry: xdm.XdmEntry | None = None) -> Document:
    """One document's meaning, with what its container's listing `entry` says of it. A fault
    in reading its meaning (a parser bug a file provokes) leaves it as extracted, with a
    warning naming the fault: never the end of a run."""
    try:
        return xdm.settle_kind(enrich(xdm.describe(document, entry)), entry)
    except Exception as err:  # RecursionError, MemoryError's kin, a bug: this document only
        fault = type(err).__name__  # not the message: it may quote the record
        log.warning("%s: its contents could not be interpreted (%s)", document.source, fault)
        return replace(document, warnings=(*document.warnings, NOT_UNDERSTOOD.format(fault=fault)))


def with_meaning(
    reading: FileReading, extractors: Sequence[Extractor], listed: Collection[str] = ()
) -> FileReading:
    """`reading` with each document also understood, where the file was read (a worker: in
    parallel, under the file's limits). Documents a listing describes (`listed`: an XDM
    entry, a FHIR note) and those an extractor merges across files (DICOM files into
    studies) wait for the understand stage."""
    merging = merging_extractors(tuple(extractors))
    understood = tuple(
        None
        if document.extractor in merging or document.source in listed
        else understand_one(document)
        for document in reading.documents
    )
    return replace(reading, understood=understood)


@cache
def merging_extractors(extractors: tuple[Extractor, ...] | None = None) -> frozenset[str]:
    """The names of the extractors that merge their documents across files (once per
    registry, not per file); None: the shipped ones."""
    if extractors is None:
        from intake.extractors import EXTRACTORS

        extractors = tuple(EXTRACTORS)
    return frozenset(e.name for e in extractors if type(e).combine is not Extractor.combine)


# a short record touching every reader (patient, dates, a lab line) and naming no drug
WARM_UP = (
    "Patient: Jane Doe\nDate of birth: 1950-01-02\nCollected: 2024-01-05\n"
    "Hemoglobin 13.5 g/dL 12.0-16.0\n"
)


def prepare(*, dictionary: bool = True) -> None:
    """Build, in this process, what reading meaning builds on first use (compiled patterns,
    their literal prefilters and, with `dictionary`, the drug dictionary: about a second),
    so worker processes forked after it share it instead of each building its own."""
    understand_one(Document("", None, 0, TEXT, text=WARM_UP))
    if dictionary:
        load_dictionary()


def split_indexes(documents: Sequence[Document]) -> tuple[list[Document], list[Document]]:
    """(records, disc indexes): a DICOMDIR is part of its disc, not a document; what it lists
    is only used to check the disc's files (intake.disc.cross_check)."""
    records = [d for d in documents if d.subtype != "dicomdir"]
    indexes = [d for d in documents if d.subtype == "dicomdir"]
    return records, indexes


def merge_identical(documents: Sequence[Document]) -> list[Document]:
    """One document per content: files with the same SHA-256 (each the only document of its
    file, and read alike: same kind and warnings) become one whose `files` lists every
    path, the shortest path first (the name without " (1)"), with a note "also at ..." per
    other path. The several documents one
    file holds (a FHIR export), DICOM studies (one per study, not per file) and empty files
    are kept as they are."""
    per_source: dict[str, int] = {}
    for document in documents:
        per_source[document.source] = per_source.get(document.source, 0) + 1
    groups: dict[tuple[str, str, tuple[str, ...]], list[Document]] = {}
    kept: list[Document] = []
    for document in documents:
        if (
            document.sha256
            and document.size  # empty files are separate failed downloads, not one record
            and document.media_type != DICOM
            and per_source[document.source] == 1
            and len(document.files) == 1
        ):
            key = (document.sha256, document.kind, document.warnings)  # read alike too
            groups.setdefault(key, []).append(document)
        else:
            kept.append(document)
    for group in groups.values():
        first, *others = sorted(group, key=lambda d: (len(d.source), d.source))
        if others:
            first = replace(
                first,
                files=first.files + tuple(ref for d in others for ref in d.files),
                warnings=first.warnings + tuple(f"{ALSO_AT}{d.source}" for d in others),
            )
        kept.append(first)
    return kept
