"""Medication names to generic names (offline dictionary), one merged list, dose conflicts."""

from __future__ import annotations

import shutil

import pytest

from intake import api
from intake.model import Document, Medication
from intake.understand.drugs import normalise
from intake.understand.reconcile import dose_conflicts, merge_medications
from tests.conftest import APPOINTMENT, ROOT


@pytest.mark.parametrize(
    ("written", "generic", "exact"),
    [
        ("Tylenol", "Acetaminophen", True),
        ("Glucophage", "Metformin", True),
        ("metformin hydrochloride 500 MG Oral Tablet", "Metformin", True),
        ("Keppra", "Levetiracetam", True),
        ("Arimidex", "Anastrozole", True),
        ("Vitamin D3", "Cholecalciferol", True),
        ("Metforrnin", "Metformin", False),  # OCR: rn for m
        ("Fi1grastim", "Filgrastim", True),  # OCR: 1 for l
        ("Atorvastatn", "Atorvastatin", False),  # a dropped letter
    ],
)
def test_brand_generic_and_damaged_names_resolve_to_one_generic(written, generic, exact):
    match = normalise(written)
    assert match is not None and match.generic == generic
    assert (match.score == 100.0) == exact and match.score >= 90


@pytest.mark.parametrize(
    "words", ["twice", "daily", "tablet", "take", "with food", "by mouth", "Zzqxyplor", ""]
)
def test_directions_and_unknown_words_never_become_drugs(words):
    assert normalise(words) is None


def doc(doc_id: str, title: str, *meds: Medication) -> Document:
    return Document(doc_id, None, 0, "text/plain", kind="medication_list", id=doc_id,
                    title=title, medications=list(meds))  # fmt: skip


def med(name, strength, frequency, generic=None):
    return Medication(name, strength=strength, frequency=frequency, generic=generic)


def test_one_row_per_drug_and_a_conflict_names_both_documents():
    photo = doc("D0001", "Photo of the list", med("Glucophage", "850 mg", "daily", "Metformin"),
                med("Lisinopril", "10 mg", "daily", "Lisinopril"))  # fmt: skip
    ccd = doc("D0002", "Continuity of Care Document",
              med("metformin hydrochloride", "500 mg", "twice daily", "Metformin"),
              med("Lisinopril", "10 mg", "daily", "Lisinopril"))  # fmt: skip
    rows = {row.name: row for row in merge_medications([photo, ccd])}
    assert rows["Metformin"].documents == ["D0001", "D0002"]
    assert rows["Metformin"].strengths == ["850 mg", "500 mg"]
    assert rows["Metformin"].names_read == ["Glucophage", "metformin hydrochloride"]
    assert rows["Lisinopril"].strengths == ["10 mg"]
    (conflict,) = dose_conflicts([photo, ccd])
    assert conflict.code == "medication-dose-conflict" and conflict.documents == ["D0001", "D0002"]
    assert conflict.message.startswith("Metformin: strength 850 mg in D0001 (Photo of the list)")
    assert "500 mg in D0002 (Continuity of Care Document)" in conflict.message


def test_the_same_dose_twice_is_no_conflict():
    a = doc("D0001", "A", med("Keppra", "500 mg", "twice daily", "Levetiracetam"))
    b = doc("D0002", "B", med("levetiracetam", "500 mg", "twice daily", "Levetiracetam"))
    assert dose_conflicts([a, b]) == []
    (row,) = merge_medications([a, b])
    assert row.name == "Levetiracetam" and row.documents == ["D0001", "D0002"]


def test_a_portal_summary_and_a_typed_list_disagreeing_give_a_finding(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copyfile(ROOT / "samples" / "ccda" / "ccd_r21.xml", folder / "CCD.xml")
    (folder / "my medications.txt").write_text(
        "MEDICATION LIST\nGlucophage 850 mg tablet once daily\nArimidex 1 mg daily\n"
    )
    manifest = api.scan_folder(folder, api.Options(appointment=APPOINTMENT))
    conflicts = [f for f in manifest.findings if f.code == "medication-dose-conflict"]
    assert len(conflicts) == 1 and conflicts[0].message.startswith("Metformin: strength")
    rows = {row.name: row for row in manifest.medication_list}
    assert len(rows["Anastrozole"].documents) == 2  # Arimidex and anastrozole: one drug
    typed = next(d for d in manifest.documents if d.source == "my medications.txt")
    assert {m.generic for m in typed.medications} == {"Metformin", "Anastrozole"}


LABEL = """WALGREENS PHARMACY #4821   (555) 555-0199
Rx# 7654321    Date Filled: 10/06/2026
TESTWELL, MARGUERITE
METFORMIN HCL 500 MG TAB
TAKE 1 TABLET BY MOUTH TWICE DAILY WITH MEALS
QTY: 60 TABLETS    REFILLS: 2
Dr. Alice Carefield MD
"""


def test_a_pharmacy_label_parses_to_the_same_fields_with_its_details():
    from intake.understand.meds import parse_medications

    (label,) = parse_medications(LABEL)
    assert (label.strength, label.form, label.route, label.frequency) == (
        "500 mg", "tablet", "by mouth", "twice daily"
    )  # fmt: skip
    assert (label.quantity, label.refills, label.prescriber, label.pharmacy, label.start) == (
        "60 tablets", "2", "Alice Carefield", "WALGREENS PHARMACY", "2026-10-06"
    )  # fmt: skip


def test_a_photographed_pharmacy_label_is_read_by_tesseract(tmp_path):
    from tests.conftest import make_samples

    folder = tmp_path / "records"
    folder.mkdir()
    make_samples.medication_photo(
        folder / "IMG_0420.JPG", LABEL.strip().splitlines(), tilt=2.0, exif_rotated=True, seed=7
    )
    manifest = api.scan_folder(folder, api.Options(appointment=APPOINTMENT))
    (photo,) = manifest.documents
    (metformin,) = photo.medications
    assert (metformin.generic, metformin.strength, metformin.frequency) == (
        "Metformin", "500 mg", "twice daily"
    )  # fmt: skip
    assert metformin.refills == "2" and metformin.quantity.startswith("60")


def test_a_drug_line_joined_to_another_ocr_column_keeps_only_its_own_column():
    # clinical_pdf/jsl_christianacare_h_and_p_scanned.pdf: OCR joins the exam column to the
    # home-medications column with a gap
    from intake.understand.meds import parse_medications

    text = "Home Medications\nHEAD: normecephalic   Eliquis 5 mg oral lablet, 5 MG= 1 TAB,\n"
    text += "Metformin    500 mg    twice daily\n"  # a table's columns: the name is kept
    meds = parse_medications(text, ocr=True)
    assert [(m.name, m.strength) for m in meds] == [("Eliquis", "5 mg"), ("Metformin", "500 mg")]
