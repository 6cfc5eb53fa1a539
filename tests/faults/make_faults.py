#!/usr/bin/env python3
"""Generate the fault corpus (issue 19): inputs that once ended a run or stalled it. Each
case names its required outcome and the words of the reason, so the tests hold intake to
a specific answer for each.

    python tests/faults/make_faults.py OUT          records/ and checklists/ under OUT
    python tests/faults/make_faults.py damage DB    random bytes over every page but the first
    python tests/faults/make_faults.py hold DB      hold DB in an exclusive transaction until
                                                    stdin closes (prints "held" when it does)

records/      files to scan: structures nested far too deep, a 5,000-digit number, lines of
              20,000 characters (a pasted barcode, dot leaders), a name with ESC sequences,
              a DICOM study with 10 kB descriptions, a lab value FHIR cannot hold, next to
              good files that must still be read (and packed)
checklists/   checklist files that must each be a usage error (exit 2) naming the file, the
              reason and, where known, the line

Fictional content only.
"""

from __future__ import annotations

import io
import json
import os
import random
import sqlite3
import sys
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

HOSTILE_GENERATOR = Path(__file__).resolve().parents[1] / "hostile" / "make_hostile.py"

LONG = 20_000  # characters in a long line
ESC_NAME = "evil\x1b[31mred\x1b]0;title\x07.txt"  # colours and a window title in a name


@dataclass(frozen=True)
class Case:
    name: str  # a file below records/
    where: str  # "unreadable" | "read" | "finding"
    reason: str  # words the reason must hold ("" for "read")


@dataclass(frozen=True)
class BadChecklist:
    name: str  # a file below checklists/
    reason: str  # words the usage error must hold
    line: int | None = None  # the line the error must name, when known


def _ccda(sections: str) -> bytes:
    return (
        '<?xml version="1.0"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3">'
        '<code code="34133-9" codeSystem="2.16.840.1.113883.6.1"/><title>Visit summary</title>'
        f"<component><structuredBody>{sections}</structuredBody></component>"
        "</ClinicalDocument>\n"
    ).encode()


def _section(title: str, narrative: str) -> str:
    return (
        f"<component><section><title>{title}</title><text>{narrative}</text></section></component>"
    )


def _pdf(lines: list[str]) -> bytes:
    """The hostile corpus's one-page text PDF (one generator for both corpora)."""
    from importlib.util import module_from_spec, spec_from_file_location

    module = sys.modules.get("make_hostile")
    if module is None:
        spec = spec_from_file_location("make_hostile", HOSTILE_GENERATOR)
        module = module_from_spec(spec)
        sys.modules["make_hostile"] = module  # its dataclasses look themselves up there
        spec.loader.exec_module(module)
    return module.text_pdf(lines)


def _observation(value: str) -> str:
    return (
        '{"resourceType": "Observation", "id": "o1", "status": "final",'
        ' "code": {"text": "Hemoglobin"}, "valueQuantity": {"value": '
        + value
        + ', "unit": "g/dL"}}'
    )


def _nested_extension(depth: int) -> dict:
    extension: dict = {"url": "http://example.org/leaf", "valueString": "x"}
    for _ in range(depth):
        extension = {"url": "http://example.org/branch", "extension": [extension]}
    return extension


def barcode() -> str:
    """A pasted barcode: one line of 20,000 digits."""
    return "".join(random.Random(19).choice("0123456789") for _ in range(LONG))


def long_lines() -> str:
    """Lines of 20,000 characters in the shapes that made an expression or a loop over a
    line's words take quadratic time (each took seconds to minutes), alone and after the
    headings that send a line to the date, name, medication and lab readers."""

    def run(unit: str) -> str:
        return (unit * (LONG // len(unit) + 1))[:LONG]

    digits = barcode()
    shapes = ["1", "1 ", "1.", "- ", ". ", "1, ", "1 / ", "\t1", "Ab ", "1:", "(1) ", "<1 ",
              "1H ", "AB ", "a: ", "1.5 "]  # fmt: skip
    lines = [digits, *(run(shape) for shape in shapes)]
    lines += ["Date of service: " + digits, "Patient: " + run("1, "), "Final diagnosis:",
              run("- "), "Current medications:", "Metformin " + digits, run("1 "),
              "RADIOLOGY REPORT", "IMPRESSION: " + run("1 / "), "LABORATORY REPORT",
              "Test  Result  Flag  Units  Reference Interval", "Glucose " + run("1 - "),
              "Hemoglobin 12.1 g/dL 11.5-15.5"]  # fmt: skip
    return "\n".join(lines) + "\n"


LONG_DESCRIPTION = " ".join(f"word{n}" for n in range(1, 1300))[:10_000]  # 10 kB of words


def long_text_dicom() -> bytes:
    """pydicom's CT_small.dcm with a 10 kB StudyDescription and SeriesDescription (far over
    LO's 64 characters): a table row taller than a page in PACKET.PDF before issue 19."""
    import pydicom
    from pydicom.data import get_testdata_file

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.StudyDescription = LONG_DESCRIPTION
    ds.SeriesDescription = "Axial " + LONG_DESCRIPTION[: 10_000 - 6]
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns of the length: that is the point
        ds.save_as(out)
    return out.getvalue()


ODD_DATE, ODD_TIME = "2024-01-15", "10:30"  # ISO forms, not DICOM's DA and TM


def odd_values_dicom() -> bytes:
    """pydicom's CT_small.dcm with a StudyDate and StudyTime in ISO form: pydicom warns
    "Invalid value for VR DA: '2024-01-15'" when the packet's file-set writes them."""
    import pydicom
    from pydicom.data import get_testdata_file

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the warning is the point
        ds.StudyDate, ds.StudyTime = ODD_DATE, ODD_TIME
        out = io.BytesIO()
        ds.save_as(out)
    return out.getvalue()


def no_study_time_dicom() -> bytes:
    """pydicom's CT_small.dcm without its Study Time, which a DICOMDIR's STUDY record needs
    (Type 1 there): pydicom refuses to add it to the file-set."""
    import pydicom
    from pydicom.data import get_testdata_file

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    del ds.StudyTime
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def raw_pixels_said_rle_dicom() -> bytes:
    """pydicom's CT_small.dcm whose header claims RLE Lossless while its pixels stay raw
    (the transfer syntax UID swapped in the file meta): pydicom refuses to write it into
    the file-set, and the packet once held no copy of it at all."""
    import pydicom
    from pydicom.data import get_testdata_file
    from pydicom.uid import ExplicitVRLittleEndian

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    explicit, rle = b"1.2.840.10008.1.2.1\0", b"1.2.840.10008.1.2.5\0"  # same length
    assert out.getvalue().count(explicit) == 1
    return out.getvalue().replace(explicit, rle)


def damaged_jpeg2000_dicom() -> bytes:
    """pydicom's CT_small.dcm with its pixels said to be JPEG 2000 and encapsulated as one
    frame of bytes that are no JPEG 2000 codestream: drawing its preview made pydicom log
    ERROR lines with full tracebacks on stderr (found by the probe)."""
    import pydicom
    from pydicom.data import get_testdata_file
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEG2000Lossless

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.file_meta.TransferSyntaxUID = JPEG2000Lossless
    ds.PixelData = encapsulate([bytes(range(256)) * 2])
    ds["PixelData"].VR = "OB"
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def damaged_zip(damage: str) -> bytes:
    """A one-member download damaged three ways that each ended a run (exit 1): 'version'
    (one byte of the central directory: 'zip file version 15.2', NotImplementedError from
    ZipFile itself), 'lzma' (a member's LZMA stream damaged: LZMAError) and 'no name' (a
    member named '': IndexError in ZipInfo.is_dir)."""
    method = zipfile.ZIP_LZMA if damage == "lzma" else zipfile.ZIP_STORED
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        member = zipfile.ZipInfo("" if damage == "no name" else "note.txt")
        archive.writestr(member, b"Questions for the doctor: what is next?\n" * 50, method)
    data = bytearray(buffer.getvalue())
    if damage == "version":
        data[data.find(b"PK\x01\x02") + 6] = 152  # version needed to extract: 15.2
    elif damage == "lzma":
        start = 30 + len("note.txt")
        for index in range(start + 9, start + 40):
            data[index] ^= 0x5A
    return bytes(data)


def build_records(root: Path) -> list[Case]:
    """Write records/ under `root`; returns the cases."""
    root.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def write(name: str, data: bytes | str, where: str, reason: str) -> None:
        (root / name).write_bytes(data.encode() if isinstance(data, str) else data)
        cases.append(Case(name, where, reason))

    depth = 100_000
    write("fhir-nested-100000.json",
          '{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": '
          + _observation("[" * depth + "]" * depth) + "}]}",
          "unreadable", "nested 100005 deep")  # fmt: skip
    write("fhir-5000-digit-number.json", _observation("9" * 5000), "unreadable",
          "5000 digits long")  # fmt: skip
    brackets = '{"resourceType": "Observation", "id": "b", "note": [{"text": "' + "[{" * 5000
    write("fhir-400-digit-lab.json", _observation("9" * 400), "read", "")  # FHIR: no decimal
    write("fhir-brackets-in-strings.json", brackets + '"}], "valueString": "ok"}', "read", "")
    write(
        "fhir-lone-surrogate.json",
        b'{"resourceType": "Condition", "id": "c1", "code": {"text": "Hypertension \\ud800"},'
        b' "recordedDate": "2024-01-01"}',
        "read",
        "",
    )  # valid JSON; UTF-8 cannot write it
    observation = json.loads(_observation("13.2"))
    observation["extension"] = [_nested_extension(40)]  # 83 deep: within the limit
    write("fhir-deep-but-fine.json", json.dumps(observation), "read", "")
    depth = 10_000
    write("ccda-narrative-10000-deep.xml",
          _ccda(_section("Notes", "<list><item>" * depth + "x" + "</item></list>" * depth)),
          "unreadable", "nested more than 256 deep")  # fmt: skip
    span = '<table><tbody><tr><td colspan="' + "9" * 5000 + '">Metformin</td></tr></tbody></table>'
    write("ccda-5000-digit-colspan.xml", _ccda(_section("Medications", span)), "read", "")
    metadata = (
        '<?xml version="1.0"?><SubmitObjectsRequest '
        'xmlns="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0">'
        + "<a>" * 10_000 + "</a>" * 10_000 + "</SubmitObjectsRequest>"
    ).encode()  # fmt: skip
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("IHE_XDM/SUBSET01/METADATA.XML", metadata)
        zipped.writestr("IHE_XDM/SUBSET01/DOC0001.TXT", "Visit summary\nChief complaint: cough\n")
    write("xdm-metadata-10000-deep.zip", archive.getvalue(), "finding",
          "nested more than 256 deep")  # fmt: skip

    archive = io.BytesIO()  # an encoding Python does not know: LookupError ended the run
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(
            "IHE_XDM/SUBSET01/METADATA.XML",
            '<?xml version="1.0" encoding="x-unknown-charset"?><SubmitObjectsRequest/>',
        )
        zipped.writestr("IHE_XDM/SUBSET01/DOC0001.TXT", "Visit summary\nPlan: recheck\n")
    write("xdm-unknown-encoding.zip", archive.getvalue(), "finding", "unknown encoding")
    write("zip-version-15.2.zip", damaged_zip("version"), "unreadable", "damaged zip archive")
    write("zip-member-no-name.zip", damaged_zip("no name"), "unreadable", "a member with no name")
    (root / "zip-lzma-damaged.zip").write_bytes(damaged_zip("lzma"))  # the member is named
    cases.append(Case("zip-lzma-damaged.zip!/note.txt", "unreadable", "damaged inside"))

    write("barcode-20000-digits.txt", barcode() + "\n", "read", "")
    write("long-lines.txt", long_lines(), "read", "")
    write("ones-20000.txt", "1" * LONG + "\n", "read", "")
    write("spaced-ones.txt", "1 " * (LONG // 2) + "\n", "read", "")
    write("dotted-ones.txt", "1." * (LONG // 2) + "\n", "read", "")
    write("medications-long-line.txt",
          "Current medications:\nMetformin " + "1" * LONG + "\nLisinopril 10 mg daily\n",
          "read", "")  # fmt: skip
    write("lab-long-line.txt",
          "LABORATORY REPORT\nTest  Result  Flag  Units  Reference Interval\nGlucose "
          + "1 - " * (LONG // 4) + "\nHemoglobin 12.1 g/dL 11.5-15.5\n",
          "read", "")  # fmt: skip
    write("dot-leaders-20000.pdf", _pdf(["Visit summary", "." * LONG]), "read", "")
    write("dicom-10kb-descriptions.dcm", long_text_dicom(), "read", "")
    write(ESC_NAME, "Visit summary\nChief complaint: headache\n", "read", "")
    write("good-note.txt", "Visit summary\nChief complaint: cough\n", "read", "")
    return cases


def same_uid_dicom(comment: str) -> bytes:
    """pydicom's CT_small.dcm with other bytes (a comment) and the same SOP Instance UID."""
    import pydicom
    from pydicom.data import get_testdata_file

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.ImageComments = comment
    out = io.BytesIO()
    ds.save_as(out)
    return out.getvalue()


def build_collisions(root: Path) -> dict[str, bytes]:
    """Inputs that once shared one location or one packet file, so one went missing while
    `sha256sum -c` passed: a raw 0xff byte and a literal backslash-x-f-f in two names, a
    folder named "portal.zip!" beside portal.zip, two DICOM files with one SOP Instance
    UID. Returns each input's location (as intake names it) -> its bytes: each must be read
    and be in the packet."""
    root.mkdir(parents=True, exist_ok=True)
    files = {
        b"a-\xff.txt": b"Visit summary\nChief complaint: cough\n",
        b"a-\\xff.txt": b"Visit summary\nChief complaint: headache\n",
        b"portal.zip!/note.txt": b"Visit summary\nChief complaint: rash\n",
        b"ct-first.dcm": same_uid_dicom("first"),
        b"ct-second.dcm": same_uid_dicom("second"),
    }
    for name, data in files.items():
        path = Path(os.fsdecode(os.fsencode(root) + b"/" + name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    member = b"Visit summary\nChief complaint: fever\n"
    with zipfile.ZipFile(root / "portal.zip", "w") as archive:
        archive.writestr("note.txt", member)
    return {  # in the order of raw names, the later of two alike gets " (2)"
        "a-\\xff.txt": files[b"a-\\xff.txt"],
        "a-\\xff.txt (2)": files[b"a-\xff.txt"],
        "portal.zip!/note.txt": files[b"portal.zip!/note.txt"],
        "portal.zip!/note.txt (2)": member,
        "ct-first.dcm": files[b"ct-first.dcm"],
        "ct-second.dcm": files[b"ct-second.dcm"],
    }


SECRET = "SECRET-7Q9X: outside the records folder, never to be read"


def write_secrets(root: Path) -> Path:
    """Files outside the records folder a link swapped in would point to (secret.txt,
    secret.pdf, and a folder sub/ mirroring one of the records' subfolders)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "secret.txt").write_text(f"Visit summary\n{SECRET}\n")
    (root / "secret.pdf").write_bytes(_pdf(["Visit summary", SECRET]))
    (root / "sub").mkdir(exist_ok=True)
    (root / "sub" / "labs.txt").write_text(f"LABORATORY REPORT\n{SECRET}\n")
    return root


def swap_for_link(path: Path, target: Path) -> None:
    """Replace a file or folder the walk found by a symbolic link to `target` (what was
    there is kept beside it, under another name)."""
    path.rename(path.with_name(path.name + ".walked"))
    path.symlink_to(target)


def swap_for_fifo(path: Path) -> None:
    """Replace a file the walk found by a named pipe no one writes to."""
    path.unlink()
    os.mkfifo(path)


def _item(number: int, extra: str = "") -> str:
    return (
        f'[[items]]\nid = "item{number}"\nlabel = "Item {number}"\nkinds = ["questions"]\n' + extra
    )


def build_checklists(root: Path) -> list[BadChecklist]:
    """Write checklists/ under `root`; returns the bad checklists."""
    root.mkdir(parents=True, exist_ok=True)
    cases: list[BadChecklist] = []

    def write(name: str, text: str | bytes, reason: str, line: int | None = None) -> None:
        (root / name).write_bytes(text.encode() if isinstance(text, str) else text)
        cases.append(BadChecklist(name, reason, line))

    write("extends-itself.toml", 'name = "self"\nextends = "extends-itself.toml"\n' + _item(1),
          "extends itself (extends-itself.toml -> extends-itself.toml)")  # fmt: skip
    (root / "loop-b.toml").write_text('extends = "loop-a.toml"\n')
    write("loop-a.toml", 'extends = "loop-b.toml"\n',
          "extends itself (loop-a.toml -> loop-b.toml -> loop-a.toml)")  # fmt: skip
    write("bad-regex.toml", _item(1) + "\n" + _item(2, 'content = "[unterminated"\n'),
          "not a valid regular expression (missing ]: [unterminated)", line=6)  # fmt: skip
    write("back-reference.toml", _item(1, 'content = "(MRI) of the \\\\1"\n'),
          "back-references and look-arounds are not supported", line=1)  # fmt: skip
    write("huge-max-age.toml", _item(1, "max_age_days = 99999999999999999\n"),
          "max_age_days must be a whole number from 1 to 36500", line=1)  # fmt: skip
    write("syntax-error.toml", _item(1) + 'hint = "unclosed\n', "at line 5")
    write("items-not-tables.toml", 'items = ["records", "imaging"]\n', "item 1 is not a table")
    write("kinds-not-a-list.toml", '[[items]]\nid = "x"\nlabel = "X"\nkinds = "questions"\n',
          "kinds must be a list", line=1)  # fmt: skip
    write("no-items.toml", 'name = "empty"\n', "no [[items]]")
    write("600-items.toml", "\n".join(_item(n) for n in range(600)), "more than 500 items")
    million = b"".join(b'[[items]]\nid="i%d"\nlabel=""\nkinds=["other"]\n' % n
                       for n in range(1_000_000))  # fmt: skip
    write("million-items.toml", million, "more than 1 MB")
    write("not-utf8.toml", b'name = "caf\xe9"\n' + _item(1).encode(), "not UTF-8")
    return cases


def damage_sqlite(path: Path, seed: int = 7) -> int:
    """Write random bytes over every page of a SQLite file but the first (its header and
    schema stay, its tables do not); returns how many pages were damaged."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the pages in the file, not in the WAL
    (pages,) = db.execute("PRAGMA page_count").fetchone()
    (size,) = db.execute("PRAGMA page_size").fetchone()
    db.close()
    with open(path, "r+b") as handle:
        handle.seek(size)
        handle.write(random.Random(seed).randbytes(size * (pages - 1)))
    return pages - 1


def hold_exclusive(path: Path) -> None:
    """Hold `path` in an exclusive transaction until stdin closes (another process's lock)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE IF NOT EXISTS held (x)")
    db.execute("BEGIN EXCLUSIVE")
    db.execute("INSERT INTO held VALUES (1)")
    print("held", flush=True)
    sys.stdin.read()
    db.execute("ROLLBACK")
    db.close()


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if args[:1] == ["damage"]:
        print(f"{damage_sqlite(Path(args[1]))} pages damaged")
    elif args[:1] == ["hold"]:
        hold_exclusive(Path(args[1]))
    else:
        out = Path(args[0])
        for case in build_records(out / "records"):
            print(f"{case.where:10} records/{case.name!r}")
        for bad in build_checklists(out / "checklists"):
            print(f"usage      checklists/{bad.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


# --- big inputs for `make bench` (bench/limits.py): the main process's peak memory ------------


def many_sections_ccda(sections: int = 100_000) -> bytes:
    """A C-CDA of `sections` short narrative sections (about 12 MB at 100,000): its readable
    pages once held every paragraph in memory at once (1.4 GB)."""
    body = "".join(
        _section(f"Note {n}", f"<paragraph>Seen on visit {n}: stable, no change.</paragraph>")
        for n in range(sections)
    )
    return _ccda(body)


def many_observations_fhir(observations: int = 200_000) -> bytes:
    """A FHIR collection Bundle of `observations` hemoglobin results, one a day back from
    2026-01-01 (about 60 MB at 200,000)."""
    from datetime import date, timedelta

    first = date(2026, 1, 1)
    entries = ",\n".join(
        f'{{"resource": {{"resourceType": "Observation", "id": "o{n}", "status": "final",'
        f' "code": {{"text": "Hemoglobin"}}, "effectiveDateTime":'
        f' "{(first - timedelta(days=n % 30_000)).isoformat()}",'
        f' "valueQuantity": {{"value": {11 + (n % 40) / 10:.1f}, "unit": "g/dL"}}}}}}'
        for n in range(observations)
    )
    return ('{"resourceType": "Bundle", "type": "collection", "entry": [\n' + entries
            + "\n]}\n").encode()  # fmt: skip


def phone_photo(width: int = 8000, height: int = 6000) -> bytes:
    """A 48-megapixel phone photo of a medication list, EXIF-rotated (orientation 6)."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(picture)
    for y in range(0, height, 200):
        draw.text((100, y), "Metformin 500 mg twice daily", fill="black")
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


def huge_png(side: int = 9000) -> bytes:
    """A `side` x `side` PNG scan (81 megapixels at 9,000: 324 MB once decoded)."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(picture)
    for y in range(0, side, 300):
        draw.text((100, y), "Lisinopril 10 mg daily", fill="black")
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def big_dicom(side: int = 10_000) -> bytes:
    """One CT image of `side` x `side` 16-bit pixels (200 MB at 10,000): read whole into
    the main process to write the file-set, it took 483 MB."""
    import numpy as np
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.8.498.1"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = (
        "1.2.826.0.1.3680043.8.498.2",
        "1.2.826.0.1.3680043.8.498.3",
    )
    ds.PatientName, ds.PatientID, ds.Modality = "Fictional^Person", "X1", "CT"
    ds.StudyDate, ds.StudyTime, ds.StudyID, ds.AccessionNumber = "20240115", "103000", "1", "A1"
    ds.SeriesNumber, ds.InstanceNumber = 1, 1
    ds.Rows = ds.Columns = side
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.PixelData = (np.arange(side * side, dtype=np.uint32) % 4096).astype(np.uint16).tobytes()
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def big_pdf(pages: int = 30, side: int = 1500, *, text: bool = True) -> bytes:
    """A PDF of `pages` text pages, each carrying a `side` x `side` image of noise stored
    unfiltered (about 200 MB at 30 pages of 1,500): joined into PACKET.PDF from bytes held
    whole, it took 742 MB in the main process."""
    import pikepdf
    from pikepdf import Dictionary, Name, Pdf, Stream

    noise = random.Random(30)
    pdf = Pdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1,
                                        BaseFont=Name.Helvetica))  # fmt: skip
    for number in range(pages):
        image = Stream(pdf, noise.randbytes(side * side * 3))
        image.Type, image.Subtype, image.Width, image.Height = (
            Name.XObject, Name.Image, side, side)  # fmt: skip
        image.ColorSpace, image.BitsPerComponent = Name.DeviceRGB, 8
        words = (
            b" BT /F1 12 Tf 72 600 Td (Visit summary page %d: chief complaint cough, stable, "
            b"follow up in two weeks.) Tj ET" % number
        ) if text else b""  # fmt: skip
        page = Dictionary(
            Type=Name.Page, MediaBox=[0, 0, 612, 792],
            Contents=pdf.make_indirect(Stream(pdf, b"q 40 0 0 40 500 700 cm /Im0 Do Q" + words)),
            Resources=Dictionary(XObject=Dictionary(Im0=pdf.make_indirect(image)),
                                 Font=Dictionary(F1=font)),
        )  # fmt: skip
        pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
