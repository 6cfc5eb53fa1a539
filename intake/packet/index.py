"""The packet's own index: where each document's copies, readable page and previews are in
the packet, and what writing it noticed. Packet-only data lives here, never in Document,
so the manifest a packet holds is the one `scan` prints.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intake.model import Document, spliced_json


@dataclass
class PacketEntry:
    """One document's place in the packet."""

    files: list[str] = field(default_factory=list)  # its copies, packet-relative
    readable: str | None = None  # a rendered page (C-CDA)
    previews: dict[int, dict[int, str]] = field(default_factory=dict)  # study -> series -> PNG
    series_pages: dict[int, str] = field(default_factory=dict)  # study -> its series page
    notes: list[str] = field(default_factory=list)  # what writing the packet found
    placed: dict[str, str] = field(default_factory=dict)  # record location -> its copy

    def place(self, location: str, name: str) -> None:
        """The copy of the record at `location` is `name` in the packet (identical files
        share one copy, listed once)."""
        if name not in self.files:
            self.files.append(name)
        self.placed[location] = name


class PacketIndex:
    """Every document's PacketEntry, by document id; filled while the packet is written."""

    def __init__(self) -> None:
        self._entries: dict[str, PacketEntry] = {}
        self.general: list[str] = []  # notes on the packet as a whole (INDEX.HTM's findings)

    def entry(self, document: Document) -> PacketEntry:
        return self._entries.setdefault(document.id, PacketEntry())

    def files(self, document: Document) -> list[str]:
        """The document's copies in the packet (empty when it has none)."""
        entry = self._entries.get(document.id)
        return list(entry.files) if entry else []

    def first(self, document: Document) -> str | None:
        """The document's main copy, or None."""
        files = self.files(document)
        return files[0] if files else None

    def readable(self, document: Document) -> str | None:
        entry = self._entries.get(document.id)
        return entry.readable if entry else None

    def preview(self, document: Document, study: int, series: int) -> str | None:
        """The preview PNG of a study's series (0-based indexes), or None."""
        entry = self._entries.get(document.id)
        return entry.previews.get(study, {}).get(series) if entry else None

    def series_page(self, document: Document, study: int) -> str | None:
        """The HTML page of a study's series with larger previews (0-based index), or None."""
        entry = self._entries.get(document.id)
        return entry.series_pages.get(study) if entry else None

    def notes(self, document: Document) -> list[str]:
        entry = self._entries.get(document.id)
        return list(entry.notes) if entry else []

    def note(self, document: Document, text: str) -> None:
        self.entry(document).notes.append(text)

    @contextmanager
    def guard(self, document: Document, what: str) -> Iterator[None]:
        """Run one document's part of the packet: any exception in the block becomes a note
        on the document naming its file, `what` failed and why, and the packet goes on.
        MemoryError and KeyboardInterrupt are never swallowed."""
        try:
            yield
        except MemoryError:
            raise
        except Exception as err:
            self.note(document, f"{document.source}: {what} failed ({reason_of(err)})")

    def to_dict(self) -> dict[str, Any]:
        """EXTRA/packet-index.json: document id -> its files, page, previews, notes; and the
        notes on the packet as a whole."""
        return {
            "schema": SCHEMA,
            "documents": {
                doc_id: _entry_dict(entry) for doc_id, entry in sorted(self._entries.items())
            },
            "notes": self.general,
        }

    def json_pieces(self) -> Iterator[str]:
        """`json.dumps(to_dict(), indent=2)` in pieces, a document at a time (a packet of many
        documents never holds the whole index as objects or text)."""
        outline = json.dumps({"schema": SCHEMA, "documents": {}, "notes": self.general}, indent=2)
        entries = (
            f"{json.dumps(doc_id)}: {json.dumps(_entry_dict(entry), indent=2)}"
            for doc_id, entry in sorted(self._entries.items())
        )
        return spliced_json(outline, _DOCUMENTS_SLOT, entries)


SCHEMA = "intake.packet-index/1"
_DOCUMENTS_SLOT = '\n  "documents": {}'


def _entry_dict(entry: PacketEntry) -> dict[str, Any]:
    """One document's part of packet-index.json."""
    return {
        "files": entry.files,
        "readable": entry.readable,
        "previews": [
            {"study": study, "series": series, "file": name}
            for study, by_series in sorted(entry.previews.items())
            for series, name in sorted(by_series.items())
        ],
        "series_pages": [
            {"study": study, "file": name} for study, name in sorted(entry.series_pages.items())
        ],
        "notes": entry.notes,
    }


def reason_of(err: BaseException) -> str:
    """An exception as a short reason: its type and the first line of its message (an
    OSError's without the path: the note names the file, not where it lived)."""
    if isinstance(err, OSError) and err.strerror:
        return f"{type(err).__name__}: {err.strerror}"
    lines = str(err).strip().splitlines()
    text = lines[0][:160] if lines else ""
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def copy_sha1(path: Path, known: tuple[bytes, int] | None = None) -> tuple[bytes, int]:
    """A packet copy's SHA-1 digest and size: `known` (taken while the copy was written), else
    the copy read again, streamed (a copy may be gigabytes)."""
    if known is not None:
        return known
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha1").digest(), os.fstat(handle.fileno()).st_size
