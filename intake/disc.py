"""A hospital disc copied to a folder: its DICOMDIR checked against the files, its viewer set aside.

A DICOMDIR lists the disc's files by File ID (upper-case, `\\`-separated); copies made on
case-sensitive systems often differ in case, so File IDs are matched case-insensitively.
Files it lists that the copy lacks, and DICOM files it does not list, are both reported.
Viewer software (autorun.inf, programs and their folders) is summarised in one line.
"""

from __future__ import annotations

import posixpath
import warnings
from pathlib import PurePosixPath

import pydicom
from pydicom.errors import InvalidDicomError
from pydicom.fileset import FileSet

from intake.model import Document, Finding, Skipped, Source
from intake.scan import ScanResult
from intake.sniff import DICOM, EXECUTABLE

DISC_MARKERS = frozenset({"autorun.inf", "dicomdir"})
VIEWER_EXTENSIONS = frozenset(
    {
        ".exe", ".dll", ".ocx", ".sys", ".msi", ".cab", ".inf", ".ini", ".chm", ".jar",
        ".dylib", ".so", ".bat", ".cmd", ".vbs", ".ps1", ".lic", ".manifest", ".pak",
        ".ico", ".icns", ".plist", ".class", ".config", ".xsl", ".css", ".js",
    }
)  # fmt: skip
EXAMPLES = 3


def take_viewer(result: ScanResult) -> tuple[list[Skipped], Finding | None]:
    """Take viewer software out of the scanned sources; returns it (as skipped paths) and one
    info finding summarising it, or nothing when the folder holds none."""
    roots = _disc_roots(result.sources)
    programs = [s for s in result.sources if s.media_type == EXECUTABLE]
    viewer_folders = {_top_folder(s.location, roots) for s in programs}
    viewer_folders.discard(None)
    viewer: list[Source] = []
    for source in result.sources:
        if source.media_type == DICOM:
            continue
        suffix = PurePosixPath(source.location).suffix.lower()
        name = posixpath.basename(source.location).lower()
        under_viewer = any(source.location.startswith(f"{f}/") for f in viewer_folders)
        on_disc = any(_within(source.location, root) for root in roots)
        if (
            source.media_type == EXECUTABLE
            or under_viewer
            or name == "autorun.inf"
            or (on_disc and suffix in VIEWER_EXTENSIONS)
        ):
            viewer.append(source)
    if not viewer:
        return [], None
    taken = {s.location for s in viewer}
    result.sources = [s for s in result.sources if s.location not in taken]
    skipped = [
        Skipped(s.location, "viewer software from the imaging disc: not a record") for s in viewer
    ]
    loose = {
        s.location
        for s in viewer
        if not any(s.location.startswith(f"{f}/") for f in viewer_folders)
    }
    places = sorted({f"{f}/" for f in viewer_folders} | loose)
    shown = ", ".join(places[:EXAMPLES]) + (", ..." if len(places) > EXAMPLES else "")
    finding = Finding(
        "viewer-software",
        "info",
        f"viewer software from the imaging disc ({len(viewer)} files: {shown}) is not needed "
        "to read the images and is not copied into the packet",
    )
    return skipped, finding


def _disc_roots(sources: list[Source]) -> set[str]:
    """Folders holding a disc's autorun.inf or DICOMDIR ('' for the records folder itself)."""
    return {
        posixpath.dirname(s.location)
        for s in sources
        if posixpath.basename(s.location).lower() in DISC_MARKERS
    }


def _within(location: str, root: str) -> bool:
    return root == "" or location.startswith(f"{root}/")


def _root_of(location: str, roots: set[str]) -> str:
    inside = [r for r in roots if _within(location, r)]
    longest = max(inside, key=len, default=None)
    return f"{longest}/" if longest else ""


def _top_folder(location: str, roots: set[str]) -> str | None:
    """The folder a program belongs to: its top folder on the disc (Viewer/ for
    Viewer/bin/view.exe), or None for a program lying loose at the disc's root."""
    prefix = _root_of(location, roots)
    rest = location[len(prefix) :]
    if "/" not in rest:
        return None
    return prefix + rest.split("/", 1)[0]


def cross_check(documents: list[Document], sources: dict[str, Source]) -> list[Finding]:
    """For every DICOMDIR: the files it lists that are missing, and DICOM files it omits."""
    findings = []
    by_lower = {location.lower(): location for location in sources}
    for document in documents:
        if document.subtype != "dicomdir" or document.source not in sources:
            continue
        findings.extend(_check_one(document, sources[document.source], sources, by_lower))
    return findings


def referenced_files(source: Source) -> list[str]:
    """The File IDs a DICOMDIR lists, '/'-separated; ValueError when it cannot be read.

    The DICOMDIR is loaded with pydicom's FileSet (which validates its records); the File
    IDs come from its records so that files missing from the copy are listed too."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns for every odd value and missing file
        try:
            dataset = pydicom.dcmread(source.path, force=True)
            ids = []
            for record in dataset.get("DirectoryRecordSequence") or []:
                value = record.get("ReferencedFileID")
                if value is None:
                    continue
                parts = [value] if isinstance(value, str) else list(value)
                ids.append("/".join(str(p).strip() for p in parts))
        except (InvalidDicomError, EOFError, ValueError, OSError, KeyError, AttributeError) as err:
            raise ValueError(f"{type(err).__name__}: {err}") from err
        try:
            FileSet(dataset)
        except (ValueError, OSError, KeyError, AttributeError) as err:
            if not any(_outside(file_id) for file_id in ids):  # those are reported as such
                raise ValueError(f"{type(err).__name__}: {err}") from err
    return ids


def _outside(file_id: str) -> bool:
    return file_id.startswith("/") or ".." in file_id.split("/")


def _check_one(
    document: Document, source: Source, sources: dict[str, Source], by_lower: dict[str, str]
) -> list[Finding]:
    root = posixpath.dirname(document.source)
    try:
        ids = referenced_files(source)
    except ValueError as err:
        return [
            Finding(
                "dicomdir-unreadable",
                "warning",
                f"{document.source}: the disc's index cannot be read ({err}); "
                "its DICOM files were read one by one",
                [document.id],
            )
        ]
    missing, outside, listed = [], [], set()
    for file_id in ids:
        if _outside(file_id):
            outside.append(file_id)
            continue
        wanted = posixpath.join(root, file_id) if root else file_id
        found = by_lower.get(wanted.lower())
        if found is None:
            missing.append(file_id)
        else:
            listed.add(found)
    findings = []
    if outside:
        findings.append(
            Finding(
                "dicomdir-outside",
                "warning",
                f"{document.source} points at {len(outside)} files outside the disc "
                f"({_examples(outside)}): not followed",
                [document.id],
            )
        )
    if missing:
        findings.append(
            Finding(
                "dicomdir-missing-files",
                "warning",
                f"{document.source} lists {len(missing)} files this copy of the disc lacks "
                f"({_examples(missing)}): copy the whole disc again",
                [document.id],
            )
        )
    prefix = f"{root}/" if root else ""
    unlisted = [
        location
        for location, candidate in sources.items()
        if candidate.media_type == DICOM
        and location.startswith(prefix)
        and location not in listed
        and location != document.source
    ]
    if unlisted:
        findings.append(
            Finding(
                "dicomdir-unlisted-files",
                "info",
                f"{len(unlisted)} DICOM files on the disc are not in its DICOMDIR "
                f"({_examples(unlisted)}): they were read anyway",
                [document.id],
            )
        )
    return findings


def _examples(items: list[str]) -> str:
    return ", ".join(sorted(items)[:EXAMPLES]) + (", ..." if len(items) > EXAMPLES else "")
