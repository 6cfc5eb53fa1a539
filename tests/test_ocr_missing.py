"""Tesseract missing (issue 18, point 6): one policy. Text pages are always kept; scanned
pages and photos are named as not read (a warning on the document and a finding), nothing
of them is cached, and the command exits 3 once at the end with the install command.

Tesseract is hidden, never mocked: the runs get a PATH without it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from intake import api, ocr
from intake.cache import ExtractionCache
from intake.errors import ExitCode
from intake.executors import SerialExecutor
from intake.extractors.pdf import read_pdf
from intake.model import manifest_schema
from intake.ocr_missing import INSTALL_HINT
from tests.conftest import APPOINTMENT

ROOT = Path(__file__).resolve().parent.parent
TEXT_PAGE = ["Visit summary", "Patient: Jane Example", "Assessment: stable angina, follow up"]
SCANNED_PAGE = ["Discharge instructions", "Walk thirty minutes every day", "Return in six weeks"]


def _page_image(lines: list[str]) -> Image.Image:
    image = Image.new("L", (1275, 1650), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=40)
    for number, line in enumerate(lines):
        draw.text((100, 150 + number * 70), line, fill=0, font=font)
    return image


def two_page_pdf(path: Path) -> Path:
    """Page 1 has a text layer; page 2 is only an image of text (a scan)."""
    pdf = canvas.Canvas(str(path), pagesize=(612, 792), invariant=1)
    pdf.setFont("Helvetica", 12)
    for number, line in enumerate(TEXT_PAGE):
        pdf.drawString(72, 700 - number * 20, line)
    pdf.showPage()
    buffer = io.BytesIO()
    _page_image(SCANNED_PAGE).save(buffer, "PNG")
    buffer.seek(0)
    pdf.drawImage(ImageReader(buffer), 0, 0, width=612, height=792)
    pdf.showPage()
    pdf.save()
    return path


@pytest.fixture
def records(tmp_path) -> Path:
    folder = tmp_path / "records"
    folder.mkdir()
    two_page_pdf(folder / "visit.pdf")
    _page_image(SCANNED_PAGE).save(folder / "instructions.png")
    return folder


@pytest.fixture
def no_tesseract_path(tmp_path) -> str:
    """A PATH holding only python: no Tesseract on it."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "python").symlink_to(sys.executable)
    return str(folder)


@pytest.fixture
def hidden_tesseract(monkeypatch, no_tesseract_path):
    """This process without Tesseract (check_tesseract remembers only a success)."""
    monkeypatch.setenv("PATH", no_tesseract_path)
    ocr.check_tesseract.cache_clear()
    yield
    ocr.check_tesseract.cache_clear()


def test_the_pdf_really_has_a_text_page_and_a_scanned_page(records):
    read = read_pdf(records / "visit.pdf")
    assert read.page_kinds == ["text", "scanned"]
    assert "Walk thirty minutes" in read.text  # page 2 is read by OCR when Tesseract is there
    assert "Assessment: stable angina" in read.text


def test_without_tesseract_the_text_page_is_kept_and_page_2_named(records, hidden_tesseract):
    with pytest.raises(ocr.TesseractMissing):
        ocr.check_tesseract()
    read = read_pdf(records / "visit.pdf")
    assert "Assessment: stable angina, follow up" in read.text
    assert "Walk thirty" not in read.text
    assert read.pages == 2
    assert read.warnings == ["page 2 of 2 not read: Tesseract OCR is not installed (it needs OCR)"]


def test_without_tesseract_a_mixed_page_keeps_its_printed_text(tmp_path, hidden_tesseract):
    path = tmp_path / "stamped.pdf"
    pdf = canvas.Canvas(str(path), pagesize=(612, 792), invariant=1)
    buffer = io.BytesIO()
    _page_image(SCANNED_PAGE).save(buffer, "PNG")
    buffer.seek(0)
    pdf.drawImage(ImageReader(buffer), 0, 0, width=612, height=740)
    pdf.setFont("Helvetica", 9)
    pdf.drawString(40, 770, "Downloaded from the patient portal on 2026-03-02, page 1 of 1")
    pdf.showPage()
    pdf.save()
    read = read_pdf(path)
    assert read.page_kinds == ["mixed"]
    assert "Downloaded from the patient portal" in read.text
    assert "Walk thirty" not in read.text
    assert read.warnings == [
        "the images on page 1 of 1 (their text is kept) not read: Tesseract OCR is not "
        "installed (it needs OCR)"
    ]


def _scan(folder: Path, path: str, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PATH=path, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "intake", *extra],
        env=env,
        cwd=folder.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_keeps_text_reports_unread_pages_and_exits_3(records, no_tesseract_path):
    done = _scan(records, no_tesseract_path, "scan", str(records), "--json", "--with-text",
                 "--no-cache", "-s")  # fmt: skip
    assert done.returncode == ExitCode.MISSING_DEPENDENCY, done.stderr
    assert done.stderr.count(INSTALL_HINT) == 1  # said once, at the end
    assert "2 files had scanned pages or photos that were not read" in done.stderr
    manifest = json.loads(done.stdout)
    jsonschema.validate(manifest, manifest_schema())
    documents = {d["source"]: d for d in manifest["documents"]}
    pdf, photo = documents["visit.pdf"], documents["instructions.png"]
    assert "unreadable" not in (pdf["kind"], photo["kind"])
    assert "Assessment: stable angina, follow up" in pdf["text"]
    assert pdf["pages"] == 2
    assert "page 2 of 2 not read: Tesseract OCR is not installed" in " ".join(pdf["warnings"])
    assert photo["warnings"] == [
        "the image not read: Tesseract OCR is not installed (it needs OCR)"
    ]
    codes = [(f["code"], f["documents"]) for f in manifest["findings"]]
    assert ("ocr-missing", [pdf["id"]]) in codes
    assert ("ocr-missing", [photo["id"]]) in codes
    assert not any(code in ("unreadable-file", "not-read") for code, _ in codes)


def test_unread_pages_are_not_cached_and_are_read_once_tesseract_is_back(
    records, tmp_path, monkeypatch, no_tesseract_path
):
    options = api.Options(appointment=APPOINTMENT)
    real_path = os.environ["PATH"]
    with ExtractionCache(tmp_path / "cache") as cache:
        runtime = api.Runtime(executor=SerialExecutor(), cache=cache)
        monkeypatch.setenv("PATH", no_tesseract_path)
        ocr.check_tesseract.cache_clear()
        first = api.scan_folder(records, options, runtime=runtime)
        monkeypatch.setenv("PATH", real_path)
        ocr.check_tesseract.cache_clear()
        second = api.scan_folder(records, options, runtime=runtime)
    assert sum(f.code == "ocr-missing" for f in first.findings) == 2
    assert sum("not read: Tesseract" in line for line in first.to_do) == 2  # caregiver's to-do
    assert not any(f.code == "ocr-missing" for f in second.findings)
    texts = {d.source: d.text for d in second.documents}
    assert "Walk thirty minutes" in texts["visit.pdf"]
    assert "Walk thirty minutes" in texts["instructions.png"]


def test_batch_exits_3_and_rebuilds_the_client_once_tesseract_is_back(
    records, tmp_path, no_tesseract_path
):
    parent, out = tmp_path / "clients", tmp_path / "packets"
    parent.mkdir()
    records.rename(parent / "jane")
    done = _scan(parent, no_tesseract_path, "batch", str(parent), "-o", str(out), "--no-cache",
                 "--changed-only", "-s")  # fmt: skip
    assert done.returncode == ExitCode.MISSING_DEPENDENCY, done.stderr
    assert done.stderr.count(INSTALL_HINT) == 1
    (row,) = csv.DictReader(io.StringIO((out / "dashboard.csv").read_text(encoding="utf-8")))
    assert row["status"] == "incomplete"
    assert "not read: Tesseract" in row["reason"]
    again = _scan(parent, os.environ["PATH"], "batch", str(parent), "-o", str(out),
                  "--no-cache", "--changed-only", "-s")  # fmt: skip
    assert again.returncode != ExitCode.MISSING_DEPENDENCY, again.stderr
    (row,) = csv.DictReader(io.StringIO((out / "dashboard.csv").read_text(encoding="utf-8")))
    assert row["reason"] == ""  # rebuilt, not "unchanged since its packet"
