"""The packet's imaging: a DICOM file-set (IHE PDI) with a regenerated DICOMDIR.

pydicom's FileSet writes the instances as Part 10 files (preamble, file meta) with
conformant File IDs (PTxxxxxx/STxxxxxx/SExxxxxx/IMxxxxxx: upper case, 8 characters, no
extension) and the DICOMDIR. The instances are then placed under DICOM/, the records'
File IDs prefixed with DICOM, and the DICOMDIR rewritten by FileSet over that layout, so
DICOMDIR sits at the packet's root and covers every instance. Pixel data is never changed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pydicom
import pydicom.fileset
from pydicom.dataset import FileMetaDataset
from pydicom.fileset import DIRECTORY_RECORDERS, FileSet
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

from intake.dicom_staging import staged_in
from intake.model import Document, Source
from intake.packet.index import PacketIndex

DICOM_FOLDER = "DICOM"
FILE_SET_ID = "INTAKE"


@contextmanager
def conformant_sr_records() -> Iterator[None]:
    """pydicom's SR DOCUMENT record creator copies the report's whole Content Sequence into
    the DICOMDIR; PS3.3 F.5.22 allows only its HAS CONCEPT MOD items there. Swap in a creator
    that keeps just those (through pydicom's documented DIRECTORY_RECORDERS), then restore."""
    default = DIRECTORY_RECORDERS["SR DOCUMENT"]

    def sr_record(ds: pydicom.Dataset) -> pydicom.Dataset:
        record = default(ds)
        if "ContentSequence" in record:
            modifiers = [
                item
                for item in record.ContentSequence
                if item.get("RelationshipType") == "HAS CONCEPT MOD"
            ]
            del record.ContentSequence
            if modifiers:
                record.ContentSequence = modifiers
        return record

    DIRECTORY_RECORDERS["SR DOCUMENT"] = sr_record
    try:
        yield
    finally:
        DIRECTORY_RECORDERS["SR DOCUMENT"] = default


def write_file_set(
    documents: list[Document],
    sources: dict[str, Source],
    root: Path,
    index: PacketIndex,
    *,
    copy: Callable[[Source, str], str] | None = None,
    scratch: Path | None = None,
) -> int:
    """Write every DICOM instance the documents stand for under `root`/DICOM with a DICOMDIR
    at `root`; records each document's files in `index`. Returns the instances written.

    An instance pydicom cannot take (no SOP Instance UID, damaged) is left out with a
    warning on its document; the others are written. A file-set holds one instance per SOP
    Instance UID: a second file with the UID of another (other bytes) is copied apart with
    `copy(path, name)` under EXTRA/DICOM-APART/, with a note naming both files.

    pydicom stages the instances in a private folder made in `scratch` (default `root`),
    removed before this returns (staged_in)."""
    if not any(document.files for document in documents):
        return 0
    with staged_in(scratch or root):
        return _write_file_set(documents, sources, root, index, copy)


def _write_file_set(
    documents: list[Document],
    sources: dict[str, Source],
    root: Path,
    index: PacketIndex,
    copy: Callable[[Source, str], str] | None,
) -> int:
    file_set = FileSet()
    uid_of: dict[str, str] = {}  # source location -> SOP Instance UID
    first: dict[str, tuple[str, str | None]] = {}  # UID -> (location, sha256) that took it
    apart: list[tuple[Document, str, str]] = []  # (document, location, why it is apart)
    with warnings.catch_warnings(), conformant_sr_records():
        warnings.simplefilter("ignore")
        for document in documents:
            for ref in document.files:
                source = sources.get(ref.source)
                if source is None or ref.source in uid_of:
                    continue
                try:
                    dataset = _part10(source)
                    uid = str(dataset.SOPInstanceUID)
                    if uid in first and first[uid][1] != ref.sha256:
                        apart.append((document, ref.source,
                                      f"same SOP Instance UID as {first[uid][0]}"))  # fmt: skip
                        continue
                    instance = file_set.add(dataset)
                except Exception as err:  # pydicom refuses it: its original kept apart
                    apart.append((document, ref.source, f"refused by the file-set: "
                                                        f"{_plain_reason(err)}"))  # fmt: skip
                    continue
                uid_of[ref.source] = instance.SOPInstanceUID
                first.setdefault(uid, (ref.source, ref.sha256))
        _copy_apart(apart, sources, index, copy)
        if not uid_of:
            return 0
        stage = root / ".dicom-stage"
        file_set.write(stage)
        _move_under_dicom_folder(stage, root)
        paths = _prefix_file_ids(root)
    for document in documents:
        entry = index.entry(document)
        for ref in document.files:
            name = paths.get(uid_of.get(ref.source, ""))
            if name is None:
                continue
            entry.place(ref.source, name)
            # if the source went away meanwhile, pydicom's copy of its header stays, said
            kept = False
            with index.guard(document, f"copying {ref.source} byte for byte"):
                kept = _keep_original_bytes(sources[ref.source], root / name, ref.sha256)
            if not kept:
                entry.notes.append(f"{ref.source} changed while intake was reading it: its "
                                   f"copy in the packet may hold its header only")  # fmt: skip
    _make_private(root / DICOM_FOLDER, root / "DICOMDIR")
    return len(uid_of)


APART_FOLDER = "EXTRA/DICOM-APART"


def _copy_apart(
    apart: list[tuple[Document, str, str]],
    sources: dict[str, Source],
    index: PacketIndex,
    copy: Callable[[Source, str], str] | None,
) -> None:
    """Instances the file-set cannot hold (a SOP Instance UID another file already has, a
    data set pydicom refuses to write): plain copies of the originals, each with a note
    saying why (never silently one file for two, never a file left out of the packet)."""
    for number, (document, location, why) in enumerate(apart, 1):
        said = f"{location}: {why}"
        if copy is None:
            index.note(document, f"{said}: not in the packet's DICOM file-set")
            continue
        name = f"{APART_FOLDER}/IM{number:06d}.DCM"
        with index.guard(document, f"copying {location} into the packet"):
            copy(sources[location], name)
            index.entry(document).place(location, name)
            index.note(document, f"{said}: kept apart as {name}, not in DICOMDIR")


def _plain_reason(err: Exception) -> str:
    """pydicom's refusal in one line: its last message line (pydicom wraps the cause with a
    traceback in the text: "With tag (7FE0,0010) got exception: ...")."""
    if "hasn't been encapsulated" in str(err):
        return "its header says its images are compressed, but they are stored uncompressed"
    missing = re.search(
        r"\(([0-9A-F]{4},[0-9A-F]{4})\) '([^']+)' element (is missing|cannot be empty)", str(err)
    )
    if missing:  # a directory record's Type 1 element
        state = "no" if missing[3] == "is missing" else "an empty"
        return f"it has {state} {missing[2]} ({missing[1]}), which a DICOMDIR record needs"
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    text = lines[-1] if lines else type(err).__name__
    text = text.removeprefix(f"{type(err).__name__}: ")
    return text if len(text) <= 160 else text[:159] + "…"


def _keep_original_bytes(source: Source, written: Path, sha256: str | None) -> bool:
    """A file that already is a Part 10 file (preamble + DICM) goes in byte-identical;
    one without the preamble keeps pydicom's Part 10 rewrite (same data set, new header).
    False when the bytes copied are not the ones read (the file changed meanwhile)."""
    with source.open() as handle:
        head = handle.read(132)
        if head[128:132] != b"DICM":
            return True
        handle.seek(0)
        digest = hashlib.sha256()
        with open(written, "wb") as out:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
    return not sha256 or digest.hexdigest() == sha256


def _part10(source: Source) -> pydicom.Dataset:
    """The instance with the file meta a Part 10 file needs (preamble-less files lack it).
    A Part 10 file is read up to its pixel data only: its original bytes replace pydicom's
    copy (_keep_original_bytes), so a 200 MB image never sits in the main process's memory
    (it took 483 MB); a preamble-less file is read whole, as pydicom's rewrite is kept."""
    with source.open() as handle:
        part10 = handle.read(132)[128:132] == b"DICM"
        handle.seek(0)
        ds = pydicom.dcmread(handle, force=True, stop_before_pixels=part10)
    meta = getattr(ds, "file_meta", None) or FileMetaDataset()
    if "TransferSyntaxUID" not in meta:
        implicit = ds.original_encoding[0] if ds.original_encoding else True
        meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    meta.MediaStorageSOPClassUID = meta.get("MediaStorageSOPClassUID") or ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = meta.get("MediaStorageSOPInstanceUID") or ds.SOPInstanceUID
    ds.file_meta = meta
    return ds


def _move_under_dicom_folder(stage: Path, root: Path) -> None:
    target = root / DICOM_FOLDER
    target.mkdir(mode=0o700, exist_ok=True)
    for entry in stage.iterdir():
        destination = root / "DICOMDIR" if entry.name == "DICOMDIR" else target / entry.name
        os.replace(entry, destination)
    shutil.rmtree(stage)


def _prefix_file_ids(root: Path) -> dict[str, str]:
    """Rewrite the DICOMDIR for files now under DICOM/; returns SOP Instance UID -> path."""
    dicomdir = pydicom.dcmread(root / "DICOMDIR")
    paths = {}
    for record in dicomdir.DirectoryRecordSequence:
        if "ReferencedFileID" not in record:
            continue
        value = record.ReferencedFileID
        parts = [DICOM_FOLDER, *([value] if isinstance(value, str) else list(value))]
        record.ReferencedFileID = parts
        uid = record.get("ReferencedSOPInstanceUIDInFile")
        if uid:
            paths[str(uid)] = "/".join(parts)
    file_set = FileSet(dicomdir)
    file_set.ID = FILE_SET_ID  # stages a DICOMDIR update: written over the existing layout
    file_set.write(use_existing=True)
    return paths


def _make_private(folder: Path, dicomdir: Path) -> None:
    os.chmod(dicomdir, 0o600)
    for current, _folders, files in os.walk(folder):
        os.chmod(current, 0o700)
        for name in files:
            os.chmod(os.path.join(current, name), 0o600)
