"""What the second provider receives: PACKET.PDF, INDEX.HTM, XDM metadata, FHIR, CSV, layouts.

Checked with the tools a hospital or a reader would use where installed: qpdf, pdftoppm,
headless Chromium, fhir.resources, and intake's own XDM reader for the round trip."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import defusedxml.ElementTree as SafeTree
import pikepdf
import pypdfium2
import pytest
from click.testing import CliRunner
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from PIL import Image

from intake import api
from intake.cli import cli
from intake.csv_cells import cell as _cell
from intake.errors import ExitCode
from intake.model import Source
from intake.packet.render import distinct
from intake.xdm import read_metadata
from tests.conftest import APPOINTMENT, packet_files

REASON = "Confirm the staging and whether chemotherapy is needed"


@pytest.fixture(scope="module")
def onco_packet(oncology, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "PACKET"
    options = api.Options(appointment=APPOINTMENT, reason=REASON)
    manifest = api.build_packet(oncology, out, options)
    return out, manifest


def pdf_text(path: Path, pages: range) -> str:
    document = pypdfium2.PdfDocument(path)
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in pages)
    finally:
        document.close()


def test_packet_pdf_opens_with_the_clinical_summary_and_holds_every_document(onco_packet, oncology):
    out, manifest = onco_packet
    pdf_path = out / "PACKET.PDF"
    cover = pdf_text(pdf_path, range(1))
    assert "Marguerite A Testwell" in cover and "1961-03-14" in cover and REASON in cover
    assert "Diagnoses and problems" in cover
    assert "To do before the appointment" not in cover  # the caregiver's part comes later
    with pikepdf.open(pdf_path) as pdf:
        with pdf.open_outline() as outline:
            categories = [item.title for item in outline.root]
            entries = [child.title for item in outline.root for child in item.children]
        assert categories[0] == "Summary" and categories[-1] == "Questions and notes"
        assert {
            "Clinical summary and contents",
            "For the caregiver: to do and checklist",
            "Timeline",
            "Medications",
            "Lab results",
        } <= set(entries)
        included = [
            d
            for d in distinct(manifest.documents)
            if d.kind != "questions" and d.subtype != "dicomdir"
        ]
        for document in included:
            assert any((document.title or document.source) in e for e in entries), document.title
        labels = pdf.Root.PageLabels.Nums
        prefixes = {str(labels[i + 1].P) for i in range(0, len(labels), 2)}
        assert {f"{d.id}-" for d in included} <= prefixes
        source_pages = sum(
            len(pikepdf.open(oncology / d.source).pages)
            for d in included
            if d.media_type == "application/pdf"
        )
        assert len(pdf.pages) > source_pages + 5  # summary pages, documents, questions, notes


def test_packet_pdf_lab_page_highlights_abnormal_values(onco_packet):
    out, _ = onco_packet
    with pikepdf.open(out / "PACKET.PDF") as pdf, pdf.open_outline() as outline:
        summary = next(item for item in outline.root if item.title == "Summary")
        labs = next(child for child in summary.children if child.title == "Lab results")
        page = pdf.pages.index(labs.destination[0]) if labs.destination else None
    assert page is not None
    text = " ".join(pdf_text(out / "PACKET.PDF", range(page, page + 1)).split())
    # one row for CA 27.29 (the CCD's name, the latest) and CA 27-29 (the lab PDF's, earlier)
    assert text.count("CA 27.29") == 1 and "52.1 H (2026-10-02" in text


@pytest.mark.skipif(not shutil.which("qpdf"), reason="qpdf not installed")
def test_qpdf_check_passes(onco_packet):
    out, _ = onco_packet
    done = subprocess.run(["qpdf", "--check", str(out / "PACKET.PDF")], capture_output=True)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_pdftoppm_renders_the_first_pages(onco_packet, tmp_path):
    out, _ = onco_packet
    subprocess.run(
        ["pdftoppm", "-r", "40", "-f", "1", "-l", "3", "-png", str(out / "PACKET.PDF"),
         str(tmp_path / "page")],
        check=True, timeout=120,
    )  # fmt: skip
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3
    for page in pages:
        low, high = Image.open(page).convert("L").getextrema()
        assert low < 128 < high  # ink on paper, not a blank page


def test_xdm_metadata_is_well_formed_and_matches_the_copies(onco_packet):
    out, manifest = onco_packet
    folder = out / "IHE_XDM" / "SUBSET01"
    root = SafeTree.parse(folder / "METADATA.XML").getroot()
    assert root.tag.endswith("SubmitObjectsRequest")
    metadata = folder / "METADATA.XML"
    entries = read_metadata(Source("METADATA.XML", metadata, "application/xml", "", 0))
    copies = sorted(p.name for p in folder.iterdir() if p.name != "METADATA.XML")
    assert sorted(e.uri for e in entries) == copies
    for entry in entries:
        data = (folder / entry.uri).read_bytes()
        assert entry.sha1 == hashlib.sha1(data).hexdigest() and entry.size == len(data)
        assert entry.patient and entry.patient.birth_date == "1961-03-14"
        assert entry.type_code and entry.title
    kinds = {d.kind for d in manifest.documents if packet_files(out, d) and
             packet_files(out, d)[0].startswith("IHE_XDM")}  # fmt: skip
    assert "pathology_report" in kinds


def test_fhir_bundle_validates_and_carries_labs_meds_and_studies(onco_packet):
    out, manifest = onco_packet
    bundle = Bundle.model_validate_json((out / "EXTRA" / "fhir-bundle.json").read_text())
    types = [entry.resource.get_resource_type() for entry in bundle.entry]
    unique = distinct(manifest.documents)
    assert types.count("Patient") == 1
    assert types.count("DocumentReference") == len(unique)
    assert types.count("Observation") == sum(len(d.labs) for d in unique)
    assert types.count("MedicationStatement") == sum(len(d.medications) for d in unique)
    assert types.count("ImagingStudy") == sum(len(d.imaging) for d in unique)
    flagged = [
        e.resource
        for e in bundle.entry
        if e.resource.get_resource_type() == "Observation" and e.resource.interpretation
    ]
    assert flagged and all(o.interpretation[0].coding[0].code for o in flagged)


def test_fhir_bundle_entries_are_what_fhir_resources_writes(onco_packet):
    """intake writes each validated entry itself (fhir.resources' writer was most of a big
    packet's cost): every entry must read back as the JSON fhir.resources itself writes for
    it (no null, no empty list, values unchanged)."""
    out, _ = onco_packet
    written = json.loads((out / "EXTRA" / "fhir-bundle.json").read_text())["entry"]
    assert len(written) > 20
    for entry in written:
        own = BundleEntry.model_validate(entry).model_dump_json(exclude_none=True, by_alias=True)
        assert entry == json.loads(own), entry["fullUrl"]


def test_fhir_bundle_leaves_out_what_fhir_forbids(tmp_path):
    """A one-word name (no given names): FHIR has no empty list, so none is written."""
    from intake.model import Manifest, Person
    from intake.packet.fhir_out import write_fhir_bundle
    from intake.packet.index import PacketIndex

    manifest = Manifest(patient=Person(name="Anonymized"), documents=(), checklist=(), findings=())
    handle = io.BytesIO()
    write_fhir_bundle(handle, manifest, [], tmp_path, PacketIndex())
    (entry,) = json.loads(handle.getvalue())["entry"]
    assert entry["resource"]["name"] == [{"text": "Anonymized", "family": "Anonymized"}]
    own = BundleEntry.model_validate(entry).model_dump_json(exclude_none=True, by_alias=True)
    assert entry == json.loads(own)


def test_labs_and_meds_csv(onco_packet):
    out, manifest = onco_packet
    unique = distinct(manifest.documents)
    labs = list(csv.DictReader(io.StringIO((out / "EXTRA" / "LABS.CSV").read_text())))
    meds = list(csv.DictReader(io.StringIO((out / "EXTRA" / "MEDS.CSV").read_text())))
    assert len(labs) == sum(len(d.labs) for d in unique)
    assert len(meds) == sum(len(d.medications) for d in unique)
    ca = next(row for row in labs if row["test"] == "CA 27-29")
    assert (ca["value"], ca["flag"], ca["unit"]) == ("52.1", "H", "U/mL")
    for name in ("LABS.CSV", "MEDS.CSV"):  # every row has its header's columns
        rows = list(csv.reader(io.StringIO((out / "EXTRA" / name).read_text())))
        assert {len(row) for row in rows} == {len(rows[0])}, name
    listed = [(m, d) for d in unique for m in d.medications]
    for row, (medication, document) in zip(meds, listed, strict=True):  # under their headers
        assert (row["name"], row["generic"], row["strength"], row["document"]) == (
            medication.name, medication.generic or "", medication.strength or "", document.id
        )  # fmt: skip
    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _cell("-3.5") == "-3.5"


def test_index_works_from_a_usb_stick(onco_packet):
    out, _ = onco_packet
    html = (out / "INDEX.HTM").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|//|file:|/)""", html)
    assert "@media print" in html and 'name="viewport"' in html
    for target in re.findall(r'(?:src|href)="([^"#]+)"', html):
        assert (out / target).exists(), target


@pytest.mark.skipif(not shutil.which("chromium"), reason="chromium not installed")
def test_index_renders_in_headless_chromium(onco_packet, tmp_path):
    out, _ = onco_packet
    shot = tmp_path / "index.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,2400",
         f"--screenshot={shot}", (out / "INDEX.HTM").as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert shot.is_file(), "chromium wrote no screenshot"
    image = Image.open(shot).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > image.width * image.height * 0.005  # text and tables, not a blank page


def test_zip_and_only_pdf_layouts_are_owner_only_files(oncology, tmp_path):
    options = api.Options(appointment=APPOINTMENT)
    archive = tmp_path / "packet.zip"
    api.build_packet(oncology, archive, options, layout="zip")
    assert archive.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(archive) as opened:
        names = set(opened.namelist())
    assert {"INDEX.HTM", "PACKET.PDF", "DICOMDIR", "EXTRA/manifest.json"} <= names
    assert "IHE_XDM/SUBSET01/METADATA.XML" in names
    only = tmp_path / "records.pdf"
    api.build_packet(oncology, only, options, layout="pdf")
    assert only.read_bytes().startswith(b"%PDF-") and only.stat().st_mode & 0o777 == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers
    keep = tmp_path / "notes.pdf"
    keep.write_text("my own notes")
    runner = CliRunner()
    refused = runner.invoke(
        cli, ["packet", str(oncology), "-o", str(keep), "--only-pdf", "--force", "-s"]
    )
    assert refused.exit_code == 2 and keep.read_text() == "my own notes"


def test_cli_prints_the_to_do_list_and_opens_when_asked(oncology, tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr("click.launch", lambda target: opened.append(target))
    out = tmp_path / "packet"
    result = CliRunner().invoke(
        cli,
        ["packet", str(oncology), "-o", str(out), "--appointment", "2026-11-25", "--open", "-s",
         "--reason", REASON],
    )  # fmt: skip
    assert result.exit_code == ExitCode.OK, result.output
    assert "To do before the appointment" in result.output
    assert "Bring the imaging disc or USB itself" in result.output
    assert opened == [str(out / "INDEX.HTM")]
    assert (out / "EXTRA" / "manifest.json").read_text().count(REASON) == 1


def test_packet_index_is_written_a_document_at_a_time_as_the_whole_would_be():
    """EXTRA/packet-index.json is written in pieces (a packet of 50,000 documents never holds
    it whole); the pieces join to exactly what json.dumps of the whole index writes, with
    notes that need escaping, previews, series pages and notes on the packet as a whole."""
    from intake.model import Document
    from intake.packet.index import PacketIndex

    index = PacketIndex()
    assert "".join(index.json_pieces()) == json.dumps(index.to_dict(), indent=2)
    first = Document("a.txt", None, 0, "text/plain", id="D0002")
    second = Document("b.dcm", None, 0, "application/dicom", id="D0001")
    index.entry(first).place("a.txt", "IHE_XDM/SUBSET01/DOC0001.TXT")
    index.note(first, 'a.txt: read "as is" — Größe\nsecond line')
    index.entry(second).previews = {0: {1: "SE0002.PNG", 0: "SE0001.PNG"}}
    index.entry(second).series_pages = {0: "ST0001.HTM"}
    index.general.append("1 file left out: ünreadable")
    joined = "".join(index.json_pieces())
    assert joined == json.dumps(index.to_dict(), indent=2)
    assert list(json.loads(joined)["documents"]) == ["D0001", "D0002"]
