"""How a run is carried out, not what it reads: one object for `scan`, `packet` and `batch`.

A `Runtime` carries the extractor registry, the per-file limits, the executor that runs
per-file work, the extraction cache, where derived data (the drug dictionary's checked
copy) may be kept, and the OCR environment (what every Tesseract process gets). Nothing
here is global: two runtimes in one process do not share state.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from intake.executors import FILE_TIME_LIMIT, WORKER_MEMORY, Executor, LocalExecutor, map_limited
from intake.model import Document, Source
from intake.sniff import DICOM, IMAGE_TYPES, PDF

if TYPE_CHECKING:
    from intake.cache import ExtractionCache
    from intake.extractors.base import Extractor, FileReading


def default_extractors() -> tuple[Extractor, ...]:
    """The registry intake ships: one extractor per format."""
    from intake.extractors import EXTRACTORS

    return EXTRACTORS


@dataclass(frozen=True)
class FileLimits:
    """What one file may cost: wall time and the address space of the worker reading it."""

    seconds: float = FILE_TIME_LIMIT
    memory: int = WORKER_MEMORY


@dataclass(frozen=True)
class ReadFile:
    """The per-file work a worker does: read one source with the runtime's registry.

    Picklable (sent to worker processes); the settings it carries are applied only while
    it runs, never at import and never process-wide."""

    extractors: tuple[Extractor, ...]
    data_folder: Path | None = None  # where derived data may be kept; None: nothing stored
    ocr_env: tuple[tuple[str, str], ...] = ()  # given to every Tesseract process
    temp_folder: str | None = None  # the run's private folder for temporary files
    # hash the file again after reading it (what a cache will store must be the hashed
    # bytes); without a cache its identity and change time are checked, not its bytes
    rehash: bool = True
    understand: bool = True  # also each document's meaning (the understand stage's work)
    listed: frozenset[str] = frozenset()  # locations a listing (XDM, a FHIR note) describes:
    # their documents are understood with it, by the stage
    as_read: bool = True  # also send back the documents as read, beside those understood (a
    # cache stores the former); without, each understood one stands for its own as read

    def __call__(self, source: Source) -> FileReading:
        from intake.extractors import read_file
        from intake.understand.stage import with_meaning

        with worker_settings(self.data_folder, dict(self.ocr_env), self.temp_folder):
            reading = read_file(source, self.extractors, rehash=self.rehash)
            if not self.understand:
                return reading
            reading = with_meaning(reading, self.extractors, self.listed)
            if self.as_read:
                return reading
            # the same objects twice travel once: the hand-over costs a third of what it did
            understood = zip(reading.documents, reading.understood, strict=True)
            return replace(reading, documents=tuple(d if m is None else m for d, m in understood))


@dataclass(frozen=True)
class UnderstandReading:
    """The per-document meaning of a file read before (a cache hit stored without it), in
    a worker: what ReadFile does after reading. Picklable."""

    extractors: tuple[Extractor, ...]
    data_folder: Path | None = None
    listed: frozenset[str] = frozenset()

    def __call__(self, reading: FileReading) -> FileReading:
        from intake.understand.stage import with_meaning

        with worker_settings(self.data_folder, {}):
            return with_meaning(reading, self.extractors, self.listed)


@contextlib.contextmanager
def worker_settings(
    data_folder: Path | None, ocr_env: dict[str, str], temp_folder: str | None = None
) -> Iterator[None]:
    """The settings work runs under, in a worker or in this process: where the drug
    dictionary's checked copy lives, the environment Tesseract processes get. Scoped to
    the block; nothing process-wide."""
    from intake import ocr
    from intake.understand.drugs import names_copy

    with names_copy(data_folder), ocr.environment(ocr_env, temp_folder):
        yield


PARALLEL_MIN_FILES = 64  # without a time limit, fewer files are read in this process


@dataclass
class Runtime:
    """How a run is carried out. `jobs` is the number of worker processes reading files at
    once, in every command (default: one per core); `executor` replaces the local pool."""

    extractors: tuple[Extractor, ...] | None = None  # None: the registry intake ships
    limits: FileLimits = field(default_factory=FileLimits)
    jobs: int | None = None
    executor: Executor | None = None
    cache: ExtractionCache | None = None
    ocr_env: dict[str, str] = field(default_factory=lambda: {"OMP_THREAD_LIMIT": "1"})
    # the environment every Tesseract process gets (one thread each: files run in parallel)
    understand_where_read: bool = True  # each document also understood by its worker

    @property
    def registry(self) -> tuple[Extractor, ...]:
        """The extractors files are read with (the shipped ones unless others were given)."""
        return self.extractors if self.extractors is not None else default_extractors()

    def versions(self) -> list[tuple[str, str]]:
        """Each extractor's name and version (a cache key's part), without importing the
        shipped parsers when they are the ones used."""
        if self.extractors is None:
            from intake.extractor_versions import VERSIONS

            return sorted(VERSIONS.items())
        return [(e.name, e.version) for e in self.extractors]

    @property
    def data_folder(self) -> Path | None:
        """Where derived data may be kept: the cache's folder; None without a cache."""
        return Path(self.cache.path).parent if self.cache is not None else None

    def _cached(
        self,
        sources: Sequence[Source],
        keys: Sequence[tuple[str, str] | None],
        listed: frozenset[str],
        meaning: str | None,
    ) -> dict[int, FileReading]:
        """The readings the cache holds, by index in `sources`: each with its documents'
        meaning too where that is stored for this code (`meaning`) and no listing applies."""
        from intake.extractors.base import FileReading

        cache = self.cache
        hits: dict[int, FileReading] = {}
        if cache is None:
            return hits
        for index, (source, key) in enumerate(zip(sources, keys, strict=True)):
            wanted = meaning if source.location not in listed else None
            found = cache.get_reading(source, key, wanted) if key else None
            if found is None:
                continue
            documents, meant = found
            hits[index] = FileReading(
                tuple(documents), understood=tuple(documents) if meant else ()
            )
        return hits

    def _understand_hits(
        self,
        executor: Executor,
        hits: dict[int, FileReading],
        indexes: list[int],
        sources: list[Source],
        keys: list[tuple[str, str] | None],
        meaning: str,
        listed: frozenset[str],
    ) -> None:
        """The cache hits at `indexes`, stored without their meaning (by another intake),
        understood by the workers (in parallel, under the file limits) and their meaning
        stored; one a worker could not finish waits for the understand stage, as before."""
        understanding = UnderstandReading(tuple(self.registry), self.data_folder, listed)
        readings = [hits[index] for index in indexes]
        done = map_limited(
            executor, understanding, readings, lambda reading, _err: reading,
            weight=lambda reading: sum(len(d.text) for d in reading.documents),
        )  # fmt: skip
        for index, source, key, reading in zip(indexes, sources, keys, done, strict=True):
            hits[index] = reading
            if self.cache is not None and key and _meant_alone(reading):
                self.cache.put_meant(source, key, meaning, reading.understood)  # type: ignore[arg-type]

    def _meaning_key(self) -> str | None:
        """What names the code reading meaning, for the cache: only the shipped extractors'
        documents are cached with their meaning (another registry's may differ by run)."""
        if self.cache is None or not self.understand_where_read or self.extractors is not None:
            return None
        from intake.understand.version import meaning_version

        return meaning_version()

    def file_executor(self) -> Executor:
        """What runs per-file work: the given executor, or a local pool with the limits."""
        return self.executor or LocalExecutor(
            self.jobs,
            min_items=PARALLEL_MIN_FILES,
            timeout=self.limits.seconds,
            memory_limit=self.limits.memory,
        )

    def settings(self):
        """The settings this process's work runs under while the block runs (a context
        manager; workers enter the same through ReadFile)."""
        return worker_settings(self.data_folder, self.ocr_env)

    def reader(
        self, temp_folder: Path | None = None, listed: frozenset[str] = frozenset()
    ) -> ReadFile:
        """The per-file work for workers; `temp_folder` holds their temporary files; `listed`:
        the locations a listing describes (understood by the stage, not the worker)."""
        temp = str(temp_folder) if temp_folder is not None else None
        return ReadFile(
            tuple(self.registry), self.data_folder, tuple(self.ocr_env.items()), temp,
            rehash=self.cache is not None, understand=self.understand_where_read,
            listed=listed, as_read=self.cache is not None,
        )  # fmt: skip

    def read_all(
        self,
        sources: Sequence[Source],
        temp_folder: Path | None = None,
        listed: frozenset[str] = frozenset(),
    ) -> Iterator[FileReading]:
        """Each source read (in order): from the cache when it holds the same content read by
        the same extractor versions, else through the executor under the limits (storing what
        was read; unreadable results and files carrying others are read again next time)."""
        from intake.cache import storable
        from intake.extractors import extractor_key

        cache = self.cache
        executor = self.file_executor()
        registry = self.registry
        keys = [extractor_key(s, registry) if cache is not None else None for s in sources]
        meaning = self._meaning_key()
        hits = self._cached(sources, keys, listed, meaning)
        misses = [source for index, source in enumerate(sources) if index not in hits]
        unmeant = [i for i, hit in hits.items() if meaning and _may_understand(hit, listed)]
        preload(registry, misses)
        readable = sum(s.media_type != DICOM for s in misses)  # DICOM: read by its study
        if self.understand_where_read and (readable or unmeant):
            from intake.understand.stage import prepare

            # workers forked after it inherit what reading meaning builds once; the drug
            # dictionary where more than one of them may need it (one file: lazily, as before)
            prepare(dictionary=readable + len(unmeant) > 1)
        local = isinstance(executor, LocalExecutor)  # its own limits, when it was given
        stopped = functools.partial(
            stopped_reading,
            limit=(executor.timeout if local else None) or self.limits.seconds,
            memory=(executor.memory_limit if local else None) or self.limits.memory,
        )
        if unmeant and meaning:
            self._understand_hits(executor, hits, unmeant, [sources[i] for i in unmeant],
                                  [keys[i] for i in unmeant], meaning, listed)  # fmt: skip
        reader = self.reader(temp_folder, listed)
        computed = iter(map_limited(executor, reader, misses, stopped, slow_to_read, bytes_read))
        try:
            for index, source in enumerate(sources):
                if index in hits:
                    yield hits[index]
                    continue
                reading = next(computed)
                key = keys[index]
                if (
                    cache is not None
                    and key
                    and not reading.attachments
                    and storable(reading.documents)
                ):
                    cache.put(source, key, reading.documents)
                    if meaning and _meant_alone(reading):
                        cache.put_meant(source, key, meaning, reading.understood)  # type: ignore[arg-type]
                yield reading
        finally:  # stop the workers now, not when the iterator is garbage collected
            close = getattr(computed, "close", None)
            if close is not None:
                close()
            if cache is not None:
                cache.flush()  # what was read is stored once the files are


def _may_understand(hit: FileReading, listed: frozenset[str]) -> bool:
    """Whether a cache hit lacking its meaning may be given it by a worker (and the meaning
    stored): not when a listing describes it, nor for files an extractor merges (DICOM)."""
    from intake.understand.stage import merging_extractors

    return (
        not hit.understood
        and bool(hit.documents)
        and not any(d.source in listed for d in hit.documents)
        and not any(d.extractor in merging_extractors() for d in hit.documents)
    )


def _meant_alone(reading: FileReading) -> bool:
    """Whether every document of `reading` was understood where it was read, by itself (no
    listing entry, no merging with other files), without a fault: its meaning may then be
    cached, being the same whenever the same bytes are read."""
    from intake.understand.stage import NOT_UNDERSTOOD_MARK

    return bool(reading.understood) and all(
        meant is not None and not any(NOT_UNDERSTOOD_MARK in w for w in meant.warnings)
        for meant in reading.understood
    )


def preload(registry: Sequence[Extractor], sources: Sequence[Source]) -> None:
    """Import, in this process, the libraries the extractors of `sources` use, so forked
    workers inherit them (a run served from the cache never gets here)."""
    import importlib

    wanted = {
        module
        for extractor in registry
        if any(extractor.accepts(source) for source in sources)
        for module in extractor.preload
    }
    for module in sorted(wanted):
        with contextlib.suppress(ImportError):  # the worker says what its file lacks
            importlib.import_module(module)


def bytes_read(source: Source) -> int:
    """What reading a file may bring back, a batch's weight: a text's size (its text); a
    DICOM file brings back its header's few values, never its pixels."""
    return 0 if source.media_type == DICOM else source.size


def slow_to_read(source: Source) -> bool:
    """Files that may need OCR or heavy parsing: each runs alone under the time limit."""
    return source.media_type == PDF or source.media_type in IMAGE_TYPES or source.size > 2**26


def stopped_reading(
    source: Source,
    error: BaseException,
    *,
    limit: float = FILE_TIME_LIMIT,
    memory: int = WORKER_MEMORY,
) -> FileReading:
    """What a file becomes when reading it was stopped: too slow, too big, or it crashed the
    worker reading it."""
    from intake.extractors.base import FileReading

    if isinstance(error, TimeoutError):
        reason = f"reading it took longer than {limit:g} s: stopped"
    elif isinstance(error, MemoryError):
        reason = f"reading it needed more than {memory / 2**30:g} GB of memory: stopped"
    else:
        reason = f"the reader crashed on it ({type(error).__name__}): a damaged file?"
    return FileReading((Document.unreadable(source, [reason]),))


Progress = Callable[[str, int, int | None, str], None]
"""progress(stage, done, total, location): called as work advances; never prints itself."""
