"""Walk a records folder: find every file, identify it by its bytes, hash it.

The walk never follows links out of the folder, never recurses without bound,
passes over OS junk (counting it), and never modifies anything it reads.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from intake.containers import Limits, Workspace, open_containers, unique
from intake.errors import InputUnreadable
from intake.model import Skipped, Source, sha256_hex
from intake.sniff import HEAD_SIZE, sniff

JUNK_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", ".localized"})
JUNK_DIRS = frozenset(
    {
        "__macosx",
        ".spotlight-v100",
        ".trashes",
        ".fseventsd",
        ".temporaryitems",
        "$recycle.bin",
        "system volume information",
    }
)
MAX_DEPTH = 64
LISTED_OVER = 100  # folders named one by one when files are left out over the run's limit
HASH_THREADS = min(8, (os.cpu_count() or 1) * 2)
HASH_BATCH = 32  # files per task: thread hand-offs stay rare for folders of small files
THREADED_HASHING_BYTES = 64 * 2**20  # below this, threads cost more than they save


@dataclass
class ScanResult:
    """What the walk found: readable files, files it could not read, and what it passed over."""

    root: Path
    sources: list[Source] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (location, reason)
    skipped: list[Skipped] = field(default_factory=list)
    junk: int = 0


def is_junk(name: str) -> bool:
    """OS clutter a caregiver never meant to send (Finder, Explorer metadata)."""
    lower = name.lower()
    return lower in JUNK_FILES or lower in JUNK_DIRS or name.startswith("._")


def location_of(path: Path | str, root: Path | str) -> str:
    """The path relative to `root`, '/'-separated, printable even for non-UTF-8 names."""
    prefix, text = str(root).rstrip(os.sep) + os.sep, str(path)
    relative = text[len(prefix) :] if text.startswith(prefix) else os.path.relpath(text, root)
    return as_text(relative).replace(os.sep, "/")


def as_text(name: str) -> str:
    """A file name as printable text: a byte that is not UTF-8 written `\\xe9`."""
    return os.fsencode(name).decode("utf-8", errors="backslashreplace")


def is_packet(folder: Path) -> bool:
    """True for a folder an earlier `intake packet` wrote (so it is not read as records).
    A folder that cannot be entered (lost+found, mode 000) is none: the walk then says it
    cannot be listed (is_file raised PermissionError and ended the run)."""
    try:
        return (folder / "INDEX.HTM").is_file() and (folder / "EXTRA" / "manifest.json").is_file()
    except OSError:
        return False


def _check_root(root: Path) -> None:
    """Raise InputUnreadable unless `root` is a folder intake may look at (a folder inside
    one the user cannot enter raised PermissionError from is_dir and ended the run)."""
    try:
        mode = root.stat().st_mode
    except FileNotFoundError:
        raise InputUnreadable(f"{root}: does not exist") from None
    except OSError as err:
        raise InputUnreadable(f"{root}: cannot be reached ({err.strerror})") from None
    if not stat.S_ISDIR(mode):
        raise InputUnreadable(f"{root}: is not a folder")


def scan(
    root: Path | str,
    *,
    exclude: Iterable[Path] = (),
    on_file: Callable[[str], None] | None = None,
    max_files: int | None = None,
) -> ScanResult:
    """Walk `root` and identify every regular file in it, up to `max_files` (the files past
    it, in the walk's order: each folder's names from the last, Z to A, its subfolders the
    same way, are counted and named by folder as skipped, never read).

    `exclude` lists folders to leave out (such as the packet being written).
    `on_file` is called with each file's location, for progress display.
    Archives stay closed here: open_archives() replaces them by their members.
    """
    max_files = Limits().max_run_files if max_files is None else max_files
    root = Path(root)
    _check_root(root)
    root = root.resolve()
    excluded = {Path(p).resolve() for p in exclude}
    result = ScanResult(root=root)
    pending: list[tuple[Path, int]] = [(root, 0)]
    files: list[tuple[Path, str]] = []
    over: dict[str, int] = {}  # a folder's files left out over `max_files`: how many
    total_bytes = 0
    while pending:
        folder, depth = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name, reverse=True)
        except OSError as err:
            if folder == root:
                raise InputUnreadable(f"{root}: cannot be listed ({err.strerror})") from err
            result.skipped.append(
                Skipped(location_of(folder, root), f"folder cannot be listed: {err.strerror}")
            )
            continue
        for entry in entries:
            path = Path(entry.path)
            if is_junk(entry.name):
                result.junk += 1
                continue
            if entry.is_symlink():
                result.skipped.append(Skipped(location_of(path, root), _link_reason(path, root)))
                continue
            if entry.is_dir(follow_symlinks=False):
                if path in excluded:
                    continue
                if is_packet(path):
                    result.skipped.append(
                        Skipped(location_of(path, root), "an intake packet from an earlier run")
                    )
                elif depth + 1 > MAX_DEPTH:
                    result.skipped.append(
                        Skipped(
                            location_of(path, root), f"nested more than {MAX_DEPTH} folders deep"
                        )
                    )
                else:
                    pending.append((path, depth + 1))
                continue
            if len(files) >= max_files and entry.is_file(follow_symlinks=False):
                _count_over(over, location_of(folder, root))
                continue
            location = location_of(path, root)
            if not entry.is_file(follow_symlinks=False):
                result.skipped.append(Skipped(location, _special_reason(entry)))
                continue
            files.append((path, location))
            with contextlib.suppress(OSError):
                total_bytes += entry.stat(follow_symlinks=False).st_size
    result.skipped += _left_out(over, max_files)
    files = _unique_locations(files)
    batches = [files[i : i + HASH_BATCH] for i in range(0, len(files), HASH_BATCH)]
    threads = HASH_THREADS if total_bytes >= THREADED_HASHING_BYTES else 1
    with ThreadPoolExecutor(threads) as pool:  # hashlib releases the GIL while hashing
        outcomes = (
            pool.map(_identify_batch, batches) if threads > 1 else map(_identify_batch, batches)
        )
        for batch, identified in zip(batches, outcomes, strict=True):
            for (_, location), outcome in zip(batch, identified, strict=True):
                if on_file:
                    on_file(location)
                if isinstance(outcome, Source):
                    result.sources.append(outcome)
                else:
                    result.unreadable.append((location, outcome))
    result.sources.sort(key=lambda s: s.location)
    return result


def _count_over(over: dict[str, int], folder: str) -> None:
    """One more file of `folder` left out; past LISTED_OVER folders, counted under ""."""
    if folder not in over and len(over) >= LISTED_OVER:
        folder = ""
    over[folder] = over.get(folder, 0) + 1


def _left_out(over: dict[str, int], max_files: int) -> list[Skipped]:
    """The folders whose files were left out over the run's limit, each with how many."""
    skipped = [
        Skipped.past_limit(folder, f"{count:,} file{'s' if count != 1 else ''} in it", max_files)
        for folder, count in sorted(over.items())
        if folder
    ]
    if "" in over:
        skipped.append(Skipped.past_limit("(other folders)", f"{over['']:,} more files", max_files))
    return skipped


def open_archives(result: ScanResult, workspace: Workspace) -> None:
    """Replace the archives among the scanned files by their members (in `workspace`)."""
    opened = open_containers(result.sources, workspace, is_junk=is_junk)
    result.sources = opened.sources
    result.unreadable.extend(opened.refused)
    result.skipped.extend(opened.left_out)
    result.junk += opened.junk


def _unique_locations(files: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """Names that print alike (a raw byte 0xff and a literal backslash, x, f, f) keep apart:
    in the order of their raw names, the later one gets " (2)" (containers.unique)."""
    taken = {location for _, location in files}
    if len(taken) == len(files):
        return files
    seen: set[str] = set()
    kept = []
    for path, location in sorted(files, key=lambda f: os.fsencode(f[0])):
        if location in seen:
            location = unique(location, taken)
        seen.add(location)
        kept.append((path, location))
    return kept


def _identify_batch(batch: list[tuple[Path, str]]) -> list[Source | str]:
    """identify() each file of a batch; a file that cannot be read gives the reason instead."""
    found: list[Source | str] = []
    for path, location in batch:
        try:
            found.append(identify(path, location))
        except OSError as err:
            found.append(f"cannot be read: {err.strerror or err}")
    return found


def identify(path: Path, location: str) -> Source:
    """Sniff and hash one file in a single open (read-only, no link followed)."""
    fd = os.open(path, _READ_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "not a regular file")
        head = os.read(fd, HEAD_SIZE)
        while len(head) < HEAD_SIZE and (more := os.read(fd, HEAD_SIZE - len(head))):
            head += more  # (a short read before the end: the sniffer sees a full head)
        digest = sha256_hex(fd, head)
    finally:
        os.close(fd)
    return Source(
        location,
        path,
        sniff(head),
        digest,
        info.st_size,
        device=info.st_dev,
        inode=info.st_ino,
        mtime_ns=info.st_mtime_ns,
        ctime_ns=info.st_ctime_ns,
    )


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def _link_reason(path: Path, root: Path) -> str:
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        return "broken link: not followed"
    except (OSError, RuntimeError):
        return "link loop: not followed"
    if target == root or root in target.parents:
        return f"link to {location_of(target, root)}: read at its own place, not through the link"
    return "link points outside the folder: not followed"


def _special_reason(entry: os.DirEntry) -> str:
    try:
        mode = entry.stat(follow_symlinks=False).st_mode
    except OSError as err:
        return f"cannot be read: {err.strerror}"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO), not a file: not read"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file: not read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file: not read"
    return "not a regular file: not read"
