"""Bounded cost of large input (issue 19, point 8): blank pages never reach Tesseract, and
OCR stops at a number of pages per file, naming the pages it left. Real Tesseract runs;
`PdfText.ocr_pages` counts the pages sent to it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from intake.extractors.pdf import read_pdf

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LETTER = (612, 792)


def _scan(line: str, *, noise: bool = False) -> ImageReader:
    """A 300-dpi page image holding `line` in 14-point type (or nothing but paper grain)."""
    image = Image.new("L", (2550, 3300), 248)
    if noise:
        image = Image.effect_noise(image.size, 6).point(lambda v: 242 + v // 32)
    if line:
        draw = ImageDraw.Draw(image)
        draw.text((300, 400), line, font=ImageFont.truetype(FONT, 58), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    buffer.seek(0)
    return ImageReader(buffer)


def _pdf(path: Path, pages: list[str | None]) -> Path:
    """One page per entry: None an empty page, "" a scanned sheet of blank paper, else a
    scanned page of that text."""
    pdf = canvas.Canvas(str(path), pagesize=LETTER)
    for page in pages:
        if page is not None:
            pdf.drawImage(_scan(page, noise=page == ""), 0, 0, *LETTER)
        pdf.showPage()
    pdf.save()
    return path


def test_a_document_of_blank_pages_is_not_ocrd(tmp_path):
    read = read_pdf(_pdf(tmp_path / "blank.pdf", [None] * 28 + ["", ""]))
    assert read.page_kinds == ["blank"] * 30
    assert read.ocr_pages == 0
    assert "30 blank pages: nothing to read" in read.warnings
    assert read.text == ""


def test_blank_pages_are_skipped_and_scanned_pages_still_ocrd(tmp_path):
    read = read_pdf(_pdf(tmp_path / "mixed.pdf", [None, "Potassium 4.1 mmol/L", ""]))
    assert read.page_kinds == ["blank", "scanned", "blank"]
    assert read.ocr_pages == 1
    assert "Potassium" in read.text
    assert "2 blank pages skipped" in read.warnings


def test_ocr_stops_at_its_limit_per_file_and_names_the_pages_left(tmp_path):
    lines = ["Sodium 140 mmol/L", "", "Chloride 101 mmol/L", "Glucose 95 mg/dL", "Calcium 9.4"]
    read = read_pdf(_pdf(tmp_path / "long.pdf", lines), ocr_limit=1)
    assert read.ocr_pages == 1
    assert "Sodium" in read.text
    assert "Chloride" not in read.text and "Glucose" not in read.text
    assert (
        "OCR stopped after 1 pages (the limit per file): page(s) 3-5 not read by OCR"
        in read.warnings
    )


@pytest.mark.parametrize("pages", [[3, 5, 6, 7, 12], [1]])
def test_pages_left_are_named_as_runs(pages):
    from intake.extractors.pdf import _spans

    assert _spans(pages) == {1: "1", 5: "3, 5-7, 12"}[len(pages)]


def test_packet_pdf_holds_a_bounded_number_of_documents_and_says_so(tmp_path, monkeypatch):
    """Past MAX_PDF_DOCUMENTS, PACKET.PDF stops taking documents (its memory grows with its
    pages); every document is still copied and listed, and the packet says which are out."""
    import pikepdf

    from intake import api
    from intake.packet import packet_pdf

    folder = tmp_path / "records"
    folder.mkdir()
    for number in range(6):
        (folder / f"note{number}.txt").write_text(f"Note {number}\nA short note.\n")
    monkeypatch.setattr(packet_pdf, "MAX_PDF_DOCUMENTS", 2)
    manifest = api.build_packet(folder, tmp_path / "out")
    out = tmp_path / "out"
    with pikepdf.open(out / "PACKET.PDF") as pdf, pdf.open_outline() as tree:
        outline = [item.title for item in _flat(tree.root)]
    held = [t for t in outline if "note" in t.lower()]
    assert len(held) == 2, outline
    assert len(manifest.documents) == 6
    assert "PACKET.PDF holds the first 2 documents" in (out / "INDEX.HTM").read_text()


def _flat(items):
    for item in items:
        yield item
        yield from _flat(item.children)


def _notes(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    for number in range(count):
        (folder / f"note{number}.txt").write_text(f"Note {number}\nA short note.\n")


def test_the_walk_reads_at_most_a_runs_limit_of_files_and_names_the_folders_left_out(tmp_path):
    """A run's memory grows with its documents, so a run reads at most Limits.max_run_files
    files; those past it (in the walk's order) are never read, and each folder they are in
    is named with how many, never silently dropped."""
    from intake.scan import scan

    _notes(tmp_path / "a", 3)
    _notes(tmp_path / "b", 3)
    walked = scan(tmp_path, max_files=4)
    assert len(walked.sources) == 4
    left = [s for s in walked.skipped if "one run reads at most 4 files" in s.reason]
    assert {s.path for s in left} <= {"a", "b"} and left
    assert sum(int(s.reason.split(" file")[0]) for s in left) == 2
    assert len(scan(tmp_path).sources) == 6  # the default limit is far above


def test_past_a_runs_limit_folders_are_counted_together(tmp_path, monkeypatch):
    from intake import scan as scanning

    for name in "abcd":
        _notes(tmp_path / name, 2)
    monkeypatch.setattr(scanning, "LISTED_OVER", 1)
    walked = scanning.scan(tmp_path, max_files=2)
    assert len(walked.sources) == 2
    named = [(s.path, s.reason.split(" not read")[0]) for s in walked.skipped]
    assert len(named) == 2, named  # one folder by name, the others together
    assert named[-1] == ("(other folders)", "4 more files")
    assert all(s.left_out for s in walked.skipped)


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _open(folder: Path, names: list[str], limit: int):
    from intake.containers import Limits, Workspace, open_containers
    from intake.scan import identify, is_junk

    sources = [identify(folder / name, name) for name in names]
    with Workspace() as workspace:
        return open_containers(
            sources, workspace, is_junk=is_junk, limits=Limits(max_run_files=limit)
        )


def test_archive_members_count_towards_a_runs_limit(tmp_path):
    """Members unpacked from downloads count too: past the run's limit the rest of a
    download is not read, and the download is named with how many, as left out (a
    warning to split the folder), not as an unreadable file."""
    (tmp_path / "note.txt").write_text("Note\nA short note.\n")
    _zip(tmp_path / "portal.zip", {f"doc{n}.txt": f"Document {n}\n".encode() for n in range(4)})
    opened = _open(tmp_path, ["note.txt", "portal.zip"], 3)
    assert [s.location for s in opened.sources] == [
        "note.txt", "portal.zip!/doc0.txt", "portal.zip!/doc1.txt",
    ]  # fmt: skip
    assert opened.refused == []
    assert [(s.path, s.reason.split(" not read")[0], s.left_out) for s in opened.left_out] == [
        ("portal.zip", "2 of its members", True)
    ]


def test_an_archive_inside_a_download_is_not_counted_as_a_file(tmp_path):
    """Only files count towards the run's limit, not the archives that hold them: a
    download of x, an inner zip of two and y is four files."""
    inner = _zip(tmp_path / "in.zip", {"i0.txt": b"Inner 0\n", "i1.txt": b"Inner 1\n"})
    _zip(tmp_path / "n.zip", {"x.txt": b"X\n", "in.zip": inner.read_bytes(), "y.txt": b"Y\n"})
    whole = _open(tmp_path, ["n.zip"], 4)
    assert len(whole.sources) == 4 and not whole.left_out and not whole.refused
    cut = _open(tmp_path, ["n.zip"], 3)
    assert [s.location.rsplit("/", 1)[-1] for s in cut.sources] == ["i0.txt", "i1.txt", "x.txt"]
    assert [(s.path, s.reason.split(" not read")[0]) for s in cut.left_out] == [
        ("n.zip", "1 of its members")
    ]


def test_files_attached_to_a_record_count_towards_a_runs_limit(tmp_path, monkeypatch):
    """A FHIR export's attachments are files the run reads too: past the limit they are
    not unpacked, and the export is named with how many were left."""
    import base64
    import functools
    import json

    from intake import api, containers, extraction

    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "note.txt").write_text("Note\nA short note.\n")
    entries = [
        {"resource": {"resourceType": "DocumentReference", "id": f"d{n}", "status": "current",
                      "content": [{"attachment": {"contentType": "text/plain", "data":
                                   base64.b64encode(f"Attached note {n}".encode()).decode()}}]}}
        for n in range(3)
    ]  # fmt: skip
    (folder / "export.json").write_text(
        json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})
    )
    limited = functools.partial(containers.Limits, max_run_files=3)
    monkeypatch.setattr(extraction, "Limits", limited)
    manifest = api.scan_folder(folder)
    attached = [d for d in manifest.documents if "DocumentReference" in d.source]
    assert len(attached) == 1, [d.source for d in manifest.documents]
    assert [(s.path, s.reason.split(" not read")[0]) for s in manifest.skipped] == [
        ("export.json", "2 of the files attached to it")
    ]
    assert "files-left-out" in {f.code for f in manifest.findings}


def test_a_runs_limit_reaches_the_manifest(tmp_path, monkeypatch):
    """Through the API: the files left out are in the manifest's `skipped`, the rest read."""
    import functools

    from intake import api, containers, scan

    _notes(tmp_path / "records" / "a", 3)
    monkeypatch.setattr(scan, "Limits", functools.partial(containers.Limits, max_run_files=2))
    manifest = api.scan_folder(tmp_path / "records")
    assert len(manifest.documents) == 2
    assert [(s.path, s.reason.split(":")[0]) for s in manifest.skipped] == [
        ("a", "1 file in it not read")
    ]
    left = [f for f in manifest.findings if f.code == "files-left-out"]
    assert [(f.severity, f.message.split(":")[0]) for f in left] == [("warning", "a")]
