"""What every extractor is: a cheap `accepts()` on the sniffed type, and `extract()`."""

from __future__ import annotations

from intake.model import Document, Source


class ExtractionError(Exception):
    """A file this extractor accepts but cannot read; the message is the reason shown."""


class Extractor:
    """Base for one format's extractor. Subclasses set name/version/priority/media_types."""

    name: str = "base"
    version: str = "1"  # bump when output changes, so cached results are redone
    priority: float = 0.0  # lower runs first; 10.0 is a catch-all
    media_types: frozenset[str] = frozenset()
    max_bytes: int | None = None  # larger files are refused by the registry, unread

    def accepts(self, source: Source) -> bool:
        """Cheap: decided from the sniffed media type alone."""
        return source.media_type in self.media_types

    def extract(self, source: Source) -> list[Document]:
        """Read the file into documents; raise ExtractionError with a reason when it can't."""
        raise NotImplementedError

    def combine(self, documents: list[Document]) -> list[Document]:
        """Merge this extractor's documents across files (DICOM: one per study). Default: as is."""
        return documents
