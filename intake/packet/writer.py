"""Write a packet folder atomically: build it in a hidden temporary folder, then move it in place.

Every folder is 0700 and every file 0600, whatever the umask: packets hold health data.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import chain
from pathlib import Path

from intake.errors import (
    CannotWrite,
    UsageError,
    Written,
    stop_if_requested,
    stops_held,
    write_reason,
)
from intake.model import Document, Manifest, Source, SourceChanged
from intake.packet.cda_page import render_cda_page
from intake.packet.dicom_set import DICOM_FOLDER, write_file_set
from intake.packet.earlier import is_earlier_file, is_earlier_packet
from intake.packet.fhir_out import write_fhir_bundle
from intake.packet.index import PacketIndex, reason_of
from intake.packet.packet_pdf import build_packet_pdf
from intake.packet.previews import NoPreview, render_preview
from intake.packet.render import (
    QUESTION_PROMPTS,
    SeriesView,
    index_pieces,
    render_readme,
    render_series_page,
)
from intake.packet.summary import distinct, summarise
from intake.packet.tables import labs_csv, meds_csv
from intake.packet.xdm_metadata import write_metadata_xml
from intake.sniff import CDA, DICOM

XDM_FOLDER = "IHE_XDM/SUBSET01"
EXTENSIONS = {
    "application/pdf": "PDF",
    "image/jpeg": "JPG",
    "image/png": "PNG",
    "image/tiff": "TIF",
    "image/heic": "HEI",
    "image/webp": "WEB",
    "image/gif": "GIF",
    "text/plain": "TXT",
    "application/xml": "XML",
    "application/hl7-cda+xml": "XML",
    "application/zip": "ZIP",
    "text/html": "HTM",
    "application/json": "JSN",
    "application/fhir+json": "JSN",
    "application/rtf": "RTF",
}
CHUNK = 1 << 20


LAYOUTS = ("folder", "zip", "pdf")
LINK_UNSUPPORTED = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV, errno.EMLINK}
WRITE_FAULTS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}  # whatever the file


def check_destination(folder: Path, out: Path, *, force: bool, layout: str = "folder") -> None:
    """Refuse an output that would overwrite records or a packet without --force; with
    --force, refuse anything but an earlier intake packet, zip or PDF. CannotWrite when OUT
    cannot even be looked at (inside a folder the user cannot enter)."""
    try:
        _check_destination(folder, out, force=force, layout=layout)
    except OSError as err:
        raise CannotWrite(f"cannot write the packet to {out}: {write_reason(err)}") from err


def _check_destination(folder: Path, out: Path, *, force: bool, layout: str) -> None:
    if layout not in LAYOUTS:
        raise UsageError(f"unknown packet layout {layout!r}")
    folder, out = folder.resolve(), out.resolve()
    if out == folder or out in folder.parents:
        raise UsageError(
            f"{out}: the packet cannot replace the records folder or a folder holding it"
        )
    if layout != "folder" and (out == folder or folder in out.parents):
        raise UsageError(f"{out}: write the packet outside the records folder")
    if out.exists() or out.is_symlink():
        if not force:
            raise UsageError(f"{out} already exists: use --force to replace it")
        if layout != "folder":
            if not is_earlier_file(out, layout):
                raise UsageError(
                    f"{out} exists and is not a {layout} intake wrote: not replacing it"
                )
        elif not _is_empty_folder(out) and not is_earlier_packet(out):
            raise UsageError(f"{out} exists and is not an intake packet: not replacing it")
    if out.parent.exists() and not out.parent.is_dir():
        raise UsageError(f"{out.parent}: is not a folder")


def _is_empty_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


def write_packet(
    manifest: Manifest,
    sources: dict[str, Source],
    out: Path,
    *,
    force: bool = False,
    progress=None,
    layout: str = "folder",
) -> Path:
    """Write the packet for `manifest` to `out`; nothing appears at `out` until it is complete.

    `layout` "zip" writes the packet as one zip file, "pdf" writes just PACKET.PDF.
    CannotWrite when the output cannot be written (no space, read-only, its folder gone);
    the hidden partial packet is removed first."""
    out = Path(out).absolute()
    try:
        _write_packet(manifest, sources, out, force=force, progress=progress, layout=layout)
    except OSError as err:
        if not cannot_write(err, out):
            raise
        raise CannotWrite(f"cannot write the packet to {out}: {write_reason(err)}") from err
    return out


def _write_packet(manifest, sources, out: Path, *, force: bool, progress, layout: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    temp: Path | None = None
    try:
        with stops_held():  # a stop between making the folder and keeping its name left it
            temp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
        os.chmod(temp, 0o700)
        packet = temp / "packet"
        packet.mkdir(mode=0o700)
        _write_contents(manifest, sources, PrivateFiles(packet), progress, pdf_only=layout == "pdf")
        stop_if_requested()  # a SIGTERM whose raise a finalizer swallowed: nothing put in place
        if layout != "folder":
            result = temp / "result"
            if layout == "zip":
                _zip_folder(packet, result)
            else:
                os.replace(packet / "PACKET.PDF", result)
            _fsync_file(result)
        try:
            with stops_held():  # put in place whole: never an old packet aside and no new one
                if layout == "folder":
                    fsync_folder(packet)
                    _move_into_place(packet, out, force=force)
                else:
                    _put_file_in_place(result, out, layout, force=force)
                Written.out = out  # a stop from here on says the packet is there
        except KeyboardInterrupt as stop:  # it came while the packet was put in place
            stop.written = out  # type: ignore[attr-defined]
            raise
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


def cannot_write(err: OSError, out: Path) -> bool:
    """True when `err` is the output failing (a full or read-only file system, or a path of
    the output: OUT, its folders, the hidden partial packet), not a record failing to read."""
    if err.errno in WRITE_FAULTS:
        return True
    for name in (err.filename, err.filename2):
        if name is None or isinstance(name, int):
            continue
        path = Path(os.fsdecode(name)).absolute()
        if path == out or path in out.parents:
            return True
        ours = f".{out.name}."  # .OUT.partial-*, .OUT.old-*
        if any(p.parent == out.parent and p.name.startswith(ours) for p in (path, *path.parents)):
            return True
    return False


def _write_contents(
    manifest: Manifest,
    sources: dict[str, Source],
    files: PrivateFiles,
    progress,
    *,
    pdf_only: bool = False,
) -> None:
    """Everything a packet holds, written under `files.root`. What fails for one document
    becomes a note on it (PacketIndex.guard) and the rest is written; INDEX.HTM, the
    manifest and SHA256SUM.TXT are always written."""
    root = files.root
    documents = list(manifest.documents)
    index = PacketIndex()
    _copy_documents(documents, sources, files, index, progress)
    imaging = [d for d in documents if d.media_type == DICOM and d.subtype != "dicomdir"]
    _write_file_set(imaging, sources, files, index)
    check_copies(documents, sources, root, index)
    _write_previews(imaging, sources, files, index)
    _render_readable(documents, files, index)
    unique = distinct(documents)
    summary = summarise(manifest)  # the one view model every output below renders
    if progress:
        progress("pdf", 0, None, "PACKET.PDF")
    with files.create("PACKET.PDF") as handle:  # written as joined: never whole in memory
        build_packet_pdf(
            manifest,
            sources,
            root,
            index,
            documents=unique,
            summary=summary,
            prepared=date.today().isoformat(),
            prompts=QUESTION_PROMPTS,
            target=handle,
            join_all=pdf_only,  # --only-pdf: PACKET.PDF is all there is, every record joined
        )
    if any(name.startswith(f"{XDM_FOLDER}/") for d in documents for name in index.files(d)):
        with files.create(f"{XDM_FOLDER}/METADATA.XML") as handle:
            write_metadata_xml(handle, manifest, documents, root, index, files.sha1)
    with files.create("EXTRA/fhir-bundle.json") as handle:  # its notes go into INDEX.HTM
        write_fhir_bundle(handle, manifest, unique, root, index, files.sha1)
    files.write_text("README.TXT", render_readme())
    files.write_pieces("INDEX.HTM", index_pieces(manifest, index, summary))
    files.write_pieces("EXTRA/manifest.json", chain(manifest.json_pieces(), ["\n"]))
    files.write_pieces("EXTRA/packet-index.json", chain(index.json_pieces(), ["\n"]))
    files.write_pieces("EXTRA/LABS.CSV", labs_csv(summary, index))
    files.write_pieces("EXTRA/MEDS.CSV", meds_csv(summary, index))
    files.write_checksums("EXTRA/SHA256SUM.TXT")


def _zip_folder(folder: Path, target: Path) -> None:
    """The packet folder as one zip (owner-only), paths relative to the packet's root."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            out.write(path, path.relative_to(folder).as_posix())


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _copy_documents(
    documents: list[Document],
    sources: dict[str, Source],
    files: PrivateFiles,
    index: PacketIndex,
    progress,
) -> None:
    number = done = 0
    total = sum(len(d.files) for d in documents)
    copied: dict[str, str] = {}  # one file several documents stand for (a FHIR export) once
    same: dict[str, str] = {}  # SHA-256 -> its copy: identical files (one document) once
    for document in documents:
        if document.media_type == DICOM:  # into the DICOM file-set (write_file_set)
            continue
        for ref in document.files:
            done += 1
            source = sources.get(ref.source)
            if source is None:  # listed but never readable (e.g. permission denied)
                continue
            entry = index.entry(document)
            if ref.source in copied:
                entry.place(ref.source, copied[ref.source])
                continue
            if ref.sha256 in same and same[ref.sha256] in entry.files:
                entry.place(ref.source, same[ref.sha256])  # "also at": the one copy
                copied[ref.source] = same[ref.sha256]
                continue
            name = f"{XDM_FOLDER}/DOC{number + 1:04d}.{EXTENSIONS.get(ref.media_type, 'BIN')}"
            with index.guard(document, f"copying {ref.source} into the packet"):
                try:
                    digest = files.copy(source, name, sha1=True)
                except SourceChanged as err:  # a link, a pipe or another file now: left out
                    entry.notes.append(str(err))
                    continue
                number += 1
                copied[ref.source] = name
                if digest != ref.sha256:
                    entry.notes.append(f"{ref.source} changed while intake was reading it")
                elif ref.sha256:
                    same[ref.sha256] = name
                entry.place(ref.source, name)
            if progress:
                progress("copy", done, total, ref.source)


def check_copies(
    documents: list[Document], sources: dict[str, Source], root: Path, index: PacketIndex
) -> None:
    """Every record a document stands for has its copy in the packet, in the index and on
    disk; a gap no note explains yet becomes one, so no file is ever silently left out."""
    for document in documents:
        if document.media_type == DICOM and document.subtype == "dicomdir":
            continue  # the packet's own DICOMDIR replaces it
        placed = index.entry(document).placed
        for ref in document.files:
            if ref.source not in sources:  # never readable: the manifest says so
                continue
            name = placed.get(ref.source)
            if name is not None and (root / name).is_file():
                continue
            if any(ref.source in note for note in index.notes(document)):
                continue  # already said why
            index.note(document, f"{ref.source}: its copy is missing from the packet")


def _write_file_set(
    imaging: list[Document], sources: dict[str, Source], files: PrivateFiles, index: PacketIndex
) -> None:
    """The DICOM file-set; when it cannot be written at all, each imaging document says so
    and the packet holds no half-written DICOM folder."""
    root = files.root
    try:
        # pydicom's staging: in the hidden partial packet's private folder, beside the packet
        write_file_set(imaging, sources, root, index, copy=files.copy, scratch=root.parent)
    except MemoryError:
        raise
    except Exception as err:
        for document in imaging:
            index.entry(document).files.clear()
            index.entry(document).placed.clear()
            index.note(document, f"{document.source}: not in the packet's DICOM file-set "
                                 f"({reason_of(err)})")  # fmt: skip
        shutil.rmtree(root / DICOM_FOLDER, ignore_errors=True)
        shutil.rmtree(root / ".dicom-stage", ignore_errors=True)
        (root / "DICOMDIR").unlink(missing_ok=True)


READABLE_FOLDER = "READABLE"
PREVIEW_FOLDER = "PREVIEW"


def _write_previews(
    documents: list[Document], sources: dict[str, Source], files, index: PacketIndex
) -> None:
    """A preview PNG per series of each study (PREVIEW/D0001/SE0001.PNG, its middle image),
    and a page per study (PREVIEW/D0001/STUDY1.HTM) showing a few images of each series
    larger (SE0001-1.PNG...); what cannot be shown gets a note in plain words."""
    for document in documents:
        number = 0  # series numbered through the document's studies
        for study_index, study in enumerate(document.imaging):
            shown: list[SeriesView] = []
            for series_index, series in enumerate(study.series_detail):
                number += 1
                label = series.description or f"series {series.number or series_index + 1}"
                folder = f"{PREVIEW_FOLDER}/{document.id}"
                view = SeriesView(f"SE{series_index + 1:04d}", series, label)  # on its page
                stem = f"SE{number:04d}"  # its PNGs, numbered through the document
                shown.append(view)
                source = sources.get(series.sample or "")
                if source is None:
                    continue
                png, why = _preview_of(source)
                if png is None:
                    index.note(document, f"{label}: no preview ({why})")
                    view.missing = why
                    continue
                name = f"{folder}/{stem}.PNG"
                files.write_bytes(name, png)
                index.entry(document).previews.setdefault(study_index, {})[series_index] = name
                for n, location in enumerate(series.slices or [series.sample], start=1):
                    if location == series.sample:
                        view.images.append((f"{stem}.PNG", n))
                        continue
                    slice_source = sources.get(location or "")
                    png = _preview_of(slice_source)[0] if slice_source else None
                    if png is not None:
                        files.write_bytes(f"{folder}/{stem}-{n}.PNG", png)
                        view.images.append((f"{stem}-{n}.PNG", n))
            if not shown:
                continue
            page = f"{PREVIEW_FOLDER}/{document.id}/STUDY{study_index + 1}.HTM"
            with index.guard(document, "its series page"):
                files.write_text(page, render_series_page(document, study, shown))
                index.entry(document).series_pages[study_index] = page


def _preview_of(source: Source) -> tuple[bytes | None, str]:
    """One DICOM file's preview PNG, or None and why not in plain words."""
    try:
        with source.open() as handle:  # the walked file or SourceChanged
            return render_preview(handle), ""
    except NoPreview as err:
        return None, str(err)
    except SourceChanged:
        return None, "the file changed after it was found"
    except MemoryError:
        raise
    except OSError:
        return None, "the file could not be opened again"
    except Exception:  # a decoder's own failure: never shown to the doctor as a type name
        return None, "its image could not be drawn"


def _render_readable(documents: list[Document], files, index: PacketIndex) -> None:
    """A readable HTML page beside each C-CDA's XML copy (READABLE/D0001.HTM), from what its
    reader kept (the file is not parsed again)."""
    for document in documents:
        copy = index.first(document)
        if document.media_type != CDA or document.narrative is None or copy is None:
            continue
        name = f"{READABLE_FOLDER}/{document.id}.HTM"
        with index.guard(document, "its readable page"):
            files.write_text(name, render_cda_page(document, original=f"../{copy}"))
            index.entry(document).readable = name


class PrivateFiles:
    """Creates files (0600) and folders (0700) under one root, whatever the umask."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sha1: dict[str, tuple[bytes, int]] = {}  # copies' SHA-1 and size (sha1=True)
        self.sha256: dict[str, str] = {}  # the same copies' SHA-256 (for SHA256SUM.TXT)
        self.folders: set[Path] = set()  # folders create() made or found
        self._buffer = memoryview(bytearray(CHUNK))  # what copy() reads into

    def copy(self, source: Source, name: str, *, sha1: bool = False) -> str:
        """Copy a source's bytes exactly to `name`; returns the SHA-256 of what was written.
        Only the file the walk found is read (SourceChanged otherwise: nothing written).
        `sha1`: the copy's SHA-1 and size are kept in `self.sha1` (METADATA.XML and the
        FHIR bundle need them) and its SHA-256 in `self.sha256`: the copy is not read again."""
        digest = hashlib.sha256()
        other = hashlib.sha1() if sha1 else None
        size = 0
        buffer = self._buffer  # one for every copy: a fresh 1 MiB per read cost more than a
        with source.open() as reader:  # small file's copy
            try:
                with self.create(name) as writer:
                    while count := reader.readinto(buffer):
                        chunk = buffer[:count]
                        digest.update(chunk)
                        if other is not None:
                            other.update(chunk)
                        size += count
                        writer.write(chunk)
            except BaseException:
                (self.root / name).unlink(missing_ok=True)  # no half copy left behind
                raise
        if other is not None:
            self.sha1[name] = (other.digest(), size)
            self.sha256[name] = digest.hexdigest()
        return digest.hexdigest()

    def write_text(self, name: str, text: str) -> None:
        self.write_bytes(name, text.encode("utf-8"))

    def write_pieces(self, name: str, pieces: Iterable[str]) -> None:
        """`name` written as UTF-8 text a piece at a time (never the whole text in memory)."""
        with self.create(name) as writer, io.TextIOWrapper(writer, "utf-8", newline="") as text:
            for piece in pieces:
                text.write(piece)

    def write_bytes(self, name: str, data: bytes) -> None:
        with self.create(name) as writer:
            writer.write(data)

    def write_checksums(self, name: str) -> None:
        """`name` in `sha256sum` format over every other file, paths relative to the root."""
        lines = []
        for parts in sorted(self._files()):  # in the order of their folders and names
            relative = "/".join(parts)
            digest = self.sha256.get(relative)
            if digest is None:  # not a copy hashed while it was written
                with open(self.root / relative, "rb") as handle:
                    digest = hashlib.file_digest(handle, "sha256").hexdigest()
            lines.append(f"{digest}  {relative}\n")
        self.write_text(name, "".join(lines))

    def _files(self) -> Iterator[tuple[str, ...]]:
        """Every file under the root, as the names of its folders and its own (os.walk:
        Path.rglob cost more than a second for a packet of 20,000 files)."""
        root = str(self.root)
        for folder, _, names in os.walk(root):
            inside = os.path.relpath(folder, root)
            parts = () if inside == "." else tuple(inside.split(os.sep))
            for name in names:
                if os.path.isfile(os.path.join(folder, name)):
                    yield (*parts, name)

    def create(self, name: str):
        """A new file `name` (0600) open for writing in binary, its folders made (0700)."""
        target = self.root / name
        if target.parent not in self.folders:  # made once, not looked up for every file
            self._make_folders(name)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileNotFoundError:  # its folder was removed since (a failed DICOM file-set)
            self.folders.clear()
            self._make_folders(name)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, "wb")

    def _make_folders(self, name: str) -> None:
        current = self.root
        for part in Path(name).parent.parts:
            current = current / part
            if not current.is_dir():
                current.mkdir(mode=0o700)
                os.chmod(current, 0o700)
        self.folders.add(current)


def _put_file_in_place(result: Path, out: Path, layout: str, *, force: bool) -> None:
    """Rename the finished zip or PDF onto `out`: with --force only over an earlier one intake
    wrote (checked again: something else may be there now); without it, never over a file
    that appeared while the packet was written (a link fails where the name is taken)."""
    if force and (out.exists() or out.is_symlink()):
        if not is_earlier_file(out, layout):
            raise UsageError(f"{out} exists and is not a {layout} intake wrote: not replacing it")
        os.replace(result, out)  # atomic: the old file, or the new whole one
    else:
        try:
            os.link(result, out)
        except FileExistsError:
            raise UsageError(f"{out} already exists: use --force to replace it") from None
        except OSError as err:
            if err.errno not in LINK_UNSUPPORTED:  # a real fault: the replace would meet it too
                raise
            if out.exists() or out.is_symlink():  # no links here (FAT, exFAT): a check first
                raise UsageError(f"{out} already exists: use --force to replace it") from None
            os.replace(result, out)
    fsync_folder(out.parent)


def _move_into_place(temp: Path, out: Path, *, force: bool) -> None:
    """Rename the finished packet onto `out`; an old packet is moved aside first, then removed.
    Only an earlier intake packet is replaced (checked again: files may have been added to it
    while this one was written); without --force, an empty folder at most."""
    if out.exists() or out.is_symlink():
        if not force and not _is_empty_folder(out):
            raise UsageError(f"{out} already exists: use --force to replace it")
        if force and not _is_empty_folder(out) and not is_earlier_packet(out):
            raise UsageError(f"{out} exists and is not an intake packet: not replacing it")
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        try:
            os.rename(out, old / out.name)
        except OSError:
            old.rmdir()
            raise
        try:
            os.rename(temp, out)
        except OSError:
            os.rename(old / out.name, out)  # the earlier packet back, whole (if this fails
            shutil.rmtree(old, ignore_errors=True)  # too, it stays in .OUT.old-*)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        try:
            os.rename(temp, out)  # replaces at most an empty folder made meanwhile
        except OSError as err:
            if err.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
                raise UsageError(f"{out} already exists: use --force to replace it") from None
            raise
    fsync_folder(out.parent)


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk so a crash cannot lose a finished rename."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
