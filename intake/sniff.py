"""Identify a file's format from its first bytes, never from its name.

`sniff(head)` is pure: give it the first `HEAD_SIZE` bytes of a file and it
returns a media type. Tests and property checks call it with arbitrary bytes.
"""

from __future__ import annotations

import re
import struct

HEAD_SIZE = 8192

PDF = "application/pdf"
DICOM = "application/dicom"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
HEIC = "image/heic"
WEBP = "image/webp"
GIF = "image/gif"
ZIP = "application/zip"
CDA = "application/hl7-cda+xml"
XML = "application/xml"
FHIR_JSON = "application/fhir+json"
JSON = "application/json"
HTML = "text/html"
TEXT = "text/plain"
RTF = "application/rtf"
OLE = "application/x-ole-storage"
EXECUTABLE = "application/x-executable"
EMPTY = "application/x-empty"
UNKNOWN = "application/octet-stream"

IMAGE_TYPES = frozenset({JPEG, PNG, TIFF, HEIC, WEBP, GIF})

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_VRS = {
    b"AE",
    b"AS",
    b"AT",
    b"CS",
    b"DA",
    b"DS",
    b"DT",
    b"FL",
    b"FD",
    b"IS",
    b"LO",
    b"LT",
    b"OB",
    b"OD",
    b"OF",
    b"OL",
    b"OV",
    b"OW",
    b"PN",
    b"SH",
    b"SL",
    b"SQ",
    b"SS",
    b"ST",
    b"SV",
    b"TM",
    b"UC",
    b"UI",
    b"UL",
    b"UN",
    b"UR",
    b"US",
    b"UT",
    b"UV",
}


def sniff(head: bytes) -> str:
    """Return the media type of a file whose first bytes are `head`."""
    if not head:
        return EMPTY
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):  # before PDF: a zip may
        return ZIP  # hold a PDF whose "%PDF-" shows within its first bytes
    if len(head) >= 132 and head[128:132] == b"DICM":
        return DICOM
    if head.startswith(b"DICM") or looks_like_bare_dicom(head):
        return DICOM
    if b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return TIFF
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return HEIC
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if head[:2] == b"MZ" or head[:4] in (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        return EXECUTABLE
    text = _decode_text(head)
    if text is None:
        return UNKNOWN
    return _sniff_text(text)


def looks_like_bare_dicom(head: bytes) -> bool:
    """True for a DICOM data set written without the 128-byte preamble and 'DICM'.

    Such files start directly with a little-endian tag of group 0002 (file meta) or
    0008 (identifying), followed by an explicit VR or a plausible implicit length.
    """
    if len(head) < 8:
        return False
    group, element = struct.unpack_from("<HH", head, 0)
    if group not in (0x0002, 0x0008) or element > 0x0200:
        return False
    if head[4:6] in _VRS:
        return True
    (length,) = struct.unpack_from("<I", head, 4)
    return length < 0x1000 and ((element == 0 and length == 4) or element > 0)


_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")  # control characters text never holds


def _decode_text(head: bytes) -> str | None:
    """Decode `head` as text if it is text (UTF-8/16 or a Latin code page), else None."""
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        return head.decode("utf-16", errors="replace")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # a real error, not a character cut at the end
            text = head.decode("cp1252", errors="replace")
        else:
            text = head[: err.start].decode("utf-8")
    if not text:
        return None
    controls = len(_CONTROLS.findall(text))
    if "\x00" in text or controls > len(text) * 0.01:
        return None
    return text.lstrip("\ufeff")


_CDA = re.compile(r"<(?:\w+:)?ClinicalDocument\b")


# comments before a markup file's first element ('<!-- Note the use of ... -->' heads
# HL7's own C-CDA examples): skipped to see what the file is
_LEADING_COMMENTS = re.compile(r"(?:\s*<!--.*?-->)+\s*", re.DOTALL)


def _sniff_text(text: str) -> str:
    stripped = text.lstrip()
    if stripped.startswith("<!--"):
        after = _LEADING_COMMENTS.match(stripped)
        stripped = stripped[after.end() :] if after else ""
        if not stripped:  # a comment longer than the head read: markup all the same
            return XML
    lower = stripped[:512].lower()
    if stripped.startswith("<"):
        if _CDA.search(text) and "urn:hl7-org:v3" in text:
            return CDA
        if lower.startswith("<!doctype html") or lower.startswith("<html"):
            return HTML
        if lower.startswith("<?xml") or re.match(r"<[a-zA-Z_][\w:.-]*[\s>/]", stripped):
            return XML
    if stripped.startswith("{\\rtf"):
        return RTF
    if stripped.startswith(("{", "[")):
        if re.search(r'"(?:resourceType|fullUrl)"\s*:', text):
            return FHIR_JSON
        return JSON if re.match(r"[{\[]\s*[\"\[{\]}]", stripped) else TEXT
    return TEXT
