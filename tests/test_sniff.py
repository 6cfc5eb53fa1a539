"""Identification by bytes: every format intake knows, whatever the file is called."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from intake.sniff import HEAD_SIZE, looks_like_bare_dicom, sniff


def image_bytes(fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(buffer, fmt, **options)
    return buffer.getvalue()


def heic_bytes() -> bytes:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    return image_bytes("HEIF")


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("IHE_XDM/SUBSET01/DOC0001.XML", "<ClinicalDocument/>")
    return buffer.getvalue()


def dicom_without_preamble() -> bytes:
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.preamble = None
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=False)
    return buffer.getvalue()


def dicom_bare_implicit() -> bytes:
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    buffer = pydicom.filebase.DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, True
    del ds.file_meta
    pydicom.filewriter.write_dataset(buffer, ds)
    return buffer.getvalue()


CCDA = (
    '\ufeff<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="CDA.xsl"?>\n'
    '<ClinicalDocument xmlns="urn:hl7-org:v3"><title>CCD</title></ClinicalDocument>'
).encode()

VECTORS = [
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "application/pdf"),
    ("pdf after junk", b"\r\n\r\n%PDF-1.4\n", "application/pdf"),
    (
        "dicom with preamble",
        Path(get_testdata_file("CT_small.dcm")).read_bytes(),
        "application/dicom",
    ),
    ("dicom no preamble", dicom_without_preamble(), "application/dicom"),
    ("dicom bare implicit", dicom_bare_implicit(), "application/dicom"),
    ("jpeg", image_bytes("JPEG"), "image/jpeg"),
    ("png", image_bytes("PNG"), "image/png"),
    ("tiff", image_bytes("TIFF"), "image/tiff"),
    ("webp", image_bytes("WEBP"), "image/webp"),
    ("zip", zip_bytes(), "application/zip"),
    ("c-cda", CCDA, "application/hl7-cda+xml"),
    ("xml", b'<?xml version="1.0"?><Metadata/>', "application/xml"),
    ("html", b"<!DOCTYPE html><html><body>portal</body></html>", "text/html"),
    ("fhir", b'{"resourceType": "Bundle", "type": "collection"}', "application/fhir+json"),
    ("text", b"Questions for the doctor\nIs surgery needed?\n", "text/plain"),
    ("latin-1 text", "Médicaments: café\n".encode("cp1252"), "text/plain"),
    ("utf-16 text", "Questions?\n".encode("utf-16"), "text/plain"),
    ("empty", b"", "application/x-empty"),
    ("binary", bytes(range(256)) * 4, "application/octet-stream"),
    ("windows program", b"MZ\x90\x00\x03" + bytes(100), "application/x-executable"),
]


@pytest.mark.parametrize(("name", "data", "expected"), VECTORS, ids=[v[0] for v in VECTORS])
def test_sniff_identifies_by_bytes(name, data, expected):
    assert sniff(data[:HEAD_SIZE]) == expected


def test_sniff_heic():
    assert sniff(heic_bytes()[:HEAD_SIZE]) == "image/heic"


def test_bare_dicom_check_rejects_text_and_other_groups():
    assert not looks_like_bare_dicom(b"Hello world, this is text")
    assert not looks_like_bare_dicom(b"\x10\x00\x10\x00PN\x04\x00TEST")  # group 0010 first: no
    assert looks_like_bare_dicom(b"\x08\x00\x05\x00CS\x0a\x00ISO_IR 100")
