#!/usr/bin/env python3
"""Generate the hostile corpus: files that are broken, misnamed, crafted to explode or to
read outside the folder. Every case names where its outcome shows in the manifest and the
words of the reason, so the tests can hold intake to a specific answer for each.

    python tests/hostile/make_hostile.py OUT

Fictional content only. The 'outside' secret is a file next to the corpus folder: its
content must never appear in anything intake writes.
"""

from __future__ import annotations

import base64
import io
import json
import os
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pydicom
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.fileset import FileSet

SECRET = "OUTSIDE-SECRET-7f3a9"  # must never appear in a manifest, packet or log


@dataclass(frozen=True)
class Case:
    name: str  # a file or folder below the corpus root
    where: str  # "unreadable" | "skipped" | "finding" | "read" | "other"
    reason: str  # words the reason must hold ("" for "read")


def text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF printing `lines` (the same bytes every time)."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    for row, line in enumerate(lines):
        page.drawString(72, 720 - 16 * row, line)
    page.save()
    return buffer.getvalue()


def _zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]], *, stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def _png_bomb() -> bytes:
    """A small PNG whose header claims 50,000 x 50,000 pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def _jpeg(size: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), "white").save(buffer, "JPEG")
    return buffer.getvalue()


def _garbage_exif_jpeg() -> bytes:
    data = _jpeg()
    garbage = b"Exif\x00\x00" + b"MM\x00*" + b"\xff" * 200
    app1 = b"\xff\xe1" + struct.pack(">H", len(garbage) + 2) + garbage
    return data[:2] + app1 + data[2:]


def _ccda(body: str, doctype: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?>\n{doctype}\n<ClinicalDocument xmlns="urn:hl7-org:v3">'
        f"<title>{body}</title></ClinicalDocument>\n"
    ).encode()


def _nested_zip(depth: int) -> bytes:
    data = _zip([("visit.txt", b"Visit summary\nChief complaint: cough\n")])
    for level in range(depth):
        data = _zip([(f"level{level}.zip", data)])
    return data


def build(root: Path) -> list[Case]:
    """Write the corpus under `root` (and the secret beside it); returns the cases."""
    root.mkdir(parents=True, exist_ok=True)
    secret = root.parent / "outside-secret.txt"
    secret.write_text(f"{SECRET}\n")
    cases: list[Case] = []

    def write(name: str, data: bytes, where: str, reason: str) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        cases.append(Case(name, where, reason))

    pdf = text_pdf(["LABORATORY REPORT", "Hemoglobin 12.1 g/dL 11.5-15.5"])
    dicom = Path(get_testdata_file("CT_small.dcm")).read_bytes()
    zipped = _zip([("note.txt", b"Visit summary\nChief complaint: cough\n")])

    for extension in ("pdf", "jpg", "png", "dcm", "zip", "xml", "json", "heic"):
        write(f"empty/empty.{extension}", b"", "unreadable", "empty file")
    write("truncated.pdf", pdf[: len(pdf) // 3], "unreadable", "damaged or not a PDF")
    write("truncated.jpg", _jpeg(256)[:300], "unreadable", "image")
    write("truncated.png", _png_bomb()[:40], "unreadable", "image")
    write("truncated.dcm", dicom[:400], "unreadable", "DICOM")
    write("truncated.zip", zipped[: len(zipped) // 2], "unreadable", "damaged zip archive")
    encrypted = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(encrypted, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    write("password.pdf", encrypted.getvalue(), "unreadable", "password-protected")
    owner_only = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(owner_only, encryption=pikepdf.Encryption(user="", owner="owner"))
    write("encrypted-no-user-password.pdf", owner_only.getvalue(), "read", "")
    loop = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [2 0 R] /Count 1 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )
    write("reference-loop.pdf", loop, "unreadable", "PDF")
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.Root.Pages.Count = 10_000
        claims = io.BytesIO()
        document.save(claims)
    write("claims-10000-pages.pdf", claims.getvalue(), "read", "")
    write("web-page.pdf", b"<!DOCTYPE html><html><body><p>Portal error</p></body></html>",
          "read", "")  # fmt: skip
    write("photo.dcm", _jpeg(), "read", "")
    ds = pydicom.dcmread(io.BytesIO(dicom))
    bare = io.BytesIO()
    ds.preamble = None
    pydicom.dcmwrite(bare, ds, enforce_file_format=False)
    write("bare-no-preamble.dcm", bare.getvalue(), "read", "")
    huge = bytearray(dicom)
    tag = huge.index(b"\x10\x00\x10\x00")  # (0010,0010) Patient's Name, explicit VR
    huge[tag + 6 : tag + 8] = b"\xff\xff"  # its length: far past the end of the file
    write("huge-length.dcm", bytes(huge), "unreadable", "DICOM")

    disc = root / "disc-outside"
    file_set = FileSet()
    file_set.add(pydicom.dcmread(io.BytesIO(dicom)))
    file_set.write(disc)
    dicomdir = pydicom.dcmread(disc / "DICOMDIR")
    for record in dicomdir.DirectoryRecordSequence:
        if "ReferencedFileID" in record:
            record.ReferencedFileID = ["..", "..", "outside-secret.txt"]
    dicomdir.save_as(disc / "DICOMDIR")
    cases.append(Case("disc-outside/DICOMDIR", "finding", "outside the disc"))

    write("zip-slip.zip", _zip([("../../escape.txt", b"Visit summary\n")]), "unreadable",
          "zip-slip")  # fmt: skip
    write("absolute.zip", _zip([("/etc/absolute.txt", b"Visit summary\n")]), "unreadable",
          "absolute path")  # fmt: skip
    link = zipfile.ZipInfo("link.txt")
    link.external_attr = (0o120777 << 16) | 0x20
    write("symlink-member.zip", _zip([(link, str(secret).encode())]), "unreadable",
          "link inside the archive")  # fmt: skip
    write("ratio-bomb.zip", _zip([("zeros.bin", bytes(40 * 2**20))]), "unreadable", "zip bomb")
    write("nested-bomb.zip", _nested_zip(5), "unreadable", "nested more than")
    encrypted_member = bytearray(_zip([("locked.txt", b"Visit summary\n")], stored=True))
    encrypted_member[6] |= 1  # local header flag
    central = encrypted_member.index(b"PK\x01\x02")
    encrypted_member[central + 8] |= 1
    write("encrypted-member.zip", bytes(encrypted_member), "unreadable", "encrypted")

    laughs = (
        '<!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    )
    write("billion-laughs.xml", _ccda("&d;", laughs), "unreadable", "unsafe XML")
    local_xxe = f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
    write("xxe-local-file.xml", _ccda("&x;", local_xxe), "unreadable", "unsafe XML")
    url_xxe = '<!DOCTYPE r [<!ENTITY x SYSTEM "http://intake-test.invalid/steal">]>'
    write("xxe-url.xml", _ccda("&x;", url_xxe), "unreadable", "unsafe XML")
    write("xxe-in-txt.txt", _ccda("&x;", local_xxe), "unreadable", "unsafe XML")
    metadata = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<SubmitObjectsRequest xmlns="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0">&x;'
        "</SubmitObjectsRequest>"
    ).encode()
    write("xdm-xxe.zip", _zip([("IHE_XDM/SUBSET01/METADATA.XML", metadata),
                               ("IHE_XDM/SUBSET01/DOC0001.TXT", b"Visit summary\n")]),
          "finding", "unsafe XML")  # fmt: skip

    write("decompression-bomb.png", _png_bomb(), "unreadable", "image")
    write("garbage-exif.jpg", _garbage_exif_jpeg(), "read", "")
    write("fhir-damaged.json", b'{"resourceType": "Bundle", "entry": [', "unreadable",
          "damaged JSON")  # fmt: skip
    fhir = {"resourceType": "DocumentReference", "id": "x", "status": "current",
            "content": [{"attachment": {"contentType": "application/pdf",
                                        "data": "%%% not base64 %%%"}}]}  # fmt: skip
    write("fhir-bad-attachment.json", json.dumps(fhir).encode(), "unreadable", "base64")
    write("old-word.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "other",
          "application/x-ole-storage")  # fmt: skip
    write("viewer.exe", b"MZ" + bytes(200), "skipped", "a program, not a record")  # no disc here
    write("binary-garbage.txt", bytes(range(256)) * 8, "other", "application/octet-stream")
    write("ccda-truncated.xml", _ccda("Discharge")[:70], "unreadable", "XML")
    write("attachment.base64", base64.b64encode(b"\x00\x01") * 3, "read", "")

    (root / "loop-a").symlink_to("loop-b")
    (root / "loop-b").symlink_to("loop-a")
    cases.append(Case("loop-a", "skipped", "link loop"))
    (root / "link-outside").symlink_to(secret)
    cases.append(Case("link-outside", "skipped", "outside the folder"))
    os.mkfifo(root / "a-fifo")
    cases.append(Case("a-fifo", "skipped", "pipe"))
    locked = root / "no-permission.txt"
    locked.write_text("Visit summary\n")
    locked.chmod(0)
    cases.append(Case("no-permission.txt", "unreadable" if os.geteuid() else "read",
                      "Permission denied" if os.geteuid() else ""))  # fmt: skip
    raw_name = os.fsencode(root) + b"/caf\xe9-latin1-name.txt"
    with open(raw_name, "wb") as handle:
        handle.write(b"Visit summary\nChief complaint: cough\n")
    cases.append(Case("caf\\xe9-latin1-name.txt", "read", ""))
    long_name = "long-" + "n" * 240 + ".txt"
    (root / long_name).write_text("Visit summary\nChief complaint: cough\n")
    cases.append(Case(long_name, "read", ""))
    deep = root
    for level in range(100):
        deep = deep / f"d{level:02d}"
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text("Visit summary\n")
    cases.append(Case("d00", "skipped", "folders deep"))
    (root / "good-note.txt").write_text("Visit summary\nChief complaint: cough\n")
    cases.append(Case("good-note.txt", "read", ""))
    return cases


def main(argv: list[str] | None = None) -> int:
    out = Path((argv or sys.argv[1:])[0])
    for case in build(out):
        print(f"{case.where:10} {case.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
