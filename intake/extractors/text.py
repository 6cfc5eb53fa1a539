"""Plain text: questions lists, typed notes, copied-and-pasted records."""

from __future__ import annotations

from intake.extractors.base import Extractor
from intake.model import Document, Source
from intake.sniff import TEXT

MAX_TEXT_BYTES = 20 * 1024 * 1024


class TextExtractor(Extractor):
    """Decode a text file (UTF-8, UTF-16 with BOM, or Windows-1252)."""

    name = "text"
    version = "1"
    priority = 5.0
    media_types = frozenset({TEXT})
    max_bytes = MAX_TEXT_BYTES

    def extract(self, source: Source) -> list[Document]:
        with source.open() as handle:
            data = handle.read(MAX_TEXT_BYTES)
        return [Document.for_source(source, pages=1, text=decode_text(data))]


def decode_text(data: bytes) -> str:
    """Text from bytes: BOM-marked UTF-16/UTF-8 first, then UTF-8, then Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
