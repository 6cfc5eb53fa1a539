"""What every extractor is: a cheap `accepts()` on the sniffed type, and `read()`/`extract()`."""

from __future__ import annotations

from dataclasses import dataclass

from intake.model import Document, Source


@dataclass(frozen=True)
class Attachment:
    """A file carried inside another (a FHIR export's base64 PDF): read like a scanned file."""

    location: str  # "export.json!/DocumentReference-1-1.pdf"
    data: bytes | None  # None when it could not be decoded (then `refused` says why)
    note: dict[str, str]  # what its container says of it: title, date, kind
    refused: str | None = None


@dataclass(frozen=True)
class FileReading:
    """What reading one file gave: its documents, and the files it carries (read next)."""

    documents: tuple[Document, ...]  # as read (where no cache needs those and the worker
    # understood one, it stands here too: see ReadFile.as_read)
    attachments: tuple[Attachment, ...] = ()
    # each document as the understand stage makes it without a listing entry, read where
    # the file was (a worker, under the file's limits); None where it must wait for the
    # other files (DICOM studies); empty when not done here (a cache hit)
    understood: tuple[Document | None, ...] = ()


class ExtractionError(Exception):
    """A file this extractor accepts but cannot read; the message is the reason shown."""


class Extractor:
    """Base for one format's extractor. Subclasses set name/version/priority/media_types."""

    name: str = "base"
    version: str = "1"  # bump when output changes, so cached results are redone
    priority: float = 0.0  # lower runs first; 10.0 is a catch-all
    media_types: frozenset[str] = frozenset()
    max_bytes: int | None = None  # larger files are refused by the registry, unread

    preload: tuple[str, ...] = ()  # modules its workers need: imported once in the parent
    # before a pool forks, so workers inherit them instead of importing each their own

    def accepts(self, source: Source) -> bool:
        """Cheap: decided from the sniffed media type alone."""
        return source.media_type in self.media_types

    def extract(self, source: Source) -> list[Document]:
        """Read the file into documents; raise ExtractionError with a reason when it can't."""
        raise NotImplementedError

    def read(self, source: Source) -> FileReading:
        """extract(), with any files the source carries (override to parse once for both)."""
        return FileReading(tuple(self.extract(source)))

    def combine(self, documents: list[Document]) -> list[Document]:
        """Merge this extractor's documents across files (DICOM: one per study). Default: as is."""
        return documents
