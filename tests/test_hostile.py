"""Health data under hostile input: every case of the corpus has a named outcome, nothing
outside the folder is read, nothing changes, nothing leaks, a killed run leaves no packet."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake import api
from intake.batch import run_batch
from intake.cli import cli
from intake.errors import ExitCode
from intake.executors import LocalExecutor
from intake.extractors import EXTRACTORS
from intake.extractors.base import Extractor
from intake.model import Document
from intake.runtime import FileLimits
from intake.scan import is_packet
from tests.conftest import APPOINTMENT, ROOT, load_generator

make_hostile = load_generator(ROOT / "tests" / "hostile" / "make_hostile.py")


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Size, mtime and SHA-256 of every regular file we may read (links and pipes left as is)."""
    import hashlib
    import stat

    state = {}
    for current, _folders, files in os.walk(folder):
        for name in files:
            path = Path(current) / name
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                continue
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                digest = "unreadable"
            state[os.fsdecode(path)] = (info.st_size, info.st_mtime_ns, digest)
    return state


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile") / "corpus"
    cases = make_hostile.build(root)
    return root, cases


@pytest.fixture(scope="module")
def outcome(corpus):
    root, _ = corpus
    before = snapshot(root.parent)
    result = CliRunner().invoke(cli, ["scan", str(root), "--json", "-s", "--with-text"])
    after = snapshot(root.parent)
    return result, json.loads(result.stdout), before, after


def test_the_corpus_has_at_least_forty_cases(corpus):
    _, cases = corpus
    assert len(cases) >= 40
    assert len({c.name for c in cases}) == len(cases)


def test_the_run_finishes_with_problems_and_no_traceback(outcome):
    result, manifest, _, _ = outcome
    assert result.exit_code == 5
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert manifest["schema"] == "intake.manifest/1"


def test_nothing_outside_the_folder_is_read_and_nothing_changes(outcome):
    result, _, before, after = outcome
    assert make_hostile.SECRET not in result.stdout + result.stderr
    assert after == before


def _outcome_of(case, manifest) -> tuple[str, str] | None:
    """Where the case shows up in the manifest and with which reason (the kind of outcome
    the case expects is looked for first: a zip both read and refused shows its refusal)."""
    found: list[tuple[str, str]] = []
    for finding in manifest["findings"]:
        if case.name in finding["message"] and finding["code"] != "duplicate-file":
            found.append(("finding", finding["message"]))
    for skipped in manifest["skipped"]:
        if skipped["path"] == case.name or skipped["path"].startswith(case.name + "/"):
            found.append(("skipped", skipped["reason"]))
    for document in manifest["documents"]:
        sources = [document["source"], *(ref["source"] for ref in document["files"])]
        if any(s == case.name or s.startswith(case.name + "!/") for s in sources):
            reasons = " ".join(document["warnings"]) + " " + document["media_type"]
            kind = document["kind"]
            where = "unreadable" if kind == "unreadable" else "other" if kind == "other" else "read"
            found.append((where, reasons))
    if case.where == "read":  # a file read normally may still be "other" (a photo, no text)
        found = [("read" if w == "other" else w, r) for w, r in found]
    exact = [item for item in found if item[0] == case.where and case.reason in item[1]]
    preferred = [item for item in found if item[0] == case.where]
    return (exact or preferred or found or [None])[0]


def pytest_generate_tests(metafunc):
    if "case_name" in metafunc.fixturenames:
        import tempfile

        with tempfile.TemporaryDirectory() as temp:
            names = [c.name for c in make_hostile.build(Path(temp) / "corpus")]
        metafunc.parametrize("case_name", names)


def test_each_case_has_its_specific_outcome(corpus, outcome, case_name):
    _, cases = corpus
    case = next(c for c in cases if c.name == case_name)
    _, manifest, _, _ = outcome
    found = _outcome_of(case, manifest)
    assert found is not None, f"{case.name} is not listed anywhere"
    where, reason = found
    assert where == case.where, (case.name, where, reason)
    assert case.reason in reason, (case.name, reason)


def test_a_packet_of_the_corpus_is_written_and_holds_no_outside_content(corpus, tmp_path):
    root, _ = corpus
    before = snapshot(root.parent)
    out = tmp_path / "packet"
    result = CliRunner().invoke(cli, ["packet", str(root), "-o", str(out), "-s"])
    assert result.exit_code == 5, result.output
    assert snapshot(root.parent) == before
    for path in out.rglob("*"):
        if path.is_file():
            assert make_hostile.SECRET.encode() not in path.read_bytes(), path
            assert path.stat().st_mode & 0o077 == 0, path


class Hanging(Extractor):
    """An extractor that never returns for files named hang*: a parser stuck on a file."""

    name = "hanging"
    priority = -1.0
    media_types = frozenset({"text/plain"})

    def accepts(self, source):
        return source.location.startswith("hang")

    def extract(self, source):
        time.sleep(3600)
        return []


class Crashing(Extractor):
    """An extractor that kills its process for files named crash*: a parser segfaulting."""

    name = "crashing"
    priority = -1.0
    media_types = frozenset({"text/plain"})

    def accepts(self, source):
        return source.location.startswith("crash")

    def extract(self, source):
        os.kill(os.getpid(), signal.SIGKILL)
        return []


def test_a_hanging_reader_in_batch_is_stopped_at_the_same_file_limit(tmp_path):
    """Batch runs clients in parallel, and each client's files keep the per-file limit."""
    parent = tmp_path / "clients"
    for name in ("ann", "bob"):
        (parent / name).mkdir(parents=True)
        (parent / name / "hang.txt").write_text("Visit summary\n")
        (parent / name / "note.txt").write_text("Visit summary\nChief complaint: cough\n")
    runtime = api.Runtime(extractors=(Hanging(), *EXTRACTORS), limits=FileLimits(seconds=2), jobs=2)
    started = time.monotonic()
    result = run_batch(
        parent, tmp_path / "out", api.Options(appointment=APPOINTMENT), runtime=runtime,
        cache_path="off",
    )  # fmt: skip
    assert time.monotonic() - started < 60  # a hang guard: before, batch never stopped it
    assert [row.client for row in result.rows] == ["ann", "bob"]
    for row in result.rows:
        assert (row.status, row.unreadable_files, row.documents) == ("incomplete", 1, 2)
        manifest = json.loads(
            (tmp_path / "out" / row.client / "EXTRA" / "manifest.json").read_text()
        )
        by_source = {d["source"]: d for d in manifest["documents"]}
        assert by_source["hang.txt"]["kind"] == "unreadable"
        assert "took longer than 2 s: stopped" in by_source["hang.txt"]["warnings"][0]
        assert by_source["note.txt"]["kind"] == "visit_summary"


class CountingHang(Extractor):
    """Notes each attempt in a file, then hangs: a PDF (read alone) stuck in its parser."""

    name = "counting-hang"
    priority = -1.0
    media_types = frozenset({"application/pdf"})

    def __init__(self, log: Path) -> None:
        self.log = log

    def extract(self, source):
        with open(self.log, "a") as attempts:
            attempts.write(f"{source.location}\n")
        time.sleep(3600)
        return []


def test_a_file_read_alone_that_times_out_is_not_run_a_second_time(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "stuck.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    attempts = tmp_path / "attempts.txt"
    runtime = api.Runtime(
        extractors=(CountingHang(attempts), *EXTRACTORS),
        executor=LocalExecutor(2, timeout=2, memory_limit=2**31),
    )
    manifest = api.scan_folder(folder, api.Options(appointment=APPOINTMENT), runtime=runtime)
    (document,) = manifest.documents
    assert "took longer than 2 s: stopped" in document.warnings[0]
    assert attempts.read_text().splitlines() == ["stuck.pdf"]  # once: the limit, not twice it


def test_a_file_that_hangs_or_crashes_its_reader_is_stopped_and_reported(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "hang.txt").write_text("Visit summary\n")
    (folder / "crash.txt").write_text("Visit summary\n")
    (folder / "fine.txt").write_text("Visit summary\nChief complaint: cough\n")
    runtime = api.Runtime(
        extractors=(Hanging(), Crashing(), *EXTRACTORS),
        executor=LocalExecutor(2, timeout=2, memory_limit=2**31),
    )
    started = time.monotonic()
    manifest = api.scan_folder(folder, api.Options(appointment=APPOINTMENT), runtime=runtime)
    assert time.monotonic() - started < 60
    by_source = {d.source: d for d in manifest.documents}
    assert by_source["hang.txt"].kind == "unreadable"
    assert "took longer than 2 s: stopped" in by_source["hang.txt"].warnings[0]
    assert by_source["crash.txt"].kind == "unreadable"
    assert "crashed" in by_source["crash.txt"].warnings[0]
    assert by_source["fine.txt"].kind == "visit_summary"


def test_a_time_limited_map_ends_its_workers_and_leaves_pebble_as_it_found_it():
    """pebble's threads look at the pool every POLL seconds while a map runs (its stop
    waited out a 0.1 s poll at the end of every map); afterwards pebble's own interval is
    back, and every worker of the map is gone."""
    import multiprocessing

    from pebble.common import CONSTS

    from intake.executors import POLL

    interval = CONSTS.sleep_unit
    children = set(multiprocessing.active_children())
    results = LocalExecutor(2, timeout=30, memory_limit=2**31).map(
        str, [1, 2, 3], on_timeout=lambda item, err: None
    )
    assert next(results) == "1"
    assert CONSTS.sleep_unit == POLL < interval
    assert list(results) == ["2", "3"]
    assert CONSTS.sleep_unit == interval
    assert set(multiprocessing.active_children()) <= children


def test_light_items_travel_together_up_to_a_weight_heavy_ones_alone():
    """A batch's results come back as one message, under one time limit: light items go
    together up to BATCH items and BATCH_WEIGHT of weight (files' sizes), so forty 20 MB
    text files are not one 800 MB message whose overrun runs every file twice."""
    from intake.executors import BATCH_WEIGHT, plan_batches

    big = BATCH_WEIGHT // 2 + 1
    items = [("t", 10), ("t", 10), ("pdf", 10), ("t", big), ("t", big), ("t", BATCH_WEIGHT * 2),
             ("t", 1), ("t", 1), ("t", 1)]  # fmt: skip
    batches = plan_batches(
        items, 2, heavy=lambda item: item[0] == "pdf", weight=lambda item: item[1]
    )
    assert [[weight for _, weight in batch] for batch in batches] == [
        [10, 10], [10], [big], [big], [BATCH_WEIGHT * 2], [1, 1], [1],
    ]  # fmt: skip


def test_text_files_are_batched_by_their_size(tmp_path, monkeypatch):
    """Through the runtime's weight: files whose sizes add up past BATCH_WEIGHT travel
    apart, tiny ones together."""
    from intake import executors
    from intake.runtime import bytes_read
    from intake.scan import scan

    for number in range(4):
        (tmp_path / f"note{number}.txt").write_text(f"Note {number}\n" + "x" * 1000)
    sources = scan(tmp_path).sources
    assert len(executors.plan_batches(sources, 1024, lambda s: False, bytes_read)) == 1
    monkeypatch.setattr(executors, "BATCH_WEIGHT", 2 * sources[0].size)
    batches = executors.plan_batches(sources, 1024, lambda s: False, bytes_read)
    assert [len(batch) for batch in batches] == [2, 2]


def test_logs_name_files_and_reasons_but_never_record_contents(oncology):
    result = CliRunner().invoke(cli, ["--debug", "scan", str(oncology), "-s"])
    logs = result.stderr
    assert "Testwell" not in logs and "TESTWELL" not in logs
    for value in ("52.1", "10.9 g/dL", "Anastrozole", "ZZ-0000123"):
        assert value not in logs


def _packet_process(folder: Path, out: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "INTAKE_CACHE": "off"}
    packet = [sys.executable, "-m", "intake", "packet", str(folder), "-o", str(out), "-s"]
    return subprocess.Popen(
        [*packet, "--appointment", APPOINTMENT.isoformat(), *extra],  # so the exit code is known
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )


def _kill_when_writing(process: subprocess.Popen, parent: Path, name: str) -> None:
    """SIGKILL the run once its hidden partial packet exists (or after 20 s)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.poll() is None:
        if any(p.name.startswith(f".{name}.partial-") for p in parent.iterdir()):
            time.sleep(0.05)
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_a_killed_packet_run_leaves_no_packet_and_the_next_run_succeeds(oncology, tmp_path):
    out = tmp_path / "PACKET"
    _kill_when_writing(_packet_process(oncology, out), tmp_path, out.name)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith(".") and is_packet(p)]
    done = _packet_process(oncology, out)
    assert done.wait(timeout=300) == ExitCode.OK  # the oncology folder has every item
    assert is_packet(out)


def test_an_existing_packet_is_never_half_overwritten(oncology, tmp_path):
    out = tmp_path / "PACKET"
    assert _packet_process(oncology, out).wait(timeout=300) == ExitCode.OK
    before = snapshot(out)
    _kill_when_writing(_packet_process(oncology, out, "--force"), tmp_path, out.name)
    assert snapshot(out) == before  # the old packet, whole


def test_documents_round_trip_through_json():
    document = Document(source="a", sha256=None, size=0, media_type="text/plain", kind="other")
    assert Document.from_dict(document.to_dict(with_text=True)) == document
