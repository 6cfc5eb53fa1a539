"""Faults of the run itself (where it reads, where it writes, what it is told), found by an
adversarial probe: each must end with its documented exit code and one line, never
"unexpected ..." (exit 1).

Folders the user cannot enter: root enters every folder, so as root the command runs with
the capability that lets it (CAP_DAC_OVERRIDE) dropped by `setpriv`, as the probe did."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

from intake.errors import ExitCode
from tests.conftest import ROOT

HANG_GUARD = 300  # seconds: a run that takes this long has hung; never a speed check


def _as_user(*command: str) -> list[str]:
    """`command` run without the power to enter any folder (root's override dropped)."""
    if os.geteuid() != 0:
        return list(command)
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: every folder can be entered")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *command]


def intake(*args: str, drop: bool = False, cwd: Path = ROOT, env: dict | None = None):
    """`python -m intake ARGS` in a subprocess (`drop`: as a user who cannot enter 000 folders)."""
    command = [sys.executable, "-m", "intake", *args]
    environment = {**os.environ, "INTAKE_CACHE": "off", "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        _as_user(*command) if drop else command,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        env=environment,
        cwd=cwd,
    )


def _records(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "note.txt").write_text("Visit summary\nChief complaint: cough\n")
    (folder / "questions.txt").write_text("Questions:\nWhat is the next step?\n")
    return folder


@pytest.fixture
def locked(tmp_path):
    """A folder nobody but root's override may enter; opened again after the test."""
    folder = tmp_path / "locked"
    folder.mkdir()
    yield folder
    folder.chmod(0o700)


def test_records_inside_a_folder_that_cannot_be_entered_are_input_unreadable(tmp_path, locked):
    records = _records(locked / "records")
    locked.chmod(0)
    for command in (("scan", str(records)), ("packet", str(records), "-o", str(tmp_path / "o"))):
        result = intake(*command, drop=True)
        assert result.returncode == ExitCode.INPUT_UNREADABLE, result.stderr
        assert "unexpected" not in result.stderr and "cannot be reached" in result.stderr
    assert not (tmp_path / "o").exists()


def test_a_packet_inside_a_folder_that_cannot_be_entered_is_cannot_write(tmp_path, locked):
    records = _records(tmp_path / "records")
    locked.chmod(0)
    out = locked / "packet"
    result = intake("packet", str(records), "-o", str(out), drop=True)
    assert result.returncode == ExitCode.CANNOT_WRITE, result.stderr
    assert result.stderr.strip() == f"Error: cannot write the packet to {out}: permission denied"


def test_batch_input_or_output_inside_a_folder_that_cannot_be_entered(tmp_path, locked):
    _records(tmp_path / "clients" / "smith")
    locked.chmod(0)
    result = intake("batch", str(tmp_path / "clients"), "-o", str(locked / "out"), drop=True)
    assert result.returncode == ExitCode.CANNOT_WRITE, result.stderr
    assert "cannot write the packets to" in result.stderr
    locked.chmod(0o700)
    shutil.move(tmp_path / "clients", locked / "clients")
    locked.chmod(0)
    result = intake("batch", str(locked / "clients"), "-o", str(tmp_path / "out"), drop=True)
    assert result.returncode == ExitCode.INPUT_UNREADABLE, result.stderr
    assert not (tmp_path / "out").exists()  # nothing made for a batch that cannot start


def _pdf(path: Path, line: str) -> None:
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(os.fsdecode(path))
    page.drawString(72, 720, line)
    page.save()


LATIN1 = os.fsdecode(b"-\xe9t\xe9")  # "-été" from an old Latin-1 disk: not UTF-8


def test_a_packet_whose_name_or_records_are_not_utf8_is_written_whole(tmp_path):
    """pikepdf took a path holding a non-UTF-8 byte as text and raised TypeError: the packet
    at such an OUT was lost (exit 1), and such a PDF record became a placeholder."""
    records = _records(tmp_path / "records")
    _pdf(records / f"visit{LATIN1}.pdf", "Plan: follow up in three months")
    out = tmp_path / f"packet{LATIN1}"
    result = intake("packet", str(records), "-o", str(out), "--appointment", "2026-11-25")
    assert result.returncode in (ExitCode.OK, ExitCode.INCOMPLETE), result.stderr
    assert "unexpected" not in result.stderr
    text = subprocess.run(
        ["pdftotext", "-layout", os.fsencode(out / "PACKET.PDF"), "-"],
        capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    assert "Plan: follow up in three months" in text  # the record itself, not a stand-in
    assert "damaged" not in text and "cannot be read" not in text


def test_batch_clients_named_like_its_files_or_not_utf8_each_get_a_packet(tmp_path):
    """A client folder named DASHBOARD.HTM took the dashboard's place (exit 1, no
    dashboard); one whose name is not UTF-8 ended the batch writing dashboard.csv."""
    parent = tmp_path / "clients"
    names = ["DASHBOARD.HTM", "dashboard.csv", f"client{LATIN1}", "Smith #2"]
    for name in names:
        _records(parent / name)
    out = tmp_path / "out"
    result = intake("batch", str(parent), "-o", str(out))
    assert result.returncode == ExitCode.INCOMPLETE, result.stderr
    rows = list(csv.DictReader(io.StringIO((out / "dashboard.csv").read_text(encoding="utf-8"))))
    shown = sorted(row["client"] for row in rows)
    assert shown == sorted(
        ["DASHBOARD.HTM (client)", "dashboard.csv (client)", "client-\\xe9t\\xe9", "Smith #2"]
    )
    assert all(row["status"] == "incomplete" for row in rows)
    assert (out / "DASHBOARD.HTM").is_file() and (out / "dashboard.csv").is_file()
    dashboard = (out / "DASHBOARD.HTM").read_text(encoding="utf-8")
    links = [part.split('"', 1)[0] for part in dashboard.split('<a href="')[1:]]
    assert len(links) == 4
    for link in links:
        assert (out / unquote(link)).is_file(), link  # every link opens its packet


@pytest.mark.parametrize(
    "state",
    ["null", "[]", '{"clients": 5}', '{"clients": [1]}', '{"clients": [{"client": ["a"]}]}',
     '{"clients": [{"client": "smith", "status": "complete", "packet": null}]}',
     '{"clients": [{"client": "smith", "status": "complete", "missing_items": [3]}]}'],
)  # fmt: skip
def test_batch_state_of_another_shape_is_ignored_and_the_client_rebuilt(tmp_path, state):
    parent = tmp_path / "clients"
    _records(parent / "smith")
    out = tmp_path / "out"
    assert intake("batch", str(parent), "-o", str(out)).returncode == ExitCode.INCOMPLETE
    (out / ".intake-batch.json").write_text(state)
    result = intake("batch", str(parent), "-o", str(out), "--changed-only")
    assert result.returncode == ExitCode.INCOMPLETE, result.stderr
    saved = json.loads((out / ".intake-batch.json").read_text())
    assert [row["client"] for row in saved["clients"]] == ["smith"]
    assert "not rebuilt" not in saved["clients"][0]["reason"]


def _touched(path: Path) -> None:
    """Written to after the walk, as a sync client does: same bytes, a new change time."""
    data = path.read_bytes()
    path.write_bytes(data)
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 10**9))


def test_an_xdm_document_touched_after_the_walk_is_a_finding_not_the_end(samples, tmp_path):
    """xdm.verify hashed the listed file in the main process: SourceChanged ended the run."""
    import zipfile

    from intake.scan import scan
    from intake.xdm import take_metadata, verify

    portal = samples / "oncology-testwell" / "Portal downloads"
    download = portal / "MyHealth_Download_2026-10-21.zip"
    with zipfile.ZipFile(download) as archive:
        archive.extractall(tmp_path / "records")
    result = scan(tmp_path / "records")
    listing = take_metadata(result)
    listed = sorted(listing.entries)
    assert listed, "the sample download lists its documents"
    _touched(tmp_path / "records" / listed[0])
    findings = verify(listing, [], {s.location: s for s in result.sources})
    said = [f.message for f in findings if f.code == "xdm-mismatch"]
    assert len(said) == 1 and listed[0] in said[0] and "changed after it was found" in said[0]


def test_a_disc_page_touched_after_the_walk_is_left_out_of_the_viewer_check(tmp_path):
    """disc._linked_from_pages read the disc's INDEX.HTM in the main process: SourceChanged
    from a page touched since the walk ended the run."""
    from intake.disc import take_viewer
    from intake.scan import scan

    disc = tmp_path / "records" / "disc"
    disc.mkdir(parents=True)
    (disc / "DICOMDIR").write_bytes(b"\0" * 128 + b"DICM")
    (disc / "INDEX.HTM").write_text('<html><a href="README.TXT">readme</a></html>')
    (disc / "README.TXT").write_text("Disc readme\n")
    result = scan(tmp_path / "records")
    _touched(disc / "INDEX.HTM")
    skipped, _ = take_viewer(result)  # raised SourceChanged
    assert "disc/INDEX.HTM" in [s.path for s in skipped]  # an index page of the disc still
