"""`intake scan FOLDER --json` again on an unchanged folder, answered before anything heavy
is imported.

The full run (intake.cli) remembers what it printed and its exit code, keyed by everything
the answer depends on: every entry under the folder (path, size and SHA-256 of each file;
each link's target: a superset of what the real walk reads, so it never has to stay in
step with it), the options, today's date (recency is measured from it), intake's version
and its own files (a changed checklist, template or module misses), the installed
packages, Tesseract and intake's environment variables. The next run
hashes the folder, finds the key and prints the same bytes: no click, no stages, no
SQLite. Anything else (another option, a changed byte, no cache) takes the full path.

What is remembered is a manifest of health records, so it lives in the cache's own private
folder (0700, files 0600) and only while the cache is on; `intake cache clear` empties it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import stat
import sys
import time

from intake import __version__
from intake.cache_location import default_location

TYPE_CHECKING = False  # typing itself costs this path milliseconds
if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

FLAGS = frozenset({"--json", "--silent", "--with-text"})  # the options a re-run may carry
SHORT = {"-s": "--silent"}  # their short forms
MAX_KEPT = 200  # answers kept (the oldest are dropped)
SUFFIX = ".out"  # an answer's file: its exit code's line, then the bytes printed
PACKAGE = os.path.dirname(os.path.realpath(__file__))
PACKAGE_FILES = (".py", ".toml", ".json", ".j2", ".txt", ".csv", ".gz")
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def main() -> int:
    """Console-script entry point: the remembered answer when there is one, else the CLI.
    A Ctrl-C or SIGTERM before the CLI has its own handling (while intake loads) says so in
    one line (exit 130 or 143)."""
    import signal  # (built in: the answer path stays light)

    open_closed_streams()
    try:
        previous = signal.signal(signal.SIGTERM, _terminated)
    except ValueError:  # not the main thread: signals are not ours to handle
        previous = None
    try:
        try:
            code = answer(sys.argv[1:])
            if code is not None:
                return code
            from intake.cli import main as full
        finally:  # the CLI installs its own at once; after an answer, the one found
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    except KeyboardInterrupt as stop:
        from intake.errors import ExitCode, Terminated, stop_line  # (the answer path: neither)

        sys.stderr.write(stop_line(stop) + "\n")
        sys.stderr.flush()
        # Not a return: an interrupt landing while an extension module ran Python code at
        # import leaves CPython's "unhandled interrupt" mark set though it was handled here,
        # and the process would then end killed by SIGINT. Nothing needs cleaning up yet: no
        # worker, workspace or packet exists before the CLI runs.
        terminated = isinstance(stop, Terminated)
        os._exit(ExitCode.TERMINATED if terminated else ExitCode.INTERRUPTED)
    return full()


CLOSED_STREAMS: set[int] = set()  # standard streams the run was started without


def open_closed_streams() -> None:
    """A standard stream the run was started without (a cron job's `2>&-`) is opened on
    the null device: else the first file intake opens takes its number, and what is
    printed lands in it (the cache, a packet file), and printing to it ended the run. Which
    were closed is kept (CLOSED_STREAMS): `scan`, whose output is what it prints, refuses."""
    for number in (0, 1, 2):
        try:
            os.fstat(number)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != number:
                os.dup2(null, number)
                os.close(null)
            CLOSED_STREAMS.add(number)
    if 1 in CLOSED_STREAMS and sys.stdout is None:
        sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    if 2 in CLOSED_STREAMS and sys.stderr is None:
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115


def _terminated(signum, frame) -> None:
    """SIGTERM while intake loads: stopped as Ctrl-C stops it (errors.Terminated)."""
    import signal

    from intake.errors import Terminated

    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the line is being written
    raise Terminated()


def request(argv: list[str]) -> tuple[str, tuple[str, ...]] | None:
    """The folder and flags of `scan FOLDER --json [--silent] [--with-text]`, else None."""
    if len(argv) < 3 or argv[0] != "scan":
        return None
    flags = tuple(sorted(SHORT.get(a, a) for a in argv[1:] if a.startswith("-")))
    folders = [a for a in argv[1:] if not a.startswith("-")]
    if len(folders) != 1 or "--json" not in flags or not set(flags) <= FLAGS:
        return None
    if len(set(flags)) != len(flags):
        return None
    return folders[0], flags


def answer(argv: list[str]) -> int | None:
    """Print the remembered answer to `argv` and return its exit code; None when there is
    none (or anything is in doubt)."""
    asked = request(argv)
    store = store_folder()
    if asked is None or store is None or 1 in CLOSED_STREAMS:
        return None
    try:
        key = folder_key(*asked)
        if key is None:
            return None
        with open(os.path.join(store, f"{key}{SUFFIX}"), "rb") as kept_file:
            code, _, printed = kept_file.read().partition(b"\n")
        exit_code = int(code)
        sys.stdout.write(printed.decode("utf-8"))
        sys.stdout.flush()
        return exit_code
    except (OSError, ValueError):
        return None


def remember(folder: str | Path, flags: tuple[str, ...], printed: Iterable[str], code: int) -> None:
    """Keep what the full run prints for the next unchanged re-run.

    `printed` yields the run's output a piece at a time, each printed as it is taken (so a
    manifest of many documents is never held whole). Every piece is taken; a fault in
    printing one (a closed pipe, a full disk under the redirected output) ends the run as
    it would without this copy, and no copy is kept; a fault in the copy never fails the
    run, it only keeps nothing."""
    copy = _Copy.start(folder, flags, code)
    try:
        for piece in printed:
            if copy is not None and not copy.write(piece):
                copy = None
    except BaseException:
        if copy is not None:
            copy.discard()
        raise
    if copy is not None:
        copy.keep()


class _Copy:
    """The answer being kept: a private temporary file in the store, renamed when whole."""

    def __init__(self, store: str, key: str, handle, temporary: str) -> None:
        self.store, self.key, self.handle, self.temporary = store, key, handle, temporary

    @classmethod
    def start(cls, folder: str | Path, flags: tuple[str, ...], code: int) -> _Copy | None:
        """A copy begun with the exit code's line; None when nothing can be kept."""
        import tempfile

        store = store_folder()
        if store is None:
            return None
        try:
            key = folder_key(folder, tuple(sorted(flags)))
            if key is None:
                return None
            os.makedirs(store, mode=0o700, exist_ok=True)
            os.chmod(store, 0o700)
            descriptor, temporary = tempfile.mkstemp(dir=store, prefix=".", suffix=".part")
        except (OSError, ValueError):
            return None
        copy = cls(store, key, os.fdopen(descriptor, "wb"), temporary)
        return copy if copy.write(f"{int(code)}\n") else None

    def write(self, piece: str) -> bool:
        """Add a piece; False (and the copy discarded) when it cannot be written."""
        try:
            self.handle.write(piece.encode("utf-8"))
        except (OSError, ValueError):
            self.discard()
            return False
        return True

    def keep(self) -> None:
        """Put the whole answer in place (atomically), then drop the oldest."""
        try:
            self.handle.close()
            os.replace(self.temporary, os.path.join(self.store, f"{self.key}{SUFFIX}"))
            _prune(self.store)
        except (OSError, ValueError):
            self.discard()

    def discard(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.handle.close()
        with contextlib.suppress(OSError):
            os.unlink(self.temporary)


def clear(cache: str | Path | None = None) -> int:
    """Forget every answer remembered beside `cache` (default: the default cache); returns
    how many there were."""
    store = store_folder(cache)
    removed = 0
    if store is None or not os.path.isdir(store):
        return 0
    for name in os.listdir(store):
        if name.endswith(SUFFIX):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(store, name))
                removed += 1
    return removed


def store_folder(cache: str | Path | None = None) -> str | None:
    """Beside the cache file; None when the cache is off."""
    where = os.fspath(cache) if cache is not None else default_location()[0]
    return f"{where}-runs" if where else None


def folder_key(folder: str | Path, flags: tuple[str, ...]) -> str | None:
    """A digest of everything the answer depends on; None when the folder cannot be read
    whole (the full run says why)."""
    digest = hashlib.sha256()
    facts = [__version__, list(flags), time.strftime("%Y-%m-%d"), package_state(), _setting()]
    digest.update(repr(facts).encode("utf-8", "surrogateescape"))
    root = os.path.realpath(folder)
    digest.update(root.encode("utf-8", "surrogateescape") + b"\0")
    for entry in _entries(root):
        digest.update(entry)
    return digest.hexdigest()


def _entries(root: str):
    """One line per entry under `root`, in a fixed order; a file's line holds its SHA-256."""
    pending = [root]
    while pending:
        folder = pending.pop()
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            relative = os.path.relpath(entry.path, root).encode("utf-8", "surrogateescape")
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                target = os.readlink(entry.path).encode("utf-8", "surrogateescape")
                yield b"L" + relative + b"\0" + target + b"\n"
            elif stat.S_ISDIR(info.st_mode):
                yield b"D" + relative + b"\n"
                pending.append(entry.path)
            elif stat.S_ISREG(info.st_mode):
                # a FIFO swapped in since the listing: never waited on (O_NONBLOCK), refused
                fd = os.open(entry.path, os.O_RDONLY | _NONBLOCK | _NOFOLLOW)
                with open(fd, "rb") as handle:
                    if not stat.S_ISREG(os.fstat(fd).st_mode):
                        raise ValueError("not a plain folder")
                    sha = hashlib.file_digest(handle, "sha256").hexdigest()
                yield b"F" + relative + b"\0" + f"{info.st_size}:{sha}".encode() + b"\n"
            else:  # a FIFO, socket or device: the full run decides what it is
                raise ValueError("not a plain folder")


@functools.cache  # once per process: a batch or a loop of runs pays it once
def package_state() -> tuple[tuple[str, int, int], ...]:
    """intake's own files (name, size, mtime): an edited checklist or module misses."""
    state = []
    for folder, _dirs, names in os.walk(PACKAGE):
        for name in sorted(names):
            if name.endswith(PACKAGE_FILES):
                info = os.stat(os.path.join(folder, name))
                state.append((os.path.relpath(os.path.join(folder, name), PACKAGE),
                              info.st_size, info.st_mtime_ns))  # fmt: skip
    return tuple(sorted(state))


def _setting() -> list:
    """What else the full run's answer depends on: the installed packages (a folder's time
    changes when a package is installed, upgraded or removed: the drug dictionary, a
    reader), the Tesseract found on PATH, and the environment variables intake reads."""
    folders = []
    for entry in sys.path:  # the package folders, not the script's folder or the cwd that
        # `python -m` puts first (their times change with anything written there)
        if os.path.basename(entry) in ("site-packages", "dist-packages"):
            with contextlib.suppress(OSError):
                folders.append((entry, os.stat(entry).st_mtime_ns))
    tesseract = None
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder or ".", "tesseract")
        with contextlib.suppress(OSError):
            info = os.stat(candidate)
            tesseract = (candidate, info.st_size, info.st_mtime_ns)
            break
    settings = sorted((k, v) for k, v in os.environ.items() if k.startswith(("INTAKE_", "TESS")))
    return [folders, tesseract, settings]


def _prune(store: str) -> None:
    paths = [os.path.join(store, n) for n in os.listdir(store) if n.endswith(SUFFIX)]
    kept = sorted(paths, key=lambda p: os.stat(p).st_mtime_ns, reverse=True)
    for old in kept[MAX_KEPT:]:
        with contextlib.suppress(OSError):
            os.unlink(old)
