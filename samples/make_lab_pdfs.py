#!/usr/bin/env python3
"""Generate lab report PDFs in the layouts real labs and portals print, and one clinical PDF
of each kind, with their truth.

Deterministic and offline; the patient and every value are invented.

    python samples/make_lab_pdfs.py [OUT]      # default: samples/generated/lab-reports

Five born-digital layouts (reportlab), each also "scanned": its pages rendered by PDFium
at 300 and 200 dpi, slightly skewed, dusted and JPEG-compressed into an image-only PDF.
One more file puts the cumulative report on a landscape page turned by /Rotate, and one
scan is fed sideways. OUT/truth.json holds, per file, every result the page shows
(test, value, unit, reference range, flag and whether it is printed or to be derived,
collected date) and the report's facts (reported date, specimen, lab, orderer, status);
OUT/clinical.json the kind, date, patient and report fields of each clinical-*.pdf.
"""

from __future__ import annotations

import io
import json
import random
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pikepdf
import pypdfium2
from PIL import Image
from reportlab import rl_config
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

rl_config.invariant = 1
PATIENT = "Rosalind Labwell"
BIRTH = "1958-03-14"


@dataclass
class Truth:
    """One result as the report shows it (flag: printed, or derived when `derived`)."""

    test: str
    value: str
    unit: str | None
    reference_range: str | None
    flag: str | None
    collected: str
    derived: bool = False
    reported: str | None = None
    specimen: str | None = None
    performing_lab: str | None = None
    ordering_provider: str | None = None
    status: str | None = None


@dataclass
class Report:
    """A generated file's truth."""

    layout: str
    results: list[Truth] = field(default_factory=list)
    patient: str = PATIENT
    birth_date: str = BIRTH
    pages: int = 0
    scanned_dpi: int | None = None


class Sheet:
    """A reportlab canvas with a cursor, for drawing report pages line by line."""

    def __init__(self, path: Path, *, pagesize=letter, turned: bool = False) -> None:
        self.turned = turned  # draw landscape content on a portrait page, to be /Rotate'd
        size = (pagesize[1], pagesize[0]) if turned else pagesize
        self.canvas = canvas.Canvas(str(path), pagesize=size, invariant=1)
        self.width, self.height = pagesize
        self.pages = 0
        self.new_page()

    def new_page(self) -> None:
        if self.pages:
            self.canvas.showPage()
        self.pages += 1
        if self.turned:  # landscape content rotated onto a portrait page
            self.canvas.translate(self.height, 0)
            self.canvas.rotate(90)
        self.y = self.height - 50

    def text(self, x: float, s: str, *, font: str = "Helvetica", size: float = 9.0) -> None:
        self.canvas.setFont(font, size)
        self.canvas.drawString(x, self.y, s)

    def line(self, s: str = "", *, x: float = 50, font: str = "Helvetica", size=9.0, gap=13):
        if s:
            self.text(x, s, font=font, size=size)
        self.y -= gap

    def row(self, xs: list[float], cells: list[str], *, font="Helvetica", size=9.0, gap=13):
        for x, cell in zip(xs, cells, strict=True):
            if cell:
                self.text(x, cell, font=font, size=size)
        self.y -= gap

    def rule(self) -> None:
        self.canvas.setLineWidth(0.5)
        self.canvas.line(50, self.y + 1, self.width - 50, self.y + 1)  # under the header

    def save(self) -> int:
        self.canvas.save()
        return self.pages


# --- layout 1: national lab, "Tests Ordered / Result / Flag / Units / Reference Interval" -----

NATIONAL_A = [
    ("CBC With Differential/Platelet", None),
    ("WBC", ("11.2", "High", "x10E3/uL", "3.4-10.8")),
    ("RBC", ("4.21", "", "x10E6/uL", "3.77-5.28")),
    ("Hemoglobin", ("10.9", "Low", "g/dL", "11.1-15.9")),
    ("Hematocrit", ("33.0", "Low", "%", "34.0-46.6")),
    ("Platelets", ("310", "", "x10E3/uL", "150-450")),
    ("Neutrophils (Absolute)", ("8.9", "High", "x10E3/uL", "1.4-7.0")),
    ("Comprehensive Metabolic Panel (14)", None),
    ("Glucose", ("105", "High", "mg/dL", "70-99")),
    ("BUN", ("18", "", "mg/dL", "8-27")),
    ("Creatinine", ("0.92", "", "mg/dL", "0.57-1.00")),
    ("eGFR", ("68", "", "mL/min/1.73", ">59")),
    ("Sodium", ("139", "", "mmol/L", "134-144")),
    ("Potassium", ("4.6", "", "mmol/L", "3.5-5.2")),
    ("Calcium", ("9.4", "", "mg/dL", "8.7-10.3")),
    ("Albumin", ("3.3", "Low", "g/dL", "3.8-4.8")),
    ("Alkaline Phosphatase", ("142", "High", "IU/L", "44-121")),
    ("AST (SGOT)", ("24", "", "IU/L", "0-40")),
    ("ALT (SGPT)", ("31", "", "IU/L", "0-32")),
    ("Lipid Panel", None),
    ("Cholesterol, Total", ("212", "High", "mg/dL", "100-199")),
    ("Triglycerides", ("165", "High", "mg/dL", "0-149")),
    ("HDL Cholesterol", ("48", "", "mg/dL", ">39")),
    ("LDL Chol Calc (NIH)", ("131", "High", "mg/dL", "0-99")),
    ("Tumor Markers", None),
    ("Cancer Antigen (CA) 27.29", ("45.1", "High", "U/mL", "0.0-38.6")),
    ("CEA", ("2.1", "", "ng/mL", "0.0-4.7")),
    ("Vitamin B12", ("1,250", "High", "pg/mL", "232-1245")),
    ("Troponin I", ("<0.01", "", "ng/mL", "0.00-0.04")),
    ("Hepatitis C Antibody", ("Non Reactive", "", "", "Non Reactive")),
    ("HIV Screen 4th Generation wRfx", ("Non Reactive", "", "", "Non Reactive")),
    ("Urine Culture, Routine", ("Negative", "", "", "Negative")),
]
FLAG_WORDS = {"High": "H", "Low": "L", "H": "H", "L": "L", "Abnormal": "A", "A": "A"}


def national_a(out: Path) -> Report:
    facts = dict(
        collected="2026-10-02",
        reported="2026-10-04",
        specimen="Serum and whole blood",
        performing_lab="Example National Laboratories",
        ordering_provider="A Example, MD",
        status="final",
    )
    sheet = Sheet(out)
    xs = [50, 250, 310, 360, 440, 548]
    per_page = 19

    def page_header() -> None:
        sheet.line("Example National Laboratories", font="Helvetica-Bold", size=13, gap=16)
        sheet.line("Patient Report", size=10, gap=16)
        sheet.line("Patient: LABWELL, ROSALIND          DOB: 03/14/1958          Sex: F")
        sheet.line("Specimen ID: ZZ-123-456-7890-0       Account Number: ZZ0001")
        sheet.line("Date Collected: 10/02/2026 0830 Local    Date Received: 10/02/2026")
        sheet.line("Date Reported: 10/04/2026 1105 ET        Report Status: Final")
        sheet.line(
            "Ordering Physician: A EXAMPLE, MD        Specimen: Serum and whole blood", gap=20
        )
        header = ["TESTS ORDERED", "RESULT", "FLAG", "UNITS", "REFERENCE INTERVAL", "LAB"]
        sheet.row(xs, header, font="Helvetica-Bold", size=8.5, gap=4)
        sheet.rule()
        sheet.y -= 10

    def page_footer() -> None:
        sheet.y = 70
        sheet.line("01  EN  Example National Laboratories, 1234 Sample Way, Testville, NC 27000")
        sheet.line(
            "Dir: J Example, MD    For inquiries, contact the physician who ordered the test."
        )
        sheet.line(f"Page {sheet.pages} of 2", x=500)

    page_header()
    results = []
    for index, (test, cells) in enumerate(NATIONAL_A):
        if index and index % per_page == 0:
            page_footer()
            sheet.new_page()
            page_header()
        if cells is None:
            sheet.row(xs, [test, "", "", "", "", ""], font="Helvetica-Bold")
            continue
        value, flag, unit, reference = cells
        sheet.row(xs, [test, value, flag, unit, reference, "01"])
        results.append(Truth(test, value, unit or None, reference, FLAG_WORDS.get(flag), **facts))
    page_footer()
    pages = sheet.save()
    return Report("national-a", results, pages=pages)


# --- layout 2: national lab, "Test Name / In Range / Out Of Range / Reference Range / Lab" ---

NATIONAL_B = [
    ("LIPID PANEL, STANDARD", None),
    ("CHOLESTEROL, TOTAL", ("", "212 H", "<200 mg/dL")),
    ("HDL CHOLESTEROL", ("52", "", "> OR = 50 mg/dL")),
    ("TRIGLYCERIDES", ("98", "", "<150 mg/dL")),
    ("LDL-CHOLESTEROL", ("", "131 H", "<100 mg/dL")),
    ("TSH", ("2.10", "", "0.40-4.50 mIU/L")),
    ("HEMOGLOBIN A1c", ("", "6.1 H", "<5.7 %")),
    ("FERRITIN", ("", "1,250 H", "16-288 ng/mL")),
    ("VITAMIN D,25-OH,TOTAL,IA", ("", "18 L", "30-100 ng/mL")),
    ("HS CRP", ("0.8", "", "<1.0 mg/L")),
    ("HEPATITIS B SURFACE ANTIGEN", ("NON-REACTIVE", "", "NON-REACTIVE")),
    ("SARS COV 2 RNA(COVID 19), QUALITATIVE NAAT", ("NOT DETECTED", "", "NOT DETECTED")),
    ("ANA SCREEN, IFA", ("", "POSITIVE A", "NEGATIVE")),
]


def national_b(out: Path) -> Report:
    facts = dict(
        collected="2026-09-15",
        reported="2026-09-17",
        specimen="Serum",
        performing_lab="Example Diagnostics Testtown",
        ordering_provider="B Sample",
        status="final",
    )
    sheet = Sheet(out)
    sheet.line("EXAMPLE DIAGNOSTICS", font="Helvetica-Bold", size=14, gap=20)
    sheet.row([50, 300], ["Patient Information", "Specimen Information"], font="Helvetica-Bold")
    sheet.row([50, 300], ["LABWELL, ROSALIND", "Specimen: ZZ123456Q"])
    sheet.row([50, 300], ["DOB: 03/14/1958   AGE: 68", "Specimen Type: SERUM"])
    sheet.row([50, 300], ["Gender: F", "Collected: 09/15/2026 / 07:45 EDT"])
    sheet.row([50, 300], ["Patient ID: ZZ99817", "Received: 09/15/2026 / 10:12 EDT"])
    sheet.row([50, 300], ["Ordering Physician: B SAMPLE", "Reported: 09/17/2026 / 14:02 EDT"])
    sheet.row([50, 300], ["", "Report Status: FINAL"], gap=22)
    xs = [50, 270, 340, 420, 540]
    head = ["Test Name", "In Range", "Out Of Range", "Reference Range", "Lab"]
    sheet.row(xs, head, font="Helvetica-Bold", gap=4)
    sheet.rule()
    sheet.y -= 10
    results = []
    for test, cells in NATIONAL_B:
        if cells is None:
            sheet.row(xs, [test, "", "", "", ""], font="Helvetica-Bold")
            continue
        inside, outside, reference = cells
        sheet.row(xs, [test, inside, outside, reference, "EX"])
        value, flag = (inside, None) if inside else outside.rsplit(" ", 1)
        core, _, unit = reference.partition(" ")
        if reference.startswith("> OR ="):
            core, unit = ">=" + reference.split()[3], reference.split()[4]
        if core.isalpha() or ("-" in core and core.replace("-", "").isalpha()):
            core, unit = reference, ""
        results.append(Truth(test, value, unit or None, core, flag, **facts))
    sheet.y -= 10
    sheet.line("PERFORMING SITE:", font="Helvetica-Bold")
    sheet.line("EX  Example Diagnostics Testtown, 500 Sample Blvd, Testtown, NJ 07000")
    sheet.line("Laboratory Director: C Example, MD")
    return Report("national-b", results, pages=sheet.save())


# --- layout 3: hospital portal printout, "Component / Your Value / Standard Range / Flag" -----

PORTAL = [
    (
        "Basic Metabolic Panel",
        "Aug 20, 2026 9:12 AM",
        "2026-08-20",
        "Aug 21, 2026 7:02 AM",
        "2026-08-21",
        "Final",
        "Blood",
        [
            ("Sodium", "140 mmol/L", "135 - 145 mmol/L", ""),
            ("Potassium", "5.6 mmol/L", "3.5 - 5.1 mmol/L", "High"),
            ("Chloride", "101 mmol/L", "98 - 107 mmol/L", ""),
            ("CO2", "22 mmol/L", "21 - 31 mmol/L", ""),
            ("Glucose", "182 mg/dL", "70 - 99 mg/dL", ""),
            ("Creatinine", "1.42 mg/dL", "0.60 - 1.30 mg/dL", "High"),
            ("eGFR", "41 mL/min/1.73m2", ">=60 mL/min/1.73m2", "Low"),
        ],
    ),
    (
        "Urinalysis with Microscopic",
        "Aug 20, 2026 9:30 AM",
        "2026-08-20",
        "Aug 20, 2026 1:15 PM",
        "2026-08-20",
        "Preliminary",
        "Urine, clean catch",
        [
            ("Protein, Urine", "Negative", "Negative", ""),
            ("Glucose, Urine", "Positive", "Negative", "Abnormal"),
            ("Specific Gravity", "1.025", "1.005 - 1.030", ""),
            ("pH, Urine", "6.0", "5.0 - 8.0", ""),
            ("WBC, Urine", "12 /HPF", "0 - 5 /HPF", "High"),
        ],
    ),
    (
        "Magnesium",
        "Sep 3, 2026 8:05 AM",
        "2026-09-03",
        "Sep 4, 2026 9:40 AM",
        "2026-09-04",
        "Corrected",
        "Blood",
        [("Magnesium", "1.5 mg/dL", "1.7 - 2.2 mg/dL", "")],
    ),
]


def portal(out: Path) -> Report:
    sheet = Sheet(out)
    sheet.line("MyHealth Portal  -  Test Results", font="Helvetica-Bold", size=14, gap=18)
    sheet.line("Rosalind Labwell     Date of birth: 3/14/1958     MRN: ZZ44120", gap=22)
    xs = [50, 230, 360, 500]
    results = []
    for title, when, collected, result_time, reported, status, specimen, rows in PORTAL:
        sheet.line(title, font="Helvetica-Bold", size=12, gap=16)
        sheet.line(f"Collected on {when}     Resulted on {result_time}")
        sheet.line(f"Result status: {status}     Specimen: {specimen}")
        sheet.line("Ordered by: Alex Example, MD", gap=18)
        sheet.row(xs, ["Component", "Your Value", "Standard Range", "Flag"], font="Helvetica-Bold")
        for test, value_cell, range_cell, flag in rows:
            sheet.row(xs, [test, value_cell, range_cell, flag])
            value, _, unit = value_cell.partition(" ")
            if value_cell[:1].isalpha():
                value, unit = value_cell, ""
            reference = range_cell.replace(" - ", "-")
            if unit and reference.endswith(" " + unit):
                reference = reference[: -len(unit) - 1]
            printed = FLAG_WORDS.get(flag)
            derived = _derive(value, reference) if not printed else None
            results.append(
                Truth(
                    test,
                    value,
                    unit or None,
                    reference,
                    printed or derived,
                    collected,
                    derived=derived is not None,
                    reported=reported,
                    specimen=specimen,
                    performing_lab="Example General Hospital Laboratory",
                    ordering_provider="Alex Example, MD",
                    status=status.lower(),
                )
            )
        sheet.line("Performed by: Example General Hospital Laboratory", gap=24)
    sheet.y = 40
    sheet.line("Printed on Nov 20, 2026 4:18 PM from MyHealth Portal", size=7)
    return Report("portal", results, pages=sheet.save())


# --- layout 4: one result per line, monospaced --------------------------------------------

PLAIN = [
    ("Hemoglobin A1c", "7.2", "%", "4.0-5.6", "H"),
    ("Glucose, fasting", "142", "mg/dL", "70-99", "H"),
    ("INR", "1.1", "", "0.8-1.2", ""),
    ("Hemoglobin", "12.9", "g/dL", "12.0-15.5", ""),
    ("Urine hCG", "Negative", "", "Negative", ""),
    ("Microalbumin/Creatinine Ratio", "45", "mg/g", "<30", "H"),
    ("Strep A rapid antigen", "Not detected", "", "Not detected", ""),
    ("Cholesterol, total", "188", "mg/dL", "<200", ""),
    ("TSH", "0.21", "uIU/mL", "0.45-4.50", ""),
    ("Potassium", "5.4", "mmol/L", "3.5-5.2", ""),
]


def plain(out: Path) -> Report:
    facts = dict(
        collected="2026-07-30",
        reported="2026-07-31",
        specimen="Whole blood (fingerstick)",
        performing_lab="Example Family Clinic Laboratory",
        ordering_provider="Dr. Casey Example",
        status="final",
    )
    sheet = Sheet(out)
    mono = dict(font="Courier", size=9.5)
    sheet.line("EXAMPLE FAMILY CLINIC - IN-OFFICE LABORATORY", font="Courier-Bold", size=11)
    sheet.line("Patient: Rosalind Labwell       DOB: 03/14/1958", **mono)
    sheet.line("Collected: 07/30/2026   Reported: 07/31/2026   Status: Final", **mono)
    sheet.line("Ordering provider: Dr. Casey Example", **mono)
    sheet.line("Specimen: Whole blood (fingerstick)", **mono, gap=20)
    results = []
    for test, value, unit, reference, flag in PLAIN:
        shown = (
            f"{test}: {value} {unit}".rstrip()
            + f"  (ref {reference})"
            + (f"  {flag}" if flag else "")
        )
        sheet.line(shown, **mono)
        derived = _derive(value, reference) if not flag else None
        results.append(
            Truth(
                test,
                value,
                unit or None,
                reference,
                flag or derived,
                derived=bool(derived),
                **facts,
            )
        )
    sheet.y -= 10
    sheet.line("Performed at: Example Family Clinic Laboratory, CLIA ZZD0000000", **mono)
    return Report("plain", results, pages=sheet.save())


# --- layout 5: cumulative report, one column per collection date ---------------------------

CUMULATIVE_DATES = [("06/15/2026", "2026-06-15"), ("08/20/2026", "2026-08-20"),
                    ("10/02/2026", "2026-10-02")]  # fmt: skip
CUMULATIVE = [
    ("WBC", ["6.1", "3.1 L", "11.2 H"], "x10E3/uL", "3.4-10.8"),
    ("Hemoglobin", ["12.8", "11.5", "10.9 L"], "g/dL", "11.1-15.9"),
    ("Platelets", ["245", "98 L", "310"], "x10E3/uL", "150-450"),
    ("ANC", ["3.9", "1.1 L", "8.9 H"], "x10E3/uL", "1.4-7.0"),
    ("CA 27.29", ["62.0 H", "51.3 H", "45.1 H"], "U/mL", "0.0-38.6"),
    ("ALT", ["22", "", "41"], "U/L", "0-32"),
    ("Bilirubin, Total", ["0.4", "0.6", "1.4"], "mg/dL", "0.0-1.2"),
]


def cumulative(out: Path, *, turned: bool = False) -> Report:
    sheet = Sheet(out, pagesize=landscape(letter), turned=turned)
    sheet.line("Example Cancer Center Laboratory - Cumulative Results", font="Helvetica-Bold",
               size=13, gap=18)  # fmt: skip
    sheet.line("Patient: LABWELL, ROSALIND      DOB: 03/14/1958      MRN: ZZ55012")
    sheet.line("Ordering Provider: Dr. Alex Example      Specimen: Blood")
    sheet.line("Report Status: Final      Reported: 10/04/2026      Printed: 11/20/2026", gap=22)
    xs = [50, 230, 320, 410, 500, 590]
    head = ["Test"] + [printed for printed, _ in CUMULATIVE_DATES] + ["Units", "Reference Range"]
    sheet.row(xs, head, font="Helvetica-Bold", gap=4)
    sheet.rule()
    sheet.y -= 10
    results = []
    for test, values, unit, reference in CUMULATIVE:
        sheet.row(xs, [test, *values, unit, reference])
        for cell, (_, collected) in zip(values, CUMULATIVE_DATES, strict=True):
            if not cell:
                continue
            value, _, flag = cell.partition(" ")
            derived = _derive(value, reference) if not flag else None
            results.append(
                Truth(
                    test,
                    value,
                    unit,
                    reference,
                    flag or derived,
                    collected,
                    derived=bool(derived),
                    reported="2026-10-04",
                    specimen="Blood",
                    performing_lab="Example Cancer Center Laboratory",
                    ordering_provider="Dr. Alex Example",
                    status="final",
                )
            )
    sheet.y -= 10
    sheet.line("Performing Lab: Example Cancer Center Laboratory, 77 Sample St, Testville")
    pages = sheet.save()
    if turned:
        with pikepdf.open(out, allow_overwriting_input=True) as pdf:
            for page in pdf.pages:
                page.Rotate = 90
            pdf.save(out, deterministic_id=True)
    return Report("cumulative-rotated" if turned else "cumulative", results, pages=pages)


def _derive(value: str, reference: str) -> str | None:
    """The generator's own reading of a range (independent of intake's)."""
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        return None
    if reference.startswith("<"):
        return "H" if number >= float(reference[1:]) else None
    if reference.startswith(">="):
        return "L" if number < float(reference[2:]) else None
    low, high = (float(part) for part in reference.split("-"))
    return "L" if number < low else "H" if number > high else None


# --- scans ----------------------------------------------------------------------------------


def scan(source: Path, out: Path, *, dpi: int, skew: float, seed: int, turn: int = 0) -> int:
    """Print `source` and scan it back: an image-only PDF of its pages at `dpi`, skewed."""
    rng = random.Random(seed)
    document = pypdfium2.PdfDocument(source)
    images = []
    for page in document:
        image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        page.close()
        image = image.rotate(skew + rng.uniform(-0.2, 0.2), Image.BICUBIC, expand=False,
                             fillcolor=255)  # fmt: skip
        pixels = image.load()
        for _ in range(image.width * image.height // 600):  # dust and toner specks
            pixels[rng.randrange(image.width), rng.randrange(image.height)] = rng.choice((60, 160))
        if turn:
            image = image.rotate(turn, expand=True)
        images.append(image)
    document.close()
    pdf = canvas.Canvas(str(out), invariant=1)
    for image in images:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=82)
        buffer.seek(0)
        size = (image.width * 72 / dpi, image.height * 72 / dpi)
        pdf.setPageSize(size)
        pdf.drawImage(ImageReader(buffer), 0, 0, width=size[0], height=size[1])
        pdf.showPage()
    pdf.save()
    return len(images)


# --- clinical PDFs: one per kind, the service date differing from the print date ------------

HEADER = ["Patient: LABWELL, ROSALIND    DOB: 03/14/1958    MRN: ZZ44120"]
CLINICAL: dict[str, tuple[str, list[str], dict[str, list[str]]]] = {
    "pathology_report": ("2026-09-08", [
        "Example Regional Pathology", "SURGICAL PATHOLOGY REPORT", *HEADER,
        "Date of Procedure: 09/08/2026      Date Reported: 09/11/2026",
        "SPECIMEN: Left breast, core needle biopsy", "GROSS DESCRIPTION: Three cores, 1.5 cm.",
        "MICROSCOPIC DESCRIPTION: Infiltrating ductal carcinoma.",
        "FINAL DIAGNOSIS: Invasive ductal carcinoma, grade 2. Estrogen receptor positive.",
        "Printed: 11/20/2026"], {}),
    "imaging_report": ("2026-08-03", [
        "Lakeside Example Imaging", "RADIOLOGY REPORT", *HEADER,
        "Exam Date: 08/03/2026      Printed: 11/20/2026",
        "EXAM: MRI BRAIN WITHOUT AND WITH CONTRAST", "TECHNIQUE: Multiplanar multisequence.",
        "COMPARISON: CT head 06/01/2026.", "FINDINGS: A 9 mm enhancing lesion in the left",
        "frontal lobe without surrounding edema.",
        "IMPRESSION: 9 mm enhancing left frontal lesion.",
        "Follow-up MRI in 3 months is suggested.", "", "Electronically signed: Dr. R Example"],
        {"exam": ["MRI BRAIN WITHOUT AND WITH CONTRAST"], "modality": ["MR"],
         "impression": ["9 mm enhancing left frontal lesion.",
                        "Follow-up MRI in 3 months is suggested."]}),
    "operative_note": ("2026-09-20", [
        "Example General Hospital", "OPERATIVE REPORT", *HEADER,
        "Date of Surgery: 09/20/2026      Dictated: 09/21/2026",
        "PREOPERATIVE DIAGNOSIS: Left breast carcinoma.",
        "POSTOPERATIVE DIAGNOSIS: Same.", "PROCEDURE: Left lumpectomy with sentinel node biopsy.",
        "ANESTHESIA: General.  ESTIMATED BLOOD LOSS: 20 mL.", "Printed: 11/20/2026"], {}),
    "discharge_summary": ("2026-07-12", [
        "Example General Hospital", "DISCHARGE SUMMARY", *HEADER,
        "Admission Date: 07/09/2026      Discharge Date: 07/12/2026",
        "DISCHARGE DIAGNOSES: Community-acquired pneumonia.",
        "HOSPITAL COURSE: Treated with antibiotics; improved.",
        "Printed: 11/20/2026"], {}),
    "consult_note": ("2026-10-14", [
        "Example Oncology Associates", "CONSULTATION NOTE", *HEADER,
        "Date of Service: 10/14/2026", "REASON FOR CONSULTATION: Newly diagnosed breast cancer.",
        "HISTORY OF PRESENT ILLNESS: Found on screening mammogram.",
        "ASSESSMENT: Stage IIA. Discussed options.", "Printed: 11/20/2026"], {}),
    "visit_summary": ("2026-10-21", [
        "Example Family Clinic", "AFTER VISIT SUMMARY", *HEADER,
        "Visit Date: 10/21/2026      Provider: Casey Example, MD",
        "Reason for visit: follow-up of blood pressure.",
        "Instructions: keep a home blood pressure log.", "Printed: 11/20/2026"], {}),
    "treatment_plan": ("2026-10-28", [
        "Example Oncology Associates", "TREATMENT PLAN", *HEADER,
        "Plan Date: 10/28/2026", "Regimen: adjuvant chemotherapy, 4 cycles every 21 days,",
        "then radiation therapy. Goals: cure.", "Next steps: port placement.",
        "Printed: 11/20/2026"], {}),
    "referral": ("2026-10-30", [
        "Example Family Clinic", "REFERRAL", *HEADER,
        "Referral Date: 10/30/2026", "Referred to: Example Cancer Center, second opinion.",
        "Reason for referral: confirm the treatment plan.",
        "Referring physician: Casey Example, MD", "Printed: 11/20/2026"], {}),
    "insurance": ("2026-01-01", [
        "Example Health Plan", "MEMBER INSURANCE CARD", *HEADER,
        "Effective Date: 01/01/2026", "Member ID: ZZ123456789   Group Number: ZZ0042",
        "Subscriber: Rosalind Labwell   Payer ID: 00000", "Printed: 11/20/2026"], {}),
}  # fmt: skip


def clinical(out: Path) -> dict[str, dict]:
    """One born-digital PDF per clinical kind; returns their truth by file name."""
    truth = {}
    for kind, (date, lines, fields) in CLINICAL.items():
        sheet = Sheet(out / f"clinical-{kind}.pdf")
        sheet.line(lines[0], font="Helvetica-Bold", size=13, gap=18)
        sheet.line(lines[1], font="Helvetica-Bold", size=12, gap=18)
        for line in lines[2:]:
            sheet.line(line, size=10, gap=15)
        sheet.save()
        truth[f"clinical-{kind}.pdf"] = {"kind": kind, "date": date, "patient": PATIENT,
                                          "birth_date": BIRTH, "fields": fields}  # fmt: skip
    return truth


LAYOUTS: dict[str, Callable[[Path], Report]] = {
    "national-a": national_a,
    "national-b": national_b,
    "portal": portal,
    "plain": plain,
    "cumulative": cumulative,
}
SCANS = {300: 0.8, 200: -1.1}  # dpi: skew in degrees


def build(out: Path) -> dict[str, Report]:
    """Write every layout, its scans and truth.json into `out`; returns the truth by file."""
    out.mkdir(parents=True, exist_ok=True)
    truth: dict[str, Report] = {}
    for seed, (name, make) in enumerate(LAYOUTS.items()):
        report = make(out / f"{name}.pdf")
        truth[f"{name}.pdf"] = report
        for dpi, skew in SCANS.items():
            scanned = f"{name}-scan{dpi}.pdf"
            scan(out / f"{name}.pdf", out / scanned, dpi=dpi, skew=skew, seed=seed * 10 + dpi)
            truth[scanned] = Report(name, report.results, pages=report.pages, scanned_dpi=dpi)
    truth["cumulative-rotated.pdf"] = cumulative(out / "cumulative-rotated.pdf", turned=True)
    sideways = "portal-scan300-sideways.pdf"
    scan(out / "portal.pdf", out / sideways, dpi=300, skew=0.5, seed=99, turn=90)
    report = truth["portal.pdf"]
    truth[sideways] = Report("portal", report.results, pages=report.pages, scanned_dpi=300)
    payload = {name: asdict(report) for name, report in truth.items()}
    (out / "truth.json").write_text(json.dumps(payload, indent=1) + "\n")
    (out / "clinical.json").write_text(json.dumps(clinical(out), indent=1) + "\n")
    return truth


def load_truth(folder: Path) -> dict[str, Report]:
    """truth.json as Reports."""
    data = json.loads((folder / "truth.json").read_text())
    return {
        name: Report(**{**report, "results": [Truth(**r) for r in report["results"]]})
        for name, report in data.items()
    }


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "samples/generated/lab-reports")
    for name, report in build(target).items():
        print(f"{target / name}: {len(report.results)} results, {report.pages} page(s)")
