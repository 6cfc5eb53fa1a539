"""What `--force` may replace: only a packet, zip or PDF an earlier `intake packet` wrote,
and nothing anyone added to it. A folder that merely looks like a packet (an INDEX.HTM and
an EXTRA/manifest.json of someone else's), or a packet with a file the user put in it, is
kept and the run refused."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from pathlib import Path

from intake.packet.packet_pdf import MARK
from intake.regular_files import open_regular

MANIFEST_HEAD = re.compile(rb'\A\{\s*"schema":\s*"intake\.manifest/1"')  # how intake writes it
CHECKSUMS = "EXTRA/SHA256SUM.TXT"
CHECKSUMS_MAX = 64 * 2**20  # a listing of a million files is about 100 MB; refuse beyond this
_CHECKSUM_LINE = re.compile(r"([0-9a-f]{64})  ([^\\\n]+)")


def is_earlier_packet(folder: Path) -> bool:
    """True for a folder holding an intake manifest, its INDEX.HTM and no file but those its
    EXTRA/SHA256SUM.TXT lists (and that listing), each with its listed SHA-256: no link, no
    file added or changed since (notes filled in on its pages are the user's)."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        if not (folder / "INDEX.HTM").is_file() or not _is_manifest(folder / "EXTRA/manifest.json"):
            return False
        listed = _listed(folder / CHECKSUMS)
        if listed is None:
            return False
        for here, folders, names in os.walk(folder, onerror=_raise):
            inside = os.path.relpath(here, folder)
            prefix = "" if inside == "." else inside.replace(os.sep, "/") + "/"
            for name in folders:
                if os.path.islink(os.path.join(here, name)):
                    return False
            for name in names:
                digest = listed.get(prefix + name)
                if digest is None:
                    return False
                if digest and _sha256(os.path.join(here, name)) != digest:
                    return False  # changed since intake wrote it: notes on its pages, say
    except (OSError, UnicodeError):
        return False
    return True


def _raise(err: OSError) -> None:
    raise err  # a folder that cannot be listed: not known to hold only intake's files


def _sha256(path: str) -> str:
    with open_regular(path, follow=False) as handle:  # a FIFO or link in it: OSError
        return hashlib.file_digest(handle, "sha256").hexdigest()


def is_earlier_file(out: Path, layout: str) -> bool:
    """True for a zip holding an intake manifest (EXTRA/manifest.json, its schema) or a PDF
    carrying intake's mark (packet_pdf.MARK): the only files --force replaces."""
    if not out.is_file() or out.is_symlink():
        return False
    return _is_packet_zip(out) if layout == "zip" else _is_packet_pdf(out)


def _is_manifest(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with open_regular(path, follow=False) as handle:  # a FIFO swapped in: never waited on
            return MANIFEST_HEAD.match(handle.read(256)) is not None
    except OSError:
        return False


def _listed(path: Path) -> dict[str, str] | None:
    """The files SHA256SUM.TXT names -> their SHA-256 (itself: "", not checked), or None when
    it is missing, a link, too big or not in sha256sum's format."""
    if path.is_symlink() or not path.is_file() or path.stat().st_size > CHECKSUMS_MAX:
        return None
    listed = {CHECKSUMS: ""}
    with open_regular(path, follow=False) as raw, io.TextIOWrapper(raw, encoding="utf-8") as handle:
        for line in handle:
            matched = _CHECKSUM_LINE.fullmatch(line.rstrip("\n"))
            if matched is None:
                return None
            listed[matched[2]] = matched[1]
    return listed


def _is_packet_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive, archive.open("EXTRA/manifest.json") as manifest:
            return MANIFEST_HEAD.match(manifest.read(256)) is not None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, RuntimeError, EOFError):
        return False


def _is_packet_pdf(path: Path) -> bool:
    import pikepdf

    from intake.pdf_files import opened_pdf

    try:
        with opened_pdf(path) as pdf:
            return str(pdf.docinfo.get(MARK, "")).startswith("intake ")
    except (pikepdf.PdfError, pikepdf.PasswordError, OSError, ValueError):
        return False
