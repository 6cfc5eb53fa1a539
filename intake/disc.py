"""A hospital disc copied to a folder: its DICOMDIR checked against the files, its viewer set aside.

A DICOMDIR lists the disc's files by File ID (upper-case, `\\`-separated); copies made on
case-sensitive systems often differ in case, so File IDs are matched case-insensitively.
Files it lists that the copy lacks, and DICOM files it does not list, are both reported.
Viewer software (autorun.inf, programs and their folders) is summarised in one line.
"""

from __future__ import annotations

import os
import posixpath
import re
import tempfile
import warnings
from pathlib import Path, PurePosixPath

from intake.model import Document, Finding, Skipped, Source, SourceChanged
from intake.scan import ScanResult
from intake.sniff import (
    CDA,
    DICOM,
    EXECUTABLE,
    FHIR_JSON,
    GIF,
    HTML,
    IMAGE_TYPES,
    JSON,
    PDF,
    RTF,
    TEXT,
    XML,
)

DISC_MARKERS = frozenset({"autorun.inf", "dicomdir"})
VIEWER_EXTENSIONS = frozenset(
    {
        ".exe", ".dll", ".ocx", ".sys", ".msi", ".cab", ".inf", ".ini", ".chm", ".jar",
        ".dylib", ".so", ".bat", ".cmd", ".vbs", ".ps1", ".lic", ".manifest", ".pak",
        ".ico", ".icns", ".plist", ".class", ".config", ".xsl", ".css", ".js",
    }
)  # fmt: skip
EXAMPLES = 3


WEB_FOLDERS = frozenset({"ihe_pdi"})  # IHE PDI: the disc's web content lives here
INDEX_PAGES = frozenset({"index.htm", "index.html", "readme.txt", "readme.htm", "readme.html"})
RECORD_TYPES = frozenset({PDF, CDA, FHIR_JSON, TEXT, RTF, XML, JSON, HTML, *IMAGE_TYPES})
SMALL_IMAGE = 24 * 1024  # a button or a thumbnail, not a photographed record
_LINK = re.compile(rb"""(?:src|href)\s*=\s*["']?([^"'\s>#?]+)""", re.I)


def take_viewer(result: ScanResult) -> tuple[list[Skipped], Finding | None]:
    """Take a disc's viewer software and web content out of the scanned sources; returns it
    (as skipped paths) and one info finding summarising it, or nothing when there is none.

    On a disc (a folder holding a DICOMDIR or autorun.inf): programs and the folders they
    sit in, autorun and support files, the IHE PDI web content (INDEX.HTM, README.TXT,
    IHE_PDI/) and every page or picture its pages link to, GIFs, small pictures in the
    disc's folders, and files of no record type. Never DICOM; never a record at the root
    of the records folder itself unless a disc page links to it."""
    roots = _disc_roots(result.sources)
    programs = [s for s in result.sources if s.media_type == EXECUTABLE]
    viewer_folders = {_top_folder(s.location, roots) for s in programs}
    viewer_folders.discard(None)
    linked = _linked_from_pages(result.sources, roots)
    strong = _strong_roots(result.sources, roots)
    viewer: list[Source] = []
    for source in result.sources:
        if source.media_type == DICOM:
            continue
        if source.location in linked or _is_viewer_file(source, roots, strong, viewer_folders):
            viewer.append(source)
    if not viewer:
        return [], None
    taken = {s.location for s in viewer}
    result.sources = [s for s in result.sources if s.location not in taken]
    skipped = [Skipped(s.location, _viewer_reason(s, roots)) for s in viewer]
    places = sorted({_place(s.location, roots, viewer_folders) for s in viewer})
    shown = ", ".join(places[:EXAMPLES]) + (", ..." if len(places) > EXAMPLES else "")
    finding = Finding(
        "viewer-software",
        "info",
        f"viewer software and web pages from the imaging disc ({len(viewer)} files: {shown}) "
        "are not needed to read the images and are not copied into the packet",
    )
    return skipped, finding


def _viewer_reason(source: Source, roots: set[str]) -> str:
    """Why a viewer file is left out: a program with no disc anywhere is just a program."""
    if any(_within(source.location, r) for r in roots) or source.media_type != EXECUTABLE:
        return "viewer software from the imaging disc: not a record"
    return "a program, not a record"


VIEWER_WORDS = (
    "viewer", "view", "bin", "program", "app", "lib", "help", "manual", "tools", "software",
    "setup", "install", "java", "jre", "plugin", "resource", "skin", "evlite", "osirix",
    "radiant", "efilm", "synapse", "centricity", "inteleviewer",
)  # fmt: skip
SUPPORT_TYPES = frozenset({HTML, GIF, TEXT, XML, JSON, RTF})  # in a disc's folders: its pages
# and settings, not records


def _is_viewer_file(
    source: Source, roots: set[str], strong: set[str], viewer_folders: set[str | None]
) -> bool:
    location = source.location
    name = posixpath.basename(location).lower()
    if source.media_type == EXECUTABLE or name == "autorun.inf":
        return True
    if any(location.startswith(f"{f}/") for f in viewer_folders):
        return True
    if not any(_within(location, r) for r in roots):
        return False
    suffix = PurePosixPath(location).suffix.lower()
    root = _root_of(location, roots)
    rest = location[len(root) :]
    folders = [part.lower() for part in rest.split("/")[:-1]]
    if suffix in VIEWER_EXTENSIONS or any(f in WEB_FOLDERS for f in folders):
        return True
    if root.rstrip("/") not in strong:  # a bare DICOMDIR beside the records: no guesswork
        return False
    if not folders:  # the disc's root: its index pages, label print, support files
        own = root == ""  # the disc copied over the records folder: the caregiver's own
        return (  # text and pictures may lie beside it
            name in INDEX_PAGES
            or source.media_type not in RECORD_TYPES
            or source.media_type in (SUPPORT_TYPES - {TEXT, RTF} if own else SUPPORT_TYPES)
            or (not own and source.media_type in IMAGE_TYPES)
        )
    if any(word in folder for folder in folders for word in VIEWER_WORDS):
        return True
    if source.media_type not in RECORD_TYPES or source.media_type in SUPPORT_TYPES:
        return True
    return source.media_type in IMAGE_TYPES and source.size <= SMALL_IMAGE


def _strong_roots(sources: list[Source], roots: set[str]) -> set[str]:
    """Disc roots that are surely a copied disc: autorun.inf, an index page or IHE_PDI/ at
    the root (a lone DICOMDIR may sit among the caregiver's own files)."""
    strong = set()
    for source in sources:
        folder, name = posixpath.split(source.location)
        top = folder.split("/")[-1].lower() if folder else ""
        if folder in roots and name.lower() in ("autorun.inf", "index.htm", "index.html"):
            strong.add(folder)
        elif top in WEB_FOLDERS and posixpath.dirname(folder) in roots:
            strong.add(posixpath.dirname(folder))
    return strong


def _linked_from_pages(sources: list[Source], roots: set[str]) -> set[str]:
    """Files that a disc's HTML pages (INDEX.HTM, IHE_PDI/...) link to or show."""
    if not roots:
        return set()
    by_lower = {s.location.lower(): s.location for s in sources}
    found: set[str] = set()
    pages = [
        s
        for s in sources
        if s.media_type == HTML and any(_within(s.location, r) for r in roots) and s.size < 2**22
    ]
    for page in pages[:200]:
        try:
            with page.open() as handle:
                body = handle.read(2**22)
        except (OSError, SourceChanged):  # SourceChanged: touched since the walk
            continue
        found.add(page.location)
        folder = posixpath.dirname(page.location)
        for match in _LINK.finditer(body):
            target = match.group(1).decode("latin-1").replace("\\", "/")
            if "://" in target or target.startswith(("mailto:", "javascript:", "/")):
                continue
            joined = posixpath.normpath(posixpath.join(folder, target)).lower()
            if joined in by_lower and not joined.startswith("../"):
                found.add(by_lower[joined])
    return found


def _place(location: str, roots: set[str], viewer_folders: set[str | None]) -> str:
    """Where a viewer file sits, as shown in the summary: its viewer folder, or its first
    folder on the disc, or the file itself."""
    for folder in viewer_folders:
        if folder and location.startswith(f"{folder}/"):
            return f"{folder}/"
    root = _root_of(location, roots)
    rest = location[len(root) :]
    return f"{root}{rest.split('/', 1)[0]}/" if "/" in rest else location


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


def as_skipped(index: Document) -> Skipped:
    """A DICOMDIR is part of its disc, not a document: the manifest says where it was and
    what was done with it."""
    return Skipped(index.source, INDEX_ROLE)


INDEX_ROLE = (
    "the disc's index (DICOMDIR), not a document: its list of files was checked against "
    "the disc; the packet has its own"
)


def cross_check(documents: list[Document], sources: dict[str, Source]) -> list[Finding]:
    """For every DICOMDIR: the files it lists that are missing, and DICOM files it omits
    (from what its reader listed: the DICOMDIR is not parsed again here). The findings
    name the DICOMDIR's path (it is no document: a run lists it in `skipped`)."""
    findings = []
    by_lower = {location.lower(): location for location in sources}
    for document in documents:
        if document.subtype != "dicomdir" or document.source not in sources:
            continue
        findings.extend(_check_one(document, sources, by_lower))
    return findings


UNREADABLE_INDEX = "the disc's index cannot be read"


def referenced_files(source: Source) -> list[str]:
    """The File IDs a DICOMDIR lists, '/'-separated; ValueError when it cannot be read.

    The DICOMDIR is loaded with pydicom's FileSet (which validates its records); the File
    IDs come from its records so that files missing from the copy are listed too."""
    import pydicom
    from pydicom.errors import InvalidDicomError
    from pydicom.fileset import FileSet

    from intake import ocr
    from intake.dicom_staging import staged_in

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns for every odd value and missing file
        try:
            with source.open() as handle:  # the walked file, never a link swapped in
                dataset = pydicom.dcmread(handle, force=True)
            dataset.filename = os.fspath(source.path)  # where FileSet finds its folder
            ids = []
            for record in dataset.get("DirectoryRecordSequence") or []:
                value = record.get("ReferencedFileID")
                if value is None:
                    continue
                parts = [value] if isinstance(value, str) else list(value)
                ids.append("/".join(str(p).strip() for p in parts))
        except SourceChanged as err:
            raise ValueError(str(err)) from err
        except (InvalidDicomError, EOFError, ValueError, OSError, KeyError, AttributeError) as err:
            raise ValueError(f"{type(err).__name__}: {err}") from err
        try:
            with staged_in(Path(ocr.private_temp_folder() or tempfile.gettempdir())):
                FileSet(dataset)  # (its own copy folder: inside the run's, removed after)
        except (ValueError, OSError, KeyError, AttributeError) as err:
            if not any(_outside(file_id) for file_id in ids):  # those are reported as such
                raise ValueError(f"{type(err).__name__}: {err}") from err
    return ids


def _outside(file_id: str) -> bool:
    return file_id.startswith("/") or ".." in file_id.split("/")


def _check_one(
    document: Document, sources: dict[str, Source], by_lower: dict[str, str]
) -> list[Finding]:
    """What a DICOMDIR's listing (read by the DICOM extractor, in its worker) says against
    the files this copy of the disc holds."""
    root = posixpath.dirname(document.source)
    ids = document.listed
    about = [document.id] if document.id else []
    if ids is None:  # its reader said why
        reason = next((w for w in document.warnings if w.startswith(UNREADABLE_INDEX)), "")
        detail = reason.removeprefix(UNREADABLE_INDEX).strip() or "(no reason given)"
        return [
            Finding(
                "dicomdir-unreadable",
                "warning",
                f"{document.source}: the disc's index cannot be read {detail}; "
                "its DICOM files were read one by one",
                about,
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
                about,
            )
        )
    if missing:
        findings.append(
            Finding(
                "dicomdir-missing-files",
                "warning",
                f"{document.source} lists {len(missing)} files this copy of the disc lacks "
                f"({_examples(missing)}): copy the whole disc again",
                about,
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
                about,
            )
        )
    return findings


def _examples(items: list[str]) -> str:
    return ", ".join(sorted(items)[:EXAMPLES]) + (", ..." if len(items) > EXAMPLES else "")
