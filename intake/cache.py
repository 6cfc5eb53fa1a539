"""A cache of extraction results (SQLite from the standard library, WAL mode).

Keyed by the file's content (SHA-256) and the extractors that read its format (names and
versions): a renamed or moved file is a hit, a changed extractor misses. Values are JSON,
never pickle. The cache holds what was read from health records, so its folder is 0700 and
its files 0600 whatever the umask. Several processes may read and write it at once (WAL,
with a busy timeout); a cache that cannot be opened or written is skipped, never fatal.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from intake.model import Document, Manifest, Source
from intake.ocr_missing import lacks_ocr

ENV_PATH = "INTAKE_CACHE"  # a path, or "off"
OFF_WORDS = frozenset({"off", "0", "no", "none", "false"})
FILE_NAME = "extraction-cache.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    sha256 TEXT NOT NULL,
    extractor TEXT NOT NULL,
    version TEXT NOT NULL,
    documents TEXT NOT NULL,
    stored REAL NOT NULL,
    PRIMARY KEY (sha256, extractor, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY,
    manifest TEXT NOT NULL,
    stored REAL NOT NULL
) WITHOUT ROWID;
"""
MAX_RUNS = 500  # folder-level results kept (the oldest are dropped)


def default_path() -> Path | None:
    """Where the cache lives: $INTAKE_CACHE, else the per-user cache folder; None when off or
    when there is no per-user folder to use (no_default_reason() says why)."""
    return _default()[0]


def no_default_reason() -> str | None:
    """Why default_path() is None ("HOME is not set", "INTAKE_CACHE=off"); None when it is
    not."""
    return _default()[1]


def _default() -> tuple[Path | None, str | None]:
    """The default cache file, or None and the reason. HOME is read, never guessed: a
    service account without one gets no cache rather than a folder somewhere else."""
    configured = os.environ.get(ENV_PATH)
    if configured:
        if configured.lower() in OFF_WORDS:
            return None, f"{ENV_PATH}={configured}"
        return Path(configured), None
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA")
        if not base:
            return None, "LOCALAPPDATA is not set"
        return Path(base) / "intake" / FILE_NAME, None
    home = os.environ.get("HOME")
    xdg = os.environ.get("XDG_CACHE_HOME")
    if sys.platform != "darwin" and xdg and os.path.isabs(xdg):
        return Path(xdg) / "intake" / FILE_NAME, None
    if not home:
        return None, "HOME is not set"
    caches = ("Library", "Caches") if sys.platform == "darwin" else (".cache",)
    return Path(home).joinpath(*caches, "intake", FILE_NAME), None


@dataclass
class CacheInfo:
    """What `intake cache info` shows."""

    path: Path
    entries: int
    files: int
    bytes: int


class ExtractionCache:
    """Extraction results by content hash and extractor versions."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            self.path = self.path / FILE_NAME
        _private_folder(self.path.parent)
        _touch_private(self.path)
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        for companion in ("-wal", "-shm"):
            _chmod_private(Path(f"{self.path}{companion}"))

    def get(self, source: Source, key: tuple[str, str]) -> list[Document] | None:
        """The documents stored for this content and these extractors, bound to `source`."""
        row = self._db.execute(
            "SELECT documents FROM results WHERE sha256=? AND extractor=? AND version=?",
            (source.sha256, *key),
        ).fetchone()
        if row is None:
            return None
        try:
            documents = [Document.from_dict(d) for d in json.loads(row[0])]
        except (ValueError, TypeError, KeyError):
            return None  # written by another intake version: read the file again
        return [rebind(document, source) for document in documents]

    def put(self, source: Source, key: tuple[str, str], documents: Iterable[Document]) -> None:
        """Store what was read (with text, so nothing must be read twice)."""
        payload = json.dumps([d.to_dict(with_text=True) for d in documents], ensure_ascii=False)
        with contextlib.suppress(sqlite3.Error):
            self._db.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?)",
                (source.sha256, *key, payload, time.time()),
            )

    def get_run(self, key: str) -> Manifest | None:
        """A whole folder's manifest, stored under the key of its exact inputs."""
        row = self._db.execute("SELECT manifest FROM runs WHERE key=?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return Manifest.from_dict(json.loads(row[0]))
        except (ValueError, TypeError, KeyError):
            return None

    def put_run(self, key: str, manifest: Manifest) -> None:
        payload = json.dumps(manifest.to_dict(with_text=True), ensure_ascii=False)
        with contextlib.suppress(sqlite3.Error):
            self._db.execute(
                "INSERT OR REPLACE INTO runs VALUES (?, ?, ?)", (key, payload, time.time())
            )
            self._db.execute(
                "DELETE FROM runs WHERE key NOT IN "
                "(SELECT key FROM runs ORDER BY stored DESC LIMIT ?)",
                (MAX_RUNS,),
            )

    def info(self) -> CacheInfo:
        entries, files = self._db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT sha256) FROM results"
        ).fetchone()
        size = sum(
            Path(f"{self.path}{suffix}").stat().st_size
            for suffix in ("", "-wal", "-shm")
            if Path(f"{self.path}{suffix}").exists()
        )
        return CacheInfo(self.path, entries, files, size)

    def clear(self) -> int:
        """Remove every entry; returns how many there were."""
        (count,) = self._db.execute("SELECT COUNT(*) FROM results").fetchone()
        self._db.execute("DELETE FROM results")
        self._db.execute("DELETE FROM runs")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.execute("VACUUM")
        return count

    def close(self) -> None:
        self._db.close()

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
        return ExtractionCache(target)
    except (OSError, sqlite3.Error):
        return None


def storable(documents: Iterable[Document]) -> bool:
    """Whether what was read may be cached: not when a file was unreadable or its scanned
    pages went unread for lack of Tesseract (both are tried again next time)."""
    return not any(d.kind == "unreadable" or lacks_ocr(d) for d in documents)


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
    user's choice, e.g. /tmp) keeps its permissions: the cache files themselves are 0600."""
    if folder.exists():
        return
    folder.mkdir(parents=True, mode=0o700)
    os.chmod(folder, 0o700)


def _touch_private(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _chmod_private(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
