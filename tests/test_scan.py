"""The walk: recursion, junk, links, special files, hashing, never by extension."""

from __future__ import annotations

import hashlib
import os
import shutil

import pytest

from intake.errors import InputUnreadable
from intake.scan import MAX_DEPTH, scan


def test_scan_finds_every_file_recursively_and_hashes_it(oncology):
    result = scan(oncology)
    on_disk = {
        p.relative_to(oncology).as_posix()
        for p in oncology.rglob("*")
        if p.is_file() and p.name != ".DS_Store"
    }
    assert {s.location for s in result.sources} == on_disk
    for source in result.sources:
        assert source.sha256 == hashlib.sha256(source.path.read_bytes()).hexdigest()
        assert source.size == source.path.stat().st_size


def test_scan_identifies_by_bytes_not_extension(tmp_path, oncology):
    pdf = next(oncology.glob("*.pdf"))
    shutil.copyfile(pdf, tmp_path / "looks-like-a-photo.jpg")
    shutil.copyfile(oncology / "IMG_4021.JPG", tmp_path / "NOEXTENSION")
    types = {s.location: s.media_type for s in scan(tmp_path).sources}
    assert types == {"looks-like-a-photo.jpg": "application/pdf", "NOEXTENSION": "image/jpeg"}


def test_dicom_files_without_extension_or_preamble_are_dicom(neurology):
    sources = [s for s in scan(neurology).sources if s.location.startswith("MRI CD/")]
    assert len(sources) == 9
    assert {s.media_type for s in sources} == {"application/dicom"}
    preambles = {s.path.read_bytes()[128:132] == b"DICM" for s in sources}
    assert preambles == {True, False}  # the sample has both kinds


def test_os_junk_is_skipped_and_counted(tmp_path):
    (tmp_path / "report.txt").write_text("Visit summary\n")
    (tmp_path / ".DS_Store").write_bytes(b"Bud1")
    (tmp_path / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "desktop.ini").write_text("[.ShellClassInfo]")
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__MACOSX" / "._report.txt").write_bytes(b"\x00\x05\x16\x07")
    (tmp_path / "._report.txt").write_bytes(b"\x00\x05\x16\x07")
    result = scan(tmp_path)
    assert [s.location for s in result.sources] == ["report.txt"]
    assert result.junk == 5


def test_links_out_of_the_folder_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not the patient's")
    records = tmp_path / "records"
    records.mkdir()
    (records / "note.txt").write_text("Visit summary\n")
    (records / "link-to-secret.txt").symlink_to(outside / "secret.txt")
    (records / "link-to-folder").symlink_to(outside, target_is_directory=True)
    (records / "inner-link.txt").symlink_to(records / "note.txt")
    (records / "loop").symlink_to(records / "loop")
    result = scan(records)
    assert [s.location for s in result.sources] == ["note.txt"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert "outside the folder" in reasons["link-to-secret.txt"]
    assert "outside the folder" in reasons["link-to-folder"]
    assert "note.txt" in reasons["inner-link.txt"]
    assert "loop" in reasons["loop"]


def test_fifo_is_skipped_with_a_reason(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "a.txt").write_text("hello there\n")
    result = scan(tmp_path)  # must not block reading the pipe
    assert [s.location for s in result.sources] == ["a.txt"]
    assert "FIFO" in result.skipped[0].reason


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_is_listed_with_reason(tmp_path):
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(b"%PDF-1.4\n")
    locked.chmod(0)
    result = scan(tmp_path)
    assert result.unreadable == [("locked.pdf", "cannot be read: Permission denied")]


def test_depth_is_bounded(tmp_path):
    folder = tmp_path
    for level in range(MAX_DEPTH + 3):
        folder = folder / f"d{level}"
    folder.mkdir(parents=True)
    (folder / "deep.txt").write_text("deep\n")
    result = scan(tmp_path)
    assert result.sources == []
    assert any("folders deep" in s.reason for s in result.skipped)


def test_missing_or_non_folder_input_is_a_run_error(tmp_path):
    with pytest.raises(InputUnreadable, match="does not exist"):
        scan(tmp_path / "nope")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(InputUnreadable, match="not a folder"):
        scan(tmp_path / "file.txt")


def test_earlier_packet_inside_the_folder_is_not_read_as_records(tmp_path):
    (tmp_path / "note.txt").write_text("Visit summary\n")
    packet = tmp_path / "packet"
    (packet / "EXTRA").mkdir(parents=True)
    (packet / "INDEX.HTM").write_text("<html></html>")
    (packet / "EXTRA" / "manifest.json").write_text("{}")
    result = scan(tmp_path)
    assert [s.location for s in result.sources] == ["note.txt"]
    assert result.skipped[0].path == "packet"


def test_a_subfolder_that_cannot_be_entered_is_no_earlier_packet(tmp_path, monkeypatch):
    """lost+found at a USB stick's root (mode 700, root's): looking for an earlier packet's
    INDEX.HTM in it raised PermissionError and ended the run; it is no packet, and the walk
    then names it as a folder that cannot be listed. (Root can enter any folder, so the
    refusal is the file system's answer, given here.)"""
    from pathlib import Path

    from intake.scan import is_packet

    locked = tmp_path / "lost+found"
    locked.mkdir()
    real = Path.is_file

    def refused(self):
        if self.parent == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "is_file", refused)
    assert is_packet(locked) is False
