"""Open archives (zip downloads, IHE XDM media) safely, into intake's own private workspace.

Member names never become paths: each member's bytes are streamed into a numbered file in a
private temporary folder (0700, files 0600) that is removed when the run ends. Members whose
names climb out of the archive, absolute names, links, encrypted members and anything that
expands like a bomb are refused with a reason; the rest of the archive is still read.
Sizes are counted while decompressing, so a lying header cannot get past the limits.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from intake.errors import stops_held, workspace_full
from intake.model import Skipped, Source, SourceChanged
from intake.sniff import HEAD_SIZE, ZIP, sniff

MEMBER_SEPARATOR = "!/"  # "portal.zip!/IHE_XDM/SUBSET01/DOC0001.XML"
CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """How far an archive may expand before it is treated as a bomb."""

    max_depth: int = 3  # zips inside zips
    max_members: int = 20_000  # per download: an archive and every archive inside it
    max_run_files: int = 50_000  # per run: the folder's files and every member unpacked
    # (what bounds the memory of a run: each file read is a document held until the end)
    max_total_bytes: int = 8 * 2**30  # everything unpacked from one top-level archive
    max_ratio: int = 200  # uncompressed:compressed, checked once a member passes ratio_floor
    ratio_floor: int = 16 * 2**20


@dataclass
class Opened:
    """What came out of one archive: readable members, refusals, and junk passed over."""

    sources: list[Source] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (location, reason)
    junk: int = 0
    left_out: list[Skipped] = field(default_factory=list)  # archives cut at the run's limit


class Workspace:
    """A private temporary folder for unpacked members; removed on close."""

    def __init__(self) -> None:
        self._root: Path | None = None  # made when the first member is unpacked
        self._count = 0

    @property
    def root(self) -> Path:
        if self._root is None:
            with stops_held():  # made and kept for removal as one step
                self._root = Path(tempfile.mkdtemp(prefix="intake-work-"))
            os.chmod(self._root, 0o700)
        return self._root

    def new_file(self) -> tuple[Path, BinaryIO]:
        """A fresh owner-only file in the workspace, open for writing."""
        self._count += 1
        path = self.root / f"m{self._count:07d}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        return path, os.fdopen(fd, "wb")

    def add(self, location: str, data: bytes) -> Source:
        """A file carried inside another (a FHIR attachment), written here and identified."""
        path, out = self.new_file()
        with out:
            out.write(data)
        digest = hashlib.sha256(data).hexdigest()
        return Source(location, path, sniff(data[:HEAD_SIZE]), digest, len(data))

    def close(self) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Refused(Exception):
    """A member that is not unpacked; the message is the reason shown."""


def is_container(source: Source) -> bool:
    """True for a file intake opens and reads the members of (instead of reading it)."""
    return source.media_type == ZIP


def open_containers(
    sources: list[Source],
    workspace: Workspace,
    *,
    is_junk: Callable[[str], bool],
    limits: Limits | None = None,
) -> Opened:
    """Replace every archive in `sources` by its members (recursively, to a bounded depth)."""
    limits = limits or Limits()
    opened = Opened()
    taken = {source.location for source in sources}  # a folder named "portal.zip!" beside
    room = _Room(limits.max_run_files - sum(not is_container(s) for s in sources))
    for source in sources:  # portal.zip: its files keep their names, the members get " (2)"
        if is_container(source):
            budget = _Budget(limits.max_total_bytes, limits.max_members, room)
            _open_zip(source, workspace, limits, budget, 1, is_junk, opened, taken)
        else:
            opened.sources.append(source)
    opened.sources.sort(key=lambda s: s.location)
    return opened


@dataclass
class _Budget:
    """What one download may still unpack: bytes, and files (inner archives included)."""

    remaining: int
    files: int
    room: _Room  # what the whole run may still read (shared by every download)


@dataclass
class _Room:
    """How many more files (archives not counted: their members are) a run may read."""

    files: int


def _open_zip(
    archive: Source,
    workspace: Workspace,
    limits: Limits,
    budget: _Budget,
    depth: int,
    is_junk: Callable[[str], bool],
    opened: Opened,
    taken: set[str],
) -> None:
    stack = contextlib.ExitStack()  # the walked file (never a link swapped in), then the zip
    try:
        reader = stack.enter_context(zipfile.ZipFile(stack.enter_context(archive.open())))
    except SourceChanged as err:
        stack.close()
        opened.refused.append((archive.location, str(err)))
        return
    except Exception as err:  # a damaged download never ends the run: BadZipFile,
        # OSError, an unknown "version needed" (NotImplementedError), an LZMA stream...
        stack.close()
        opened.refused.append((archive.location, f"damaged zip archive: {_reason(err)}"))
        return
    with stack:
        members = reader.infolist()
        if not any(not _is_folder(info) for info in members):
            opened.refused.append((archive.location, "an empty archive: it holds no files"))
            return
        files = 0  # folder entries are no files: they neither count nor take a file's place
        for number, info in enumerate(members):
            name = member_name(info)
            if _is_folder(info) or name.endswith("/"):
                continue
            if files >= limits.max_members:
                total = sum(not _is_folder(i) for i in members)
                opened.refused.append(
                    (
                        archive.location,
                        f"holds {total} files, more than {limits.max_members}: "
                        f"the {total - files} last ones were not read",
                    )
                )
                break
            files += 1
            if not name.strip("/"):
                opened.refused.append((archive.location, "a member with no name: not unpacked"))
                continue
            if any(is_junk(part) for part in name.split("/")):
                opened.junk += 1
                continue
            location = unique(f"{archive.location}{MEMBER_SEPARATOR}{name}", taken)
            if budget.room.files <= 0:
                left = sum(not _is_folder(i) for i in members[number:])
                opened.left_out.append(
                    Skipped.past_limit(
                        archive.location, f"{left:,} of its members", limits.max_run_files
                    )
                )
                break
            if budget.files <= 0:
                opened.refused.append(
                    (
                        archive.location,
                        f"the download holds more than {limits.max_members} files in all "
                        "(archives inside it included): the rest were not read",
                    )
                )
                break
            budget.files -= 1
            try:
                _check_member(info, name, limits)
                source = _unpack(reader, info, location, workspace, limits, budget)
            except Refused as err:
                opened.refused.append((location, str(err)))
                continue
            if is_container(source):
                if depth >= limits.max_depth:
                    opened.refused.append(
                        (
                            location,
                            f"an archive nested more than {limits.max_depth} deep: not opened",
                        )
                    )
                else:
                    _open_zip(source, workspace, limits, budget, depth + 1, is_junk, opened, taken)
                continue
            opened.sources.append(source)
            budget.room.files -= 1


def _is_folder(info: zipfile.ZipInfo) -> bool:
    """A folder entry (ZipInfo.is_dir() fails on a member with an empty name)."""
    return info.filename.endswith("/")


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author meant it: '/'-separated, UTF-8 where it was UTF-8.

    Zip tools that write UTF-8 names without setting the UTF-8 flag are common (macOS,
    Linux); Python then decodes them as cp437, so they are re-decoded when that round-trips.
    """
    name = info.filename
    if not info.flag_bits & 0x800:
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("utf-8")
    return name.replace("\\", "/")


_DRIVE = re.compile(r"^[A-Za-z]:")


def _check_member(info: zipfile.ZipInfo, name: str, limits: Limits) -> None:
    if name.startswith("/") or _DRIVE.match(name):
        raise Refused("absolute path inside the archive: not read")
    if ".." in name.split("/"):
        raise Refused("path climbs out of the archive ('..', zip-slip): not read")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise Refused("a link inside the archive: not followed")
    if info.flag_bits & 0x1:
        raise Refused("encrypted: it needs a password, which intake does not ask for")
    if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
        info.compress_size, 1
    ):
        ratio = info.file_size // max(info.compress_size, 1)
        raise Refused(f"expands {ratio}:1 (a zip bomb?): not unpacked")


def _unpack(
    reader: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    location: str,
    workspace: Workspace,
    limits: Limits,
    budget: _Budget,
) -> Source:
    """Stream one member into the workspace, counting bytes; hash and sniff it on the way."""
    path, out = workspace.new_file()
    digest = hashlib.sha256()
    head = b""
    written = 0
    try:
        with out, reader.open(info) as member:
            while chunk := member.read(CHUNK):
                written += len(chunk)
                if written > budget.remaining:
                    raise Refused(
                        f"the archive expands beyond {limits.max_total_bytes // 2**30} GB "
                        "(a zip bomb?): not unpacked"
                    )
                if written > limits.ratio_floor and written > limits.max_ratio * max(
                    info.compress_size, 1
                ):
                    raise Refused(
                        f"expands more than {limits.max_ratio}:1 (a zip bomb?): not unpacked"
                    )
                if len(head) < HEAD_SIZE:
                    head += chunk[: HEAD_SIZE - len(head)]
                digest.update(chunk)
                out.write(chunk)
    except Refused:
        path.unlink(missing_ok=True)
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as err:
        path.unlink(missing_ok=True)
        raise Refused(workspace_full(err) or f"damaged inside the archive: {_reason(err)}") from err
    except NotImplementedError as err:  # Deflate64, LZMA variants Python lacks...
        path.unlink(missing_ok=True)
        raise Refused(f"compressed in a way intake cannot unpack ({err})") from err
    except Exception as err:  # a damaged LZMA or bzip2 stream (LZMAError), ...
        path.unlink(missing_ok=True)
        raise Refused(f"damaged inside the archive: {_reason(err)}") from err
    budget.remaining -= written
    return Source(location, path, sniff(head), digest.hexdigest(), written)


def unique(location: str, taken: set[str]) -> str:
    """`location`, or with " (2)", " (3)"... when another input has it; added to `taken`."""
    candidate, copy = location, 1
    while candidate in taken:
        copy += 1
        candidate = f"{location} ({copy})"
    taken.add(candidate)
    return candidate


def _reason(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    text = str(err) or type(err).__name__
    return text[:200]
