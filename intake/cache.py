"""A cache of extraction results (SQLite from the standard library, WAL mode).

Keyed by the file's content (SHA-256) and the extractors that read its format (names and
versions): a renamed or moved file is a hit, a changed extractor misses. Values are JSON
(deflated), never pickle. The cache holds what was read from health records, so its folder
is 0700 and its files 0600 whatever the umask. Several processes may read and write it at
once (WAL, with a busy timeout); nothing about the cache ever fails a run: a damaged cache
file is moved aside (renamed with the time) and a new one started, a cache another process
holds locked for more than 5 s is left alone for the rest of the run, and a cache that
cannot be opened is skipped, each said once on stderr.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import sqlite3
import stat
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from intake.cache_location import (  # noqa: F401 (the cache's public names)
    ENV_PATH,
    FILE_NAME,
    OFF_WORDS,
    default_path,
    no_default_reason,
)
from intake.model import CHANGED_WHILE_READ, Document, Manifest, Source
from intake.ocr_missing import lacks_ocr

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    sha256 TEXT NOT NULL,
    extractor TEXT NOT NULL,
    version TEXT NOT NULL,
    documents TEXT NOT NULL,
    stored REAL NOT NULL,
    PRIMARY KEY (sha256, extractor, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meanings (
    sha256 TEXT NOT NULL,
    extractor TEXT NOT NULL,
    version TEXT NOT NULL,
    meaning TEXT NOT NULL,
    documents TEXT NOT NULL,
    stored REAL NOT NULL,
    PRIMARY KEY (sha256, extractor, version, meaning)
);  -- (a rowid table: its rows, written in bulk, go to its end, not all over a B-tree)
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY,
    manifest TEXT NOT NULL,
    stored REAL NOT NULL
) WITHOUT ROWID;
"""
MAX_RUNS = 500  # folder-level results kept (the oldest are dropped)
COMPRESSED = b"z"  # a stored value's first byte: deflated JSON follows
PENDING_ROWS = 500  # rows written per transaction
PENDING_BYTES = 16 * 2**20  # or fewer, once they hold this much
BUSY_TIMEOUT = 5.0  # seconds to wait for another process's lock before going on without
COMPANIONS = ("-wal", "-shm", "-journal")
SETUP_LOCK = ".setup-lock"  # a companion: held only while a process sets the cache up
DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class CacheInfo:
    """What `intake cache info` shows."""

    path: Path
    entries: int
    files: int
    bytes: int


class ExtractionCache:
    """Extraction results by content hash and extractor versions.

    Every operation is guarded: a fault (damaged file, lock held too long, disk trouble)
    is said once and the run goes on, with a new cache or without one."""

    def __init__(self, path: Path | str, *, timeout: float = BUSY_TIMEOUT) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            self.path = self.path / FILE_NAME
        self.timeout = timeout
        self._db: sqlite3.Connection | None = None
        self._said: set[str] = set()
        self._pending: dict[str, list[tuple]] = {}  # rows to write, by table (see flush)
        self._pending_bytes = 0
        try:
            self._db = self._connect()
        except sqlite3.DatabaseError as err:
            if not _is_damaged(err):
                raise
            self._replace_damaged(err)

    def _connect(self) -> sqlite3.Connection:
        _private_folder(self.path.parent)
        _touch_private(self.path)
        with _setting_up(self.path, self.timeout):
            db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            db.text_factory = bytes  # decoded by _text(): damaged bytes never reach a message
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(SCHEMA)
            except BaseException:
                db.close()
                raise
        for companion in ("-wal", "-shm"):
            _chmod_private(Path(f"{self.path}{companion}"))
        return db

    @property
    def usable(self) -> bool:
        """False once a fault left this run without the cache."""
        return self._db is not None

    def _guard(self, action: Callable[[sqlite3.Connection], T], default: T) -> T:
        """`action` on the database, or `default` when there is none or it fails."""
        if self._db is None:
            return default
        try:
            return action(self._db)
        except sqlite3.Error as err:
            self._fault(err)
            return default

    def _fault(self, err: sqlite3.Error) -> None:
        if _is_damaged(err):
            self._replace_damaged(err)
        elif _is_busy(err):
            self._give_up(
                f"the cache {self.path} is locked by another process (waited "
                f"{self.timeout:g} s): going on without it for this run"
            )
        else:
            self._give_up(f"the cache {self.path} failed ({_reason(err)}): going on without it")

    def _give_up(self, message: str) -> None:
        self._say(message)
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None

    def _text(self, raw: bytes | str) -> str | None:
        """A stored value as text; None (and the cache replaced) when its bytes are damaged."""
        if isinstance(raw, str):
            return raw
        try:
            if raw[:1] == COMPRESSED:  # (JSON text starts with '[' or '{')
                raw = zlib.decompress(raw[1:])
            return raw.decode("utf-8")
        except (UnicodeDecodeError, zlib.error):
            self._replace_damaged("a stored value is not UTF-8 text")
            return None

    def _replace_damaged(self, err: sqlite3.Error | str) -> None:
        """Move a damaged cache file aside (renamed with the time) and start a new one."""
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None
        aside = Path(f"{self.path}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            for companion in ("", *COMPANIONS):
                current = Path(f"{self.path}{companion}")
                if current.exists():
                    os.replace(current, f"{aside}{companion}")
            self._db = self._connect()
        except (OSError, sqlite3.Error) as again:
            self._say(
                f"the cache {self.path} is damaged ({_reason(err)}) and could not be replaced "
                f"({_reason(again)}): going on without it"
            )
            self._db = None
            return
        self._say(
            f"the cache {self.path} was damaged ({_reason(err)}): moved aside to {aside.name} "
            "(delete it when you like; it holds what was read from records), a new one started"
        )

    def _say(self, message: str) -> None:
        if message not in self._said:
            self._said.add(message)
            log.warning("%s", message)

    def get(self, source: Source, key: tuple[str, str]) -> list[Document] | None:
        """The documents stored for this content and these extractors, bound to `source`."""
        found = self.get_reading(source, key)
        return None if found is None else found[0]

    def get_reading(
        self, source: Source, key: tuple[str, str], meaning: str | None = None
    ) -> tuple[list[Document], bool] | None:
        """The documents stored for this content and these extractors, bound to `source`,
        and whether they are as understood by the code `meaning` names (True: their meaning
        is stored for it, with the stored reading's text) or as read (False)."""
        self.flush()  # (rows held are read too)
        row = self._guard(
            lambda db: db.execute(
                "SELECT r.documents, m.documents FROM results AS r LEFT JOIN meanings AS m "
                "ON m.sha256=r.sha256 AND m.extractor=r.extractor AND m.version=r.version "
                "AND m.meaning=? WHERE r.sha256=? AND r.extractor=? AND r.version=?",
                (meaning or "", source.sha256, *key),
            ).fetchone(),
            None,
        )
        if row is None:
            return None
        try:
            read, meant = (None if raw is None else self._text(raw) for raw in row)
            if read is None:
                return None
            documents, understood = _stored(
                json.loads(read), None if meant is None else json.loads(meant)
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None  # written by another intake version: read the file again
        return [rebind(document, source) for document in documents], understood

    def put(self, source: Source, key: tuple[str, str], documents: Iterable[Document]) -> None:
        """Store what was read (with text, so nothing must be read twice). Written with
        others in one transaction (see `flush`)."""
        if self._db is None:
            return
        payload = _packed([d.to_dict(with_text=True) for d in documents])
        self._hold("results", (source.sha256, *key, payload, time.time()), len(payload))

    def put_meant(
        self, source: Source, key: tuple[str, str], meaning: str, meant: Iterable[Document]
    ) -> None:
        """Store what the documents read from this content mean (their text and narrative
        are the stored reading's: not stored twice)."""
        if self._db is None:
            return
        payload = _packed([{**d.to_dict(), "narrative": None} for d in meant])
        self._hold("meanings", (source.sha256, *key, meaning, payload, time.time()), len(payload))

    def _hold(self, table: str, row: tuple, size: int) -> None:
        """A row to write with the next transaction: written when PENDING_ROWS or
        PENDING_BYTES are held (a transaction per row cost a quarter of a millisecond each:
        most of a 50,000-file run with a cache)."""
        self._pending.setdefault(table, []).append(row)
        self._pending_bytes += size
        held = sum(map(len, self._pending.values()))
        if held >= PENDING_ROWS or self._pending_bytes >= PENDING_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write the rows held, in one transaction (nothing is lost but the speed-up when it
        fails: a fault is said once, as any other, and the run goes on)."""
        pending, self._pending, self._pending_bytes = self._pending, {}, 0
        if not pending:
            return

        def write(db: sqlite3.Connection) -> None:
            with db:  # BEGIN ... COMMIT, rolled back on a fault
                db.execute("BEGIN")
                for table, rows in pending.items():
                    marks = ", ".join("?" * len(rows[0]))
                    db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", rows)

        self._guard(write, None)

    def get_run(self, key: str) -> Manifest | None:
        """A whole folder's manifest, stored under the key of its exact inputs."""
        self.flush()  # (rows held are read too)
        row = self._guard(
            lambda db: db.execute("SELECT manifest FROM runs WHERE key=?", (key,)).fetchone(),
            None,
        )
        if row is None:
            return None
        try:
            text = self._text(row[0])
            return None if text is None else Manifest.from_dict(json.loads(text))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def put_run(self, key: str, manifest: Manifest) -> None:
        self.flush()
        if self._db is None:
            return
        payload = json.dumps(manifest.to_dict(with_text=True), ensure_ascii=False)

        def store(db: sqlite3.Connection) -> None:
            db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?)", (key, payload, time.time()))
            db.execute(
                "DELETE FROM runs WHERE key NOT IN "
                "(SELECT key FROM runs ORDER BY stored DESC LIMIT ?)",
                (MAX_RUNS,),
            )

        self._guard(store, None)

    def info(self) -> CacheInfo:
        self.flush()
        entries, files = self._guard(
            lambda db: db.execute(
                "SELECT COUNT(*), COUNT(DISTINCT sha256) FROM results"
            ).fetchone(),
            (0, 0),
        )
        size = sum(
            Path(f"{self.path}{suffix}").stat().st_size
            for suffix in ("", "-wal", "-shm")
            if Path(f"{self.path}{suffix}").exists()
        )
        return CacheInfo(self.path, entries, files, size)

    def clear(self) -> int:
        """Remove every entry; returns how many there were."""
        self.flush()

        def empty(db: sqlite3.Connection) -> int:
            (count,) = db.execute("SELECT COUNT(*) FROM results").fetchone()
            db.execute("DELETE FROM results")
            db.execute("DELETE FROM meanings")
            db.execute("DELETE FROM runs")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.execute("VACUUM")
            return count

        return self._guard(empty, 0)

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    def __enter__(self) -> ExtractionCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_cache(path: Path | str | None = None) -> ExtractionCache | None:
    """The cache at `path` (default: default_path()), or None when off or unusable."""
    if isinstance(path, str) and path.lower() in OFF_WORDS:
        return None
    target = Path(path) if path else default_path()
    if target is None:
        return None
    try:
        cache = ExtractionCache(target)
    except (OSError, sqlite3.Error) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        if isinstance(err, sqlite3.Error) and _is_busy(err):
            reason = f"locked by another process (waited {BUSY_TIMEOUT:g} s)"
        log.warning("the cache %s cannot be used (%s): going on without it", target, reason)
        return None
    return cache if cache.usable else None


def _reason(err: BaseException | str) -> str:
    """An error as a short reason that holds no stored content (SQLite quotes the text it
    could not decode: that text is from a record)."""
    text = str(err).split(" with text ", 1)[0].splitlines()[0] if str(err) else ""
    return text[:160] or type(err).__name__


def _is_damaged(err: sqlite3.Error) -> bool:
    name = getattr(err, "sqlite_errorname", "") or ""
    text = str(err)
    return name.startswith(DAMAGED) or any(
        words in text for words in ("malformed", "not a database", "Could not decode")
    )


def _is_busy(err: sqlite3.Error) -> bool:
    name = getattr(err, "sqlite_errorname", "") or ""
    return name.startswith(BUSY) or "locked" in str(err)


def _packed(value: object) -> bytes:
    """A value as stored: its JSON, deflated (a document's record is mostly repeated field
    names: a tiny note's 2.8 kB become a few hundred bytes, and writing them was most of a
    large run's cost), marked by a first byte JSON never starts with."""
    return COMPRESSED + zlib.compress(json.dumps(value, ensure_ascii=False).encode(), 1)


def _stored(read: list[dict], meant: list[dict] | None) -> tuple[list[Document], bool]:
    """Stored documents, and whether they are as understood: `meant` (when given, and as
    many) with the text and narrative of their reading (not stored twice), else as read."""
    if meant is None or len(meant) != len(read):
        return [Document.from_dict(d) for d in read], False
    return [
        Document.from_dict({**m, "text": r.get("text", ""), "narrative": r.get("narrative")})
        for m, r in zip(meant, read, strict=True)
    ], True


def storable(documents: Iterable[Document]) -> bool:
    """Whether what was read may be cached: not when a file was unreadable or its scanned
    pages went unread for lack of Tesseract, nor when the file changed while it was read
    (what was read is not what the hash names); all are tried again next time."""
    return not any(
        d.kind == "unreadable" or lacks_ocr(d) or CHANGED_WHILE_READ in d.warnings
        for d in documents
    )


def rebind(document: Document, source: Source) -> Document:
    """A cached per-file document, pointed at where the file is now (renamed or moved)."""
    old = document.source
    if old == source.location:
        return replace(document, files=(source.ref,))
    old_name, new_name = Path(old).name, Path(source.location).name
    for study in document.imaging:  # a record decoded from the cache: this run's own copy
        for series in study.series_detail:
            if series.sample == old:
                series.sample = source.location
    return replace(
        document,
        source=source.location,
        title=new_name if document.title == old_name else document.title,
        files=(source.ref,),
    )


def _private_folder(folder: Path) -> None:
    """Make the cache's folder owner-only when intake creates it; an existing folder (the
    user's choice, e.g. /tmp) keeps its permissions: the cache files themselves are 0600.
    Several clients of a batch may make it at once: the one that loses the race uses it."""
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        return
    os.chmod(folder, 0o700)


SQLITE_HEAD = b"SQLite format 3\x00"
OUR_SUFFIXES = (".sqlite", ".sqlite3", ".db")


@contextlib.contextmanager
def _setting_up(path: Path, timeout: float) -> Iterator[None]:
    """One process at a time sets the cache up (WAL mode, the schema): the clients of a
    batch, started at once on a new cache, made SQLite answer "locked" to all but one, which
    went on without the cache after waiting. An advisory lock on a companion file; where
    there is none (Windows), or it is not had within `timeout`, set-up goes ahead as before."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        fd = os.open(
            f"{path}{SETUP_LOCK}", os.O_RDWR | os.O_CREAT | getattr(os, "O_NONBLOCK", 0), 0o600
        )
    except OSError:
        yield
        return
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # (releases the lock)


def _touch_private(path: Path) -> None:
    """Create the cache file (0600), or make the one there owner-only, once it is known to be
    a cache: a FIFO, a device (/dev/null, which a chmod would take from every user) or a
    file of another kind (a record, a typo in --cache) is refused as it is, untouched
    (NotACache). A file named like a cache whose head is damaged is a damaged cache."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NONBLOCK", 0), 0o600)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotACache(path, "not a regular file")
        head = os.pread(fd, len(SQLITE_HEAD), 0)
        named_ours = path.name == FILE_NAME or path.suffix.lower() in OUR_SUFFIXES
        if head and head != SQLITE_HEAD and not named_ours:
            raise NotACache(path, "not an intake cache: give --cache a new file's name")
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


class NotACache(OSError):
    """What --cache or INTAKE_CACHE names cannot be a cache; it is left as it is."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(errno.EINVAL, reason, os.fspath(path))


def _chmod_private(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
