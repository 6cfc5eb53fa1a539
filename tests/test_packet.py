"""The packet: layout, byte-identical copies, checksums, permissions, atomicity, originals."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import stat
import subprocess

import jsonschema
import pydicom
import pytest
from click.testing import CliRunner

from intake import api
from intake.cli import cli
from intake.errors import ExitCode, UsageError
from intake.model import manifest_schema

from .conftest import packet_index, tree_state


@pytest.fixture(scope="module")
def neuro_packet(neurology, tmp_path_factory):
    out = tmp_path_factory.mktemp("packets") / "neuro"
    before = tree_state(neurology)
    result = CliRunner().invoke(cli, ["packet", str(neurology), "-o", str(out)])
    return out, result, before


def test_packet_layout_and_exit_code(neuro_packet):
    out, result, _ = neuro_packet
    assert result.exit_code == ExitCode.INCOMPLETE, result.output
    assert "Packet written to" in result.stdout
    for name in ("README.TXT", "INDEX.HTM", "EXTRA/manifest.json", "EXTRA/SHA256SUM.TXT"):
        assert (out / name).is_file(), name
    assert len(list((out / "DICOM").rglob("IM*"))) == 9
    assert not list(out.parent.glob(".*partial*"))


def test_packet_manifest_validates_and_points_at_byte_identical_copies(neuro_packet, neurology):
    out, _, _ = neuro_packet
    manifest = json.loads((out / "EXTRA" / "manifest.json").read_text())
    jsonschema.validate(manifest, manifest_schema())
    copied = 0
    index = packet_index(out)
    for document in manifest["documents"]:
        copies = index.get(document["id"], {}).get("files", [])
        assert len(copies) == len(document["files"])
        for ref, name in zip(document["files"], copies, strict=True):
            original = (neurology / ref["source"]).read_bytes()
            copy = (out / name).read_bytes()
            if document["media_type"] == "application/dicom" and original[128:132] != b"DICM":
                assert copy[128:132] == b"DICM"  # given the Part 10 header it lacked
                assert pydicom.dcmread(io.BytesIO(copy)) == pydicom.dcmread(
                    io.BytesIO(original), force=True
                )  # and the same data set
            else:
                assert copy == original
            assert hashlib.sha256(original).hexdigest() == ref["sha256"]
            copied += 1
    assert copied == 12  # 9 DICOM files, 2 PDFs, 1 photo


def test_sha256sum_check_passes(neuro_packet):
    out, _, _ = neuro_packet
    if not shutil.which("sha256sum"):
        pytest.skip("sha256sum not installed")
    done = subprocess.run(
        ["sha256sum", "--strict", "-c", "EXTRA/SHA256SUM.TXT"],
        cwd=out,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    listed = {
        line.split("  ", 1)[1]
        for line in (out / "EXTRA" / "SHA256SUM.TXT").read_text().splitlines()
    }
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert listed == on_disk - {"EXTRA/SHA256SUM.TXT"}


def test_packet_is_owner_only(neuro_packet):
    out, _, _ = neuro_packet
    for path in [out, *out.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path


def test_packet_is_owner_only_whatever_the_umask(oncology, tmp_path):
    import os

    old = os.umask(0o000)
    try:
        api.build_packet(oncology, tmp_path / "p")
    finally:
        os.umask(old)
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "p").rglob("*") if p.is_file()} == {
        0o600
    }


def test_originals_are_unchanged(neuro_packet, neurology):
    _, _, before = neuro_packet
    assert tree_state(neurology) == before


def test_index_names_the_patient_checklist_and_links_relative(neuro_packet):
    out, _, _ = neuro_packet
    html = (out / "INDEX.HTM").read_text()
    assert "Harold Q Sampleton" in html
    assert "<script" not in html.lower()
    assert "has no report" in html
    for link in __import__("re").findall(r'href="([^"]+)"', html):
        assert not link.startswith(("/", "http:", "https:", "file:")), link
        if not link.startswith("#"):
            assert (out / link.split("#")[0]).exists(), link  # a page, or a place on it


def test_readme_holds_no_patient_data(neuro_packet):
    out, _, _ = neuro_packet
    readme = (out / "README.TXT").read_text()
    assert "Sampleton" not in readme and "1955" not in readme


def test_existing_output_is_not_overwritten_without_force(neurology, tmp_path):
    out = tmp_path / "packet"
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["packet", str(neurology), "-o", str(out)]).exit_code
        == ExitCode.INCOMPLETE
    )
    marker = (out / "INDEX.HTM").stat().st_mtime_ns
    result = runner.invoke(cli, ["packet", str(neurology), "-o", str(out)])
    assert result.exit_code == ExitCode.USAGE
    assert "--force" in result.stderr
    assert (out / "INDEX.HTM").stat().st_mtime_ns == marker
    result = runner.invoke(cli, ["packet", str(neurology), "-o", str(out), "--force"])
    assert result.exit_code == ExitCode.INCOMPLETE
    assert not list(tmp_path.glob(".packet.*"))


def test_force_never_replaces_a_folder_that_is_not_a_packet(neurology, tmp_path):
    precious = tmp_path / "Documents"
    precious.mkdir()
    (precious / "taxes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not an intake packet"):
        api.build_packet(neurology, precious, force=True)
    assert (precious / "taxes.txt").read_text() == "keep me"
    with pytest.raises(UsageError, match="cannot replace the records folder"):
        api.build_packet(neurology, neurology.parent, force=True)


def test_a_crash_mid_packet_leaves_nothing_that_looks_finished(oncology, tmp_path):
    out = tmp_path / "packet"

    def crash(stage, done, total, location):
        if stage == "copy" and done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        api.build_packet(oncology, out, progress=crash)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
    api.build_packet(oncology, out)  # and the next run succeeds
    assert (out / "INDEX.HTM").is_file()


def test_packet_inside_the_records_folder_is_not_read_back(copy_of, oncology):
    folder = copy_of(oncology)
    first = api.build_packet(folder, folder / "packet")
    second = api.build_packet(folder, folder / "packet", force=True)
    assert [d.source for d in second.documents] == [d.source for d in first.documents]
