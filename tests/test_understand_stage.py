"""The understand stage where files are read: the same documents as in the main process, and
a fault in one document's meaning is that document's warning, never the end of a run."""

from __future__ import annotations

from intake.containers import Workspace
from intake.extraction import extract
from intake.inventory import take_inventory
from intake.model import Document
from intake.runtime import Runtime
from intake.scan import scan
from intake.understand import stage
from intake.xdm import from_notes


def _understood(folder, runtime: Runtime) -> tuple[tuple[Document, ...], set[str], set[str]]:
    """The folder's documents through extract and understand, the locations of those the
    workers understood, and the locations a listing describes."""
    with Workspace() as workspace:
        inventory = take_inventory(scan(folder), workspace)
        with runtime.settings():
            extraction = extract(inventory, runtime, workspace)
            listing = {**from_notes(extraction.notes), **inventory.listing.entries}
            records, _ = stage.split_indexes(extraction.documents)
            done = {d.source for d in records if id(d) in extraction.understood}
            documents = stage.understand(records, listing, extraction.understood)
            return documents, done, set(listing)


def test_documents_understood_in_workers_are_those_the_main_process_makes(oncology, neurology):
    """Every sample document not described by a listing is understood in the worker that
    read it, and the documents are exactly those the understand stage makes itself."""
    for folder in (oncology, neurology):
        in_workers, done, _ = _understood(folder, Runtime(jobs=2))
        here, none, _ = _understood(folder, Runtime(jobs=2, understand_where_read=False))
        assert not none and len(done) >= len(here) // 2  # (DICOM studies wait for the stage)
        assert in_workers == here


def test_a_document_an_xdm_listing_describes_is_understood_by_the_stage(oncology):
    """The oncology sample's XDM zip lists its C-CDA: a worker, which cannot see the
    listing, leaves it to the understand stage."""
    documents, done, listed = _understood(oncology, Runtime(jobs=2))
    described = {d.source for d in documents} & listed
    assert described and not described & done
    assert done  # the others were understood by the workers


def test_a_fault_in_one_documents_meaning_is_its_warning(monkeypatch):
    """A parser bug a file provokes (here: a RecursionError) leaves that document as read,
    with a warning naming the fault; the others are understood."""
    calls = []

    def failing_once(document: Document) -> Document:
        calls.append(document.source)
        if document.source == "bad.txt":
            raise RecursionError("maximum recursion depth exceeded")
        return real(document)

    real = stage.enrich
    monkeypatch.setattr(stage, "enrich", failing_once)
    bad = Document("bad.txt", "0" * 64, 10, "text/plain", text="Hemoglobin 13.5 g/dL")
    good = Document("good.txt", "1" * 64, 10, "text/plain", text="Hemoglobin 13.5 g/dL 12-16")
    understood = stage.understand([bad, good], {})
    assert calls == ["bad.txt", "good.txt"]
    by_source = {d.source: d for d in understood}
    assert (
        by_source["bad.txt"]
        .warnings[-1]
        .startswith("its contents could not be interpreted (RecursionError)")
    )
    assert by_source["bad.txt"].kind == "other" and not by_source["bad.txt"].labs
    assert by_source["good.txt"].labs


def test_without_a_cache_a_worker_sends_each_document_once(oncology, tmp_path):
    """A cache stores the documents as read, so with one the worker sends them beside those
    it understood; without, each understood document stands for its own as read (the same
    object twice travels once), and the folder reads to the very same documents."""
    from intake.cache import ExtractionCache

    sources = scan(oncology).sources
    plain = Runtime(jobs=1).reader()
    for source in sources:
        reading = plain(source)
        for raw, meant in zip(reading.documents, reading.understood, strict=True):
            assert meant is None or raw is meant
    cached = Runtime(jobs=1, cache=ExtractionCache(tmp_path / "cache.sqlite"))
    kept = [cached.reader()(s) for s in sources]
    assert any(
        raw is not meant and meant is not None
        for reading in kept
        for raw, meant in zip(reading.documents, reading.understood, strict=True)
    )
    without, _, _ = _understood(oncology, Runtime(jobs=2))
    with_cache, _, _ = _understood(oncology, cached)
    assert without == with_cache
