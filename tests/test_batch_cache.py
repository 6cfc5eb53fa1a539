"""The extraction cache, batches of client folders, and the Dask executor (LocalCluster)."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake import api
from intake.batch import run_batch
from intake.cache import ExtractionCache
from intake.cli import cli
from intake.errors import ExitCode
from intake.executors import DaskExecutor, SerialExecutor
from intake.extractor_versions import VERSIONS
from intake.extractors import EXTRACTORS
from intake.model import Document, Source
from intake.runtime import Runtime
from tests.conftest import APPOINTMENT, make_samples, packet_files, tree_state

OPTIONS = api.Options(appointment=APPOINTMENT)


class CountingExecutor(SerialExecutor):
    """Runs in this process and remembers which files were actually read."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def map(self, function, items):
        self.read.extend(getattr(item, "location", str(item)) for item in items)
        return super().map(function, items)


def scan(folder: Path, cache: ExtractionCache) -> tuple[object, CountingExecutor]:
    executor = CountingExecutor()
    manifest = api.scan_folder(folder, OPTIONS, runtime=api.Runtime(executor=executor, cache=cache))
    return manifest, executor


def comparable(manifest) -> dict:
    data = manifest.to_dict(with_text=True)
    data.pop("tool")
    return data


def test_a_warm_run_reads_nothing_and_gives_the_same_manifest(copy_of, neurology, tmp_path):
    folder = copy_of(neurology)
    with ExtractionCache(tmp_path / "cache.sqlite") as cache:
        cold, first = scan(folder, cache)
        warm, second = scan(folder, cache)
    assert len(first.read) == 12 and second.read == []
    assert comparable(warm) == comparable(cold)


def test_renamed_or_moved_files_are_hits_and_changed_files_are_read_again(
    copy_of, oncology, tmp_path
):
    folder = copy_of(oncology)
    with ExtractionCache(tmp_path / "cache.sqlite") as cache:
        scan(folder, cache)
        (folder / "archive").mkdir()
        shutil.move(folder / "Mammogram report.pdf", folder / "archive" / "mammo 2026.pdf")
        (folder / "questions.txt").write_text("Questions\nIs radiation needed after surgery?\n")
        manifest, executor = scan(folder, cache)
    assert executor.read == ["questions.txt"]  # the changed file only; the moved one is a hit
    moved = next(d for d in manifest.documents if d.source == "archive/mammo 2026.pdf")
    assert moved.kind == "imaging_report" and moved.files[0].source == "archive/mammo 2026.pdf"
    questions = next(d for d in manifest.documents if d.kind == "questions")
    assert "radiation" in questions.text


def test_a_new_extractor_version_invalidates_its_entries(copy_of, neurology, tmp_path, monkeypatch):
    folder = copy_of(neurology)
    dicom = next(e for e in EXTRACTORS if e.name == "dicom")
    with ExtractionCache(tmp_path / "cache.sqlite") as cache:
        scan(folder, cache)
        monkeypatch.setattr(dicom, "version", dicom.version + "-next")
        monkeypatch.setitem(VERSIONS, "dicom", dicom.version)  # as a release bumps both
        _, executor = scan(folder, cache)
    assert len(executor.read) == 9  # the DICOM files; the PDFs and the photo stay cached


class CountingMeaning:
    """Counts the documents whose meaning is read (in this process: a serial run)."""

    def __init__(self, monkeypatch) -> None:
        import intake.understand.stage as stage

        self.sources: list[str] = []
        real = stage.enrich

        def counted(document):
            self.sources.append(document.source)
            return real(document)

        monkeypatch.setattr(stage, "enrich", counted)


def _by_the_stage(manifest) -> set[str]:
    """Documents understood by the stage in every run: DICOM studies (made of many files)
    and files an XDM listing describes (understood with its entry)."""
    return {
        d.source for d in manifest.documents if d.media_type == "application/dicom"
        or "IHE_XDM/" in d.source
    }  # fmt: skip


def _documents(manifest) -> dict[str, dict]:
    """Each document's full record by its source, without its id (a file added shifts the
    numbers of those after it)."""
    return {d.source: {**d.to_dict(with_text=True), "id": ""} for d in manifest.documents}


def test_a_rerun_takes_each_file_s_meaning_from_the_cache(copy_of, oncology, tmp_path, monkeypatch):
    """A folder scanned again with one file added: only that file is read and understood;
    every other document, served with its stored meaning, is the one the first run made."""
    folder = copy_of(oncology)
    meaning = CountingMeaning(monkeypatch)
    with ExtractionCache(tmp_path / "cache.sqlite") as cache:
        first, _ = scan(folder, cache)
        understood_first = len(meaning.sources)
        (folder / "added-note.txt").write_text("Questions\nIs radiation needed after surgery?\n")
        second, executor = scan(folder, cache)
    assert understood_first >= len(first.documents) - 1  # (a DICOM study: once, by the stage)
    assert executor.read == ["added-note.txt"]
    again_understood = {s for s in meaning.sources[understood_first:] if s}  # (not the warm-up)
    assert again_understood - _by_the_stage(first) == {"added-note.txt"}
    again = _documents(second)
    again.pop("added-note.txt")
    assert again == _documents(first)


def test_meaning_is_read_again_by_changed_code(copy_of, oncology, tmp_path, monkeypatch):
    """Meaning is stored under a digest of intake's code: other code reads it again (and the
    same documents come of it), in the workers, and stores it for the next run."""
    import intake.understand.version as version

    folder = copy_of(oncology)
    meaning = CountingMeaning(monkeypatch)
    with ExtractionCache(tmp_path / "cache.sqlite") as cache:
        first, _ = scan(folder, cache)
        stored = len(meaning.sources)
        monkeypatch.setattr(version, "meaning_version", lambda: "other code")
        (folder / "added-note.txt").write_text("Questions\nIs radiation needed after surgery?\n")
        second, executor = scan(folder, cache)
        again = len(meaning.sources)
        (folder / "more.txt").write_text("Questions\nHow long is recovery?\n")
        scan(folder, cache)
    assert again - stored >= stored  # every file's meaning again (and the new file's)
    last = {s for s in meaning.sources[again:] if s} - _by_the_stage(first)
    assert last == {"more.txt"}  # then stored: only the newer file is understood
    readings = [item for item in executor.read if item.startswith("FileReading(")]
    assert readings  # the others were only understood, in the workers
    assert [item for item in executor.read if item not in readings] == ["added-note.txt"]
    again_documents = _documents(second)
    again_documents.pop("added-note.txt")
    assert again_documents == _documents(first)


def test_a_listed_file_s_cached_meaning_is_not_used(tmp_path):
    """A file an XDM listing describes is understood with the listing's entry, never from a
    meaning stored when the same bytes were read alone: a lab PDF whose text names no date
    takes the metadata's date and title."""
    from tests.test_containers import ONCOLOGY, lab_pdf_entry

    entry = lab_pdf_entry(tmp_path)
    alone, folder = tmp_path / "alone", tmp_path / "records"
    alone.mkdir()
    (alone / "lab.pdf").write_bytes(entry.data)
    make_samples.xdm_zip(folder / "dl.zip", ONCOLOGY, [entry])
    with ExtractionCache(tmp_path / "fresh.sqlite") as fresh:
        uncached, _ = scan(folder, fresh)
    with ExtractionCache(tmp_path / "cache.sqlite") as cache:
        read_alone, _ = scan(alone, cache)  # its meaning stored, read without the listing
        listed, _ = scan(folder, cache)
    (by_itself,), (with_entry,) = read_alone.documents, listed.documents
    assert (by_itself.date, by_itself.title) != (with_entry.date, with_entry.title)
    assert with_entry.date == "2026-10-14" and with_entry.title == "CBC results"
    assert _documents(listed) == _documents(uncached)


def test_the_version_table_is_the_registry_s():
    """A run served whole from the cache is keyed by the table, without importing parsers."""
    assert {e.name: e.version for e in EXTRACTORS} == VERSIONS


def test_unreadable_results_are_not_stored(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    with ExtractionCache(tmp_path / "cache.sqlite") as cache:
        scan(folder, cache)
        _, executor = scan(folder, cache)
        assert cache.info().entries == 0
    assert executor.read == ["broken.pdf"]


def _writer(arguments: tuple[str, int]) -> int:
    path, worker = arguments
    with ExtractionCache(path) as cache:
        for number in range(150):
            source = Source(f"f{worker}-{number}", Path("x"), "text/plain",
                            f"{worker:04d}{number:060d}", 1)  # fmt: skip
            document = Document.for_source(source, kind="other", text="x" * 200)
            cache.put(source, ("text", "2"), [document])
            assert cache.get(source, ("text", "2"))[0].text == "x" * 200
    return worker


def test_rows_are_written_together_and_none_is_lost(tmp_path, monkeypatch):
    """Rows are held and written a transaction at a time (one per row cost most of a large
    run); a read sees the rows held, and closing writes the rest."""
    import intake.cache as cache_module

    monkeypatch.setattr(cache_module, "PENDING_ROWS", 7)
    sources = [Source(f"f{n}", Path("x"), "text/plain", f"{n:064d}", 1) for n in range(20)]
    with ExtractionCache(tmp_path / "cache.sqlite") as cache:
        for source in sources:
            cache.put(source, ("text", "2"), [Document.for_source(source, text=source.location)])
        assert cache._pending  # 20 rows: two transactions of 7, 6 rows held
        assert cache.get(sources[-1], ("text", "2"))[0].text == "f19"  # written to be read
        cache.put(sources[0], ("text", "3"), [Document.for_source(sources[0], text="again")])
    with ExtractionCache(tmp_path / "cache.sqlite") as again:
        assert [again.get(s, ("text", "2"))[0].text for s in sources] == [
            s.location for s in sources
        ]
        assert again.get(sources[0], ("text", "3"))[0].text == "again"  # written on close
        # rows are deflated JSON; a row an earlier intake wrote as plain JSON is read as is
        plain = json.dumps([Document.for_source(sources[1], text="plain").to_dict(with_text=True)])
        again._db.execute("UPDATE results SET documents=? WHERE sha256=? AND version='2'",
                          (plain, sources[1].sha256))  # fmt: skip
        assert again.get(sources[1], ("text", "2"))[0].text == "plain"
        stored = again._db.execute("SELECT documents FROM results WHERE sha256=?",
                                   (sources[2].sha256,)).fetchone()[0]  # fmt: skip
        assert stored[:1] == b"z" and b"f2" not in stored  # deflated


def test_parallel_workers_share_the_cache(tmp_path):
    path = str(tmp_path / "cache.sqlite")
    context = multiprocessing.get_context("spawn")  # fresh processes, separate connections
    with context.Pool(4) as pool:
        assert sorted(pool.map(_writer, [(path, w) for w in range(4)])) == [0, 1, 2, 3]
    with ExtractionCache(path) as cache:
        assert cache.info().entries == 600


def test_cache_files_are_owner_only_whatever_the_umask(tmp_path, copy_of, neurology):
    old = os.umask(0)
    try:
        with ExtractionCache(tmp_path / "cachedir" / "c.sqlite") as cache:
            scan(copy_of(neurology), cache)
    finally:
        os.umask(old)
    assert (tmp_path / "cachedir").stat().st_mode & 0o777 == 0o700
    for path in (tmp_path / "cachedir").iterdir():
        assert path.stat().st_mode & 0o077 == 0, path.name


def test_cache_info_and_clear_commands(tmp_path, copy_of, neurology):
    path = tmp_path / "c.sqlite"
    with ExtractionCache(path) as cache:
        scan(copy_of(neurology), cache)
    runner = CliRunner()
    info = runner.invoke(cli, ["cache", "info", "--cache", str(path)])
    assert info.exit_code == 0 and "12 entries for 12 files" in info.output
    cleared = runner.invoke(cli, ["cache", "clear", "--cache", str(path)])
    assert cleared.exit_code == 0 and "Removed 12 entries" in cleared.output
    with ExtractionCache(path) as cache:
        assert cache.info().entries == 0


# --- batch -------------------------------------------------------------------------------


@pytest.fixture
def clients(tmp_path, oncology, neurology):
    parent = tmp_path / "clients"
    shutil.copytree(oncology, parent / "ann-oncology")
    shutil.copytree(neurology, parent / "bob-neurology")
    (parent / "carl-broken").mkdir()
    (parent / "carl-broken" / "note.txt").write_text("Visit summary\nChief complaint: cough\n")
    (parent / ".hidden").mkdir()
    return parent


def dashboard(out: Path) -> dict[str, dict]:
    rows = csv.DictReader(io.StringIO((out / "dashboard.csv").read_text()))
    return {row["client"]: row for row in rows}


def test_batch_builds_every_client_and_survives_a_broken_one(clients, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "carl-broken").write_text("not a packet")  # its packet cannot be written
    before = tree_state(clients)
    result = run_batch(clients, out, OPTIONS, runtime=Runtime(jobs=2), cache_path="off")
    assert tree_state(clients) == before
    rows = dashboard(out)
    assert set(rows) == {"ann-oncology", "bob-neurology", "carl-broken"}
    assert (
        rows["carl-broken"]["status"] == "failed"
        and "not an intake packet" in (rows["carl-broken"]["reason"])
    )
    assert rows["ann-oncology"]["status"] == "complete"
    # the visit summary's assessment and follow-up satisfy the treatment plan; the neurology
    # list's own items are added (the records fit neurology)
    assert rows["bob-neurology"]["missing_items"] == "imaging questions brain_spine_mri eeg"
    assert int(rows["bob-neurology"]["documents"]) == 4
    assert (out / "ann-oncology" / "INDEX.HTM").is_file()
    html = (out / "DASHBOARD.HTM").read_text()
    assert 'href="ann-oncology/INDEX.HTM"' in html and "carl-broken" in html
    assert [r.client for r in result.rows] == ["ann-oncology", "bob-neurology", "carl-broken"]
    assert (out / "dashboard.csv").stat().st_mode & 0o077 == 0


def test_changed_only_rebuilds_just_the_changed_client(clients, tmp_path):
    out = tmp_path / "out"
    run_batch(clients, out, OPTIONS, runtime=Runtime(jobs=1), cache_path="off")
    first = dashboard(out)
    (clients / "bob-neurology" / "questions.txt").write_text(
        "Questions for the second opinion\n\nIs the MRI normal?\nShould I change my dose?\n"
    )
    run_batch(clients, out, OPTIONS, runtime=Runtime(jobs=1), changed_only=True, cache_path="off")
    second = dashboard(out)
    assert "not rebuilt" in second["ann-oncology"]["reason"]
    assert second["ann-oncology"]["last_run"] == first["ann-oncology"]["last_run"]
    assert "questions" not in second["bob-neurology"]["missing_items"]
    assert "not rebuilt" not in second["bob-neurology"]["reason"]


def test_batch_command_line(clients, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["batch", str(clients), "-o", str(out), "--no-cache", "--jobs", "2", "-s",
              "--appointment", "2026-11-25"],
    )  # fmt: skip
    assert result.exit_code == 5, result.output  # some clients are incomplete
    assert "ann-oncology\tcomplete" in result.output
    assert (out / "DASHBOARD.HTM").is_file()


# --- Dask -------------------------------------------------------------------------------


# A LocalCluster in this process (no worker processes, no dashboard) still resolves the local
# host name: sockets are allowed for these tests, and only to this machine.
@pytest.fixture
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1", "::1"])
def test_dask_run_equals_the_local_run(dask_client, neurology, oncology):
    for folder in (neurology, oncology):
        local = api.scan_folder(folder, OPTIONS, runtime=api.Runtime(executor=SerialExecutor()))
        remote = api.scan_folder(
            folder, OPTIONS, runtime=api.Runtime(executor=DaskExecutor(dask_client))
        )
        assert comparable(remote) == comparable(local)


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1", "::1"])
def test_dask_batch_equals_the_local_batch(dask_client, clients, tmp_path):
    local = run_batch(
        clients, tmp_path / "local", OPTIONS, runtime=Runtime(jobs=1), cache_path="off"
    )
    remote = run_batch(clients, tmp_path / "remote", OPTIONS, cache_path="off",
                       runtime=Runtime(executor=DaskExecutor(dask_client)))  # fmt: skip

    def rows(result):
        return [(r.client, r.status, r.documents, r.missing_items, r.errors, r.warnings)
                for r in result.rows]  # fmt: skip

    assert rows(remote) == rows(local)


def test_stored_run_is_used_only_for_the_same_inputs_and_packets_still_get_every_file(
    oncology, tmp_path
):
    with ExtractionCache(tmp_path / "cache.sqlite") as cache:
        first, _ = scan(oncology, cache)
        again, executor = scan(oncology, cache)
        assert executor.read == [] and comparable(again) == comparable(first)
        later = api.Options(appointment=APPOINTMENT.replace(year=2027))
        moved = api.scan_folder(
            oncology, later, runtime=api.Runtime(executor=SerialExecutor(), cache=cache)
        )
        assert moved.appointment == "2027-11-25" and moved.appointment != first.appointment
        stale = {i.id: i.status for i in moved.checklist}
        assert stale["test_results"] == "stale"  # recomputed, not the stored manifest
        out = tmp_path / "packet"
        manifest = api.build_packet(oncology, out, OPTIONS, runtime=api.Runtime(cache=cache))
    member = next(d for d in manifest.documents if "!/" in d.source)
    copies = packet_files(out, member)
    assert copies and (out / copies[0]).is_file()


def test_cache_off_means_no_cache_file_anywhere(tmp_path, neurology, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for word in ("off", "OFF", "none"):
        monkeypatch.setenv("INTAKE_CACHE", word)
        result = CliRunner().invoke(cli, ["scan", str(neurology), "-s"])
        assert result.exit_code == ExitCode.INCOMPLETE, result.output  # no questions
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_keeps_its_permissions(tmp_path, clients):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    with ExtractionCache(shared / "c.sqlite") as cache:
        cache.put(Source("a", Path("a"), "text/plain", "0" * 64, 1), ("text", "2"), [])
    assert shared.stat().st_mode & 0o777 == 0o755  # never chmod a folder intake did not make
    assert (shared / "c.sqlite").stat().st_mode & 0o077 == 0
    out = tmp_path / "existing-out"
    out.mkdir()
    out.chmod(0o755)
    run_batch(clients, out, OPTIONS, runtime=Runtime(jobs=1), cache_path="off")
    assert out.stat().st_mode & 0o777 == 0o755
    assert (out / "dashboard.csv").stat().st_mode & 0o077 == 0
