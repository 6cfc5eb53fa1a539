"""Format-free parsers: dates, people, lab lines, medication lines, document kinds."""

from __future__ import annotations

import pytest

from intake.model import Person
from intake.understand.classify import classify, classify_held
from intake.understand.dates import birth_date, document_date, parse_date, parse_dicom_date
from intake.understand.labs import (
    derive_flag,
    flag_word,
    parse_lab_line,
    parse_labs,
    parse_value_cell,
    split_range,
)
from intake.understand.meds import parse_medication_line
from intake.understand.people import consensus, dicom_name, display_name, find_patient, name_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09/14/2026", "2026-09-14"),
        ("9/4/26", "2026-09-04"),
        ("2026-09-14", "2026-09-14"),
        ("Sep 14, 2026", "2026-09-14"),
        ("14 September 2026", "2026-09-14"),
        ("14/09/2026", "2026-09-14"),  # day first when it cannot be a month
        ("02/30/2026", None),
        ("Page 1 of 2", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_dicom_dates():
    assert parse_dicom_date("20260914") == "2026-09-14"
    assert parse_dicom_date("2026091") is None
    assert parse_dicom_date("20261341") is None


def test_document_date_prefers_clinical_over_print_and_birth():
    text = (
        "Patient: DOE, JANE  DOB: 03/14/1961\n"
        "Printed: 11/20/2026\n"
        "Reported: 10/03/2026   Collected: 10/02/2026\n"
    )
    assert document_date(text) == "2026-10-02"
    assert birth_date(text) == "1961-03-14"
    assert document_date("DOB: 01/01/1950\nPrinted 11/20/2026") is None


def test_names_in_every_common_form_are_one_person():
    forms = ["GARCIA, MARIA L", "Maria L. Garcia", "GARCIA^MARIA^L", "maria l garcia"]
    keys = {name_key(display_name(form) or "") for form in forms}
    assert keys == {frozenset({"maria", "garcia"})}
    assert dicom_name("SAMPLETON^HAROLD^Q") == "Harold Q Sampleton"


def test_find_patient_reads_header():
    person = find_patient(
        "ACME LAB\nPatient Name: TESTWELL, MARGUERITE A   DOB: 03/14/1961  Sex: F"
    )
    assert person == Person(name="Marguerite A Testwell", birth_date="1961-03-14")
    assert find_patient("Name: Unknown").name is None


def test_consensus_takes_the_most_common_person():
    people = [
        Person("Maria Garcia", "1961-03-14"),
        Person("GARCIA, MARIA", None),
        Person("Maria Garcia", "1961-03-14"),
        Person("John Other", "1970-01-01"),
    ]
    assert consensus(people) == Person("Maria Garcia", "1961-03-14", [])


@pytest.mark.parametrize(
    ("line", "test", "value", "unit", "reference", "flag", "derived"),
    [
        ("WBC 11.2 H x10E3/uL 3.4-10.8", "WBC", "11.2", "x10E3/uL", "3.4-10.8", "H", False),
        (
            "Hemoglobin   10.9   L   g/dL   11.1 - 15.9",
            "Hemoglobin",
            "10.9",
            "g/dL",
            "11.1-15.9",
            "L",
            False,
        ),
        ("Sodium 146 mmol/L 134 - 144", "Sodium", "146", "mmol/L", "134-144", "H", True),
        ("Glucose 99 mg/dL 65-99", "Glucose", "99", "mg/dL", "65-99", None, False),
        (
            "Troponin I <0.01 ng/mL 0.00-0.04",
            "Troponin I",
            "<0.01",
            "ng/mL",
            "0.00-0.04",
            None,
            False,
        ),
        (
            "Platelets 1,250 x10E3/uL 150-450",
            "Platelets",
            "1,250",
            "x10E3/uL",
            "150-450",
            "H",
            True,
        ),
        ("eGFR 55 mL/min/1.73 >59", "eGFR", "55", "mL/min/1.73", ">59", "L", True),
        ("LDL Cholesterol 130 mg/dL <100", "LDL Cholesterol", "130", "mg/dL", "<100", "H", True),
        (
            "HIV Screen Not detected Not detected",
            "HIV Screen",
            "Not detected",
            None,
            "Not detected",
            None,
            False,
        ),
        ("Sodium   132   I:   mmol/L   134-144", "Sodium", "132", "mmol/L", "134-144", "L", False),
    ],
)
def test_lab_lines(line, test, value, unit, reference, flag, derived):
    result = parse_lab_line(line)
    assert result is not None
    assert (result.test, result.value, result.unit, result.reference_range) == (
        test,
        value,
        unit,
        reference,
    )
    assert (result.flag, result.flag_derived) == (flag, derived)


@pytest.mark.parametrize(
    "line",
    [
        "Page 1 of 2",
        "Patient Name: X 12",
        "The patient is 45 years old today",
        "DOB 03 14 1961",
        "",
    ],
)
def test_non_result_lines_are_not_labs(line):
    assert parse_lab_line(line) is None


def test_derive_flag_never_flags_comparator_values():
    assert derive_flag("<0.01", "0.02-0.04") is None
    assert derive_flag("5", "1-10") is None


def test_parse_labs_carries_the_collection_date():
    labs = parse_labs("Tests Ordered Result\nWBC 3.1 L x10E3/uL 3.4-10.8\n", collected="2026-10-02")
    assert [(lab.test, lab.collected) for lab in labs] == [("WBC", "2026-10-02")]


@pytest.mark.parametrize(
    ("line", "name", "strength", "form", "route", "frequency"),
    [
        (
            "1. Anastrozole 1 mg tablet - take 1 tablet by mouth daily",
            "Anastrozole",
            "1 mg",
            "tablet",
            "by mouth",
            "daily",
        ),
        ("Metformin 500 mg PO BID", "Metformin", "500 mg", None, "by mouth", "twice daily"),
        (
            "Ondansetron 8 mg every 8 hours as needed for nausea",
            "Ondansetron",
            "8 mg",
            None,
            None,
            "every 8 hours, as needed for nausea",
        ),
        ("- Levetiracetam 500mg twice a day", "Levetiracetam", "500 mg", None, None, "twice daily"),
        ("Vitamin D3 1,000 units daily", "Vitamin D3", "1,000 units", None, None, "daily"),
        (
            "Amoxicillin 250 mg/5 mL suspension",
            "Amoxicillin",
            "250 mg/5 mL",
            "suspension",
            None,
            None,
        ),
        ("Atorvastatin 20 mg at bedtime", "Atorvastatin", "20 mg", None, None, "at bedtime"),
    ],
)
def test_medication_lines(line, name, strength, form, route, frequency):
    med = parse_medication_line(line)
    assert med is not None
    assert (med.name, med.strength, med.form, med.route, med.frequency) == (
        name,
        strength,
        form,
        route,
        frequency,
    )


@pytest.mark.parametrize("line", ["Take with food", "Twice daily", "Total 5 mg", "Questions?"])
def test_lines_without_a_drug_and_strength_are_not_medications(line):
    assert parse_medication_line(line) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "SURGICAL PATHOLOGY REPORT\nFINAL DIAGNOSIS: invasive ductal carcinoma",
            "pathology_report",
        ),
        ("RADIOLOGY REPORT\nMRI brain\nFINDINGS: none\nIMPRESSION: normal", "imaging_report"),
        (
            "DISCHARGE SUMMARY\nAdmission Date: 01/02/2026\nHospital course: uneventful",
            "discharge_summary",
        ),
        (
            "OPERATIVE REPORT\nPreoperative diagnosis: x\nEstimated blood loss: 10 mL",
            "operative_note",
        ),
        ("TREATMENT PLAN\nRegimen: 4 cycles of chemotherapy", "treatment_plan"),
        ("After Visit Summary\nChief complaint: headache", "visit_summary"),
        ("Consultation Note\nReason for consultation: seizure", "consult_note"),
        ("Is surgery needed?\nWhat are the risks?\nHow long is recovery?", "questions"),
        ("Member ID: ZZ123\nGroup Number: 555\nSubscriber: Jane", "insurance"),
        ("Grocery list\nmilk\neggs", "other"),
        # other_pdf/jsl_starbucks_receipt_scanned.pdf read by OCR: numbers read two ways
        # shown as '?' are not questions
        (
            "STARBUCKS Store ?\nCHK 664290\n? 06:43 PM\nVt Pep Mocha   ?\nsubtotal   -   ?\n"
            "Tota]   $4.95",
            "other",
        ),
        ("Est-ce que la dose est trop forte ?\nFaut-il opérer ?", "questions"),
    ],
)
def test_classify(text, kind):
    assert classify(text) == kind


# other_pdf/pdfplumber_ca-warn-report.pdf: a layoffs table whose employer is an insurer
WARN_ROWS = """Notice Date Effective Date Received Date Company City No. Of Employees Layoff/Closure
09/14/2015 07/10/2015 Fireman's Fund Insurance Company Novato 35
10/24/2015 08/26/2015 Patina Group NewCo, LLC. Los Angeles 317 Layoff Unknown at this time"""
# other_pdf/jsl_rominvent_invoice.pdf (OCR): a trademark invoice
INVOICE = """Re:   Renewal application for CONCOR AM,   reg. no.   118032 in class 5 in Romania.
Total   EUR 460.00
VAT in accordance with Art 133(2) of the Romanian Law 571/2003.   . VIES consultation number"""
# clinical_pdf/jsl_christianacare_h_and_p_scanned.pdf (OCR, two columns): an H&P with labs
H_AND_P = """CHRISTIANA CARE   Date of Birth
Chief Complaint   Anhritis
Shortness of breath   CHF   - Congsstive heart failure
History of Present Iliness   Chronic venous insufficiency
Review of Systems   Home
Physical Exam   TAB. PO. Daily
Assessment/Plan   capsule, 20 MG= 1 CAP, PO, BID
Lab Results
BMP   07/16/17
GLU   102 mg/dL
NA   143   MMOL/L"""
# photo/india_prescription_format_poster.jpg (OCR): a prescription listing drugs to take
PRESCRIPTION = """MEDICAL PRESCRIPTION
PRIME CARE CLINIC
PATIENT DETAILS
Name: Ms, Anya Sharma
Chief Complaints: Persistent cough (40 days), Low-grade fever,
1. TAB. AZITHICRYYIN (500 MG)   1Tablet   |(Oncedaily)|   7 Days
2. TAB, LEVOCETIZINE   1 Tablet   Oral _| (After food)
3, SYP. AMBROXL HCL (30 / 5 ML)   1Tablet_ | 7Night | Onceday"""


@pytest.mark.parametrize(
    ("text", "labs", "kind"),
    [(WARN_ROWS, 0, "other"), (INVOICE, 0, "other"), (H_AND_P, 15, "visit_summary"),
     (PRESCRIPTION, 0, "medication_list")],
)  # fmt: skip
def test_real_excerpts_classify(text, labs, kind):
    assert classify(text, labs=labs) == kind


def test_a_note_keeps_the_lab_block_it_holds():
    assert classify_held(H_AND_P, labs=15) == ("visit_summary", "lab_report")
    assert classify_held(H_AND_P.split("Lab Results")[0]) == ("visit_summary", "visit_summary")


def test_parsed_results_are_evidence_for_lab_reports():
    assert classify("ACME\nWBC 3.1 L x10E3/uL 3.4-10.8", labs=8) == "lab_report"


@pytest.mark.parametrize(
    ("printed", "flag"),
    [("H", "H"), ("High", "H"), ("(L)", "L"), ("LOW", "L"), ("HH", "HH"), ("LL", "LL"),
     ("H*", "HH"), ("A", "A"), ("Abnormal", "A"), ("Critical", "critical"), ("", None),
     ("Final", None)],
)  # fmt: skip
def test_printed_flags(printed, flag):
    assert flag_word(printed) == flag


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("135 - 145 mmol/L", ("135-145", "mmol/L")), ("> OR = 50 mg/dL", (">=50", "mg/dL")),
     ("<200", ("<200", None)), (">=60 mL/min/1.73m2", (">=60", "mL/min/1.73m2")),
     ("Negative", ("Negative", None)), ("(Not detected)", ("Not detected", None)),
     ("3.4-10.8 01", ("3.4-10.8", None)), ("", (None, None))],
)  # fmt: skip
def test_reference_cells(cell, expected):
    assert split_range(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("11.2", ("11.2", None, None)), ("212 H", ("212", "H", None)),
     ("212H", ("212", "H", None)), ("1,250 High", ("1,250", "H", None)),
     ("< 0.01", ("<0.01", None, None)), ("140 mmol/L", ("140", None, "mmol/L")),
     ("NOT DETECTED", ("NOT DETECTED", None, None)), ("2:10", ("2.10", None, None)),
     ("1:160", ("1:160", None, None)), ("see note", None), ("Testtown, NJ", None)],
)  # fmt: skip
def test_result_cells(cell, expected):
    assert parse_value_cell(cell) == expected


def test_report_facts_apply_to_the_results_below_them():
    text = (
        "Ordering Physician: A EXAMPLE, MD   Specimen: Serum\n"
        "Collected: 03/01/2026   Report Status: Final\n"
        "Sodium 140 mmol/L 135-145\n"
        "Collected on Apr 2, 2026   Result status: Corrected\n"
        "Potassium 5.9 mmol/L 3.5-5.1\n"
        "Performed by: Example Hospital Laboratory, 1 Sample St\n"
    )
    sodium, potassium = parse_labs(text)
    assert (sodium.collected, sodium.status, sodium.specimen) == ("2026-03-01", "final", "Serum")
    assert (potassium.collected, potassium.status) == ("2026-04-02", "corrected")
    assert sodium.ordering_provider == "A Example, MD"
    assert {sodium.performing_lab, potassium.performing_lab} == {"Example Hospital Laboratory"}


@pytest.mark.parametrize(
    ("value", "reference", "flag"),
    [("Positive", "Negative", "A"), ("DETECTED", "Not Detected", "A"),
     ("Reactive", "Non Reactive", "A"), ("Negative", "Negative", None),
     ("Positive", "Positive", None), ("7.2", "4.0-5.6", "H"), ("0.21", "0.45-4.50", "L")],
)  # fmt: skip
def test_flags_derived_from_ranges(value, reference, flag):
    assert derive_flag(value, reference) == flag


def test_a_specialty_is_suggested_alike_whatever_runs_the_texts_are_searched_in(monkeypatch):
    """The records' texts are searched in runs of CHUNK characters, never copied whole:
    evidence spread over many texts counts the same as in one run."""
    from intake.understand import specialty

    texts = ["Visit: breast carcinoma, stage II.", "Plan: chemotherapy.", "CT: no metastasis.",
             "Weather was fine."]  # fmt: skip
    whole = specialty.suggest_specialty(texts)
    assert whole == "oncology"
    monkeypatch.setattr(specialty, "CHUNK", 20)
    assert [len(run) <= 40 for run in specialty._chunks(texts, 20)] == [True] * 4
    assert specialty.suggest_specialty(texts) == whole
    assert specialty.suggest_specialty(iter(texts[3:])) is None
    assert specialty.suggest_specialty([]) is None
