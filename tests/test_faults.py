"""Issue 19: one bad file or one fault never ends the run. Each case of the fault corpus
(tests/faults/make_faults.py) has its required outcome: the run finishes with the normal exit
code, the bad item is named with its reason, the other documents are read.

Runs that could hang if a fault came back (a quadratic expression, a lock) run `intake` in a
subprocess whose timeout is only a hang guard: nothing here asserts a duration."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from markupsafe import escape

from intake import api
from intake.batch import run_batch
from intake.cache import ExtractionCache
from intake.check import load_checklist
from intake.cli import cli
from intake.csv_cells import cell, csv_text
from intake.errors import CannotWrite, ExitCode, UsageError
from intake.executors import SerialExecutor
from intake.extractors.text import TextExtractor
from intake.model import CHANGED_WHILE_READ
from intake.packet.writer import write_packet
from intake.runtime import Runtime
from intake.safe_load import Refused, json_depth, load_json, parse_xml
from intake.terminal import shown
from tests.conftest import APPOINTMENT, ROOT, load_generator, packet_files, packet_index

HANG_GUARD = 300  # seconds: a run that takes this long has hung; never a speed check


make_faults = load_generator(ROOT / "tests" / "faults" / "make_faults.py")


def intake(
    *args: str, cache: str | Path = "off", timeout: float = HANG_GUARD, env: dict | None = None
):
    """`python -m intake ARGS` in a subprocess, this tree first on the path."""
    env = {**os.environ, "INTAKE_CACHE": str(cache), "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "intake", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    return (
        root,
        make_faults.build_records(root / "records"),
        make_faults.build_checklists(root / "checklists"),
    )


@pytest.fixture(scope="module")
def outcome(corpus):
    root, _, _ = corpus
    result = intake("scan", str(root / "records"), "--json", "-s", "--appointment", "2026-11-25")
    return result, json.loads(result.stdout)


# --- deep and huge structures, long lines -----------------------------------------------------


def test_the_corpus_run_finishes_with_problems_and_no_traceback(outcome):
    result, manifest = outcome
    assert result.returncode == ExitCode.INCOMPLETE, result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    assert manifest["schema"] == "intake.manifest/1"


def _outcome_of(case, manifest) -> tuple[str, str] | None:
    """The case's document (unreadable or read, with its warnings), else a finding naming it."""
    for document in manifest["documents"]:
        if document["source"] == case.name:
            where = "unreadable" if document["kind"] == "unreadable" else "read"
            return where, " ".join(document["warnings"])
    for finding in manifest["findings"]:
        if finding["message"].startswith(case.name) and finding["code"] != "duplicate-file":
            return "finding", finding["message"]
    return None


def pytest_generate_tests(metafunc):
    if "case_name" in metafunc.fixturenames:
        import tempfile

        with tempfile.TemporaryDirectory() as temp:
            names = [c.name for c in make_faults.build_records(Path(temp) / "records")]
        metafunc.parametrize("case_name", names, ids=[shown(n) for n in names])


def test_each_case_has_its_required_outcome(corpus, outcome, case_name):
    _, cases, _ = corpus
    case = next(c for c in cases if c.name == case_name)
    _, manifest = outcome
    found = _outcome_of(case, manifest)
    assert found is not None, f"{case.name!r} is not listed"
    where, reason = found
    assert where == case.where, (case.name, where, reason)
    assert case.reason in reason, (case.name, reason)


def test_the_good_files_beside_the_bad_ones_are_read(outcome):
    _, manifest = outcome
    kinds = {f["source"]: d["kind"] for d in manifest["documents"] for f in d["files"]}
    assert kinds["good-note.txt"] == "visit_summary"  # by any of its paths (identical files)
    assert kinds["xdm-metadata-10000-deep.zip!/IHE_XDM/SUBSET01/DOC0001.TXT"] == "visit_summary"
    medications = next(
        d for d in manifest["documents"] if d["source"] == "medications-long-line.txt"
    )["medications"]
    assert [m["name"] for m in medications] == ["Lisinopril"]
    labs = next(d for d in manifest["documents"] if d["source"] == "lab-long-line.txt")["labs"]
    assert ("Hemoglobin", "12.1") in {(lab["test"], lab["value"]) for lab in labs}


def test_a_packet_of_the_corpus_is_written(corpus, tmp_path):
    """The packet renders what scanning read: a 5,000-digit table span stays out of HTML."""
    root, _, _ = corpus
    out = tmp_path / "packet"
    result = intake("packet", str(root / "records"), "-o", str(out), "-s")
    assert result.returncode == ExitCode.INCOMPLETE, result.stderr
    readable = [p.read_text() for p in (out / "READABLE").glob("*.HTM")]
    assert any("Metformin" in page for page in readable)
    assert not any("9999" in page for page in readable)


def test_a_pasted_barcode_and_other_long_lines_next_to_a_note_are_scanned(tmp_path):
    """The 20,000-digit line that made the strength expression backtrack for minutes, and
    lines of other shapes that were quadratic (together over a minute before issue 19)."""
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "barcode.txt").write_text(make_faults.barcode() + "\n")
    (folder / "long-lines.txt").write_text(make_faults.long_lines())
    (folder / "note.txt").write_text("Visit summary\nChief complaint: cough\n")
    result = intake("scan", str(folder), "--json", "-s", "--executor", "serial", timeout=60)
    assert result.returncode == ExitCode.INCOMPLETE, result.stderr
    documents = {d["source"]: d for d in json.loads(result.stdout)["documents"]}
    assert documents["barcode.txt"]["kind"] == "other"
    assert documents["note.txt"]["kind"] == "visit_summary"
    assert ("Hemoglobin", "12.1") in {
        (r["test"], r["value"]) for r in documents["long-lines.txt"]["labs"]
    }


@pytest.mark.parametrize(
    ("data", "depth"),
    [
        (b'{"a": [1, {"b": []}]}', 4),
        (b'{"a": "[[[{{{", "b": "\\"[["}', 1),  # brackets and escaped quotes in strings
        (b"[]", 1),
        (b"7", 0),
        (b"[" * 50_000 + b"]" * 50_000, 50_000),
    ],
)
def test_json_depth_counts_brackets_outside_strings(data, depth):
    assert json_depth(data) == depth


def test_load_json_refuses_depth_size_and_runaway_numbers_and_parses_the_rest():
    assert load_json(b'{"value": -12345678901234567890, "x": [1.5]}') == {
        "value": -12345678901234567890,
        "x": [1.5],
    }
    with pytest.raises(Refused, match="nested 101 deep"):
        load_json(b"[" * 101 + b"]" * 101)
    with pytest.raises(Refused, match="1001 digits long"):
        load_json(b'{"v": ' + b"1" * 1001 + b"}")
    with pytest.raises(Refused, match="larger than 1 MB"):
        load_json(b"[" + b"0," * 2**20 + b"0]", max_bytes=2**20)
    with pytest.raises(json.JSONDecodeError):
        load_json(b'{"a": ')


def test_load_json_replaces_a_lone_utf16_half_and_keeps_an_escaped_pair():
    """JSON may escape half a UTF-16 pair alone (\\ud800); UTF-8 cannot write it, so every
    output of the document failed on it. A pair (an emoji) is one character and stays."""
    loaded = load_json(b'{"text": "a \\ud800 b \\ud83d\\ude00", "\\udfff": ["\\uDC00"]}')
    assert loaded == {"text": "a \ufffd b \U0001f600", "\ufffd": ["\ufffd"]}
    assert json.dumps(loaded, ensure_ascii=False).encode()  # writable as UTF-8


def test_parse_xml_refuses_depth_and_dtds_and_returns_the_tree():
    root = parse_xml(b"<a><b><c>x</c></b></a>")
    assert root.tag == "a" and root.find("b/c").text == "x"
    with pytest.raises(Refused, match="nested more than 3 deep"):
        parse_xml(b"<a><b><c><d/></c></b></a>", max_depth=3)
    with pytest.raises(Refused, match="unsafe XML"):
        parse_xml(b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')


# --- the packet: one document's failure is a note on it ---------------------------------------


def _links_resolve(out: Path) -> None:
    html = (out / "INDEX.HTM").read_text()
    links = [link for link in re.findall(r'href="([^"#][^"]*)"', html)]
    assert links and all((out / link.split("#")[0]).exists() for link in links), links
    check = subprocess.run(["sha256sum", "-c", "--quiet", "EXTRA/SHA256SUM.TXT"], cwd=out,
                           capture_output=True, text=True)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_dicom_study_with_10kb_descriptions_is_cut_in_the_pdf_and_whole_in_the_index(tmp_path):
    """reportlab raised LayoutError (a table row taller than a page) and the packet was lost."""
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "study.dcm").write_bytes(make_faults.long_text_dicom())
    (folder / "note.txt").write_text("Visit summary\nChief complaint: cough\n")
    out = tmp_path / "packet"
    manifest = api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    text = subprocess.run(["pdftotext", str(out / "PACKET.PDF"), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    last = make_faults.LONG_DESCRIPTION.split()[-2]
    pages = text.split("\f")
    timeline = next(page for page in pages if page.startswith("Timeline"))
    study = next(page for page in pages if "The images themselves are in" in page)
    for page in (timeline, study):  # a table cell, a heading and a subheading: cut
        assert "CT word1 word2 word3" in page and re.search(r"word\d*\u2026", page), (
            page
        )  # cut, maybe mid-word
        assert not re.search(rf"\b{last}\b", page)
    assert "Chief complaint: cough" in text  # the note's page is there too
    assert make_faults.LONG_DESCRIPTION in (out / "INDEX.HTM").read_text()
    (study,) = [d for d in manifest.documents if d.source == "study.dcm"]
    assert study.imaging[0].description == make_faults.LONG_DESCRIPTION
    assert packet_files(out, study) and not packet_index(out)[study.id]["notes"]
    _links_resolve(out)


def test_long_documents_are_laid_out_in_part_and_say_where_the_rest_is(tmp_path):
    """A C-CDA of 100,000 sections took 1.4 GB to lay out (reportlab holds every paragraph
    until the pages are done); a long text was cut at 200,000 characters without a word.
    Both are laid out up to 200,000 characters, then say where the whole is."""
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "visit.xml").write_bytes(make_faults.many_sections_ccda(6_000))
    (folder / "notes.txt").write_text("Visit summary\n" + "Stable, no change today.\n" * 12_000)
    out = tmp_path / "packet"
    manifest = api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    text = subprocess.run(["pdftotext", str(out / "PACKET.PDF"), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "Note 0" in text and "Note 5999" not in text
    cut = re.search(r"([\d,]+) more sections not laid out here", text)
    assert cut and 0 < int(cut[1].replace(",", "")) < 6_000
    assert "of its 300,014 characters: the whole text is in the original file, notes.txt" in text
    (cda,) = [d for d in manifest.documents if d.source == "visit.xml"]
    readable = packet_index(out)[cda.id]
    assert any("Note 5999" in (out / name).read_text() for name in _readable_pages(out))
    assert readable  # the document is in the index


def test_big_photos_are_drawn_upright_without_decoding_them_whole_here(tmp_path):
    """A 48-megapixel phone photo was decoded whole, turned and copied in the main process
    (690 MB), a 9000 x 9000 PNG took 1 GB. A JPEG is now decoded at a reduced scale; what
    still decodes to more than MAIN_PROCESS_PIXELS is drawn in a worker process."""
    import io as bytes_io

    from PIL import Image

    from intake.packet.photo_page import MAIN_PROCESS_PIXELS, decoded_pixels

    photo, scan = make_faults.phone_photo(), make_faults.huge_png(6_000)
    assert decoded_pixels(bytes_io.BytesIO(photo)) == 4_000 * 3_000  # JPEG at half scale
    assert decoded_pixels(bytes_io.BytesIO(scan)) > MAIN_PROCESS_PIXELS  # to a worker
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "phone.jpg").write_bytes(photo)
    (folder / "scan.png").write_bytes(scan)
    out = tmp_path / "packet"
    api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    listed = subprocess.run(["pdfimages", "-list", str(out / "PACKET.PDF")], check=True,
                            capture_output=True, text=True).stdout.splitlines()[2:]  # fmt: skip
    sizes = sorted((int(row.split()[3]), int(row.split()[4])) for row in listed)
    assert sizes == [(1800, 2400), (2400, 2400)]  # the photo upright (EXIF 6: portrait)
    with Image.open(bytes_io.BytesIO(photo)) as original:
        assert original.size == (8000, 6000)  # as stored: landscape


def test_records_pdfs_past_the_joining_budget_get_a_page_saying_where_they_are(
    tmp_path, monkeypatch
):
    """qpdf holds the pages of every record PDF it joins into PACKET.PDF in memory (a 200 MB
    scan took 742 MB, then 356 MB once joined from the packet's copy and written as made).
    Past JOINED_PDF_MAX bytes of them, a record's PDF gets a page naming its copy."""
    from intake.packet import packet_pdf

    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "first.pdf").write_bytes(make_faults._pdf(["Visit summary", "Cough, stable."]))
    (folder / "second.pdf").write_bytes(make_faults._pdf(["Discharge summary", "Home today."]))
    small = (folder / "first.pdf").stat().st_size
    monkeypatch.setattr(packet_pdf, "JOINED_PDF_MAX", small + 10)  # room for one of them
    out = tmp_path / "packet"
    manifest = api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    text = subprocess.run(["pdftotext", str(out / "PACKET.PDF"), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    joined = [phrase for phrase in ("Cough, stable.", "Home today.") if phrase in text]
    assert len(joined) == 1, text  # one record's own page, the other's stand-in
    assert "of the records' own PDFs, and this one" in " ".join(text.split())
    for document in manifest.documents:  # both copies are in the packet folder all the same
        assert (out / packet_files(out, document)[0]).is_file()
    only = tmp_path / "only.pdf"  # --only-pdf: no copy to point to, so both are joined
    api.build_packet(folder, only, api.Options(appointment=APPOINTMENT), layout="pdf")
    alone = subprocess.run(["pdftotext", str(only), "-"], capture_output=True, text=True,
                           check=True).stdout  # fmt: skip
    assert "Cough, stable." in alone and "Home today." in alone


def _readable_pages(out: Path) -> list[str]:
    return [str(page.relative_to(out)) for page in (out / "READABLE").glob("*.HTM")]


def test_a_lab_value_fhir_rejects_is_left_out_of_the_bundle_and_said(tmp_path):
    """A 400-digit value (within the JSON reader's limit) is no FHIR decimal: the Bundle
    failed its own validation and the packet was lost."""
    from fhir.resources.R4B.bundle import Bundle

    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "huge.json").write_text(make_faults._observation("9" * 400))
    (folder / "fine.json").write_text(make_faults._observation("13.2"))
    out = tmp_path / "packet"
    manifest = api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    data = json.loads((out / "EXTRA" / "fhir-bundle.json").read_text())
    Bundle.model_validate(data)
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds.count("DocumentReference") == 2 and kinds.count("Observation") == 1
    (kept,) = [
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    assert kept["valueQuantity"]["value"] == 13.2
    (huge,) = [d for d in manifest.documents if d.source == "huge.json"]
    assert huge.labs[0].value == "9" * 400  # the manifest keeps the value as read
    (note,) = packet_index(out)[huge.id]["notes"]
    assert note.startswith("huge.json: the Observation of Hemoglobin left out of "
                           "EXTRA/fhir-bundle.json (FHIR rejects valueQuantity.value")  # fmt: skip
    html = (out / "INDEX.HTM").read_text()
    assert escape(note) in html
    assert "EXTRA/fhir-bundle.json: 1 entry left out" in html


def test_a_file_gone_between_scan_and_packet_is_noted_and_the_rest_is_packed(tmp_path):
    """A report deleted and a photo replaced by other bytes after they were read: the copy
    step raised FileNotFoundError and the packet was lost."""
    folder = tmp_path / "records"
    folder.mkdir()
    report = make_faults._pdf(["Radiology report", "IMPRESSION: no acute findings"])
    (folder / "report.pdf").write_bytes(report)
    (folder / "study.dcm").write_bytes(make_faults.long_text_dicom())
    (folder / "note.txt").write_text("Visit summary\nChief complaint: cough\n")
    out = tmp_path / "packet"
    with api.open_folder(folder, api.Options(appointment=APPOINTMENT)) as reading:
        (folder / "report.pdf").unlink()
        write_packet(reading.manifest, reading.sources, out)
        documents = {d.source: d for d in reading.manifest.documents}
    index = packet_index(out)
    report = documents["report.pdf"]
    assert not packet_files(out, report)
    (note,) = index[report.id]["notes"]
    assert note == "report.pdf changed after it was found: not read"
    assert escape(note) in (out / "INDEX.HTM").read_text()
    for source in ("study.dcm", "note.txt"):
        assert packet_files(out, documents[source]), source
    text = subprocess.run(["pdftotext", str(out / "PACKET.PDF"), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "could not be included in this PDF" in text and "Chief complaint: cough" in text
    assert not list(out.rglob("*.partial*"))
    _links_resolve(out)


# --- reads after the walk: links, pipes and changes swapped in ---------------------------------


class Swapping(TextExtractor):
    """Reads text files, but first swaps the paths it is given (a file or a parent folder)
    for links to files outside the folder, as a change made while intake runs would."""

    def __init__(self, swaps: dict[str, tuple[Path, Path]]) -> None:
        self.swaps = swaps  # location -> (what to swap, where the link points)

    def extract(self, source):
        swap = self.swaps.pop(source.location, None)
        if swap:
            make_faults.swap_for_link(*swap)
        return super().extract(source)


def _records_and_secrets(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "records"
    (folder / "sub").mkdir(parents=True)
    (folder / "report.pdf").write_bytes(make_faults._pdf(["Radiology report", "IMPRESSION: clear"]))
    (folder / "note.txt").write_text("Visit summary\nChief complaint: cough\n")
    (folder / "sub" / "labs.txt").write_text("LABORATORY REPORT\nHemoglobin 12.1 g/dL\n")
    (folder / "plan.txt").write_text("Treatment plan\nFollow up in 3 months\n")
    return folder, make_faults.write_secrets(tmp_path / "elsewhere")


def _holds_secret(out: Path) -> list[str]:
    """The packet's files holding the secret's bytes (PACKET.PDF by its text)."""
    found = [p.name for p in out.rglob("*") if p.is_file() and make_faults.SECRET.encode()
             in p.read_bytes()]  # fmt: skip
    text = subprocess.run(["pdftotext", str(out / "PACKET.PDF"), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    return found + (["PACKET.PDF"] if make_faults.SECRET in text else [])


def test_files_and_folders_swapped_for_links_after_the_walk_stay_out_of_the_packet(tmp_path):
    """Copies followed links: a file (or its folder) replaced by a link to a file outside
    the records after the scan put that file in the packet."""
    folder, secrets = _records_and_secrets(tmp_path)
    out = tmp_path / "packet"
    with api.open_folder(folder, api.Options(appointment=APPOINTMENT)) as reading:
        make_faults.swap_for_link(folder / "report.pdf", secrets / "secret.pdf")
        make_faults.swap_for_link(folder / "note.txt", secrets / "secret.txt")
        make_faults.swap_for_link(folder / "sub", secrets / "sub")
        write_packet(reading.manifest, reading.sources, out)
        documents = {d.source: d for d in reading.manifest.documents}
    index = packet_index(out)
    for location in ("report.pdf", "note.txt", "sub/labs.txt"):
        document = documents[location]
        assert not packet_files(out, document), location
        assert index[document.id]["notes"] == [f"{location} changed after it was found: not read"]
        assert escape(index[document.id]["notes"][0]) in (out / "INDEX.HTM").read_text()
    assert packet_files(out, documents["plan.txt"])
    assert _holds_secret(out) == []
    _links_resolve(out)


def test_a_file_or_folder_swapped_for_a_link_while_files_are_read_is_never_read(tmp_path):
    """Extractors followed links: what the link pointed to was read and printed with
    --with-text. Now the document is unreadable, saying why."""
    folder, secrets = _records_and_secrets(tmp_path)
    swapping = Swapping({
        "note.txt": (folder / "note.txt", secrets / "secret.txt"),
        "sub/labs.txt": (folder / "sub", secrets / "sub"),
    })  # fmt: skip
    runtime = Runtime(extractors=(swapping,), executor=SerialExecutor())
    manifest = api.scan_folder(folder, api.Options(appointment=APPOINTMENT), runtime=runtime)
    assert swapping.swaps == {}  # both swaps happened
    text = json.dumps(manifest.to_contract(with_text=True))
    assert make_faults.SECRET not in text
    documents = {d.source: d for d in manifest.documents}
    for location in ("note.txt", "sub/labs.txt"):
        assert documents[location].kind == "unreadable"
        assert documents[location].warnings == (f"{location} changed after it was found: not read",)
    assert "Follow up" in documents["plan.txt"].text


def test_a_pipe_a_folder_or_nothing_in_place_of_a_walked_file_never_hangs_the_packet(tmp_path):
    """A FIFO swapped in hung the packet copy (open() waits for a writer); a file gone or
    replaced by a folder ended the run."""
    folder, _ = _records_and_secrets(tmp_path)
    out = tmp_path / "packet"
    script = (
        "import sys\nfrom pathlib import Path\nfrom intake import api\n"
        "from intake.packet.writer import write_packet\n"
        "from tests.faults.make_faults import swap_for_fifo\n"
        "folder, out = Path(sys.argv[1]), Path(sys.argv[2])\n"
        "with api.open_folder(folder) as reading:\n"
        "    swap_for_fifo(folder / 'note.txt')\n"
        "    (folder / 'plan.txt').unlink()\n"
        "    (folder / 'plan.txt').mkdir()\n"
        "    (folder / 'sub' / 'labs.txt').unlink()\n"
        "    write_packet(reading.manifest, reading.sources, out)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(folder), str(out)],
                            capture_output=True, text=True, timeout=HANG_GUARD, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "EXTRA" / "manifest.json").read_text())
    ids = {d["source"]: d["id"] for d in manifest["documents"]}
    index = packet_index(out)
    for location in ("note.txt", "plan.txt", "sub/labs.txt"):
        assert index[ids[location]]["notes"] == [f"{location} changed after it was found: not read"]
        assert index[ids[location]]["files"] == []
    assert index[ids["report.pdf"]]["files"]


class Changing(TextExtractor):
    """Reads text files; when told to, first rewrites the file in place (same size, its
    modification time put back) as a sync client might between the scan's hash and the read."""

    def __init__(self, log: Path, change: bool) -> None:
        self.log, self.change = log, change

    def extract(self, source):
        with self.log.open("a") as log:
            log.write(source.location + "\n")
        if self.change:
            before = os.stat(source.path)
            source.path.write_bytes(source.path.read_bytes().replace(b"cough", b"fever"))
            os.utime(source.path, ns=(before.st_atime_ns, before.st_mtime_ns))
        return super().extract(source)


def test_a_file_changed_between_its_hash_and_its_read_is_not_cached(tmp_path):
    """What was read was cached under the hash of the bytes before the change: the next run
    with the old bytes back was served the other bytes' reading."""
    folder = tmp_path / "records"
    folder.mkdir()
    note = folder / "note.txt"
    note.write_text("Visit summary\nChief complaint: cough\n")
    log = tmp_path / "reads.log"
    options = api.Options(appointment=APPOINTMENT)
    with ExtractionCache(tmp_path / "cache.sqlite") as cache:
        runtime = Runtime(extractors=(Changing(log, True),), executor=SerialExecutor(), cache=cache)
        first = api.scan_folder(folder, options, runtime=runtime).documents[0]
        assert "fever" in first.text  # what the file held when read...
        assert first.warnings == (CHANGED_WHILE_READ,)  # ...said, and not kept
        assert cache.info().entries == 0
        note.write_text("Visit summary\nChief complaint: cough\n")  # the hashed bytes back
        runtime = Runtime(
            extractors=(Changing(log, False),), executor=SerialExecutor(), cache=cache
        )
        second = api.scan_folder(folder, options, runtime=runtime).documents[0]
        assert "cough" in second.text and second.warnings == ()
        assert cache.info().entries == 1
    assert log.read_text().splitlines() == ["note.txt", "note.txt"]  # read again


def test_without_a_cache_a_file_changed_while_read_is_still_said(tmp_path):
    """With no cache to protect, the file is not hashed again after its read, but a write
    since the walk (its change time) is still found and said."""
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "note.txt").write_text("Visit summary\nChief complaint: cough\n")
    runtime = Runtime(
        extractors=(Changing(tmp_path / "reads.log", True),), executor=SerialExecutor()
    )
    (document,) = api.scan_folder(folder, api.Options(appointment=APPOINTMENT),
                                  runtime=runtime).documents  # fmt: skip
    assert document.warnings == (CHANGED_WHILE_READ,)


# --- checklists -------------------------------------------------------------------------------


def _bad_checklist_names() -> list[str]:
    import tempfile

    with tempfile.TemporaryDirectory() as temp:
        return [c.name for c in make_faults.build_checklists(Path(temp))]


@pytest.mark.parametrize("name", _bad_checklist_names())
def test_a_bad_checklist_is_a_usage_error_naming_file_reason_and_line(corpus, name):
    root, _, bad = corpus
    case = next(c for c in bad if c.name == name)
    path = root / "checklists" / name
    result = CliRunner().invoke(cli, ["scan", str(root / "records"), "--checklist", str(path)])
    assert result.exit_code == ExitCode.USAGE, result.output
    message = result.stderr
    assert message.startswith(f"Error: checklist {path}"), message
    assert case.reason in message, message
    if case.line:
        assert f"(line {case.line})" in message, message
    assert "unexpected" not in message


def test_a_bad_checklist_stops_the_run_before_any_file_is_read(corpus):
    root, _, _ = corpus

    class Counting(SerialExecutor):
        def __init__(self) -> None:
            self.read: list[str] = []

        def map(self, function, items):
            items = list(items)
            self.read.extend(str(item) for item in items)
            return super().map(function, items)

    executor = Counting()
    options = api.Options(checklist=root / "checklists" / "loop-a.toml", appointment=APPOINTMENT)
    with pytest.raises(UsageError, match="extends itself"):
        api.scan_folder(root / "records", options, runtime=api.Runtime(executor))
    assert executor.read == []


def test_a_checklist_extending_a_shipped_one_and_a_file_beside_it_still_loads(tmp_path):
    (tmp_path / "base.toml").write_text(
        'extends = "default"\n[[items]]\nid = "x"\nlabel = "X"\nkinds = ["referral"]\n'
        "max_age_days = 365\n"
    )
    (tmp_path / "mine.toml").write_text(
        'extends = "base.toml"\n[[items]]\nid = "y"\nlabel = "Y"\nkinds = ["insurance"]\n'
        'content = "(?i)member"\n'
    )
    checklist = load_checklist(tmp_path / "mine.toml")
    ids = [item.id for item in checklist.items]
    assert ids[:6] == ["records", "test_results", "imaging", "medications", "treatment_plan",
                       "questions"] and ids[-2:] == ["x", "y"]  # fmt: skip


def test_a_checklist_pattern_that_backtracks_forever_in_python_ends_at_once(tmp_path):
    """A checklist's `content` of nested repeats (`(x+x+)+y`) against a page of x's never
    ended: Python's `re` backtracks exponentially (found by a review; 30 x's take minutes).
    RE2 matches in time linear in the text: the run ends, and the item is simply missing."""
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "questions.txt").write_text("Questions for the visit\n" + "x" * 20_000 + "\n")
    checklist = tmp_path / "slow.toml"
    checklist.write_text(
        '[[items]]\nid = "q"\nlabel = "Questions"\nkinds = ["questions", "other"]\n'
        'content = "(x+x+)+y"\n'
    )
    result = intake("scan", str(folder), "--json", "-s", "--checklist", str(checklist),
                    "--appointment", "2026-11-25")  # fmt: skip
    assert result.returncode == ExitCode.INCOMPLETE, result.stderr
    manifest = json.loads(result.stdout)
    assert [d["kind"] in ("questions", "other") for d in manifest["documents"]] == [True]
    (item,) = manifest["checklist"]
    assert (item["id"], item["status"]) == ("q", "missing")  # read, and it did not match
    (folder / "questions.txt").write_text("Questions for the visit\nxxy\n")
    again = intake("scan", str(folder), "--json", "-s", "--checklist", str(checklist),
                   "--appointment", "2026-11-25")  # fmt: skip
    (item,) = json.loads(again.stdout)["checklist"]
    assert item["status"] == "present"


# --- the cache --------------------------------------------------------------------------------


@pytest.fixture
def small(tmp_path) -> Path:
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "note.txt").write_text("Visit summary\nChief complaint: cough\n")
    (folder / "labs.txt").write_text("LABORATORY REPORT\nHemoglobin 12.1 g/dL 11.5-15.5\n")
    return folder


def _scan(folder: Path, cache: str | Path, timeout: float = HANG_GUARD):
    result = intake("scan", str(folder), "--json", "-s", "--appointment", "2026-11-25",
                    cache=cache, timeout=timeout)  # fmt: skip
    manifest = json.loads(result.stdout) if result.stdout.strip() else None
    return result, manifest


def _kinds(manifest) -> dict[str, str]:
    return {d["source"]: d["kind"] for d in manifest["documents"]}


def test_a_corrupt_cache_is_moved_aside_and_rebuilt_with_one_warning(small, tmp_path):
    normal, expected = _scan(small, "off")
    cache = tmp_path / "cache" / "c.sqlite"
    _scan(small, cache)
    assert make_faults.damage_sqlite(cache) >= 2
    (small / "new.txt").write_text("Visit summary\nChief complaint: fever\n")
    result, manifest = _scan(small, cache)
    assert result.returncode == normal.returncode == ExitCode.INCOMPLETE, result.stderr
    assert _kinds(manifest) == {**_kinds(expected), "new.txt": "visit_summary"}
    assert result.stderr.count("was damaged") == 1, result.stderr
    assert "database disk image is malformed" in result.stderr
    aside = [p for p in cache.parent.iterdir() if p.name.startswith("c.sqlite.damaged-")]
    assert aside and all(p.stat().st_mode & 0o077 == 0 for p in aside)
    again, manifest = _scan(small, cache)  # the new cache works: no warning
    assert again.returncode == normal.returncode and again.stderr == ""
    assert _kinds(manifest)["new.txt"] == "visit_summary"


def test_a_cache_file_that_is_not_a_database_is_moved_aside(small, tmp_path):
    normal, expected = _scan(small, "off")
    cache = tmp_path / "c.sqlite"
    cache.write_bytes(os.urandom(8192))
    cache.chmod(0o600)
    result, manifest = _scan(small, cache)
    assert result.returncode == normal.returncode, result.stderr
    assert _kinds(manifest) == _kinds(expected)
    assert result.stderr.count("was damaged (file is not a database)") == 1, result.stderr


@pytest.mark.parametrize("where", ["under-a-file", "a-folder-in-its-place", "no-permission"])
def test_a_cache_that_cannot_be_opened_is_skipped_with_one_warning(small, tmp_path, where):
    normal, expected = _scan(small, "off")
    if where == "under-a-file":
        (tmp_path / "plain").write_text("x")
        cache = tmp_path / "plain" / "c.sqlite"
    elif where == "a-folder-in-its-place":
        cache = tmp_path / "cachedir"
        (cache / "extraction-cache.sqlite").mkdir(parents=True)
    else:
        if os.geteuid() == 0:
            pytest.skip("root reads files whatever their permissions")
        cache = tmp_path / "c.sqlite"
        _scan(small, cache)
        cache.chmod(0)
    result, manifest = _scan(small, cache)
    assert result.returncode == normal.returncode, result.stderr
    assert _kinds(manifest) == _kinds(expected)
    warnings = [line for line in result.stderr.splitlines() if "cache" in line]
    assert len(warnings) == 1 and "going on without it" in warnings[0], result.stderr


@pytest.mark.parametrize("made_by", ["intake", "another-program"])
def test_a_cache_locked_by_another_process_is_waited_for_briefly_then_left(
    small, tmp_path, made_by
):
    normal, expected = _scan(small, "off")
    cache = tmp_path / "c.sqlite"
    if made_by == "intake":  # WAL mode, as intake leaves it: reads go on, writes wait
        _scan(small, cache)
        (small / "new.txt").write_text("Visit summary\nChief complaint: fever\n")
        expected = {**_kinds(expected), "new.txt": "visit_summary"}
    else:  # a rollback-journal database: even reading waits
        expected = _kinds(expected)
    holder = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "faults" / "make_faults.py"), "hold", str(cache)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result, manifest = _scan(small, cache, timeout=120)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert result.returncode == normal.returncode, result.stderr
    assert _kinds(manifest) == expected
    warnings = [line for line in result.stderr.splitlines() if "cache" in line]
    assert len(warnings) == 1 and "locked by another process" in warnings[0], result.stderr


# --- CSV cells and the terminal ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x.invalid","open")', '\'=HYPERLINK("http://x.invalid","open")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\uff1d1+1", "'\uff1d1+1"),  # a full-width equals sign
        ("-3.5", "-3.5"),
        ("+7", "+7"),
        ("Metformin 500 mg", "Metformin 500 mg"),
        (None, ""),
        (12, "12"),
    ],
)
def test_csv_cells_never_start_a_formula(value, written):
    assert cell(value) == written


def test_the_dashboard_csv_writes_a_formula_client_name_as_text(tmp_path):
    parent = tmp_path / "clients"
    name = '=HYPERLINK("x.invalid","open")'
    for client in (name, "plain"):
        (parent / client).mkdir(parents=True)
        (parent / client / "note.txt").write_text("Visit summary\nChief complaint: cough\n")
    out = tmp_path / "out"
    run_batch(
        parent, out, api.Options(appointment=APPOINTMENT), runtime=Runtime(jobs=1), cache_path="off"
    )
    rows = list(csv.reader(io.StringIO((out / "dashboard.csv").read_text())))
    clients = [row[0] for row in rows[1:]]
    assert "'" + name in clients and name not in clients and "plain" in clients
    assert csv_text(["a"], [[name]]) == f'a\r\n"\'{name.replace(chr(34), chr(34) * 2)}"\r\n'


def test_file_names_with_escape_sequences_are_shown_escaped(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / make_faults.ESC_NAME).write_text("Visit summary\nChief complaint: cough\n")
    damaged = "bad\x1b[2J\r.pdf"
    (folder / damaged).write_bytes(b"%PDF-1.4\nnot really a PDF")
    result = intake("scan", str(folder), "-s")
    out = result.stdout + result.stderr
    assert result.returncode == ExitCode.INCOMPLETE, out
    assert not any(ch in out for ch in "\x1b\x07\r"), repr(out)
    assert shown(make_faults.ESC_NAME) in result.stdout
    assert r"bad\x1b[2J\r.pdf: unreadable" in result.stderr  # the log line names it escaped
    assert shown("a\u202egnp.exe\tb\x9b") == "a\\u202egnp.exe\\tb\\x9b"
    shutil.rmtree(folder)


# --- the output: full, read-only, gone; --force; SIGTERM --------------------------------------


@pytest.fixture
def mounted(tmp_path):
    """mount(options) -> a fresh tmpfs folder mounted with `options` (root only; else skip)."""
    mounts: list[Path] = []

    def mount(options: str) -> Path:
        where = tmp_path / f"mnt{len(mounts)}"
        where.mkdir()
        if os.geteuid() != 0:
            pytest.skip("mounting a small file system needs root")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                              capture_output=True)  # fmt: skip
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr!r}")
        mounts.append(where)
        return where

    yield mount
    for where in mounts:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _cannot_write(result, out: Path, reason: str) -> None:
    """The run ended with CANNOT_WRITE, one line naming OUT and the reason, nothing left."""
    assert result.returncode == ExitCode.CANNOT_WRITE, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [f"Error: cannot write the packet to {out}: {reason}"], result.stderr
    assert not out.exists()
    if out.parent.is_dir():
        assert not [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]


@pytest.mark.parametrize("layout", ["folder", "zip"])
def test_a_full_output_file_system_is_one_line_and_leaves_nothing(small, mounted, layout):
    (small / "big-note.txt").write_text("Visit summary\n" + "Chief complaint: cough\n" * 20_000)
    disk = mounted("size=64k,mode=0700")
    out = disk / ("packet.zip" if layout == "zip" else "packet")
    temp = small.parent / "tmp"
    temp.mkdir()
    extra = ["--zip"] if layout == "zip" else []
    result = intake("packet", str(small), "-o", str(out), "-s", *extra, env={"TMPDIR": str(temp)})
    _cannot_write(result, out, "no space left on device")
    assert list(disk.iterdir()) == [] and list(temp.iterdir()) == []


def test_a_full_disk_under_a_scans_text_layer_is_an_oserror_not_an_abort(tmp_path):
    """The scan's invisible OCR layer is written by qpdf into a file of the private partial
    folder; a write error there (a full disk: here the file-size limit, EFBIG) raised inside
    qpdf's write and aborted the process (SIGABRT, found by a review). The error is kept and
    raised as an OSError once qpdf is done."""
    import pikepdf

    scan = tmp_path / "scan.pdf"
    with pikepdf.new() as blank:  # 40 pages without text: scans, each given its OCR text
        for _ in range(40):
            blank.add_blank_page()
        blank.save(scan)
    code = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from intake.packet import text_layer\n"
        "text = '\\f'.join(f'page {i} scanned words ' * 40 for i in range(40))\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))\n"
        "try:\n"
        "    text_layer.add_to_scans(Path(sys.argv[1]), text, Path(sys.argv[2]))\n"
        "except OSError as err:\n"
        "    print('OSError', err.errno)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(scan), str(tmp_path / "D0001.pdf")],
                          capture_output=True, text=True, env={**os.environ,
                          "PYTHONPATH": str(ROOT)}, timeout=HANG_GUARD)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["OSError", str(errno.EFBIG)], done.stdout + done.stderr


def test_a_read_only_output_folder_is_one_line_and_leaves_nothing(small, tmp_path, mounted):
    if os.geteuid() == 0:  # root writes whatever the mode: a read-only file system instead
        folder = mounted("ro,size=64k")
        reason = "read-only file system"
    else:
        folder = tmp_path / "read-only"
        folder.mkdir(mode=0o500)
        reason = "permission denied"
    for out in (folder / "packet", folder / "new" / "packet"):
        result = intake("packet", str(small), "-o", str(out), "-s")
        _cannot_write(result, out, reason)
    assert list(folder.iterdir()) == []


def test_an_output_folder_that_vanishes_during_the_run_is_cannot_write(small, tmp_path):
    parent = tmp_path / "gone"
    out = parent / "packet"

    def progress(stage, done, total, name):
        if stage == "pdf":  # the packet is half written: its folder goes (a USB stick pulled)
            shutil.rmtree(parent)

    with pytest.raises(CannotWrite, match=r"cannot write the packet to .*: no such file") as err:
        api.build_packet(small, out, api.Options(appointment=APPOINTMENT), progress=progress)
    assert err.value.exit_code == ExitCode.CANNOT_WRITE
    assert not parent.exists()


def _random_pdf(path: Path) -> None:
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), invariant=1)
    pdf.drawString(72, 720, "My own download: not a packet")
    pdf.save()


def _random_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photos/one.txt", "a client's own zip")
        archive.writestr("EXTRA/manifest.json", '{"schema": "something.else/1"}')


@pytest.mark.parametrize(("flag", "make"), [("--only-pdf", _random_pdf), ("--zip", _random_zip)])
def test_force_refuses_a_pdf_or_zip_intake_did_not_write(small, tmp_path, flag, make):
    out = tmp_path / ("mine.pdf" if flag == "--only-pdf" else "mine.zip")
    make(out)
    before = out.read_bytes()
    result = intake("packet", str(small), "-o", str(out), flag, "--force", "-s")
    assert result.returncode == ExitCode.USAGE, result.stderr
    assert f"Error: {out} exists and is not a" in result.stderr and "not replacing it" in (
        result.stderr
    )
    assert out.read_bytes() == before


@pytest.mark.parametrize("flag", ["--only-pdf", "--zip"])
def test_force_replaces_an_earlier_intake_pdf_or_zip(small, tmp_path, flag):
    out = tmp_path / ("packet.pdf" if flag == "--only-pdf" else "packet.zip")
    first = intake("packet", str(small), "-o", str(out), flag, "-s")
    assert first.returncode == ExitCode.INCOMPLETE, first.stderr
    (small / "more.txt").write_text("Visit summary\nChief complaint: fever\n")
    again = intake("packet", str(small), "-o", str(out), flag, "--force", "-s")
    assert again.returncode == ExitCode.INCOMPLETE, again.stderr
    if flag == "--zip":
        with zipfile.ZipFile(out) as archive:
            manifest = json.loads(archive.read("EXTRA/manifest.json"))
        assert "more.txt" in {d["source"] for d in manifest["documents"]}
    else:
        import pikepdf

        with pikepdf.open(out) as pdf:
            assert str(pdf.docinfo["/IntakePacket"]).startswith("intake ")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _look_alike_packet(out: Path) -> None:
    """A folder of someone else's with an INDEX.HTM and an EXTRA/manifest.json."""
    (out / "EXTRA").mkdir(parents=True)
    (out / "INDEX.HTM").write_text("<p>my website</p>")
    (out / "EXTRA/manifest.json").write_text('{"schema": "my.site/2"}')
    (out / "taxes-2025.xlsx").write_bytes(b"PK not really")


def test_force_refuses_a_folder_that_only_looks_like_a_packet(small, tmp_path):
    """--force replaced any folder holding an INDEX.HTM (found by a review: a web site's
    folder, a user's taxes beside it, all gone). Only a packet intake wrote is replaced."""
    out = tmp_path / "site"
    _look_alike_packet(out)
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = intake("packet", str(small), "-o", str(out), "--force", "-s")
    assert result.returncode == ExitCode.USAGE, result.stderr
    assert f"Error: {out} exists and is not an intake packet: not replacing it" in result.stderr
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_force_keeps_a_packet_the_user_added_a_file_to(small, tmp_path):
    """An earlier packet is replaced with --force; once the user put a file of their own in
    it (notes for the visit) it is not intake's alone, and is kept whole."""
    out = tmp_path / "packet"
    assert intake("packet", str(small), "-o", str(out), "-s").returncode == ExitCode.INCOMPLETE
    again = intake("packet", str(small), "-o", str(out), "--force", "-s")
    assert again.returncode == ExitCode.INCOMPLETE, again.stderr  # intake's own: replaced
    (out / "EXTRA/my-notes.txt").write_text("ask about the MRI")
    refused = intake("packet", str(small), "-o", str(out), "--force", "-s")
    assert refused.returncode == ExitCode.USAGE, refused.stderr
    assert "is not an intake packet: not replacing it" in refused.stderr
    assert (out / "EXTRA/my-notes.txt").read_text() == "ask about the MRI"
    assert (out / "INDEX.HTM").is_file()
    (out / "EXTRA/my-notes.txt").unlink()  # intake's own again: replaced
    again = intake("packet", str(small), "-o", str(out), "--force", "-s")
    assert again.returncode == ExitCode.INCOMPLETE, again.stderr
    with open(out / "README.TXT", "a") as readme:  # a note written into one of its files
        readme.write("Dr Lee: bring the 2019 scans\n")
    edited = (out / "README.TXT").read_bytes()
    refused = intake("packet", str(small), "-o", str(out), "--force", "-s")
    assert refused.returncode == ExitCode.USAGE, refused.stderr
    assert (out / "README.TXT").read_bytes() == edited


@pytest.mark.parametrize("layout", ["folder", "zip", "pdf"])
@pytest.mark.parametrize("force", [False, True])
def test_what_appears_at_out_while_the_packet_is_written_is_not_replaced(
    tmp_path, monkeypatch, layout, force
):
    """OUT was checked when the run began, then replaced at the end whatever was there by
    then (found by creating it mid-run): a user's file, or another run's packet. Only what
    --force may replace is replaced; anything else stays, and the run says why."""
    from intake.packet import writer

    reading = _one_note_read(tmp_path)
    out = tmp_path / {"folder": "packet", "zip": "packet.zip", "pdf": "packet.pdf"}[layout]
    written = writer._write_contents

    def user_makes_out(*args, **kwargs):
        written(*args, **kwargs)
        if layout == "folder":
            _look_alike_packet(out)
        else:
            out.write_bytes(b"my own file, made while intake ran")

    monkeypatch.setattr(writer, "_write_contents", user_makes_out)
    with pytest.raises(UsageError, match=r"already exists|not replacing it"):
        writer.write_packet(reading.manifest, reading.sources, out, force=force, layout=layout)
    if layout == "folder":
        assert (out / "taxes-2025.xlsx").read_bytes() == b"PK not really"
        assert sorted(p.name for p in out.iterdir()) == ["EXTRA", "INDEX.HTM", "taxes-2025.xlsx"]
    else:
        assert out.read_bytes() == b"my own file, made while intake ran"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_without_links_a_file_at_out_is_still_not_replaced(tmp_path, monkeypatch):
    """On a file system without hard links (FAT, exFAT) the zip is put in place after a
    check that OUT is still free; a file there is kept."""
    from intake.packet import writer

    result, out = tmp_path / "result", tmp_path / "packet.zip"
    result.write_bytes(b"new")
    out.write_bytes(b"mine")

    def no_links(source, target):
        raise OSError(errno.EPERM, "Operation not permitted", str(target))

    monkeypatch.setattr(writer.os, "link", no_links)
    with pytest.raises(UsageError, match="already exists"):
        writer._put_file_in_place(result, out, "zip", force=False)
    assert out.read_bytes() == b"mine"
    out.unlink()
    writer._put_file_in_place(result, out, "zip", force=False)
    assert out.read_bytes() == b"new" and not result.exists()


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (its children, theirs...), from /proc."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *_descendants(child)]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


@pytest.mark.parametrize(
    ("when", "stop"), [("reading", "SIGTERM"), ("writing", "SIGTERM"), ("reading", "SIGINT")]
)
def test_sigterm_stops_the_run_like_ctrl_c_and_leaves_nothing(tmp_path, when, stop):
    """SIGTERM while Tesseract reads scanned pages (or while the packet is being written):
    exit 143 (Ctrl-C: 130) with one line, no packet and no partial one, no workspace or OCR
    file in TMPDIR, and no worker or Tesseract process left running."""
    import signal
    import time

    from tests.conftest import make_samples

    records = tmp_path / "records"
    for number in range(6):
        lines = ["# Example Lab (fictional)", "LABORATORY REPORT", f"Hemoglobin|12.{number}|g/dL"]
        make_samples.scanned_pdf(records / f"scan{number}.pdf", lines * 6, skew=0.5 + number / 10)
    (records / "bundle.zip").write_bytes(_zip_of({"inside/note.txt": b"Visit summary\n"}))
    temp = tmp_path / "tmp"
    temp.mkdir()
    out = tmp_path / "packet"
    env = {**os.environ, "INTAKE_CACHE": "off", "PYTHONPATH": str(ROOT), "TMPDIR": str(temp)}
    process = subprocess.Popen(
        [sys.executable, "-m", "intake", "packet", str(records), "-o", str(out), "-s"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + HANG_GUARD
        while process.poll() is None and time.monotonic() < deadline:
            below = _descendants(process.pid)
            seen.update(below)
            if when == "reading" and any(_command(pid) == "tesseract" for pid in below):
                break
            if when == "writing" and any(
                p.name.startswith(".packet.partial-") for p in tmp_path.iterdir()
            ):
                break
            time.sleep(0.01)
        assert process.poll() is None, process.stderr.read()
        if when == "reading":
            assert any(_command(pid) == "tesseract" for pid in seen)
        process.send_signal(getattr(signal, stop))
        _, stderr = process.communicate(timeout=HANG_GUARD)
    finally:
        if process.poll() is None:
            process.kill()
    code, said = (143, "SIGTERM") if stop == "SIGTERM" else (130, "Ctrl-C")
    assert process.returncode == code, stderr
    assert stderr.strip().splitlines() == [f"intake: stopped ({said}): nothing written"], stderr
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".packet.")]
    assert list(temp.iterdir()) == []
    time.sleep(0.5)  # a stopped worker's exit is reaped by then (not a speed check)
    assert [pid for pid in seen if _alive(pid)] == []


def test_a_packet_with_dicom_leaves_nothing_in_tmpdir(tmp_path):
    """pydicom's FileSet staged the packet's DICOM instances in a folder of the system temp
    folder, removed only by its finalizer (issue 19): a whole run now leaves TMPDIR empty."""
    records = tmp_path / "records"
    records.mkdir()
    (records / "ct.dcm").write_bytes(make_faults.same_uid_dicom("one"))
    temp = tmp_path / "tmp"
    temp.mkdir()
    out = tmp_path / "packet"
    result = intake("packet", str(records), "-o", str(out), "-s", env={"TMPDIR": str(temp)})
    assert result.returncode == ExitCode.INCOMPLETE, result.stderr
    assert (out / "DICOMDIR").is_file()
    assert list(temp.iterdir()) == []
    assert not [p.name for p in out.rglob(".*")]  # no staging folder in the packet


def test_a_library_warning_quoting_a_dicom_value_never_reaches_stderr(tmp_path):
    """pydicom warned "Invalid value for VR DA: '2024-01-15'" while the packet's file-set
    was written, on stderr: pydicom sets its logger's level when imported, after intake
    had quietened it. The handler now holds libraries' lines below ERROR back itself."""
    records = tmp_path / "records"
    records.mkdir()
    (records / "ct.dcm").write_bytes(make_faults.odd_values_dicom())
    out = tmp_path / "packet"
    result = intake("packet", str(records), "-o", str(out), "-s")
    assert result.returncode == ExitCode.INCOMPLETE, result.stderr
    assert (out / "DICOMDIR").is_file()
    for value in (make_faults.ODD_DATE, make_faults.ODD_TIME, "Invalid value"):
        assert value not in result.stderr, result.stderr


def test_a_dicom_file_the_file_set_refuses_is_kept_apart_with_a_one_line_reason(tmp_path):
    """pydicom refused to write an instance into the file-set (here: no Study Time, which a
    DICOMDIR's STUDY record needs; before, also a header saying RLE over raw pixels). The
    packet held no copy of it and its note quoted a Python traceback; its original is now
    copied apart, byte for byte, with one line saying why. The RLE one goes into the
    file-set as it is: its original bytes, read up to its pixels only."""
    records = tmp_path / "records"
    records.mkdir()
    refused, odd = make_faults.no_study_time_dicom(), make_faults.raw_pixels_said_rle_dicom()
    (records / "ct.dcm").write_bytes(refused)
    (records / "rle.dcm").write_bytes(odd)
    out = tmp_path / "packet"
    manifest = api.build_packet(records, out, api.Options(appointment=APPOINTMENT))
    (study,) = manifest.documents  # one study: the two files share its UID
    placed, apart = sorted(packet_files(out, study))
    assert apart == "EXTRA/DICOM-APART/IM000001.DCM"
    assert (out / "EXTRA/DICOM-APART/IM000001.DCM").read_bytes() == refused
    (note,) = [n for n in packet_index(out)[study.id]["notes"] if n.startswith("ct.dcm")]
    assert note == ("ct.dcm: refused by the file-set: it has no Study Time (0008,0030), which "
                    "a DICOMDIR record needs: kept apart as EXTRA/DICOM-APART/IM000001.DCM, "
                    "not in DICOMDIR")  # fmt: skip
    assert placed.startswith("DICOM/") and (out / placed).read_bytes() == odd
    said = " ".join(subprocess.run(["pdftotext", str(out / "PACKET.PDF"), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())  # fmt: skip
    assert ("The images themselves are in the packet's DICOM folder (open DICOMDIR). Some are "
            "kept apart in EXTRA/DICOM-APART, not in DICOMDIR") in said  # fmt: skip
    (records / "rle.dcm").unlink()  # its one file apart: the page said it was in DICOMDIR
    api.build_packet(records, tmp_path / "alone", api.Options(appointment=APPOINTMENT))
    said = " ".join(
        subprocess.run(
            ["pdftotext", str(tmp_path / "alone/PACKET.PDF"), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    )
    assert "DICOM folder (open DICOMDIR)" not in said
    assert "The images themselves are kept apart in EXTRA/DICOM-APART, not in DICOMDIR" in said
    assert "Traceback" not in (out / "INDEX.HTM").read_text()
    checked = subprocess.run(["sha256sum", "-c", "EXTRA/SHA256SUM.TXT"], cwd=out,
                             capture_output=True, text=True)  # fmt: skip
    assert checked.returncode == 0, checked.stdout


def test_a_real_sr_with_an_empty_patient_id_is_in_the_packet_kept_apart(tmp_path):
    """pydicom's own test-SR.dcm (a real Basic Text SR; MIT) has an empty Patient ID, which a
    DICOMDIR's PATIENT record needs: the packet held no copy of it at all (seven real-corpus
    DICOM units fared the same). Its original is now kept apart, said in one line."""
    from pydicom.data import get_testdata_file

    original = Path(get_testdata_file("test-SR.dcm")).read_bytes()
    records = tmp_path / "records"
    records.mkdir()
    (records / "report.dcm").write_bytes(original)
    out = tmp_path / "packet"
    (document,) = api.build_packet(records, out, api.Options(appointment=APPOINTMENT)).documents
    assert packet_files(out, document) == ["EXTRA/DICOM-APART/IM000001.DCM"]
    assert (out / "EXTRA/DICOM-APART/IM000001.DCM").read_bytes() == original
    assert packet_index(out)[document.id]["notes"][0] == (
        "report.dcm: refused by the file-set: it has an empty Patient ID (0010,0020), which a "
        "DICOMDIR record needs: kept apart as EXTRA/DICOM-APART/IM000001.DCM, not in DICOMDIR"
    )


def test_dicom_staging_is_private_and_gone_after_an_interruption(tmp_path, monkeypatch):
    """Ctrl-C (or SIGTERM, which raises the same way) while the file-set's instances sit
    staged: they were staged inside the hidden partial packet (0700), never in TMPDIR, and
    nothing is left anywhere."""
    import stat
    import tempfile

    from intake import dicom_staging
    from intake.packet import dicom_set

    records = tmp_path / "records"
    records.mkdir()
    (records / "ct.dcm").write_bytes(make_faults.same_uid_dicom("one"))
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    out = tmp_path / "out" / "packet"
    seen = {}

    def interrupted(*_args) -> None:  # called once every instance is staged
        (partial,) = out.parent.glob(".packet.partial-*")
        (staging,) = partial.glob(dicom_staging.STAGING_PREFIX + "*")
        seen["staged"] = [p for p in staging.rglob("*") if p.is_file()]
        seen["modes"] = {stat.S_IMODE(p.stat().st_mode) for p in (partial, staging)}
        seen["tmpdir"] = [p for p in temp.iterdir() if not p.name.startswith("intake-work-")]
        raise KeyboardInterrupt

    monkeypatch.setattr(dicom_set, "_copy_apart", interrupted)
    options = api.Options(appointment=APPOINTMENT)
    with api.open_folder(records, options) as reading, pytest.raises(KeyboardInterrupt):
        write_packet(reading.manifest, reading.sources, out)
    assert len(seen["staged"]) == 1  # the instance pydicom staged, in the private folder
    assert seen["modes"] == {0o700}
    assert seen["tmpdir"] == []  # only the run's own private workspace was there
    assert list(temp.iterdir()) == []
    assert list(out.parent.iterdir()) == []


def _zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_a_line_of_200000_characters_is_laid_out_whole(tmp_path):
    """One huge line becomes pieces of LINE_PIECE characters (reportlab splits one long
    paragraph in quadratic time: 10.5 s for this line, 0.6 s in pieces); nothing is lost."""
    from intake.model import Document
    from intake.packet import pdf_pages

    document = Document("barcode.txt", None, 0, "text/plain", id="D0001", title="barcode")
    (tmp_path / "pages.pdf").write_bytes(pdf_pages.text_pages("7" * 200_000, document))
    done = subprocess.run(
        ["pdftotext", str(tmp_path / "pages.pdf"), "-"], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.count("7") == 200_000


# --- logs ---------------------------------------------------------------------------------------


def test_debug_logs_from_worker_processes_hold_no_record_contents(oncology, tmp_path):
    """`--debug` in a real process, so the extracting workers are processes too: pdfminer's
    debug lines quoted names, birth dates, record numbers and lab values (issue 19)."""
    folder = tmp_path / "records"
    folder.mkdir()
    portal = oncology / "Portal downloads"
    for name in ("labcorp_results_2026-10-02.pdf", "MyHealth_Download_2026-10-21.zip"):
        shutil.copy(portal / name, folder / name)
    manifest = json.loads(intake("scan", str(folder), "--json", "-s").stdout)
    kinds = {d["kind"] for d in manifest["documents"]}
    assert {"lab_report", "visit_summary"} <= kinds  # a PDF lab report and a C-CDA were read
    patient = manifest["patient"]
    year, month, day = patient["birth_date"].split("-")
    secrets = [*patient["name"].split(), *patient["identifiers"], patient["birth_date"],
               f"{month}/{day}/{year}"]  # fmt: skip
    labs = [lab for d in manifest["documents"] for lab in d["labs"] if "." in lab["value"]]
    assert labs
    secrets += [lab["value"] for lab in labs]
    result = intake("--debug", "scan", str(folder), "-s", "--jobs", "2")
    assert result.returncode == ExitCode.INCOMPLETE, result.stderr  # no imaging, no questions
    leaked = [secret for secret in secrets if secret.lower() in result.stderr.lower()]
    assert leaked == [], result.stderr[:2000]


# --- no file silently missing from the packet -------------------------------------------------


def test_inputs_whose_names_or_uids_collide_are_each_read_and_each_in_the_packet(tmp_path):
    """A raw 0xff byte and a literal "\\xff" printed alike, a folder "portal.zip!" beside
    portal.zip named its file like the zip's member, two DICOM files shared a SOP Instance
    UID: each pair became one file in the packet and `sha256sum -c` still passed."""
    folder = tmp_path / "records"
    expected = make_faults.build_collisions(folder)
    out = tmp_path / "packet"
    manifest = api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    read = [ref.source for d in manifest.documents for ref in d.files]
    assert sorted(read) == sorted(expected)  # each once, none merged into another
    by_source = {ref.source: d for d in manifest.documents for ref in d.files}
    index = packet_index(out)
    for location, data in expected.items():
        copies = [(out / name).read_bytes() for name in packet_files(out, by_source[location])]
        assert data in copies, location
    (imaging,) = {by_source["ct-first.dcm"].id, by_source["ct-second.dcm"].id}
    assert index[imaging]["notes"] == [
        "ct-second.dcm: same SOP Instance UID as ct-first.dcm: kept apart as "
        "EXTRA/DICOM-APART/IM000001.DCM, not in DICOMDIR"
    ]
    _links_resolve(out)


def test_a_document_whose_copy_is_missing_after_writing_gets_a_note(tmp_path):
    """The packet is checked against the manifest after the copies: a copy missing from
    the index or from disk is a note on its document, never silent."""
    from intake.packet.index import PacketIndex
    from intake.packet.writer import check_copies

    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "a.txt").write_text("Visit summary\nChief complaint: cough\n")
    (folder / "b.txt").write_text("Visit summary\nChief complaint: rash\n")
    root = tmp_path / "packet"
    root.mkdir()
    with api.open_folder(folder, api.Options(appointment=APPOINTMENT)) as reading:
        a, b = sorted(reading.manifest.documents, key=lambda d: d.source)
        index = PacketIndex()
        index.entry(a).place("a.txt", "IHE_XDM/SUBSET01/DOC0001.TXT")  # never written
        check_copies([a, b], reading.sources, root, index)
    assert index.notes(a) == ["a.txt: its copy is missing from the packet"]
    assert index.notes(b) == ["b.txt: its copy is missing from the packet"]


def test_a_sigterm_whose_raise_was_swallowed_still_stops_the_packet(tmp_path, monkeypatch):
    """Python ignores an exception raised inside a finalizer (a temporary folder's cleanup):
    a SIGTERM landing there was lost and the packet put in place (exit 5, not 143). The
    handler's request is asked again before anything is put in place."""
    from intake.errors import Terminated

    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "note.txt").write_text("Visit summary\nChief complaint: cough\n")
    out = tmp_path / "packet"
    monkeypatch.setattr(Terminated, "requested", True)
    with pytest.raises(Terminated):
        api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".packet.")]


@pytest.mark.parametrize("stop", ["SIGTERM", "Ctrl-C"])
def test_a_stop_raised_in_a_finalizer_prints_no_traceback_and_is_kept(capsys, stop):
    """A SIGTERM (or Ctrl-C) that lands while a finalizer runs (a pipe's __del__ in the
    worker pool) was printed as "Exception ignored in ..." with a traceback, beside the one
    line the user should see. The run's hook says nothing of it and keeps the stop for the
    next checkpoint."""
    import gc
    import sys

    from intake import cli
    from intake.errors import Terminated, forget_stops, stop_if_requested

    raised = Terminated if stop == "SIGTERM" else KeyboardInterrupt

    class Finalized:
        def __del__(self):
            raise raised()

    previous = sys.unraisablehook
    sys.unraisablehook = cli._quiet_about_stops(previous)
    try:
        forget_stops()
        Finalized()
        gc.collect()
        assert capsys.readouterr().err == ""
        with pytest.raises(raised):
            stop_if_requested()
    finally:
        sys.unraisablehook = previous
        forget_stops()


def test_the_quiet_hook_still_reports_other_finalizer_errors(capsys):
    """Only stops are quiet: any other exception in a finalizer is reported as before."""
    import gc
    import sys

    from intake import cli

    class Finalized:
        def __del__(self):
            raise ValueError("a finalizer's own fault")

    seen = []
    previous = sys.unraisablehook
    sys.unraisablehook = cli._quiet_about_stops(lambda unraisable: seen.append(unraisable.exc_type))
    try:
        Finalized()
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert seen == [ValueError]


def test_a_stop_swallowed_while_reading_ends_the_scan_too(tmp_path, monkeypatch):
    """A SIGTERM a worker pool's finalizer swallowed while files were read ends the scan once
    they are read (no manifest, no cache entry), not only a packet before it is put in place."""
    from intake.errors import Terminated

    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "note.txt").write_text("Visit summary\nChief complaint: cough\n")
    monkeypatch.setattr(Terminated, "requested", True)
    with pytest.raises(Terminated):
        api.scan_folder(folder, api.Options(appointment=APPOINTMENT))


@pytest.fixture
def stop_handlers():
    """The run's SIGTERM and Ctrl-C handlers, as `intake.cli.main` installs them."""
    import signal

    from intake import cli
    from intake.errors import forget_stops

    previous = cli._on_stops()
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        forget_stops()


def _signal_self(number: int) -> None:
    """Send this process `number`; its Python handler runs between the bytecodes that follow."""
    os.kill(os.getpid(), number)
    for _ in range(1000):
        pass


def _one_note_read(tmp_path: Path) -> api.Reading:
    """A folder of one visit note, read (no packet written yet)."""
    from intake.containers import Workspace

    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "note.txt").write_text("Visit summary\nChief complaint: cough\n")
    with Workspace() as workspace:
        return api.read_folder(folder, api.Options(appointment=APPOINTMENT), workspace)


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])
def test_a_stop_during_a_held_step_is_raised_when_it_ends(stop_handlers, stop):
    """A stop that lands inside `stops_held` waits for the end of the block (so what the
    block made is in the caller's hands to clean up), then is raised."""
    import signal

    from intake.errors import Terminated, stops_held

    raised = Terminated if stop == "SIGTERM" else KeyboardInterrupt
    reached = False
    with pytest.raises(raised), stops_held():
        _signal_self(getattr(signal, stop))
        reached = True
    assert reached


def test_a_sigterm_just_after_the_partial_folder_is_made_leaves_nothing(
    tmp_path, monkeypatch, stop_handlers
):
    """CI saw `.packet.partial-*` left after a SIGTERM: the signal landed between making the
    hidden folder and the block that removes it. The folder is now made with stops held."""
    import signal
    import tempfile

    from intake.errors import Terminated
    from intake.packet import writer

    reading = _one_note_read(tmp_path)
    made = tempfile.mkdtemp

    def mkdtemp_then_stopped(*args, **kwargs):
        path = made(*args, **kwargs)
        _signal_self(signal.SIGTERM)
        return path

    monkeypatch.setattr(writer.tempfile, "mkdtemp", mkdtemp_then_stopped)
    out = tmp_path / "packet"
    with pytest.raises(Terminated):
        writer.write_packet(reading.manifest, reading.sources, out)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["records"]


@pytest.mark.parametrize("layout", ["folder", "zip"])
def test_a_stop_while_the_packet_is_put_in_place_waits_and_says_it_was_written(
    tmp_path, monkeypatch, capsys, stop_handlers, layout
):
    """A stop landing while the finished packet was renamed into place could leave an old
    packet moved aside and no new one (--force), or said "nothing written" beside a whole
    packet (found by stopping runs at random moments). The renames are held: the stop is
    raised after them, carrying where the packet now is, and the line says so."""
    import signal

    from intake import cli as cli_module
    from intake.errors import Terminated
    from intake.packet import writer

    reading = _one_note_read(tmp_path)
    out = tmp_path / ("packet.zip" if layout == "zip" else "packet")
    earlier = None
    if layout == "folder":  # an earlier packet, replaced with --force
        writer.write_packet(reading.manifest, reading.sources, out)
        earlier = (out / "INDEX.HTM").stat().st_ino  # the new packet's is another file
    step = "rename" if layout == "folder" else "link"  # a zip is linked: never replaces
    renamed = getattr(os, step)

    def stopped_midway(source, target):
        renamed(source, target)
        _signal_self(signal.SIGTERM)  # between the two renames (or after the one)

    monkeypatch.setattr(writer.os, step, stopped_midway)
    with pytest.raises(Terminated) as stop:
        writer.write_packet(
            reading.manifest, reading.sources, out, force=layout == "folder", layout=layout
        )
    monkeypatch.undo()
    assert stop.value.written == out
    assert out.exists() and (layout == "zip" or (out / "INDEX.HTM").stat().st_ino != earlier)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    capsys.readouterr()
    assert cli_module._stopped(stop.value) == 143
    said = capsys.readouterr().err
    assert said == f"intake: stopped (SIGTERM): the packet was already written to {out}\n"


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_a_stop_while_a_module_loads_is_raised_once_it_has_loaded(
    stop_handlers, tmp_path, monkeypatch, stop
):
    """A Ctrl-C raised inside a compiled module's set-up aborted the run (pikepdf's nanobind:
    "Critical nanobind error", SIGABRT) or left CPython's unhandled-interrupt mark (the run,
    its stop said, still died of SIGINT): found by bench/stops.py. While the main thread
    loads a module the stop waits, and is raised once the module has loaded whole."""
    import builtins

    from intake import cli
    from intake.errors import Terminated

    (tmp_path / "slow_to_load.py").write_text(
        f"import os, signal\nos.kill(os.getpid(), signal.{stop})\n"
        "for _ in range(1000):\n    pass\nLOADED = True\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_to_load", raising=False)
    monkeypatch.setattr(builtins, "__import__", cli._stops_held_over(builtins.__import__))
    with pytest.raises(Terminated if stop == "SIGTERM" else KeyboardInterrupt):
        import slow_to_load  # noqa: F401
    assert sys.modules["slow_to_load"].LOADED


def test_a_stop_asked_for_before_a_module_loads_is_not_raised_again_by_it(
    stop_handlers, tmp_path, monkeypatch
):
    """The run cleaning up after a SIGTERM loads modules too (stopping the pool): the held
    import raised the same stop again at its end and cut the cleanup short, leaving a
    worker's Tesseract orphaned (bench/stops.py-style runs: 2 in 20)."""
    import builtins

    from intake import cli
    from intake.errors import Terminated

    (tmp_path / "loaded_in_cleanup.py").write_text("LOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "loaded_in_cleanup", raising=False)
    monkeypatch.setattr(builtins, "__import__", cli._stops_held_over(builtins.__import__))
    monkeypatch.setattr(Terminated, "requested", True)  # raised already, being cleaned up
    import loaded_in_cleanup  # noqa: F401

    assert sys.modules["loaded_in_cleanup"].LOADED
