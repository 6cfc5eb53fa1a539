#!/usr/bin/env python3
"""Generate fictional patients' records folders, as they arrive in real life.

Deterministic (same bytes every run) and offline. Every name, date and number
here is invented; identifiers start with ZZ so nobody mistakes them for real.

    python samples/make_samples.py [OUT]      # default: samples/generated

Each patient's truth (labs, medications, studies) is in PATIENTS below, so
tests and benchmarks can compare what intake reads with what was written.
"""

from __future__ import annotations

import hashlib
import io
import random
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pydicom
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.fileset import FileSet
from pydicom.uid import (
    PYDICOM_ROOT_UID,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    generate_uid,
)
from reportlab import rl_config
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

rl_config.invariant = 1  # no timestamps or random IDs: identical bytes every run

MR_IMAGE = "1.2.840.10008.5.1.4.1.1.4"
MAMMOGRAPHY_IMAGE = "1.2.840.10008.5.1.4.1.1.1.2"


@dataclass
class Lab:
    test: str
    value: str
    flag: str | None
    unit: str
    reference: str


@dataclass
class Med:
    name: str
    strength: str
    frequency: str
    line: str


@dataclass
class Study:
    modality: str
    description: str
    body_part: str
    date: str  # YYYYMMDD
    accession: str
    series: list[tuple[str, int]]  # (description, images)


@dataclass
class Patient:
    folder: str
    last: str
    first: str
    middle: str
    birth: str  # YYYY-MM-DD
    mrn: str
    labs: list[Lab] = field(default_factory=list)
    lab_collected: str = ""  # MM/DD/YYYY
    meds: list[Med] = field(default_factory=list)
    study: Study | None = None

    @property
    def header_name(self) -> str:
        return f"{self.last.upper()}, {self.first.upper()} {self.middle}"

    @property
    def us_birth(self) -> str:
        y, m, d = self.birth.split("-")
        return f"{m}/{d}/{y}"


ONCOLOGY = Patient(
    folder="oncology-testwell",
    last="Testwell",
    first="Marguerite",
    middle="A",
    birth="1961-03-14",
    mrn="ZZ-0000123",
    lab_collected="10/02/2026",
    labs=[
        Lab("WBC", "3.1", "L", "x10E3/uL", "3.4-10.8"),
        Lab("RBC", "3.95", None, "x10E6/uL", "3.77-5.28"),
        Lab("Hemoglobin", "10.9", "L", "g/dL", "11.1-15.9"),
        Lab("Hematocrit", "33.0", "L", "%", "34.0-46.6"),
        Lab("Platelets", "162", None, "x10E3/uL", "150-450"),
        Lab("Neutrophils (Absolute)", "1.2", "L", "x10E3/uL", "1.4-7.0"),
        Lab("Glucose", "104", "H", "mg/dL", "70-99"),
        Lab("BUN", "14", None, "mg/dL", "8-27"),
        Lab("Creatinine", "0.82", None, "mg/dL", "0.57-1.00"),
        Lab("eGFR", "81", None, "mL/min/1.73", ">59"),
        Lab("Sodium", "139", None, "mmol/L", "134-144"),
        Lab("Potassium", "4.2", None, "mmol/L", "3.5-5.2"),
        Lab("Calcium", "9.4", None, "mg/dL", "8.7-10.3"),
        Lab("Albumin", "4.1", None, "g/dL", "3.9-4.9"),
        Lab("Alkaline Phosphatase", "131", "H", "IU/L", "44-121"),
        Lab("AST (SGOT)", "38", "H", "IU/L", "0-32"),
        Lab("ALT (SGPT)", "29", None, "IU/L", "0-32"),
        Lab("CA 27-29", "52.1", "H", "U/mL", "0.0-38.6"),
    ],
    meds=[
        Med("Anastrozole", "1 mg", "daily", "Anastrozole 1 mg tablet - 1 by mouth daily"),
        Med(
            "Ondansetron",
            "8 mg",
            "every 8 hours",
            "Ondansetron 8 mg - every 8 hours as needed for nausea",
        ),
        Med("Lisinopril", "10 mg", "daily", "Lisinopril 10 mg tablet once daily"),
        Med("Calcium carbonate", "600 mg", "twice daily", "Calcium carbonate 600 mg twice daily"),
    ],
    study=Study(
        "MG",
        "DIAGNOSTIC MAMMOGRAM BILATERAL",
        "BREAST",
        "20260901",
        "ACCZZ7781",
        [("L CC", 1), ("L MLO", 1), ("R CC", 1), ("R MLO", 1)],
    ),
)

NEUROLOGY = Patient(
    folder="neurology-sampleton",
    last="Sampleton",
    first="Harold",
    middle="Q",
    birth="1955-07-02",
    mrn="ZZ-0000456",
    lab_collected="09/16/2026",
    labs=[
        Lab("WBC", "6.2", None, "x10E3/uL", "3.4-10.8"),
        Lab("Hemoglobin", "14.1", None, "g/dL", "13.0-17.7"),
        Lab("Platelets", "221", None, "x10E3/uL", "150-450"),
        Lab("Sodium", "132", "L", "mmol/L", "134-144"),
        Lab("Potassium", "4.4", None, "mmol/L", "3.5-5.2"),
        Lab("Glucose", "88", None, "mg/dL", "70-99"),
        Lab("Creatinine", "1.31", "H", "mg/dL", "0.76-1.27"),
        Lab("TSH", "2.10", None, "uIU/mL", "0.450-4.500"),
        Lab("Vitamin B12", "245", None, "pg/mL", "232-1245"),
    ],
    meds=[
        Med("Levetiracetam", "500 mg", "twice daily", "Levetiracetam 500 mg twice a day"),
        Med("Atorvastatin", "20 mg", "at bedtime", "Atorvastatin 20 mg at bedtime"),
        Med("Aspirin", "81 mg", "daily", "Aspirin 81 mg daily"),
        Med("Sertraline", "50 mg", "daily", "Sertraline 50 mg daily"),
    ],
    study=Study(
        "MR",
        "MR BRAIN WO CONTRAST",
        "BRAIN",
        "20260914",
        "ACCZZ4410",
        [("SAG T1", 3), ("AX T2", 3), ("AX FLAIR", 3)],
    ),
)

PATIENTS = [ONCOLOGY, NEUROLOGY]


# --- PDFs ------------------------------------------------------------------------------------


def write_pdf(
    path: Path, lines: list[str | tuple[str, ...]], *, columns: list[float] | None = None
) -> None:
    """A text PDF: str lines flow down the page; tuples are table rows at `columns` (pt)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    height = letter[1]
    y = height - 60
    for line in lines:
        if y < 60:
            pdf.showPage()
            y = height - 60
        if isinstance(line, tuple):
            pdf.setFont("Helvetica", 9.5)
            for x, cell in zip(columns or [], line, strict=False):
                pdf.drawString(x, y, cell)
        elif line.startswith("# "):
            pdf.setFont("Helvetica-Bold", 14)
            pdf.drawString(54, y, line[2:])
            y -= 6
        else:
            pdf.setFont("Helvetica", 10)
            pdf.drawString(54, y, line)
        y -= 15
    pdf.save()


def lab_lines(patient: Patient, lab_name: str) -> list[str | tuple[str, ...]]:
    header: list[str | tuple[str, ...]] = [
        f"# {lab_name}",
        "LABORATORY REPORT",
        f"Patient Name: {patient.header_name}    DOB: {patient.us_birth}    Sex: -",
        f"Patient ID: {patient.mrn}    Account: ZZ-ACCT-0001",
        f"Specimen Collected: {patient.lab_collected}    Reported: {patient.lab_collected[:3]}"
        f"{int(patient.lab_collected[3:5]) + 1:02d}{patient.lab_collected[5:]}",
        "Ordering Physician: Dr. Example Orderwell (fictional)",
        "Printed: 11/20/2026",
        "",
        ("Tests Ordered", "Result", "Flag", "Units", "Reference Interval"),
    ]
    rows = [(lab.test, lab.value, lab.flag or "", lab.unit, lab.reference) for lab in patient.labs]
    return header + rows + ["", "Final report. All values verified."]


LAB_COLUMNS = [54, 230, 300, 340, 430]


def scanned_pdf(path: Path, lines: list[str], *, skew: float, dpi: int = 300) -> None:
    """A PDF whose only content is a scanned page image (no text layer), slightly skewed."""
    width, height = int(8.5 * dpi), int(11 * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=int(dpi * 0.15))
    bold = ImageFont.load_default(size=int(dpi * 0.19))
    y = int(dpi * 0.8)
    for line in lines:
        heading = line.startswith("# ")
        text = line[2:] if heading else line
        x = int(dpi * 0.75)
        for cell in text.split("|"):
            draw.text((x, y), cell.strip(), fill=20, font=bold if heading else font)
            x += int(dpi * (2.0 if x == int(dpi * 0.75) else 1.1))
        y += int(dpi * (0.32 if heading else 0.22))
    page = page.rotate(skew, resample=Image.BICUBIC, fillcolor=255)
    rng = random.Random(7)
    pixels = page.load()
    for _ in range(width * height // 400):  # scanner dust
        pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((0, 120, 200))
    buffer = io.BytesIO()
    page.save(buffer, "JPEG", quality=80)
    buffer.seek(0)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    pdf.drawImage(ImageReader(buffer), 0, 0, width=letter[0], height=letter[1])
    pdf.save()


# --- photos ----------------------------------------------------------------------------------


def medication_photo(
    path: Path, lines: list[str], *, tilt: float, exif_rotated: bool, seed: int
) -> None:
    """A phone photo of a typed medication list on a table: tilted, a bit blurred, JPEG."""
    paper = Image.new("L", (1500, 220 + 95 * len(lines)), 250)
    draw = ImageDraw.Draw(paper)
    font = ImageFont.load_default(size=52)
    title = ImageFont.load_default(size=64)
    draw.text((70, 60), lines[0], fill=15, font=title)
    for i, line in enumerate(lines[1:], start=1):
        draw.text((70, 100 + 95 * i), line, fill=25, font=font)
    photo = Image.new("L", (1900, paper.height + 500), 95)  # the table
    rng = random.Random(seed)
    photo.paste(paper, (200, 250))
    photo = photo.rotate(tilt, resample=Image.BICUBIC, fillcolor=95)
    photo = photo.filter(ImageFilter.GaussianBlur(1.1))
    pixels = photo.load()
    for _ in range(photo.width * photo.height // 300):
        x, y = rng.randrange(photo.width), rng.randrange(photo.height)
        pixels[x, y] = max(0, min(255, pixels[x, y] + rng.randint(-40, 40)))
    photo = photo.convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "ExamplePhone"  # Make
    if exif_rotated:  # held sideways: pixels stored turned, EXIF says how to show them
        photo = photo.transpose(Image.Transpose.ROTATE_90)
        exif[0x0112] = 6
    path.parent.mkdir(parents=True, exist_ok=True)
    photo.save(path, "JPEG", quality=82, exif=exif)


# --- DICOM -----------------------------------------------------------------------------------


def uid(*parts: str) -> str:
    return generate_uid(prefix=PYDICOM_ROOT_UID, entropy_srcs=["intake-samples", *parts])


def dicom_instances(patient: Patient) -> list[Dataset]:
    """Every instance of the patient's study, with a small synthetic image in each."""
    study = patient.study
    assert study is not None
    sop_class = MAMMOGRAPHY_IMAGE if study.modality == "MG" else MR_IMAGE
    study_uid = uid(patient.mrn, "study")
    instances = []
    for series_number, (series_description, count) in enumerate(study.series, start=1):
        series_uid = uid(patient.mrn, "series", str(series_number))
        for number in range(1, count + 1):
            sop_uid = uid(patient.mrn, "image", str(series_number), str(number))
            ds = Dataset()
            ds.file_meta = FileMetaDataset()
            ds.file_meta.MediaStorageSOPClassUID = sop_class
            ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.SpecificCharacterSet = "ISO_IR 100"
            ds.ImageType = ["ORIGINAL", "PRIMARY"]
            ds.SOPClassUID = sop_class
            ds.SOPInstanceUID = sop_uid
            ds.StudyDate = ds.SeriesDate = study.date
            ds.StudyTime = "101500"
            ds.AccessionNumber = study.accession
            ds.Modality = study.modality
            ds.Manufacturer = "Example Imaging (fictional)"
            ds.InstitutionName = "Example General Hospital (fictional)"
            ds.ReferringPhysicianName = "Orderwell^Example"
            ds.StudyDescription = study.description
            ds.SeriesDescription = series_description
            ds.PatientName = f"{patient.last.upper()}^{patient.first.upper()}^{patient.middle}"
            ds.PatientID = patient.mrn
            ds.PatientBirthDate = patient.birth.replace("-", "")
            ds.PatientSex = "O"
            ds.BodyPartExamined = study.body_part
            ds.StudyInstanceUID = study_uid
            ds.SeriesInstanceUID = series_uid
            ds.StudyID = "1"
            ds.SeriesNumber = series_number
            ds.InstanceNumber = number
            ds.SamplesPerPixel = 1
            ds.PhotometricInterpretation = "MONOCHROME2"
            ds.Rows = ds.Columns = 64
            ds.BitsAllocated = ds.BitsStored = 16
            ds.HighBit = 15
            ds.PixelRepresentation = 0
            ds.WindowCenter, ds.WindowWidth = 2048, 4096
            ds.PixelData = bytes(
                (x * 37 + y * 11 + number * 5 + series_number * 97) % 256
                if b == 0
                else (x + y) % 16
                for y in range(64)
                for x in range(64)
                for b in (0, 1)
            )
            instances.append(ds)
    return instances


def disc_with_dicomdir(root: Path, patient: Patient) -> None:
    """A hospital CD copied to disk: DICOMDIR plus PT*/ST*/SE*/IM* files (pydicom FileSet)."""
    fileset = FileSet()
    fileset.ID = "SAMPLECD"
    fileset.UID = uid(patient.mrn, "fileset")
    for ds in dicom_instances(patient):
        fileset.add(ds)
    fileset.write(root)


def disc_without_dicomdir(root: Path, patient: Patient) -> None:
    """A CD copied without DICOMDIR: upper-case names, no extensions, two preamble-less files."""
    for index, ds in enumerate(dicom_instances(patient)):
        folder = root / "DICOM" / "ST000001" / f"SE{ds.SeriesNumber:06d}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"IM{ds.InstanceNumber:06d}"
        if index == 1:  # file meta but no 128-byte preamble and no 'DICM'
            ds.preamble = None
            pydicom.dcmwrite(target, ds, enforce_file_format=False)
        elif index == 4:  # a bare data set: no preamble, no file meta, implicit VR
            del ds.file_meta
            with open(target, "wb") as handle:
                buffer = pydicom.filebase.DicomBytesIO()
                buffer.is_little_endian, buffer.is_implicit_VR = True, True
                pydicom.filewriter.write_dataset(buffer, ds)
                handle.write(buffer.getvalue())
        else:
            ds.file_meta.TransferSyntaxUID = (
                ImplicitVRLittleEndian if index % 3 == 0 else ExplicitVRLittleEndian
            )
            pydicom.dcmwrite(target, ds, enforce_file_format=True)


# --- the folders -----------------------------------------------------------------------------


CCDA_FOLDER = Path(__file__).resolve().parent / "ccda"
ZIP_TIME = (2026, 10, 21, 9, 30, 0)
XDM_OBJECT = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
XDM_CLASS = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
XDM_TYPE = "urn:uuid:f0306f51-975f-434e-a61c-c59651d9de3d"
XDM_AUTHOR = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"
XDM_PATIENT = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"


@dataclass
class XdmDocument:
    """One document for an XDM download: its bytes and what METADATA.XML says of it."""

    name: str  # DOC0001.XML
    data: bytes
    mime: str
    title: str
    type_code: str  # LOINC
    created: str  # YYYYMMDD
    author: str = "^Carefield^Alice^^^Dr"


def metadata_xml(patient: Patient, documents: list[XdmDocument], *, tamper: str = "") -> bytes:
    """An IHE XDM METADATA.XML (ebRIM 3.0) listing `documents` with hash, size and codes.

    `tamper` names a document whose listed size and hash are made wrong (for tests)."""
    objects = []
    for number, doc in enumerate(documents, start=1):
        digest = hashlib.sha1(doc.data).hexdigest()
        size = len(doc.data)
        if doc.name == tamper:
            digest, size = "0" * 40, size + 1
        birth = patient.birth.replace("-", "")
        slots = {
            "creationTime": doc.created,
            "hash": digest,
            "size": str(size),
            "URI": doc.name,
            "sourcePatientId": f"{patient.mrn}^^^&amp;1.2.3.4&amp;ISO",
        }
        slot_xml = "".join(
            f'<rim:Slot name="{k}"><rim:ValueList><rim:Value>{v}</rim:Value></rim:ValueList>'
            "</rim:Slot>"
            for k, v in slots.items()
        )
        info = [f"PID-3|{patient.mrn}", f"PID-5|{patient.last}^{patient.first}", f"PID-7|{birth}"]
        slot_xml += (
            '<rim:Slot name="sourcePatientInfo"><rim:ValueList>'
            + "".join(f"<rim:Value>{v}</rim:Value>" for v in info)
            + "</rim:ValueList></rim:Slot>"
        )
        objects.append(
            f'<rim:ExtrinsicObject id="Document{number:02d}" mimeType="{doc.mime}" '
            f'objectType="{XDM_OBJECT}">{slot_xml}'
            f"<rim:Name><rim:LocalizedString value={quoteattr(doc.title)}/></rim:Name>"
            f'<rim:Classification classificationScheme="{XDM_AUTHOR}" '
            f'classifiedObject="Document{number:02d}" nodeRepresentation="">'
            f'<rim:Slot name="authorPerson"><rim:ValueList><rim:Value>{doc.author}</rim:Value>'
            "</rim:ValueList></rim:Slot>"
            '<rim:Slot name="authorInstitution"><rim:ValueList>'
            "<rim:Value>Sample Valley Oncology Clinic</rim:Value></rim:ValueList></rim:Slot>"
            "</rim:Classification>"
            f'<rim:Classification classificationScheme="{XDM_CLASS}" '
            f'classifiedObject="Document{number:02d}" nodeRepresentation="11490-0">'
            '<rim:Name><rim:LocalizedString value="Clinical document"/></rim:Name>'
            "</rim:Classification>"
            f'<rim:Classification classificationScheme="{XDM_TYPE}" '
            f'classifiedObject="Document{number:02d}" nodeRepresentation="{doc.type_code}">'
            f"<rim:Name><rim:LocalizedString value={quoteattr(doc.title)}/></rim:Name>"
            "</rim:Classification>"
            f'<rim:ExternalIdentifier identificationScheme="{XDM_PATIENT}" '
            f'value="{patient.mrn}^^^&amp;1.2.3.4&amp;ISO" registryObject="Document{number:02d}">'
            '<rim:Name><rim:LocalizedString value="XDSDocumentEntry.patientId"/></rim:Name>'
            "</rim:ExternalIdentifier>"
            "</rim:ExtrinsicObject>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" '
        'xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">'
        "<rim:RegistryObjectList>" + "".join(objects) + "</rim:RegistryObjectList>"
        "</lcm:SubmitObjectsRequest>\n"
    ).encode("utf-8")


def xdm_zip(
    path: Path,
    patient: Patient,
    documents: list[XdmDocument],
    *,
    layout: str = "standard",
    tamper: str = "",
) -> None:
    """Write a portal download: standard IHE XDM, or `loose` (no IHE_XDM folder, no metadata,
    an extra top folder, Windows separators), as portals really ship them."""
    members: list[tuple[str, bytes]] = []
    if layout == "standard":
        members.append(("INDEX.HTM", b"<html><body><h1>Health records download</h1></body></html>"))
        members.append(("README.TXT", b"Health records exported by Sample Valley Health.\r\n"))
        members.append(
            ("IHE_XDM/SUBSET01/METADATA.XML", metadata_xml(patient, documents, tamper=tamper))
        )
        members += [(f"IHE_XDM/SUBSET01/{d.name}", d.data) for d in documents]
    else:
        members += [(f"Records Export\\Documents\\{d.name}", d.data) for d in documents]
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


def ccda_fixture(name: str) -> bytes:
    """A committed C-CDA written from the HL7 templates (samples/ccda/)."""
    return (CCDA_FOLDER / name).read_bytes()


def oncology(root: Path) -> None:
    p = ONCOLOGY
    header = [f"Patient: {p.header_name}    DOB: {p.us_birth}    MRN: {p.mrn}"]
    write_pdf(
        root / "Pathology Report 2026-09-08.pdf",
        [
            "# Example General Hospital (fictional)",
            "SURGICAL PATHOLOGY REPORT",
            *header,
            "Date Collected: 09/08/2026    Date Reported: 09/10/2026",
            "Accession: ZZ-S26-01234",
            "",
            "SPECIMEN: Left breast, 2 o'clock, ultrasound-guided core needle biopsy",
            "",
            "FINAL DIAGNOSIS:",
            "  Invasive ductal carcinoma, Nottingham grade 2 of 3.",
            "  Tumor measures 1.4 cm in greatest linear extent in the cores.",
            "",
            "IMMUNOHISTOCHEMISTRY:",
            "  Estrogen receptor: POSITIVE (95%, strong)",
            "  Progesterone receptor: POSITIVE (80%, moderate)",
            "  HER2 (IHC): NEGATIVE (1+)",
            "  Ki-67: 15%",
            "",
            "GROSS DESCRIPTION: Four tan-white cores, 1.2 to 1.6 cm.",
            "MICROSCOPIC DESCRIPTION: Infiltrating nests of atypical ductal cells.",
            "",
            "Electronically signed: Dr. Example Slidewell (fictional), 09/10/2026",
        ],
    )
    lab = root / "Portal downloads" / "labcorp_results_2026-10-02.pdf"
    write_pdf(lab, lab_lines(p, "Example National Laboratories (fictional)"), columns=LAB_COLUMNS)
    shutil.copyfile(lab, root / "Portal downloads" / "labcorp_results_2026-10-02 (1).pdf")
    write_pdf(
        root / "Mammogram report.pdf",
        [
            "# Example General Hospital Imaging (fictional)",
            "DIAGNOSTIC MAMMOGRAM REPORT",
            *header,
            "Exam Date: 09/01/2026    Accession: ACCZZ7781",
            "Exam: Diagnostic mammogram, bilateral",
            "",
            "TECHNIQUE: Standard CC and MLO views of both breasts.",
            "COMPARISON: None available.",
            "",
            "FINDINGS: Irregular spiculated mass in the left breast at 2 o'clock, 1.5 cm.",
            "No suspicious findings in the right breast.",
            "",
            "IMPRESSION: Highly suggestive of malignancy. BI-RADS 5.",
            "Recommendation: ultrasound-guided biopsy.",
            "",
            "Signed: Dr. Example Viewmore (fictional), 09/01/2026",
        ],
    )
    disc_with_dicomdir(root / "Breast imaging CD", p)
    medication_photo(
        root / "IMG_4021.JPG",
        ["MEDICATION LIST", f"{p.first} {p.last}   DOB {p.us_birth}", *[m.line for m in p.meds]],
        tilt=3.0,
        exif_rotated=False,
        seed=1,
    )
    write_pdf(
        root / "Treatment plan - Dr Example.pdf",
        [
            "# Example Cancer Center (fictional)",
            "TREATMENT PLAN",
            *header,
            "Plan Date: 10/06/2026    Oncologist: Dr. Example Firstopinion (fictional)",
            "",
            "Diagnosis: Left breast invasive ductal carcinoma, cT1cN0, ER+/PR+/HER2-.",
            "",
            "Plan of care:",
            "  1. Lumpectomy with sentinel lymph node biopsy.",
            "  2. Adjuvant radiation therapy to the left breast, 15 fractions.",
            "  3. Endocrine therapy: anastrozole 1 mg daily for 5 years.",
            "  4. Oncotype DX on the surgical specimen to decide on chemotherapy.",
            "",
            "Next steps: surgical consult 10/15/2026.",
        ],
    )
    xdm_zip(
        root / "Portal downloads" / "MyHealth_Download_2026-10-21.zip",
        p,
        [
            XdmDocument(
                "DOC0001.XML",
                ccda_fixture("ccd_r21.xml"),
                "text/xml",
                "Continuity of Care Document",
                "34133-9",
                "20261020",
            )
        ],
    )
    (root / "questions.txt").write_text(
        "Questions for the second opinion\n\n"
        "Is lumpectomy enough, or should I consider mastectomy?\n"
        "Do I need chemotherapy, and when will we know?\n"
        "What are the side effects of anastrozole, and how long do they last?\n"
        "Should I have genetic testing for BRCA?\n",
        encoding="utf-8",
    )
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1" + bytes(64))


def neurology(root: Path) -> None:
    p = NEUROLOGY
    disc_without_dicomdir(root / "MRI CD", p)
    reported = "09/17/2026"
    scanned_pdf(
        root / "scanned_labs.pdf",
        [
            "# Example Community Lab (fictional)",
            "LABORATORY REPORT",
            f"Patient Name: {p.header_name}   DOB: {p.us_birth}",
            f"Specimen Collected: {p.lab_collected}   Reported: {reported}",
            "",
            "Test|Result|Flag|Units|Reference Range",
            *[
                f"{lab.test}|{lab.value}|{lab.flag or ''}|{lab.unit}|{lab.reference}"
                for lab in p.labs
            ],
            "",
            "Final report.",
        ],
        skew=0.6,
    )
    medication_photo(
        root / "meds photo.jpg",
        ["My medicines", f"{p.first} {p.last}", *[m.line for m in p.meds]],
        tilt=-2.0,
        exif_rotated=True,
        seed=2,
    )
    write_pdf(
        root / "Neurology visit summary.pdf",
        [
            "# Example Neurology Associates (fictional)",
            "NEUROLOGY CLINIC VISIT SUMMARY",
            f"Patient: {p.header_name}    DOB: {p.us_birth}    MRN: {p.mrn}",
            "Date of Visit: 09/20/2026    Provider: Dr. Example Neuron (fictional)",
            "",
            "Reason for visit: first generalized seizure on 09/12/2026.",
            "History: no prior seizures. Brain MRI done 09/14/2026; report not yet received.",
            "Exam: non-focal neurological examination.",
            "",
            "Assessment: new-onset seizure; rule out structural cause.",
            "Medications started: Levetiracetam 500 mg twice daily.",
            "Follow-up: EEG, and review of the MRI report at the next visit.",
        ],
    )
    (root / "Thumbs.db").write_bytes(bytes(512))


def build(out: Path) -> list[Path]:
    """Write every patient's folder under `out` (replacing earlier ones); returns the folders."""
    folders = []
    for patient, make in ((ONCOLOGY, oncology), (NEUROLOGY, neurology)):
        folder = out / patient.folder
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        make(folder)
        folders.append(folder)
    return folders


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "generated"
    for made in build(target):
        print(made)
