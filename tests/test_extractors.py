"""Extractors on real files: the generated samples and pydicom's own test data. No mocks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.fileset import FileSet
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from intake import api
from intake.containers import Workspace
from intake.extraction import extract as extract_stage
from intake.extractors import EXTRACTORS, extract
from intake.extractors.base import Extractor
from intake.inventory import take_inventory
from intake.model import Document
from intake.runtime import Runtime
from intake.scan import identify, scan

from .conftest import by_kind, make_samples

# (sample file, expected kind, text it must hold, text it must not hold)
VECTORS = [
    (
        "oncology-testwell/Pathology Report 2026-09-08.pdf",
        "pathology_report",
        "Invasive ductal",
        None,
    ),
    (
        "oncology-testwell/Portal downloads/labcorp_results_2026-10-02.pdf",
        "lab_report",
        "Reference Interval",
        None,
    ),
    ("oncology-testwell/Mammogram report.pdf", "imaging_report", "BI-RADS 5", None),
    ("oncology-testwell/Treatment plan - Dr Example.pdf", "treatment_plan", "anastrozole", None),
    ("oncology-testwell/IMG_4021.JPG", "medication_list", "Ondansetron", None),
    ("oncology-testwell/questions.txt", "questions", "genetic testing", None),
    ("neurology-sampleton/scanned_labs.pdf", "lab_report", "Creatinine", None),
    ("neurology-sampleton/meds photo.jpg", "medication_list", "Levetiracetam", None),
    (
        "neurology-sampleton/Neurology visit summary.pdf",
        "visit_summary",
        "seizure",
        "DOB: 07/02/1956",
    ),
]


@pytest.fixture(scope="module")
def documents_by_source(oncology_manifest, neurology_manifest):
    found = {}
    for manifest, folder in (
        (oncology_manifest, "oncology-testwell"),
        (neurology_manifest, "neurology-sampleton"),
    ):
        for document in manifest.documents:
            found[f"{folder}/{document.source}"] = document
    return found


@pytest.mark.parametrize(("path", "kind", "must", "must_not"), VECTORS, ids=[v[0] for v in VECTORS])
def test_sample_files_are_read_and_classified(documents_by_source, path, kind, must, must_not):
    document = documents_by_source[path]
    assert document.kind == kind
    assert must.lower() in document.text.lower()
    if must_not:
        assert must_not not in document.text


def test_lab_values_match_the_truth_born_digital_and_scanned(oncology_manifest, neurology_manifest):
    for manifest, patient in (
        (oncology_manifest, make_samples.ONCOLOGY),
        (neurology_manifest, make_samples.NEUROLOGY),
    ):
        report = by_kind(manifest, "lab_report")[0]
        read = {
            (lab.test, lab.value, lab.unit.lower(), lab.reference_range, lab.flag)
            for lab in report.labs
        }
        truth = {
            (lab.test, lab.value, lab.unit.lower(), lab.reference, lab.flag) for lab in patient.labs
        }
        assert read == truth
        assert {lab.collected for lab in report.labs} == {report.date}


def test_medications_match_the_truth_from_photos(oncology_manifest, neurology_manifest):
    for manifest, patient in (
        (oncology_manifest, make_samples.ONCOLOGY),
        (neurology_manifest, make_samples.NEUROLOGY),
    ):
        photo = by_kind(manifest, "medication_list")[0]
        read = {(m.name, m.strength, m.frequency.split(",")[0]) for m in photo.medications}
        assert read == {(m.name, m.strength, m.frequency) for m in patient.meds}
        assert photo.ocr_confidence is not None and photo.ocr_confidence > 60


def test_scanned_pdf_page_was_ocrd(neurology_manifest):
    report = by_kind(neurology_manifest, "lab_report")[0]
    assert report.pages == 1
    assert any("read by OCR" in w for w in report.warnings)


def test_dicom_files_become_one_document_per_study(oncology_manifest, neurology_manifest):
    for manifest, patient in (
        (oncology_manifest, make_samples.ONCOLOGY),
        (neurology_manifest, make_samples.NEUROLOGY),
    ):
        (study_doc,) = by_kind(manifest, "imaging_study")
        (study,) = study_doc.imaging
        assert study.modality == patient.study.modality
        assert study.description == patient.study.description
        assert (
            study.date
            == f"{patient.study.date[:4]}-{patient.study.date[4:6]}-{patient.study.date[6:]}"
        )
        assert study.series == len(patient.study.series)
        assert (
            study.instances
            == sum(count for _, count in patient.study.series)
            == len(study_doc.files)
        )
        assert [s.instances for s in study.series_detail] == [
            count for _, count in patient.study.series
        ]
        assert study_doc.patient.name == f"{patient.first} {patient.middle} {patient.last}"


def test_pydicom_dicomdir_test_set_groups_like_its_dicomdir(tmp_path):
    """pydicom's own DICOMDIR test set: as many documents as the DICOMDIR lists studies."""
    dicomdir = Path(get_testdata_file("DICOMDIR"))
    fileset = FileSet(dicomdir)
    (tmp_path / "cd").mkdir()
    shutil.copyfile(dicomdir, tmp_path / "cd" / "DICOMDIR")
    studies = {}
    for instance in fileset:  # copy just what the DICOMDIR lists
        target = tmp_path / "cd" / Path(instance.path).relative_to(dicomdir.parent)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(instance.path, target)
        studies.setdefault(instance.StudyInstanceUID, set()).add(instance.SeriesInstanceUID)
    manifest = api.scan_folder(tmp_path / "cd")
    docs = by_kind(manifest, "imaging_study")
    assert {d.imaging[0].study_uid: d.imaging[0].series for d in docs} == {
        uid: len(series) for uid, series in studies.items()
    }
    assert sum(d.imaging[0].instances for d in docs) == len(list(fileset))


@pytest.mark.parametrize(("name", "modality"), [("CT_small.dcm", "CT"), ("MR_small.dcm", "MR")])
def test_pydicom_test_files(tmp_path, name, modality):
    shutil.copyfile(get_testdata_file(name), tmp_path / name.upper().replace(".DCM", ""))
    (document,) = api.scan_folder(tmp_path).documents
    assert document.kind == "imaging_study"
    assert document.imaging[0].modality == modality
    assert document.imaging[0].instances == 1


def encrypted_pdf(path: Path, user_password: str) -> None:
    pdf = canvas.Canvas(str(path), encrypt=StandardEncryption(user_password, ownerPassword="owner"))
    pdf.drawString(72, 720, "CONSULTATION NOTE  Reason for consultation: second opinion")
    pdf.save()


def test_bad_files_become_unreadable_with_reasons_and_the_run_goes_on(copy_of, oncology):
    folder = copy_of(oncology)
    lab = folder / "Portal downloads" / "labcorp_results_2026-10-02.pdf"
    data = lab.read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 3])
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "not-a-photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(50))
    encrypted_pdf(folder / "locked.pdf", "secret")
    encrypted_pdf(folder / "encrypted-no-password.pdf", "")
    manifest = api.scan_folder(folder)
    docs = {d.source: d for d in manifest.documents}
    assert docs["truncated.pdf"].kind == "unreadable"
    assert "pdf:" in docs["truncated.pdf"].warnings[0]
    assert docs["empty.pdf"].kind == "unreadable"
    assert "empty" in docs["empty.pdf"].warnings[0]
    assert docs["not-a-photo.jpg"].kind == "unreadable"
    assert docs["locked.pdf"].kind == "unreadable"
    assert "password-protected" in docs["locked.pdf"].warnings[0]
    assert docs["encrypted-no-password.pdf"].kind == "consult_note"
    unreadable = {
        f.message.split(" could not")[0] for f in manifest.findings if f.code == "unreadable-file"
    }
    assert unreadable == {"truncated.pdf", "empty.pdf", "not-a-photo.jpg", "locked.pdf"}
    # everything else was still read
    (labs,) = by_kind(manifest, "lab_report")  # the lab PDF downloaded twice: one document
    assert len(labs.files) == 2
    assert len(by_kind(manifest, "imaging_study")) == 1


class CrashingExtractor(Extractor):
    name = "crashing"
    priority = -1.0
    media_types = frozenset({"application/pdf"})

    def extract(self, source):
        raise RuntimeError("parser bug")


def test_a_crashing_extractor_is_noted_and_the_next_one_tried(oncology):
    source = identify(oncology / "Mammogram report.pdf", "Mammogram report.pdf")
    (document,) = extract(source, [CrashingExtractor(), *EXTRACTORS])
    assert document.extractor == "pdf"
    (failed,) = extract(source, [CrashingExtractor()])
    assert failed.kind == "unreadable"
    assert failed.warnings == ("crashing: RuntimeError: parser bug",)


def test_a_file_nobody_reads_is_kept_as_other_with_the_reason(tmp_path):
    (tmp_path / "letter.rtf").write_text("{\\rtf1\\ansi Dear colleague}")
    (document,) = api.scan_folder(tmp_path).documents
    assert document.kind == "other"
    assert "application/rtf" in document.warnings[0]


def test_files_the_scan_could_not_read_are_listed_as_unreadable(tmp_path):
    (tmp_path / "ok.txt").write_text("Visit summary\nChief complaint: cough\n")
    result = scan(tmp_path)
    result.unreadable.append(("locked.pdf", "cannot be read: Permission denied"))
    with Workspace() as workspace:
        extraction = extract_stage(take_inventory(result, workspace), Runtime(), workspace)
    locked = next(d for d in extraction.documents if d.source == "locked.pdf")
    assert locked.kind == "unreadable" and locked.warnings == ("cannot be read: Permission denied",)


def test_heic_photo_is_read(tmp_path, oncology):
    pytest.importorskip("pillow_heif")
    from intake.heif import heif_available

    assert heif_available()  # registers the writer this test uses too (not at import)
    Image.open(oncology / "IMG_4021.JPG").save(tmp_path / "IMG_0001.HEIC", "HEIF")
    (document,) = api.scan_folder(tmp_path).documents
    assert document.media_type == "image/heic"
    assert document.kind == "medication_list"


def test_dicomdir_is_part_of_its_disc_not_a_document(oncology_manifest):
    assert not [d for d in oncology_manifest.documents if d.source.endswith("DICOMDIR")]
    (index,) = [s for s in oncology_manifest.skipped if s.path.endswith("DICOMDIR")]
    assert "checked against the disc" in index.reason


def test_unreadable_factory_keeps_the_file_identity(oncology):
    source = identify(oncology / "questions.txt", "questions.txt")
    document = Document.unreadable(source, ["why"])
    assert (document.sha256, document.size, document.source) == (
        source.sha256,
        source.size,
        "questions.txt",
    )
    assert (document.kind, document.title, document.warnings) == (
        "unreadable",
        "questions.txt",
        ("why",),
    )
    assert document.files == (source.ref,)


def test_files_over_an_extractors_size_cap_are_refused_unread(tmp_path):
    from intake.model import Source

    path = tmp_path / "huge.txt"
    path.write_text("Is surgery needed?\nWhat next?\n")
    claimed = Source("huge.txt", path, "text/plain", "0" * 64, 21 * 2**20)
    (document,) = extract(claimed)
    assert document.kind == "unreadable"
    assert document.warnings == ("text: file larger than 20 MB",)
