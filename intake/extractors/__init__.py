"""The extractor registry: one module per format; first extractor that succeeds wins.

A file nobody accepts becomes an `other` document saying so; a file whose
extractors all fail becomes an `unreadable` document with each one's reason.
Nothing raised by a single file ever stops the run.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import replace

from intake.errors import MissingDependency, workspace_full
from intake.extractors.base import Attachment, ExtractionError, Extractor, FileReading
from intake.extractors.ccda import CcdaExtractor
from intake.extractors.dicom import DicomExtractor
from intake.extractors.fhir import FhirExtractor
from intake.extractors.image import ImageExtractor
from intake.extractors.pdf import PdfExtractor
from intake.extractors.text import TextExtractor
from intake.model import CHANGED_WHILE_READ, Document, Source, SourceChanged
from intake.sniff import EMPTY, EXECUTABLE, ZIP

log = logging.getLogger(__name__)

EXTRACTORS: tuple[Extractor, ...] = tuple(
    sorted(
        [
            PdfExtractor(),
            DicomExtractor(),
            ImageExtractor(),
            CcdaExtractor(),
            FhirExtractor(),
            TextExtractor(),
        ],
        key=lambda extractor: extractor.priority,
    )
)  # the default registry; a Runtime may carry another
_NOT_SUPPORTED = {
    EMPTY: "empty file (0 bytes)",
    EXECUTABLE: "a program (viewer software?), not a record",
    # the scan opens every zip in the folder; one still here came inside a FHIR attachment
    ZIP: "a zip archive inside a FHIR attachment: not opened (only zips in the folder are)",
}

__all__ = [
    "EXTRACTORS",
    "Attachment",
    "ExtractionError",
    "Extractor",
    "FileReading",
    "combine",
    "extract",
    "extractor_key",
    "read_file",
]


def extractor_key(
    source: Source, extractors: Sequence[Extractor] | None = None
) -> tuple[str, str] | None:
    """Which extractors would read `source`, and their versions (the cache's key beside the
    content hash); None when none would."""
    registry = extractors if extractors is not None else EXTRACTORS
    accepting = [e for e in registry if e.accepts(source)]
    if not accepting:
        return None
    return ",".join(e.name for e in accepting), ",".join(e.version for e in accepting)


def extract(source: Source, extractors: list[Extractor] | None = None) -> list[Document]:
    """Turn one scanned file into documents; never raises for a bad file."""
    return list(read_file(source, extractors).documents)


def read_file(
    source: Source, extractors: Sequence[Extractor] | None = None, *, rehash: bool = True
) -> FileReading:
    """One scanned file's documents and the files it carries; never raises for a bad file.
    Afterwards the file must still be the walked one (`rehash`: its bytes hashed again,
    as a result a cache stores needs; else its identity and change time)."""
    failures: list[str] = []
    for extractor in extractors if extractors is not None else EXTRACTORS:
        if not extractor.accepts(source):
            continue
        if extractor.max_bytes is not None and source.size > extractor.max_bytes:
            failures.append(f"{extractor.name}: file larger than {extractor.max_bytes // 2**20} MB")
            continue
        try:
            reading = extractor.read(source)
        except SourceChanged as err:  # not the file the walk found: no extractor reads it
            return FileReading((Document.unreadable(source, [str(err)]),))
        except (ExtractionError, MissingDependency) as err:
            failures.append(f"{extractor.name}: {workspace_full(err) or err}")
        except Exception as err:  # a parser bug or a hostile file: note it, try the next
            # the type and where it was raised, not the message: it may quote the record
            log.debug("extractor %s failed on %s: %s", extractor.name, source.location,
                      _where(err))  # fmt: skip
            failures.append(f"{extractor.name}: {_failure(err)}")
        else:
            documents = tuple(
                d if d.extractor else replace(d, extractor=extractor.name)
                for d in reading.documents
            )
            if not source.unchanged(rehash=rehash):  # read other bytes: said, not cached
                documents = tuple(
                    replace(d, warnings=(*d.warnings, CHANGED_WHILE_READ)) for d in documents
                )
            return FileReading(documents, reading.attachments)
    if failures:
        tried = ", ".join(f.split(":", 1)[0] for f in failures)  # reasons: in the manifest
        log.warning("%s: unreadable (tried: %s)", source.location, tried)
        return FileReading((Document.unreadable(source, failures),))
    if source.media_type == EMPTY:
        return FileReading((Document.unreadable(source, [_NOT_SUPPORTED[EMPTY]]),))
    reason = _NOT_SUPPORTED.get(source.media_type, f"no extractor reads {source.media_type} files")
    title = source.location.rsplit("/", 1)[-1]
    return FileReading((Document.for_source(source, kind="other", title=title, warnings=[reason]),))


def _failure(err: Exception) -> str:
    """Why an extractor failed, in words: the temporary folder being full is not the
    file's fault (a damaged image, it said); memory running out is the file's size."""
    if full := workspace_full(err):
        return full
    if isinstance(err, MemoryError):
        return "too large to read within the memory a file may use"
    return f"{type(err).__name__}: {err}"


def combine(
    documents: list[Document], extractors: Sequence[Extractor] | None = None
) -> list[Document]:
    """Let each extractor merge its own documents (e.g. DICOM files into studies)."""
    registry = extractors if extractors is not None else EXTRACTORS
    by_name = {extractor.name: extractor for extractor in registry}
    groups: dict[str | None, list[Document]] = {}
    for document in documents:
        groups.setdefault(document.extractor, []).append(document)
    combined: list[Document] = []
    for name, group in groups.items():
        extractor = by_name.get(name or "")
        combined.extend(extractor.combine(group) if extractor else group)
    return combined


def _where(err: BaseException) -> str:
    """An exception's type and the frames it was raised through (file:line), no message."""
    import traceback

    frames = traceback.extract_tb(err.__traceback__)[-3:]
    places = " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno}" for f in reversed(frames))
    return f"{type(err).__name__} at {places}" if places else type(err).__name__
