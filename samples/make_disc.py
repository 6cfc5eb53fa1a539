#!/usr/bin/env python3
"""Generate a hospital imaging disc as caregivers copy it: fictional, deterministic, offline.

    python samples/make_disc.py OUT [--instances N] [--no-dicomdir] [--lowercase]

A multi-study, multi-series disc for one fictional patient: an MR brain without a report,
a CT chest with a DICOM Structured Report and a presentation state, an ultrasound with an
encapsulated PDF report and a key-object selection. Series are stored uncompressed, RLE
and JPEG 2000 (when the encoders are installed). Options give the quirks of real copies:
no DICOMDIR (and preamble-less files), lower-case names, a vendor folder, viewer software,
a file the DICOMDIR lists but the copy lacks, and one it does not list.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.fileset import FileSet
from pydicom.sequence import Sequence
from pydicom.uid import (
    PYDICOM_ROOT_UID,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    RLELossless,
    generate_uid,
)

MR_IMAGE = "1.2.840.10008.5.1.4.1.1.4"
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
US_IMAGE = "1.2.840.10008.5.1.4.1.1.6.1"
BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"
KEY_OBJECT_SELECTION = "1.2.840.10008.5.1.4.1.1.88.59"
GRAYSCALE_PRESENTATION_STATE = "1.2.840.10008.5.1.4.1.1.11.1"
ENCAPSULATED_PDF = "1.2.840.10008.5.1.4.1.1.104.1"

PATIENT_NAME = "SAMPLETON^HAROLD^Q"
PATIENT_ID = "ZZ-0000456"
BIRTH = "19550702"


@dataclass(frozen=True)
class StudySpec:
    key: str
    modality: str
    sop_class: str
    date: str  # YYYYMMDD
    description: str
    body_part: str
    accession: str
    series: tuple[tuple[str, str], ...]  # (description, transfer syntax: "", "rle", "j2k")
    photometric: str = "MONOCHROME2"


STUDIES = (
    StudySpec("mr", "MR", MR_IMAGE, "20260914", "MR BRAIN WO CONTRAST", "BRAIN", "ACCMR914",
              (("SAG T1", ""), ("AX T2", "rle"), ("AX FLAIR", "j2k"))),
    StudySpec("ct", "CT", CT_IMAGE, "20260802", "CT CHEST W CONTRAST", "CHEST", "ACCCT802",
              (("AXIAL 5MM", ""), ("CORONAL MPR", "rle"))),
    StudySpec("us", "US", US_IMAGE, "20260720", "US ABDOMEN COMPLETE", "ABDOMEN", "ACCUS720",
              (("ABDOMEN", ""),), "MONOCHROME1"),
)  # fmt: skip


def uid(*parts: str) -> str:
    return generate_uid(prefix=PYDICOM_ROOT_UID, entropy_srcs=["intake-disc", *parts])


def _base(spec: StudySpec, sop_class: str, sop_uid: str, series_uid: str, number: int) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop_uid
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = spec.date
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "101500"
    ds.AccessionNumber = spec.accession
    ds.Manufacturer = "Example Imaging (fictional)"
    ds.InstitutionName = "Example General Hospital (fictional)"
    ds.ReferringPhysicianName = "Orderwell^Example"
    ds.StudyDescription = spec.description
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = PATIENT_NAME, PATIENT_ID, BIRTH
    ds.PatientSex = "M"
    ds.StudyInstanceUID = uid(spec.key, "study")
    ds.SeriesInstanceUID = series_uid
    ds.StudyID = spec.key.upper()
    ds.InstanceNumber = number
    return ds


def images(spec: StudySpec, per_series: int, size: int = 64) -> Iterator[Dataset]:
    """The study's image instances: a synthetic `size`x`size` picture in each, windowed."""
    import numpy as np

    for series_number, (description, syntax) in enumerate(spec.series, start=1):
        series_uid = uid(spec.key, "series", str(series_number))
        for number in range(1, per_series + 1):
            sop_uid = uid(spec.key, "image", str(series_number), str(number))
            ds = _base(spec, spec.sop_class, sop_uid, series_uid, number)
            ds.Modality, ds.BodyPartExamined = spec.modality, spec.body_part
            ds.SeriesNumber, ds.SeriesDescription = series_number, description
            ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
            ds.SamplesPerPixel = 1
            ds.PhotometricInterpretation = spec.photometric
            ds.Rows = ds.Columns = size
            ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
            ds.WindowCenter, ds.WindowWidth = 1024, 2048
            ds.RescaleIntercept, ds.RescaleSlope = 0, 1
            y, x = np.mgrid[0:size, 0:size] * (64 / size)
            disc = ((x - 32) ** 2 + (y - 32) ** 2 < (12 + number % 8) ** 2) * 1500
            ds.PixelData = ((x * 16 + y * 8 + disc) % 4096).astype(np.uint16).tobytes()
            if syntax:
                _compress(ds, syntax)
            yield ds


def _compress(ds: Dataset, syntax: str) -> None:
    """RLE (pydicom's own encoder) or JPEG 2000 lossless (pylibjpeg-openjpeg), if available."""
    target = RLELossless if syntax == "rle" else JPEG2000Lossless
    with contextlib.suppress(Exception):  # no encoder installed: the series stays uncompressed
        ds.compress(target)


def structured_report(spec: StudySpec) -> Dataset:
    """A Basic Text SR with the radiologist's findings and impression."""
    ds = _base(spec, BASIC_TEXT_SR, uid(spec.key, "sr"), uid(spec.key, "sr-series"), 1)
    ds.Modality, ds.SeriesNumber, ds.SeriesDescription = "SR", 99, "REPORT"
    ds.ValueType, ds.ContinuityOfContent = "CONTAINER", "SEPARATE"
    ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "UNVERIFIED"
    ds.ConceptNameCodeSequence = Sequence([_code("18748-4", "LN", "Diagnostic imaging report")])

    def text(name: str, value: str) -> Dataset:
        item = Dataset()
        item.RelationshipType, item.ValueType = "CONTAINS", "TEXT"
        item.ConceptNameCodeSequence = Sequence([_code(name[:8].upper(), "99EX", name)])
        item.TextValue = value
        return item

    ds.ContentSequence = Sequence(
        [
            text("Findings", "No pulmonary embolism. 4 mm nodule in the right upper lobe."),
            text("Impression", "Small indeterminate nodule; follow-up CT in 12 months."),
        ]
    )
    return ds


def encapsulated_pdf(spec: StudySpec, pdf: bytes) -> Dataset:
    """The ultrasound report as a PDF wrapped in DICOM, as PACS archives scanned reports."""
    ds = _base(spec, ENCAPSULATED_PDF, uid(spec.key, "pdf"), uid(spec.key, "pdf-series"), 1)
    ds.Modality, ds.SeriesNumber = "DOC", 98
    ds.DocumentTitle = "Ultrasound report"
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.BurnedInAnnotation = "YES"
    ds.ConceptNameCodeSequence = Sequence([_code("18748-4", "LN", "Diagnostic imaging report")])
    ds.EncapsulatedDocument = pdf + (b"\0" if len(pdf) % 2 else b"")
    return ds


def key_object(spec: StudySpec) -> Dataset:
    ds = _base(spec, KEY_OBJECT_SELECTION, uid(spec.key, "ko"), uid(spec.key, "ko-series"), 1)
    ds.Modality, ds.SeriesNumber, ds.ValueType = "KO", 97, "CONTAINER"
    ds.ConceptNameCodeSequence = Sequence([_code("113000", "DCM", "Of Interest")])
    return ds


def presentation_state(spec: StudySpec) -> Dataset:
    ds = _base(spec, GRAYSCALE_PRESENTATION_STATE, uid(spec.key, "pr"), uid(spec.key, "pr-s"), 1)
    ds.Modality, ds.SeriesNumber, ds.ContentLabel = "PR", 96, "WINDOWED"
    ds.ContentDescription, ds.ContentCreatorName = "Soft-tissue window", "Readwell^Example"
    ds.PresentationCreationDate, ds.PresentationCreationTime = spec.date, "120000"
    image = Dataset()
    image.ReferencedSOPClassUID = spec.sop_class
    image.ReferencedSOPInstanceUID = uid(spec.key, "image", "1", "1")
    referenced = Dataset()
    referenced.SeriesInstanceUID = uid(spec.key, "series", "1")
    referenced.ReferencedImageSequence = Sequence([image])
    ds.ReferencedSeriesSequence = Sequence([referenced])
    return ds


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def report_pdf() -> bytes:
    """A one-page ultrasound report (reportlab, deterministic)."""
    from reportlab import rl_config
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    rl_config.invariant = 1
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=letter)
    lines = [
        "ULTRASOUND REPORT",
        "Patient: SAMPLETON, HAROLD Q    DOB: 07/02/1955",
        "Exam: US ABDOMEN COMPLETE    Exam Date: 07/20/2026    Accession: ACCUS720",
        "FINDINGS: Liver normal in size and echotexture. No gallstones.",
        "IMPRESSION: Normal abdominal ultrasound.",
    ]
    for row, line in enumerate(lines):
        page.drawString(72, 720 - row * 18, line)
    page.save()
    return buffer.getvalue()


def all_instances(per_series: int = 3, size: int = 64) -> Iterator[Dataset]:
    """Every instance on the disc, in a fixed order, made one at a time (a big disc never
    sits in memory)."""
    mr, ct, us = STUDIES
    yield from images(mr, per_series, size)
    yield key_object(mr)
    yield from images(ct, per_series, size)
    yield structured_report(ct)
    yield presentation_state(ct)
    yield from images(us, per_series, size)
    yield encapsulated_pdf(us, report_pdf())


def write_disc(
    out: Path,
    *,
    per_series: int = 3,
    size: int = 64,
    dicomdir: bool = True,
    lowercase: bool = False,
    viewer: bool = True,
    missing: int = 0,
    unlisted: int = 0,
) -> Path:
    """Write the disc under `out` (inside a vendor folder); returns the disc's root folder."""
    root = out / "EXAMPLE_PACS_EXPORT"
    root.mkdir(parents=True, exist_ok=True)
    instances = all_instances(per_series, size)
    if dicomdir:
        file_set = FileSet()
        file_set.ID = "SAMPLEDISC"
        file_set.UID = uid("fileset", str(per_series))
        for ds in instances:
            file_set.add(ds)
        file_set.write(root)
        written = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "DICOMDIR")
        for path in written[:missing]:
            path.unlink()
    else:
        for index, ds in enumerate(instances):
            folder = root / "DICOM" / f"S{index // 50:07d}"
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"I{index:07d}"
            if index % 7 == 3:  # some copies lose the 128-byte preamble
                ds.preamble = None
                pydicom.dcmwrite(target, ds, enforce_file_format=False)
            else:
                pydicom.dcmwrite(target, ds, enforce_file_format=True)
    for extra in range(unlisted):  # a file the DICOMDIR does not list
        ds = next(images(STUDIES[0], 1))
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid("unlisted", str(extra))
        (root / "EXTRA").mkdir(exist_ok=True)
        pydicom.dcmwrite(root / "EXTRA" / f"UNLIST{extra:02d}", ds, enforce_file_format=True)
    if viewer:
        _viewer(root)
    if lowercase:
        _lowercase(root)
    return root


def _viewer(root: Path) -> None:
    """What discs carry beside the images: autorun and a Windows viewer."""
    (root / "AUTORUN.INF").write_text("[autorun]\r\nopen=Viewer\\viewer.exe\r\n")
    program = b"MZ" + bytes(62) + b"This program cannot be run in DOS mode.\r\n" + bytes(400)
    files = {
        "Viewer/viewer.exe": program,
        "Viewer/lib/dicomcodec.dll": program,
        "Viewer/lib/imaging.dll": program,
        "Viewer/viewer.ini": b"[settings]\r\nlanguage=en\r\n",
        "Viewer/help/index.html": b"<html><body><h1>Viewer help</h1></body></html>",
        "Viewer/help/style.css": b"body { font-family: sans-serif }",
        "Viewer/license.txt": b"Example viewer licence (fictional).\r\n",
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _lowercase(root: Path) -> None:
    """Rename every file and folder below `root` to lower case (DICOMDIR IDs stay upper)."""
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        lower = path.with_name(path.name.lower())
        if lower != path:
            path.rename(lower)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--instances", type=int, default=3, help="images per series")
    parser.add_argument("--size", type=int, default=64, help="image rows and columns")
    parser.add_argument("--no-dicomdir", action="store_true")
    parser.add_argument("--lowercase", action="store_true")
    args = parser.parse_args(argv)
    if args.out.exists():
        shutil.rmtree(args.out)
    root = write_disc(
        args.out,
        per_series=args.instances,
        size=args.size,
        dicomdir=not args.no_dicomdir,
        lowercase=args.lowercase,
    )
    print(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
