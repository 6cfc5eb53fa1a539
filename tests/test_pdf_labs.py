"""PDF lab reports and clinical PDFs (issue 4), on generated files with known truth.

Real pdfplumber, PDFium, qpdf and Tesseract throughout; nothing is mocked.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "samples"))
sys.path.insert(0, str(ROOT / "bench"))

import lab_accuracy  # noqa: E402
import make_lab_pdfs  # noqa: E402

from intake import api  # noqa: E402
from intake.extractors import pdf as pdf_reader  # noqa: E402
from intake.extractors.base import ExtractionError  # noqa: E402
from intake.extractors.pdf import read_pdf  # noqa: E402
from intake.understand.labs import parse_labs  # noqa: E402

FACTS = ("reported", "specimen", "performing_lab", "ordering_provider", "status")
BORN_DIGITAL = ["national-a", "national-b", "portal", "plain", "cumulative", "cumulative-rotated"]


@pytest.fixture(scope="module")
def lab_pdfs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lab-pdfs")
    make_lab_pdfs.build(folder)
    return folder


@pytest.fixture(scope="module")
def truth(lab_pdfs) -> dict[str, make_lab_pdfs.Report]:
    return make_lab_pdfs.load_truth(lab_pdfs)


def key(result) -> tuple:
    flag_derived = getattr(result, "flag_derived", getattr(result, "derived", None))
    return (
        result.test,
        result.value.replace(",", "").upper(),
        result.unit,
        result.reference_range,
        result.flag,
        flag_derived,
        result.collected,
        *(getattr(result, fact) for fact in FACTS),
    )


@pytest.mark.parametrize("layout", BORN_DIGITAL)
def test_born_digital_layouts_are_read_exactly(lab_pdfs, truth, layout):
    read = read_pdf(lab_pdfs / f"{layout}.pdf")
    expected = truth[f"{layout}.pdf"].results
    assert sorted(map(key, read.labs)) == sorted(map(key, expected))
    assert set(read.page_kinds) == {"text"}


def test_layout_details_survive(lab_pdfs):
    labs = {(lab.test, lab.collected): lab for lab in read_pdf(lab_pdfs / "national-a.pdf").labs}
    assert labs[("Vitamin B12", "2026-10-02")].value == "1,250"  # thousands separator
    assert labs[("Troponin I", "2026-10-02")].value == "<0.01"  # comparator
    assert labs[("Hepatitis C Antibody", "2026-10-02")].value == "Non Reactive"  # qualitative
    portal = {lab.test: lab for lab in read_pdf(lab_pdfs / "portal.pdf").labs}
    glucose = portal["Glucose"]  # no flag printed: derived from the range, and marked so
    assert (glucose.flag, glucose.flag_derived) == ("H", True)
    assert (portal["Potassium"].flag, portal["Potassium"].flag_derived) == ("H", False)
    assert portal["Glucose, Urine"].flag == "A"
    assert {portal["Sodium"].status, portal["Protein, Urine"].status} == {"final", "preliminary"}
    assert portal["Magnesium"].status == "corrected"
    assert portal["Magnesium"].collected == "2026-09-03"  # each panel its own collection date
    cumulative = read_pdf(lab_pdfs / "cumulative.pdf").labs
    wbc = sorted((lab.collected, lab.value, lab.flag) for lab in cumulative if lab.test == "WBC")
    assert wbc == [("2026-06-15", "6.1", None), ("2026-08-20", "3.1", "L"),
                   ("2026-10-02", "11.2", "H")]  # fmt: skip


def test_scans_at_300_dpi_meet_the_accuracy_target(lab_pdfs, truth):
    correct, given, expected = {}, {}, {}
    for name, report in truth.items():
        if report.scanned_dpi != 300 or "sideways" in name:
            continue
        read = read_pdf(lab_pdfs / name)
        assert set(read.page_kinds) == {"scanned"}
        scores = lab_accuracy.score(read.labs, report.results)
        for total, part in zip((correct, given, expected), scores, strict=True):
            for field, count in part.items():
                total[field] = total.get(field, 0) + count
    for field in lab_accuracy.FIELDS:
        assert correct[field] / given[field] >= 0.9, field
        assert correct[field] / expected[field] >= 0.9, field


def test_a_sideways_scan_is_turned_upright_and_read(lab_pdfs, truth):
    read = read_pdf(lab_pdfs / "portal-scan300-sideways.pdf")
    assert any("turned" in w and w.startswith("page 1") for w in read.warnings)
    found = {lab.test for lab in read.labs}
    assert len(found & {t.test for t in truth["portal.pdf"].results}) >= 10


def page_image(lines: list[str], *, blur: float = 0.0) -> Image.Image:
    image = Image.new("L", (1275, 1650), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=30)
    for number, line in enumerate(lines):
        draw.text((100, 150 + number * 55), line, fill=0, font=font)
    return image.filter(ImageFilter.GaussianBlur(blur)) if blur else image


def image_pdf(path: Path, images: list[Image.Image], *, stamp: str = "", junk: str = "") -> Path:
    pdf = canvas.Canvas(str(path), pagesize=(612, 792))
    for image in images:
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        buffer.seek(0)
        pdf.drawImage(ImageReader(buffer), 0, 72, width=612, height=720 - 72)
        if stamp:  # a portal's printed header over a scanned page
            pdf.setFont("Helvetica", 8)
            pdf.drawString(40, 770, stamp)
        if junk:  # a text layer nobody can read (unmapped glyphs)
            text = pdf.beginText(40, 740)
            text.setTextRenderMode(3)
            text.textLine(junk)
            pdf.drawText(text)
        pdf.showPage()
    pdf.save()
    return path


RESULT_LINES = ["LAB RESULTS", "Glucose 182 mg/dL 70-99", "Sodium 140 mmol/L 135-145",
                "Creatinine 1.42 mg/dL 0.60-1.30"]  # fmt: skip


def test_mixed_and_junk_text_pages_are_ocrd(tmp_path):
    stamp = "Printed from MyHealth Portal on 11/20/2026 - page 1 of 1 - Rosalind Labwell"
    mixed = read_pdf(image_pdf(tmp_path / "mixed.pdf", [page_image(RESULT_LINES)], stamp=stamp))
    assert mixed.page_kinds == ["mixed"]
    assert "Printed from MyHealth Portal" in mixed.text  # the exact text layer is kept
    assert {lab.test for lab in mixed.labs} == {"Glucose", "Sodium", "Creatinine"}
    junk = "\ufffd" * 40 + " " + "\ue001\ue002" * 20
    garbled = read_pdf(image_pdf(tmp_path / "junk.pdf", [page_image(RESULT_LINES)], junk=junk))
    assert garbled.page_kinds == ["scanned"]
    assert "\ufffd" not in garbled.text and "Creatinine" in garbled.text


def test_a_low_confidence_page_is_named(tmp_path):
    pages = [page_image(RESULT_LINES), page_image(RESULT_LINES, blur=3.2)]
    read = read_pdf(image_pdf(tmp_path / "two.pdf", pages))
    low = [w for w in read.warnings if "low OCR confidence" in w]
    assert low and all(w.startswith("page 2:") for w in low)


@pytest.mark.parametrize("pages", [1, 3])
def test_ocr_gives_up_on_a_page_after_its_time_limit(tmp_path, monkeypatch, pages):
    monkeypatch.setattr(pdf_reader, "PAGE_TIMEOUT", 0.01)
    monkeypatch.setenv("INTAKE_OCR_JOBS", "1")  # several pages share one Tesseract run
    read = read_pdf(image_pdf(tmp_path / "slow.pdf", [page_image(RESULT_LINES)] * pages))
    for number in range(1, pages + 1):
        assert any(w.startswith(f"page {number}: OCR gave up") for w in read.warnings)


def test_pages_read_together_match_pages_read_alone(tmp_path, monkeypatch):
    images = [page_image(RESULT_LINES), page_image(RESULT_LINES[:2]), page_image(RESULT_LINES)]
    path = image_pdf(tmp_path / "three.pdf", images)
    monkeypatch.setenv("INTAKE_OCR_JOBS", "1")
    together = read_pdf(path)
    monkeypatch.setattr(pdf_reader, "OCR_BATCH", 1)
    alone = read_pdf(path)
    assert together.text == alone.text
    assert [lab.test for lab in together.labs] == ["Glucose", "Sodium", "Creatinine", "Glucose",
                                                   "Glucose", "Sodium", "Creatinine"]  # fmt: skip


def test_pages_are_ocrd_in_parallel_one_thread_each(monkeypatch):
    from intake import ocr

    assert pdf_reader.ocr_workers() >= 1
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    assert ocr.process_env()["OMP_THREAD_LIMIT"] == "1"  # Tesseract's own environment only
    monkeypatch.setenv("OMP_THREAD_LIMIT", "4")  # the user's own setting wins
    assert ocr.process_env()["OMP_THREAD_LIMIT"] == "4"


def test_empty_user_password_is_read_and_a_real_password_is_named(lab_pdfs, tmp_path):
    source = lab_pdfs / "plain.pdf"
    with pikepdf.open(source) as pdf:  # qpdf's encryption, as a portal applies it
        pdf.save(tmp_path / "open.pdf", encryption=pikepdf.Encryption(user="", owner="x", R=6))
        pdf.save(tmp_path / "locked.pdf", encryption=pikepdf.Encryption(user="pw", owner="x", R=6))
    assert len(read_pdf(tmp_path / "open.pdf").labs) == len(read_pdf(source).labs)
    with pytest.raises(ExtractionError, match=r"password-protected.*save an unprotected copy"):
        read_pdf(tmp_path / "locked.pdf")


def test_a_truncated_pdf_is_repaired_by_qpdf_or_named(lab_pdfs, tmp_path):
    data = (lab_pdfs / "portal.pdf").read_bytes()
    cut = data[: data.rindex(b"xref")]  # the download stopped before the cross-reference table
    read = read_pdf(cut)
    assert any("ends early" in w for w in read.warnings)
    assert len(read.labs) == 13
    with pytest.raises(ExtractionError, match="damaged"):
        read_pdf(data[:400])
    with pytest.raises(ExtractionError, match="damaged"):
        read_pdf(b"%PDF-1.7\n" + bytes(range(256)) * 40)


def test_a_pdf_of_thousands_of_pages_is_streamed(tmp_path):
    path = tmp_path / "long.pdf"
    pdf = canvas.Canvas(str(path))
    for number in range(2500):
        pdf.drawString(72, 720, f"Progress note, page {number + 1}: stable, continue the plan.")
        if number == 1200:
            pdf.drawString(72, 700, "Tests Ordered    Result    Units    Reference Interval")
            pdf.drawString(72, 686, "Glucose          105       mg/dL    70-99")
        pdf.showPage()
    pdf.save()
    read = read_pdf(path)
    assert read.pages == 2500
    assert [(lab.test, lab.flag) for lab in read.labs] == [("Glucose", "H")]


def test_clinical_pdfs_are_classified_dated_and_identified(lab_pdfs):
    truth = json.loads((lab_pdfs / "clinical.json").read_text())
    folder = lab_pdfs.parent / "clinical-only"
    folder.mkdir(exist_ok=True)
    for name in truth:
        shutil.copy(lab_pdfs / name, folder / name)
    manifest = api.scan_folder(folder)
    for document in manifest.documents:
        expected = truth[document.source]
        assert document.kind == expected["kind"], document.source
        assert document.date == expected["date"], document.source  # service date, not print
        assert document.patient is not None
        assert document.patient.birth_date == expected["birth_date"]
        assert "labwell" in document.patient.name.lower()
        for field, lines in expected["fields"].items():
            assert document.sections.get(field) == lines, (document.source, field)


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs the tesseract CLI")
def test_a_searchable_scan_made_by_tesseract_keeps_its_text_layer(tmp_path):
    """Scanners' 'searchable PDF': an image with Tesseract's invisible text over it."""
    image = tmp_path / "scan.png"
    page_image(RESULT_LINES).save(image, dpi=(150, 150))
    subprocess.run(["tesseract", str(image), str(tmp_path / "sandwich"), "pdf"], check=True,
                   capture_output=True)  # fmt: skip
    read = read_pdf(tmp_path / "sandwich.pdf")
    assert read.page_kinds == ["text"]
    assert {lab.test for lab in read.labs} == {"Glucose", "Sodium", "Creatinine"}


SHIPPED = Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf")


@pytest.mark.skipif(not SHIPPED.exists(), reason="Debian's shared-mime-info documentation")
def test_a_pdf_debian_ships_is_read_as_text_without_inventing_labs():
    read = read_pdf(SHIPPED)
    assert read.pages > 5 and set(read.page_kinds) == {"text"}
    assert "MIME" in read.text
    assert read.labs == []


def test_plain_text_tables_use_the_same_columns():
    text = (
        "Component        Your Value     Standard Range    Flag\n"
        "Potassium        5.6 mmol/L     3.5 - 5.1 mmol/L  High\n"
        "Glucose          182 mg/dL      70 - 99 mg/dL\n"
    )
    labs = {lab.test: lab for lab in parse_labs(text, collected="2026-08-20")}
    assert (labs["Potassium"].value, labs["Potassium"].unit, labs["Potassium"].flag) == (
        "5.6", "mmol/L", "H")  # fmt: skip
    assert (labs["Glucose"].reference_range, labs["Glucose"].flag_derived) == ("70-99", True)


def test_only_pages_that_look_like_lab_tables_get_word_positions(tmp_path, monkeypatch):
    """A spy around the real pdfplumber.open records which pages it is asked for."""
    path = tmp_path / "visit-and-labs.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, "Visit note: doing well; plan unchanged.")
    pdf.showPage()
    pdf.drawString(72, 720, "Test        Result    Units    Reference Range")
    pdf.drawString(72, 704, "Glucose     105       mg/dL    70-99")
    pdf.showPage()
    pdf.drawString(72, 720, "Discussed the results with the patient's daughter.")
    pdf.showPage()
    pdf.save()
    asked: list[list[int]] = []
    real_open = pdfplumber.open

    def spy(source, *args, **kwargs):
        asked.append(kwargs.get("pages"))
        return real_open(source, *args, **kwargs)

    monkeypatch.setattr(pdfplumber, "open", spy)
    read = read_pdf(path)
    assert asked == [[2]]
    assert [(lab.test, lab.flag, lab.flag_derived) for lab in read.labs] == [("Glucose", "H", True)]
