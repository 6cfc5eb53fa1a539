"""Issue 17 point 8, "Tidy": what the specialist receives says each thing once and shows it
plainly. Real sample folders and real DICOM files throughout."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from pathlib import Path

import pdfplumber
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.encaps import encapsulate

from intake import api
from intake.check import check, load_checklist
from intake.packet.previews import PREVIEW_SIZE, NoPreview, render_preview
from intake.packet.questions import asked
from tests.conftest import APPOINTMENT, packet_index

LABS = "Portal downloads/labcorp_results_2026-10-02.pdf"
LABS_AGAIN = "Portal downloads/labcorp_results_2026-10-02 (1).pdf"


@pytest.fixture(scope="module")
def oncology_packet(oncology, tmp_path_factory):
    out = tmp_path_factory.mktemp("tidy") / "oncology"
    manifest = api.build_packet(oncology, out, api.Options(appointment=APPOINTMENT))
    return manifest, out


@pytest.fixture(scope="module")
def neurology_packet(neurology, tmp_path_factory):
    out = tmp_path_factory.mktemp("tidy") / "neurology"
    manifest = api.build_packet(neurology, out, api.Options(appointment=APPOINTMENT))
    return manifest, out


# 1. identical files are one document ---------------------------------------------------------


def test_identical_files_are_one_document_with_one_copy(oncology, oncology_packet):
    manifest, out = oncology_packet
    (labs,) = [d for d in manifest.documents if "labcorp" in d.source]
    assert [ref.source for ref in labs.files] == [LABS, LABS_AGAIN]
    assert f"also at {LABS_AGAIN}" in labs.warnings
    assert not [f for f in manifest.findings if f.code == "duplicate-file"]
    entry = packet_index(out)[labs.id]
    assert len(entry["files"]) == 1 and not entry["notes"]  # check_copies found both placed
    (copy,) = entry["files"]
    assert (out / copy).read_bytes() == (oncology / LABS).read_bytes()
    digest = hashlib.sha256((oncology / LABS).read_bytes()).hexdigest()
    same = [p for p in (out / "IHE_XDM").rglob("*.PDF") if _sha256(p) == digest]
    assert len(same) == 1  # one copy in the packet; the manifest it holds keeps both paths
    text = (out / "EXTRA" / "manifest.json").read_text(encoding="utf-8")
    assert LABS in text and LABS_AGAIN in text
    assert f"also at {LABS_AGAIN}" in (out / "INDEX.HTM").read_text(encoding="utf-8")


def test_identical_notes_merge_but_empty_files_stay_apart(oncology, tmp_path):
    shutil.copyfile(oncology / "questions.txt", tmp_path / "questions.txt")
    (tmp_path / "copy").mkdir()
    shutil.copyfile(oncology / "questions.txt", tmp_path / "copy" / "questions.txt")
    (tmp_path / "a.pdf").write_bytes(b"")
    (tmp_path / "b.pdf").write_bytes(b"")
    manifest = api.scan_folder(tmp_path, api.Options(appointment=APPOINTMENT))
    by_source = {d.source: d for d in manifest.documents}
    assert sorted(by_source) == ["a.pdf", "b.pdf", "questions.txt"]
    assert [ref.source for ref in by_source["questions.txt"].files] == [
        "questions.txt",
        "copy/questions.txt",
    ]
    assert by_source["a.pdf"].kind == by_source["b.pdf"].kind == "unreadable"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# 2. a DICOMDIR is part of its disc -----------------------------------------------------------


def test_dicomdir_is_no_document_and_the_disc_is_still_checked(oncology, copy_of):
    folder = copy_of(oncology)
    (folder / "Breast imaging CD" / "PT000000" / "ST000000" / "SE000003" / "IM000000").unlink()
    manifest = api.scan_folder(folder, api.Options(appointment=APPOINTMENT))
    assert not [d for d in manifest.documents if "DICOMDIR" in d.source]
    assert [s.path for s in manifest.skipped if s.path.endswith("DICOMDIR")] == [
        "Breast imaging CD/DICOMDIR"
    ]
    (missing,) = [f for f in manifest.findings if f.code == "dicomdir-missing-files"]
    assert "Breast imaging CD/DICOMDIR lists 1 files" in missing.message
    assert "SE000003" in missing.message


def test_the_packet_lists_no_dicomdir_document(oncology_packet):
    _, out = oncology_packet
    page = (out / "INDEX.HTM").read_text(encoding="utf-8")
    assert "index of the imaging disc" not in page
    assert (out / "DICOMDIR").is_file()  # the packet's own index of its DICOM folder


# 3. each problem said once -------------------------------------------------------------------


def test_a_study_without_report_is_said_once_in_findings_and_to_do(neurology_manifest):
    study = "MR BRAIN WO CONTRAST 2026-09-14"
    said = [f for f in neurology_manifest.findings if study in f.message]
    assert [f.code for f in said] == ["imaging-without-report"]
    assert len([item for item in neurology_manifest.to_do if study in item]) == 1
    statuses = {item.id: item for item in neurology_manifest.checklist}
    assert statuses["imaging"].status == "incomplete"  # the rows still carry their status
    assert statuses["brain_spine_mri"].status == "incomplete"
    assert study in statuses["brain_spine_mri"].note


def test_to_do_and_findings_hold_no_repeats(neurology_manifest):
    documents = list(neurology_manifest.documents)
    assessment = check(documents, load_checklist("neurology"), appointment=APPOINTMENT)
    assert len(assessment.to_do) == len(set(assessment.to_do))
    keys = [(f.code, f.message) for f in assessment.findings]
    assert len(keys) == len(set(keys))
    assert "incomplete-item" not in {f.code for f in assessment.findings}


# 4. the questions file shows its questions ---------------------------------------------------


def test_questions_are_the_asked_lines_not_the_heading():
    text = (
        "My questions\n\n1. Is the dose right\n   for my weight?\n2) Can I drive?\n- side effects\n"
    )
    assert asked(text, "My questions") == [
        "Is the dose right for my weight?",
        "Can I drive?",
        "side effects",
    ]
    assert asked("Questions\nWhy now?\nnot a question\n", "Questions") == ["Why now?"]
    assert asked("Questions\nI worry about the cost.\n", "Questions") == ["I worry about the cost."]


def test_index_and_pdf_show_the_questions(oncology, oncology_packet):
    manifest, out = oncology_packet
    (questions,) = [d for d in manifest.documents if d.kind == "questions"]
    wanted = asked((oncology / "questions.txt").read_text(encoding="utf-8"), questions.title)
    assert len(wanted) == 4
    page = (out / "INDEX.HTM").read_text(encoding="utf-8")
    section = page.split("The patient's questions and concerns", 1)[1].split("</section>")[0]
    assert re.findall(r"<li>(.*?)</li>", section) == [_html(q) for q in wanted]
    assert f"<li>{questions.title}</li>" not in section
    with pdfplumber.open(out / "PACKET.PDF") as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages[-6:])
    assert "1. Is lumpectomy enough, or should I consider mastectomy?" in text
    assert "4. Should I have genetic testing for BRCA?" in text


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# 5. imaging rows link to the report and a series page ----------------------------------------


def test_imaging_rows_link_to_their_report_and_series_page(oncology_packet):
    manifest, out = oncology_packet
    (study,) = [d for d in manifest.documents if d.kind == "imaging_study"]
    (report,) = [d for d in manifest.documents if d.kind == "imaging_report"]
    page = (out / "INDEX.HTM").read_text(encoding="utf-8")
    section = page.split("<h2>Imaging studies</h2>", 1)[1].split("</section>")[0]
    series_page = f"PREVIEW/{study.id}/STUDY1.HTM"
    assert f'href="{series_page}"' in section
    assert f'href="#{report.id}"' in section
    assert not re.search(r'href="DICOM/[^"]*/"', page)  # no raw folder of DICOM files
    html = (out / series_page).read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert f'href="../../INDEX.HTM#{study.id}"' in html
    assert html.count("<section") == study.imaging[0].series


def test_series_page_shows_several_slices_at_256_px(neurology_packet):
    manifest, out = neurology_packet
    (study,) = [d for d in manifest.documents if d.kind == "imaging_study"]
    page = out / f"PREVIEW/{study.id}/STUDY1.HTM"
    html = page.read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == study.imaging[0].instances  # 3 series of 3: every slice shown
    for name in images:
        with Image.open(page.parent / name) as image:
            assert max(image.size) >= 256
    assert re.search(r'<section id="SE0002">', html)
    index = (out / "INDEX.HTM").read_text(encoding="utf-8")
    assert f'href="PREVIEW/{study.id}/STUDY1.HTM#SE0002"' in index


# 6. preview failures in plain words, and files without preamble -------------------------------


def _without_preamble(path: Path) -> None:
    """CT_small as some PACS exports write it: no preamble, no file meta, implicit VR."""
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    del ds.file_meta
    ds.preamble = None
    pydicom.dcmwrite(path, ds, implicit_vr=True, little_endian=True, enforce_file_format=False)


def test_a_file_without_preamble_gets_its_preview(tmp_path):
    bare = tmp_path / "IM0001"
    _without_preamble(bare)
    assert bare.read_bytes()[128:132] != b"DICM"
    with Image.open(io.BytesIO(render_preview(bare))) as image:
        assert max(image.size) == PREVIEW_SIZE  # 128 px enlarged
    folder = tmp_path / "records"
    (folder / "CT").mkdir(parents=True)
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    for number in (1, 3):  # the series' first and last files keep their preamble
        ds.SOPInstanceUID = f"{ds.SOPInstanceUID}.{number}"
        ds.InstanceNumber = number
        ds.save_as(folder / "CT" / f"IM000{number}")
    _without_preamble(folder / "CT" / "IM0002")  # the middle one: the series' sample
    out = tmp_path / "out"
    manifest = api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    (study,) = [d for d in manifest.documents if d.kind == "imaging_study"]
    entry = packet_index(out)[study.id]
    assert entry["previews"] and not [n for n in entry["notes"] if "preview" in n]


def test_preview_failures_are_said_in_plain_words(tmp_path):
    ds = pydicom.dcmread(get_testdata_file("MR_small_RLE.dcm"))
    ds.PixelData = encapsulate([b"\x00" * 64])  # not an RLE stream
    folder = tmp_path / "records"
    folder.mkdir()
    ds.save_as(folder / "IM0001")
    truncated = tmp_path / "cut.dcm"
    truncated.write_bytes((folder / "IM0001").read_bytes()[:-200])
    with pytest.raises(NoPreview) as cut:
        render_preview(truncated)
    out = tmp_path / "out"
    manifest = api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    (study,) = [d for d in manifest.documents if d.kind == "imaging_study"]
    notes = packet_index(out)[study.id]["notes"]
    page = (out / "INDEX.HTM").read_text(encoding="utf-8")
    for said in [*notes, str(cut.value), page]:
        assert not re.search(r"\b[A-Z][a-zA-Z]*(Error|Exception)\b", said), said
    assert any("no preview (its images are compressed as RLE Lossless" in n for n in notes)
    shutil.rmtree(out)
