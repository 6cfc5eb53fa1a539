"""Zip archives and IHE XDM downloads: read in place, refused safely, checked against metadata."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import jsonschema
import pytest

from intake import api
from intake.containers import Limits, Workspace, member_name, open_containers
from intake.model import manifest_schema
from intake.scan import identify, is_junk, scan
from tests.conftest import APPOINTMENT, make_samples, packet_files, tree_state

ONCOLOGY = make_samples.ONCOLOGY
CCD = make_samples.ccda_fixture("ccd_r21.xml")


def ccd_entry(name: str = "DOC0001.XML") -> make_samples.XdmDocument:
    return make_samples.XdmDocument(
        name, CCD, "text/xml", "Continuity of Care Document", "34133-9", "20261020"
    )


def lab_pdf_entry(tmp_path: Path) -> make_samples.XdmDocument:
    """A lab PDF whose text names no date: the metadata's creationTime must date it."""
    pdf = tmp_path / "lab.pdf"
    make_samples.write_pdf(pdf, ["Hemoglobin 10.9 g/dL L 11.5-15.5", "WBC 5.2 x10E3/uL 4.0-11.0"])
    return make_samples.XdmDocument(
        "DOC0002.PDF", pdf.read_bytes(), "application/pdf", "CBC results", "11502-2", "20261014"
    )


def write_zip(path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, data)
    return path


def read(folder: Path):
    return api.scan_folder(folder, api.Options(appointment=APPOINTMENT))


def test_standard_xdm_download_is_read_in_place_with_its_metadata(tmp_path):
    folder = tmp_path / "records"
    download = folder / "MyChart.zip"
    make_samples.xdm_zip(download, ONCOLOGY, [ccd_entry(), lab_pdf_entry(tmp_path)])
    before = tree_state(folder)
    manifest = read(folder)
    assert tree_state(folder) == before  # nothing unpacked beside the original
    jsonschema.validate(json.loads(manifest.to_json()), manifest_schema())
    by_source = {d.source: d for d in manifest.documents}
    assert set(by_source) == {
        "MyChart.zip!/IHE_XDM/SUBSET01/DOC0001.XML",
        "MyChart.zip!/IHE_XDM/SUBSET01/DOC0002.PDF",
    }
    ccd = by_source["MyChart.zip!/IHE_XDM/SUBSET01/DOC0001.XML"]
    assert (ccd.kind, ccd.date, ccd.patient.name) == (
        "visit_summary",
        "2026-10-20",
        "Marguerite A Testwell",
    )
    lab = by_source["MyChart.zip!/IHE_XDM/SUBSET01/DOC0002.PDF"]
    assert (lab.kind, lab.date, lab.title) == ("lab_report", "2026-10-14", "CBC results")
    assert lab.patient.name == "Marguerite Testwell"  # from sourcePatientInfo
    assert "Dr Alice Carefield" in lab.author
    set_aside = {s.path: s.reason for s in manifest.skipped}
    assert "MyChart.zip!/IHE_XDM/SUBSET01/METADATA.XML" in set_aside
    assert "MyChart.zip!/INDEX.HTM" in set_aside and "MyChart.zip!/README.TXT" in set_aside
    assert not [f for f in manifest.findings if f.code.startswith("xdm")]


def test_metadata_is_found_case_insensitively_in_an_unzipped_download(tmp_path):
    download = tmp_path / "dl.zip"
    make_samples.xdm_zip(download, ONCOLOGY, [ccd_entry()])
    folder = tmp_path / "records"
    with zipfile.ZipFile(download) as archive:
        for info in archive.infolist():
            target = folder / info.filename.lower().replace("subset01", "SubSet_A")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
    manifest = read(folder)
    (document,) = manifest.documents
    assert document.source == "ihe_xdm/SubSet_A/doc0001.xml"
    assert "ihe_xdm/SubSet_A/metadata.xml" in {s.path for s in manifest.skipped}


def test_a_document_that_differs_from_its_metadata_is_reported(tmp_path):
    folder = tmp_path / "records"
    make_samples.xdm_zip(folder / "dl.zip", ONCOLOGY, [ccd_entry()], tamper="DOC0001.XML")
    manifest = read(folder)
    (finding,) = [f for f in manifest.findings if f.code == "xdm-mismatch"]
    assert "dl.zip!/IHE_XDM/SUBSET01/DOC0001.XML" in finding.message
    assert "size" in finding.message and "SHA-1" in finding.message
    assert finding.documents == [manifest.documents[0].id]


def test_a_document_the_metadata_lists_but_the_download_lacks_is_reported(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    metadata = make_samples.metadata_xml(ONCOLOGY, [ccd_entry(), ccd_entry("DOC0002.XML")])
    write_zip(
        folder / "dl.zip",
        [("IHE_XDM/SUBSET01/METADATA.XML", metadata), ("IHE_XDM/SUBSET01/DOC0001.XML", CCD)],
    )
    manifest = read(folder)
    (finding,) = [f for f in manifest.findings if f.code == "xdm-missing-document"]
    assert "DOC0002.XML" in finding.message
    assert len(manifest.documents) == 1


def test_loose_download_with_windows_separators_still_yields_its_documents(tmp_path):
    folder = tmp_path / "records"
    make_samples.xdm_zip(
        folder / "export.zip", ONCOLOGY, [ccd_entry(), lab_pdf_entry(tmp_path)], layout="loose"
    )
    manifest = read(folder)
    assert sorted(d.source for d in manifest.documents) == [
        "export.zip!/Records Export/Documents/DOC0001.XML",
        "export.zip!/Records Export/Documents/DOC0002.PDF",
    ]
    kinds = {d.source.rsplit("/", 1)[-1]: d.kind for d in manifest.documents}
    assert kinds["DOC0001.XML"] == "visit_summary"
    assert kinds["DOC0002.PDF"] != "unreadable"


def test_nested_zips_are_opened_to_a_bounded_depth(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("notes/visit.txt", "Visit summary\nChief complaint: cough\n")
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w") as archive:
        archive.writestr("inner.zip", inner.getvalue())
    folder = tmp_path / "records"
    folder.mkdir()
    write_zip(folder / "outer.zip", [("middle.zip", middle.getvalue())])
    manifest = read(folder)
    (document,) = manifest.documents
    assert document.source == "outer.zip!/middle.zip!/inner.zip!/notes/visit.txt"

    with Workspace() as workspace:
        source = identify(folder / "outer.zip", "outer.zip")
        opened = open_containers([source], workspace, is_junk=is_junk, limits=Limits(max_depth=2))
    assert not opened.sources
    ((location, reason),) = opened.refused
    assert location == "outer.zip!/middle.zip!/inner.zip" and "nested more than 2" in reason


def _link(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777 << 16) | 0x20
    return info


def mark_encrypted(path: Path, name: str) -> None:
    """Set the 'encrypted' flag of one member in its local and central headers."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    data[info.header_offset + 6] |= 0x1
    central = data.index(b"PK\x01\x02")
    while True:
        length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + length] == name.encode():
            data[central + 8] |= 0x1
            break
        extra = int.from_bytes(data[central + 30 : central + 32], "little")
        comment = int.from_bytes(data[central + 32 : central + 34], "little")
        central += 46 + length + extra + comment
    path.write_bytes(bytes(data))


class _RawName(zipfile.ZipInfo):
    """A member name written as its bytes without the UTF-8 flag, as older zip tools do."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("cp437"), self.flag_bits


def test_unsafe_members_are_refused_and_the_rest_is_read(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    secret = tmp_path / "outside.txt"
    secret.write_text("SECRET-OUTSIDE")
    write_zip(
        folder / "hostile.zip",
        [
            ("../../escape.txt", b"Visit summary\n"),
            ("/etc/absolute.txt", b"Visit summary\n"),
            ("C:\\Windows\\drive.txt", b"Visit summary\n"),
            (_link("link-out.txt"), str(secret).encode()),
            ("locked.pdf", b"%PDF-1.4 not really"),
            ("ok/visit.txt", b"Visit summary\nChief complaint: cough\n"),
        ],
    )
    mark_encrypted(folder / "hostile.zip", "locked.pdf")
    before = tree_state(tmp_path)
    manifest = read(folder)
    assert tree_state(tmp_path) == before
    reasons = {d.source: d.warnings[0] for d in manifest.documents if d.kind == "unreadable"}
    assert "zip-slip" in reasons["hostile.zip!/../../escape.txt"]
    assert "absolute path" in reasons["hostile.zip!//etc/absolute.txt"]
    assert "absolute path" in reasons["hostile.zip!/C:/Windows/drive.txt"]
    assert "link" in reasons["hostile.zip!/link-out.txt"]
    assert "encrypted" in reasons["hostile.zip!/locked.pdf"]
    readable = [d for d in manifest.documents if d.kind != "unreadable"]
    assert [d.source for d in readable] == ["hostile.zip!/ok/visit.txt"]
    assert "SECRET-OUTSIDE" not in manifest.to_json(with_text=True)
    assert not (tmp_path / "escape.txt").exists() and not (folder / "escape.txt").exists()


def test_member_names_in_odd_encodings_read_as_their_authors_meant(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    utf8_unflagged = _RawName("Résumé médical.txt".encode().decode("cp437"))
    legacy = _RawName("Ärztin Bericht.txt")  # a cp437 name from an old Windows tool
    write_zip(
        folder / "names.zip",
        [(utf8_unflagged, b"Visit summary\n"), (legacy, b"Visit summary\n")],
    )
    with zipfile.ZipFile(folder / "names.zip") as archive:
        names = sorted(member_name(info) for info in archive.infolist())
    assert names == ["Résumé médical.txt", "Ärztin Bericht.txt"]
    sources = {d.source for d in read(folder).documents}
    assert "names.zip!/Résumé médical.txt" in sources


def test_bombs_are_refused_before_they_expand(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    zeros = bytes(4 * 2**20)
    write_zip(folder / "bomb.zip", [("a.bin", zeros), ("b.txt", b"Visit summary\n")])
    source = identify(folder / "bomb.zip", "bomb.zip")
    small = Limits(ratio_floor=2**20, max_ratio=50)
    with Workspace() as workspace:
        opened = open_containers([source], workspace, is_junk=is_junk, limits=small)
        assert [s.location for s in opened.sources] == ["bomb.zip!/b.txt"]
        ((location, reason),) = opened.refused
        assert location == "bomb.zip!/a.bin" and "zip bomb" in reason
        assert sum(p.stat().st_size for p in workspace.root.iterdir()) < 2**20

    total = Limits(max_total_bytes=3 * 2**20)
    write_zip(folder / "big.zip", [("a.bin", zeros), ("b.txt", b"Visit summary\n")])
    with Workspace() as workspace:
        big = identify(folder / "big.zip", "big.zip")
        opened = open_containers([big], workspace, is_junk=is_junk, limits=total)
    assert [s.location for s in opened.sources] == ["big.zip!/b.txt"]
    assert "beyond" in opened.refused[0][1]

    many = write_zip(folder / "many.zip", [(f"f{i}.txt", b"x") for i in range(10)])
    with Workspace() as workspace:
        opened = open_containers(
            [identify(many, "many.zip")], workspace, is_junk=is_junk, limits=Limits(max_members=4)
        )
    assert len(opened.sources) == 4
    assert "6 last ones were not read" in opened.refused[0][1]

    inner = [write_zip(folder / f"inner{n}.zip", [(f"f{i}.txt", b"x") for i in range(3)])
             for n in range(3)]  # fmt: skip
    nested = write_zip(folder / "nested.zip", [(p.name, p.read_bytes()) for p in inner])
    with Workspace() as workspace:  # 3 inner archives of 3 files: 9 files, the limit is 4
        opened = open_containers(
            [identify(nested, "nested.zip")],
            workspace,
            is_junk=is_junk,
            limits=Limits(max_members=4),
        )
    # the limit counts every file unpacked from the download: inner0.zip and its 3 files
    assert [s.location.rsplit("!/", 1)[-1] for s in opened.sources] == [
        "f0.txt",
        "f1.txt",
        "f2.txt",
    ]
    assert any("more than 4 files in all" in reason for _, reason in opened.refused)


def test_damaged_and_empty_archives_are_reported_and_the_rest_is_read(tmp_path):
    folder = tmp_path / "records"
    make_samples.xdm_zip(folder / "good.zip", ONCOLOGY, [ccd_entry()])
    data = (folder / "good.zip").read_bytes()
    (folder / "truncated.zip").write_bytes(data[: len(data) // 2])
    write_zip(folder / "empty.zip", [])
    corrupt = bytearray(data)
    start = data.index(b"DOC0001.XML") + len("DOC0001.XML") + 40
    corrupt[start : start + 200] = bytes(200)  # damage the compressed bytes of one member
    (folder / "crc.zip").write_bytes(bytes(corrupt))
    manifest = read(folder)
    reasons = {d.source: d.warnings[0] for d in manifest.documents if d.kind == "unreadable"}
    assert "damaged zip archive" in reasons["truncated.zip"]
    assert "empty archive" in reasons["empty.zip"]
    assert any(source.startswith("crc.zip!/") for source in reasons)
    assert "good.zip!/IHE_XDM/SUBSET01/DOC0001.XML" in {d.source for d in manifest.documents}
    assert manifest.documents[0].kind  # every document was classified, none lost


def test_workspace_is_private_and_removed_after_the_run(tmp_path):
    folder = tmp_path / "records"
    make_samples.xdm_zip(folder / "dl.zip", ONCOLOGY, [ccd_entry()])
    temp = Path(tempfile.gettempdir())
    before = set(temp.glob("intake-work-*"))
    with api.open_folder(folder, api.Options(appointment=APPOINTMENT)) as reading:
        (member,) = [s for s in reading.sources.values() if "!/" in s.location]
        assert member.path.is_file()
        assert member.path.stat().st_mode & 0o077 == 0
        assert member.path.parent.stat().st_mode & 0o077 == 0
    assert not member.path.exists()
    assert set(temp.glob("intake-work-*")) == before


def test_packet_copies_archive_members_byte_identical(tmp_path):
    folder = tmp_path / "records"
    make_samples.xdm_zip(folder / "dl.zip", ONCOLOGY, [ccd_entry()])
    out = tmp_path / "packet"
    manifest = api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    (document,) = manifest.documents
    (copy,) = packet_files(out, document)
    assert (out / copy).read_bytes() == CCD


@pytest.mark.parametrize("layout", ["standard", "loose"])
def test_scan_without_a_workspace_leaves_archives_closed(tmp_path, layout):
    make_samples.xdm_zip(tmp_path / "dl.zip", ONCOLOGY, [ccd_entry()], layout=layout)
    (source,) = scan(tmp_path).sources
    assert source.media_type == "application/zip"
