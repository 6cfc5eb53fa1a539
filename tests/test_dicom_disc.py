"""Hospital discs: studies, reports inside DICOM, DICOMDIR cross-checks, viewer software, the
packet's DICOM file-set and previews. Real files: the committed disc generator and pydicom's
own test data; pydicom, its pixel plugins and dicom3tools are never mocked."""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.encaps import encapsulate
from pydicom.fileset import FileSet, is_conformant_file_id

from intake import api
from intake.extractors import extract
from intake.packet.previews import NoPreview, render_preview
from intake.scan import identify
from tests.conftest import APPOINTMENT, ROOT, packet_files, packet_index


def _load_disc_module():
    spec = importlib.util.spec_from_file_location("make_disc", ROOT / "samples" / "make_disc.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_disc"] = module
    spec.loader.exec_module(module)
    return module


make_disc = _load_disc_module()
IMAGES_PER_SERIES = 3
INSTANCES = 6 * IMAGES_PER_SERIES + 4  # six image series, SR, encapsulated PDF, KO, PR


@pytest.fixture(scope="module")
def disc(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("disc")
    make_disc.write_disc(folder, per_series=IMAGES_PER_SERIES)
    return folder


@pytest.fixture(scope="module")
def disc_manifest(disc):
    return api.scan_folder(disc, api.Options(appointment=APPOINTMENT))


@pytest.fixture(scope="module")
def disc_packet(disc, tmp_path_factory):
    out = tmp_path_factory.mktemp("packet") / "PACKET"
    manifest = api.build_packet(disc, out, api.Options(appointment=APPOINTMENT))
    return out, manifest


def studies(manifest):
    return {d.title: d for d in manifest.documents if d.kind == "imaging_study"}


def test_one_document_per_study_with_its_series(disc_manifest):
    found = studies(disc_manifest)
    assert set(found) == {"MR BRAIN WO CONTRAST", "CT CHEST W CONTRAST", "US ABDOMEN COMPLETE"}
    mr = found["MR BRAIN WO CONTRAST"]
    (study,) = mr.imaging
    assert (study.date, study.modality, study.body_part, study.accession) == (
        "2026-09-14",
        "MR",
        "BRAIN",
        "ACCMR914",
    )
    assert [(s.number, s.description, s.instances) for s in study.series_detail] == [
        (1, "SAG T1", 3),
        (2, "AX T2", 3),
        (3, "AX FLAIR", 3),
    ]
    assert study.other_objects == {"key object selection": 1}  # counted, not a series
    assert study.instances == 10 and len(mr.files) == 10
    ct = found["CT CHEST W CONTRAST"].imaging[0]
    assert ct.other_objects == {"presentation state": 1} and ct.series == 2
    assert mr.patient.name == "Harold Q Sampleton" and mr.patient.birth_date == "1955-07-02"
    assert ct.institution == "Example General Hospital (fictional)"


def test_reports_inside_dicom_become_imaging_reports_of_their_study(disc_manifest):
    found = studies(disc_manifest)
    reports = [d for d in disc_manifest.documents if d.kind == "imaging_report"]
    by_study = {r.about_study: r for r in reports}
    sr = by_study[found["CT CHEST W CONTRAST"].imaging[0].study_uid]
    assert "Impression: Small indeterminate nodule" in sr.text
    assert sr.date == "2026-08-02"
    pdf = by_study[found["US ABDOMEN COMPLETE"].imaging[0].study_uid]
    assert "Normal abdominal ultrasound" in pdf.text and pdf.pages == 1
    assert pdf.title == "Ultrasound report"


def test_study_without_report_is_named_and_the_others_are_matched(disc_manifest):
    imaging = next(i for i in disc_manifest.checklist if i.id == "imaging")
    assert imaging.status == "incomplete"
    unreported = [f for f in disc_manifest.findings if f.code == "imaging-without-report"]
    assert [f.message for f in unreported] == [
        "MR BRAIN WO CONTRAST 2026-09-14 has no report: ask the imaging department for it"
    ]


def test_viewer_software_is_one_line_not_dozens_of_documents(disc_manifest):
    sources = [d.source for d in disc_manifest.documents]
    assert not [s for s in sources if "Viewer" in s or "AUTORUN" in s]
    (viewer,) = [f for f in disc_manifest.findings if f.code == "viewer-software"]
    assert "8 files" in viewer.message and "Viewer/" in viewer.message
    assert len([s for s in disc_manifest.skipped if "viewer" in s.reason]) == 8
    assert not [f for f in disc_manifest.findings if f.code.startswith("dicomdir")]


def test_lowercase_copy_resolves_dicomdir_ids_and_missing_or_extra_files_are_reported(tmp_path):
    make_disc.write_disc(tmp_path / "lower", lowercase=True, viewer=False)
    manifest = api.scan_folder(tmp_path / "lower", api.Options(appointment=APPOINTMENT))
    assert not [f for f in manifest.findings if f.code.startswith("dicomdir")]
    assert len(studies(manifest)) == 3

    make_disc.write_disc(tmp_path / "partial", viewer=False, missing=2, unlisted=1)
    manifest = api.scan_folder(tmp_path / "partial", api.Options(appointment=APPOINTMENT))
    codes = {f.code: f.message for f in manifest.findings}
    assert "lists 2 files this copy of the disc lacks" in codes["dicomdir-missing-files"]
    assert "PT000000/ST000000/SE000000/IM000000" in codes["dicomdir-missing-files"]
    assert "1 DICOM files on the disc are not in its DICOMDIR" in codes["dicomdir-unlisted-files"]
    assert "EXTRA/UNLIST00" in codes["dicomdir-unlisted-files"]


def test_disc_without_dicomdir_and_preamble_less_files_reads_the_same(tmp_path, disc_manifest):
    make_disc.write_disc(tmp_path, dicomdir=False, viewer=False)
    bare = [p for p in tmp_path.rglob("I*") if p.is_file() and p.read_bytes()[128:132] != b"DICM"]
    assert bare  # the generator did write preamble-less files
    manifest = api.scan_folder(tmp_path, api.Options(appointment=APPOINTMENT))

    def summary(found):
        return sorted(
            (t, d.imaging[0].instances, d.imaging[0].series) for t, d in studies(found).items()
        )

    assert summary(manifest) == summary(disc_manifest)


def test_a_dicomdir_pointing_at_nothing_and_bad_files_are_reported(tmp_path):
    root = make_disc.write_disc(tmp_path, viewer=False)
    for path in root.rglob("*"):
        if path.is_file() and path.name != "DICOMDIR":
            path.unlink()
    (root / "truncated.dcm").write_bytes(Path(get_testdata_file("CT_small.dcm")).read_bytes()[:300])
    (root / "empty.dcm").write_bytes(b"")
    (root / "photo.dcm").write_bytes(_jpeg_bytes())
    manifest = api.scan_folder(tmp_path, api.Options(appointment=APPOINTMENT))
    codes = {f.code: f.message for f in manifest.findings}
    assert f"lists {INSTANCES} files this copy of the disc lacks" in codes["dicomdir-missing-files"]
    by_name = {PurePosixPath(d.source).name: d for d in manifest.documents}
    assert by_name["truncated.dcm"].kind == "unreadable"
    assert "DICOM" in by_name["truncated.dcm"].warnings[0]
    assert by_name["empty.dcm"].kind == "unreadable" and "empty" in by_name["empty.dcm"].warnings[0]
    assert by_name["photo.dcm"].media_type == "image/jpeg"  # identified by bytes, not name


def _jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(out, "JPEG")
    return out.getvalue()


# --- the packet --------------------------------------------------------------------------


def test_packet_dicomdir_reloads_and_covers_every_instance(disc_packet, disc):
    out, manifest = disc_packet
    file_set = FileSet(out / "DICOMDIR")
    assert len(file_set) == INSTANCES
    for instance in file_set:
        relative = Path(instance.path).relative_to(out)
        assert relative.parts[0] == "DICOM" and len(relative.parts) <= 8
        assert is_conformant_file_id(relative)
    copies = [
        name
        for d in manifest.documents
        for name in packet_files(out, d)
        if name.startswith("DICOM/")
    ]
    assert len(copies) == INSTANCES
    for document in manifest.documents:
        if document.subtype == "dicomdir":  # the disc's own index: replaced by the packet's
            assert packet_files(out, document) == []
            continue
        for ref, name in zip(document.files, packet_files(out, document), strict=True):
            if ref.media_type == "application/dicom":  # Part 10 originals: byte-identical
                assert (out / name).read_bytes() == (disc / ref.source).read_bytes()
    assert (out / "DICOMDIR").stat().st_mode & 0o077 == 0
    assert not [p for p in (out / "DICOM").rglob("*") if p.stat().st_mode & 0o077]


@pytest.mark.skipif(not shutil.which("dcentvfy"), reason="dicom3tools not installed")
def test_dicom3tools_find_no_errors_in_the_packet_file_set(disc_packet):
    out, _ = disc_packet
    for tool in (["dcentvfy", "DICOMDIR"], ["dciodvfy", "DICOMDIR"]):
        done = subprocess.run(tool, cwd=out, capture_output=True, text=True, timeout=120)
        errors = [line for line in (done.stdout + done.stderr).splitlines() if "Error" in line]
        assert errors == [], f"{tool[0]}: {errors}"


@pytest.mark.skipif(not shutil.which("dciodvfy"), reason="dicom3tools not installed")
def test_the_packet_adds_no_dciodvfy_errors_to_rewritten_instances(tmp_path):
    """Preamble-less files are rewritten as Part 10 files: no error that the original lacks."""
    make_disc.write_disc(tmp_path / "disc", dicomdir=False, viewer=False)
    out = tmp_path / "packet"
    manifest = api.build_packet(tmp_path / "disc", out, api.Options(appointment=APPOINTMENT))
    checked = 0
    for document in manifest.documents:
        for ref, name in zip(document.files, packet_files(out, document), strict=True):
            original = tmp_path / "disc" / ref.source
            if original.read_bytes()[128:132] == b"DICM":
                continue
            assert _iod_errors(out / name) <= _iod_errors(original)
            checked += 1
    assert checked >= 3


def _iod_errors(path: Path) -> set[str]:
    done = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=60)
    return {line for line in (done.stdout + done.stderr).splitlines() if "Error" in line}


def test_previews_for_every_series_including_compressed_ones(disc_packet):
    out, manifest = disc_packet
    index = (out / "INDEX.HTM").read_text(encoding="utf-8")
    previews = {
        (doc_id, p["study"], p["series"]): p["file"]
        for doc_id, entry in packet_index(out).items()
        for p in entry["previews"]
    }
    for document in manifest.documents:
        for study_number, study in enumerate(document.imaging):
            for series_number, series in enumerate(study.series_detail):
                preview = previews.get((document.id, study_number, series_number))
                assert preview, (document.title, series.description)
                image = Image.open(out / preview)
                assert max(image.size) <= 256 and image.getextrema() != (0, 0)
                assert f'src="{preview}"' in index
    syntaxes = {
        pydicom.dcmread(out / name, stop_before_pixels=True).file_meta.TransferSyntaxUID.name
        for d in manifest.documents
        for name in packet_files(out, d)
        if name.startswith("DICOM/")
    }
    assert {"RLE Lossless", "JPEG 2000 Image Compression (Lossless Only)"} <= syntaxes


@pytest.mark.parametrize(
    "name",
    [
        "JPEG2000.dcm",
        "MR_small_RLE.dcm",
        "MR_small_jpeg_ls_lossless.dcm",
        "SC_rgb_jpeg_gdcm.dcm",
        "SC_rgb_rle_2frame.dcm",
        "rtdose.dcm",
        "CT_small.dcm",
    ],
)
def test_previews_of_pydicom_test_files(name):
    png = render_preview(Path(get_testdata_file(name)))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and max(image.size) <= 256
    low, high = image.convert("L").getextrema()
    assert high > low  # not a blank square


def test_monochrome1_is_inverted_and_the_window_is_applied(tmp_path):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.WindowCenter, ds.WindowWidth = 40, 400
    normal = tmp_path / "m2.dcm"
    ds.save_as(normal)
    ds.PhotometricInterpretation = "MONOCHROME1"
    inverted = tmp_path / "m1.dcm"
    ds.save_as(inverted)
    a = np.asarray(Image.open(io.BytesIO(render_preview(normal))), dtype=int)
    b = np.asarray(Image.open(io.BytesIO(render_preview(inverted))), dtype=int)
    assert (a + b == 255).all()
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.WindowCenter, ds.WindowWidth = 40, 40  # a narrow window saturates most pixels
    narrow = tmp_path / "narrow.dcm"
    ds.save_as(narrow)
    c = np.asarray(Image.open(io.BytesIO(render_preview(narrow))), dtype=int)
    assert ((c == 0) | (c == 255)).mean() > ((a == 0) | (a == 255)).mean()


def test_an_undecodable_series_gets_a_note_not_a_failure(tmp_path):
    ds = pydicom.dcmread(get_testdata_file("MR_small_RLE.dcm"))
    ds.PixelData = encapsulate([b"\x00" * 64])  # framed correctly, but not an RLE stream
    broken = tmp_path / "broken.dcm"
    ds.save_as(broken)
    with pytest.raises(NoPreview, match="compressed as RLE Lossless, which could not be"):
        render_preview(broken)
    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copyfile(broken, folder / "IM0001")
    out = tmp_path / "out"
    manifest = api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    (study,) = [d for d in manifest.documents if d.kind == "imaging_study"]
    notes = packet_index(out)[study.id]["notes"]
    assert any("no preview (its images are compressed as RLE" in w for w in notes)
    assert "no preview (its images are compressed as RLE" in (out / "INDEX.HTM").read_text(
        encoding="utf-8"
    )
    assert packet_files(out, study)  # the images are still in the packet


def test_pydicom_sr_test_file_reads_as_a_report():
    path = Path(get_testdata_file("test-SR.dcm"))
    (document,) = extract(identify(path, path.name))
    assert document.kind == "imaging_report" and document.about_study
    assert "A mass of" in document.text


def test_reports_match_studies_by_date_and_modality(tmp_path):
    from tests.conftest import make_samples

    make_disc.write_disc(tmp_path, viewer=False)
    make_samples.write_pdf(  # same day as the MR, but a CT report: it does not cover the MR
        tmp_path / "ct report.pdf",
        ["RADIOLOGY REPORT", "Exam: CT ABDOMEN    Exam Date: 09/14/2026", "IMPRESSION: normal."],
    )
    make_samples.write_pdf(  # a chest X-ray whose images are not on the disc
        tmp_path / "xray report.pdf",
        [
            "RADIOLOGY REPORT",
            "Exam: XR CHEST 2 VIEWS    Exam Date: 06/01/2026",
            "IMPRESSION: clear.",
        ],
    )
    manifest = api.scan_folder(tmp_path, api.Options(appointment=APPOINTMENT))
    unreported = [f.message for f in manifest.findings if f.code == "imaging-without-report"]
    assert unreported == [
        "MR BRAIN WO CONTRAST 2026-09-14 has no report: ask the imaging department for it"
    ]
    orphans = [f.message for f in manifest.findings if f.code == "report-without-images"]
    assert len(orphans) == 2 and all("images are not in the folder" in m for m in orphans)
    assert any("2026-06-01" in m for m in orphans) and any("2026-09-14" in m for m in orphans)


def test_a_multi_gigabyte_dicom_file_is_indexed_from_its_header(tmp_path):
    """A 2.1 GB instance (sparse on disk): hashed, indexed from its header, no pixel read."""
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    small = tmp_path / "small.dcm"
    ds.save_as(small)
    big = tmp_path / "disc" / "IM000001"
    big.parent.mkdir()
    data = small.read_bytes()
    with open(big, "wb") as handle:
        handle.write(data)
        handle.truncate(2**31 + 2**20)  # zeros after the real data: a huge, sparse file
    manifest = api.scan_folder(tmp_path / "disc", api.Options(appointment=APPOINTMENT))
    (study,) = [d for d in manifest.documents if d.kind == "imaging_study"]
    assert study.size == 2**31 + 2**20 and study.imaging[0].modality == "CT"


@pytest.mark.parametrize(
    "variant", ["DICOMDIR", "DICOMDIR-reordered", "DICOMDIR-implicit", "DICOMDIR-bigEnd"]
)
def test_pydicom_dicomdir_test_sets_cross_check_clean(tmp_path, variant):
    """pydicom's own file-sets (and its DICOMDIR encodings): every listed file is found, and
    every DICOM file on the disc is listed, so no dicomdir finding appears."""
    tests = Path(get_testdata_file("DICOMDIR")).parent
    disc = tmp_path / "disc"
    shutil.copytree(  # TINY_ALPHA is a file-set of its own: left out
        tests, disc, ignore=shutil.ignore_patterns("DICOMDIR*", "README.txt", "TINY_ALPHA")
    )
    shutil.copyfile(tests / variant, disc / "DICOMDIR")
    listed = len(FileSet(disc / "DICOMDIR"))
    on_disc = sum(1 for p in disc.rglob("*") if p.is_file() and p.name != "DICOMDIR")
    manifest = api.scan_folder(disc, api.Options(appointment=APPOINTMENT))
    assert not [f.message for f in manifest.findings if f.code.startswith("dicomdir")]
    instances = sum(d.imaging[0].instances for d in manifest.documents if d.imaging)
    assert instances == listed == on_disc


def test_a_damaged_dicomdir_is_read_in_its_worker_and_said_once(tmp_path):
    """The index is parsed once, by the DICOM extractor under the file limits; the disc
    check uses what it listed, and a damaged one gives one finding with pydicom's reason."""
    ds = pydicom.dcmread(get_testdata_file("DICOMDIR"))
    ds.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = 12345  # points nowhere
    folder = tmp_path / "disc"
    folder.mkdir()
    ds.save_as(folder / "DICOMDIR")
    manifest = api.scan_folder(folder, api.Options(appointment=APPOINTMENT))
    assert not [d for d in manifest.documents if d.subtype == "dicomdir"]  # part of the disc
    (finding,) = [f for f in manifest.findings if "DICOMDIR" in f.message]  # said once
    assert finding.code == "dicomdir-unreadable"
    assert "KeyError: 12345" in finding.message
    good = tmp_path / "good"
    good.mkdir()
    shutil.copyfile(get_testdata_file("DICOMDIR"), good / "DICOMDIR")
    source = identify(good / "DICOMDIR", "DICOMDIR")
    (listed,) = extract(source)
    assert listed.listed and all(not name.startswith("/") for name in listed.listed)


def test_reading_a_disc_leaves_nothing_in_tmpdir(disc, tmp_path):
    """The DICOMDIR check loads the index with pydicom's FileSet, which makes a folder of
    its own in the system temp folder, removed only by a finalizer that a worker ended with
    os._exit never runs: every run over a disc left an empty `tmp*` folder in TMPDIR (found
    by stopping runs at random moments). It is now made inside the run's private folder and
    removed with it."""
    import os

    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "INTAKE_CACHE": "off", "PYTHONPATH": str(ROOT), "TMPDIR": str(temp)}
    result = subprocess.run(
        [sys.executable, "-m", "intake", "scan", str(disc), "--json", "--no-cache"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode in (0, 5), result.stderr
    assert "DICOMDIR" in result.stdout  # the index was read
    assert list(temp.iterdir()) == []
