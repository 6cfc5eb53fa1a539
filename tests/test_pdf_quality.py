"""PACKET.PDF quality (issue 17, point 6): names in any script embedded and read back, the
OCR text of scans and photos searchable, document information and language set, footers
with the patient and "page x of y", no bookmark repeating its parent."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess

import pdfplumber
import pikepdf
import pytest
from click.testing import CliRunner

from intake.cli import cli
from intake.packet import packet_pdf, pdf_fonts, pdf_pages
from intake.packet.summary import summarise

NAMES = ["Łucja Kowalska", "Nguyễn Văn An", "王小明", "Δημήτρης", "Дмитрий"]
fonts_installed = pytest.mark.skipif(
    pdf_fonts.find().notes != (), reason="DejaVu Sans and a CJK font are not installed"
)


def _pdftotext(pdf: bytes | str, *args: str) -> str:
    source = ["-"] if isinstance(pdf, bytes) else [str(pdf)]
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, *source, "-"],
        input=pdf if isinstance(pdf, bytes) else None,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8")


def _pdffonts(path) -> list[tuple[str, str]]:
    """(font name, embedded yes/no) for every font of the PDF."""
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = []
    for line in lines.stdout.splitlines()[2:]:
        found = re.match(r"(\S+)\s.*?\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line)
        assert found, line
        rows.append((found[1], found[2]))
    return rows


@fonts_installed
def test_names_in_every_script_are_read_back_from_the_cover(oncology_manifest, tmp_path):
    for name in NAMES:
        patient = dataclasses.replace(oncology_manifest.patient, name=name)
        manifest = dataclasses.replace(oncology_manifest, patient=patient)
        summary = summarise(dataclasses.replace(manifest, reason=f"for {name}"))
        pdf = pdf_pages.summary_page(summary, prepared="2026-10-01", meta="", contents=[])
        path = tmp_path / "summary.pdf"
        path.write_bytes(pdf)
        assert f"Patient: {name}" in _pdftotext(pdf)
        assert f"for {name}" in _pdftotext(pdf)
        with pdfplumber.open(path) as document:
            assert f"Patient: {name}" in document.pages[0].extract_text()
        fonts = _pdffonts(path)
        assert fonts and all(embedded == "yes" for _, embedded in fonts), fonts
        used = {font.split("+")[-1] for font, _ in fonts}
        if name == "王小明":
            assert any(f.startswith(("WenQuanYi", "Droid")) for f in used), used
        else:
            assert "DejaVuSans-Bold" in used, used


def test_without_fonts_helvetica_shows_what_it_lacks_as_a_question_mark():
    bare = pdf_fonts.find(latin=(), cjk=(), fontconfig=False)
    assert bare.regular == "Helvetica"
    assert any("no Unicode font" in note for note in bare.notes)
    with pdf_fonts.using(bare):
        pdf = pdf_pages.render([pdf_pages.p("Łucja Kowalska 王小明 José")], title="Fallback")
    text = _pdftotext(pdf)
    assert "?ucja Kowalska ??? José" in text
    assert "王" not in text


def test_runs_split_text_by_the_font_that_shows_it():
    fonts = pdf_fonts.Fonts(
        "Latin", "Latin-Bold", "CJK", frozenset(map(ord, "ab ")), frozenset(map(ord, "王小"))
    )
    assert list(pdf_fonts.runs("ab 王小明b", fonts)) == [
        ("Latin", "ab "),
        ("CJK", "王小"),
        ("Latin", "?b"),
    ]
    assert list(pdf_fonts.runs("a王", fonts, bold=True)) == [("Latin-Bold", "a"), ("CJK", "王")]


@pytest.fixture(scope="module")
def neuro_pdf(neurology, tmp_path_factory):
    out = tmp_path_factory.mktemp("quality") / "neuro"
    result = CliRunner().invoke(cli, ["packet", str(neurology), "-o", str(out), "--silent"])
    assert (out / "PACKET.PDF").is_file(), result.output
    return out / "PACKET.PDF"


def _page_of(pdf: pikepdf.Pdf, label: str) -> int:
    """The 1-based number of the first page whose outline entry is titled `label`."""
    with pdf.open_outline() as outline:
        for category in outline.root:
            for item in [category, *category.children]:
                if label.lower() in item.title.lower():
                    return pdf.pages.index(item.destination[0]) + 1
    raise AssertionError(label)


def test_scanned_pages_and_photos_carry_their_ocr_text_invisibly(neuro_pdf, neurology):
    assert _pdftotext(str(neurology / "scanned_labs.pdf")).strip() == ""  # a scan: no text
    with pikepdf.open(neuro_pdf) as pdf:
        labs = _page_of(pdf, "LABORATORY REPORT")
        photo = _page_of(pdf, "Medication list")
    scanned = _pdftotext(str(neuro_pdf), "-f", str(labs), "-l", str(labs))
    assert "Hemoglobin" in scanned and "Creatinine" in scanned
    on_photo = _pdftotext(str(neuro_pdf), "-f", str(photo), "-l", str(photo))
    assert "Levetiracetam" in on_photo


def test_document_information_and_language(neuro_pdf, neurology_manifest):
    name = neurology_manifest.patient.name
    info = subprocess.run(["pdfinfo", str(neuro_pdf)], capture_output=True, text=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert fields["Title"].strip() == f"Medical records of {name}"
    assert fields["Author"].strip() == "intake"
    assert name in fields["Subject"]
    with pikepdf.open(neuro_pdf) as pdf:
        assert str(pdf.Root.Lang) == "en"


def test_own_pages_have_the_patient_and_page_x_of_y(neuro_pdf, neurology_manifest, neurology):
    name = neurology_manifest.patient.name
    with pikepdf.open(neuro_pdf) as pdf:
        total = len(pdf.pages)
        labs = _page_of(pdf, "LABORATORY REPORT")
    for number in (1, total):
        text = _pdftotext(str(neuro_pdf), "-f", str(number), "-l", str(number))
        assert f"page {number} of {total}" in text
        assert name in text
    original = _pdftotext(str(neuro_pdf), "-f", str(labs), "-l", str(labs))
    # a record's own page: only its document id and "page x of y", small at the bottom edge
    # (the summary's "[D0004]" is found on paper), never intake's header line
    assert re.search(rf"\bD\d{{4}} · page {labs} of {total}\b", original), original
    assert name not in original.split("LABORATORY REPORT")[0]


def _outline(pdf_bytes: bytes) -> list[tuple[str, list[str]]]:
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf, pdf.open_outline() as outline:
        return [(item.title, [c.title for c in item.children]) for item in outline.root]


def test_no_bookmark_has_a_single_child_repeating_it(neuro_pdf):
    outline = _outline(neuro_pdf.read_bytes())
    assert outline and all(children != [title] for title, children in outline), outline
    page = pdf_pages.render([pdf_pages.p("x")], title="x")
    parts = [
        packet_pdf.Part("Notes", "Notes", page, "Notes-"),
        packet_pdf.Part("Labs", "LAB REPORT", page, "D1-"),
    ]
    assert _outline(packet_pdf.assemble(parts)) == [("Notes", []), ("Labs", ["LAB REPORT"])]
