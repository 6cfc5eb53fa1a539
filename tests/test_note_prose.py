"""Lab values and medications stated in notes, on excerpts of real notes (corpus units named)."""

from __future__ import annotations

from intake.understand.lab_prose import prose_labs


def _read(text: str) -> list[tuple[str, str, str | None]]:
    return [(lab.test, lab.value, lab.unit) for lab in prose_labs(text)]


def test_lipids_in_a_discharge_summary():
    # hl7_community_health_discharge_summary.pdf: the same figures twice, the goal not a value
    text = (
        "We also\nordered fasting blood lipids, which showed cholesterol of 165, triglycerides "
        "180, HDL cholesterol\n22, LDL cholesterol 107. Dr. Wiseman agreed to treat\n"
        "4. Hypercholesterolemia: The patient was put on Zocor 20 mg p.o. daily. The goal LDL "
        "for this\npatient will be less than 70. His LDL currently is 107, HDL is 22, "
        "triglycerides 180, cholesterol is\n165."
    )
    assert _read(text) == [
        ("cholesterol", "165", None),
        ("triglycerides", "180", None),
        ("HDL cholesterol", "22", None),
        ("LDL cholesterol", "107", None),
    ]


def test_a_urinalysis_s_cell_counts_are_not_blood_counts():
    # hl7_community_health_discharge_summary.pdf (page 2, as pdftotext prints it): a urine
    # microscopy's counts were read as a white blood cell count of 41 (coded as blood's)
    text = (
        "3. Urinary tract infection: The patient had urinalysis on March 26th, which showed a "
        "large\namount of leukocyte esterase, small amount of blood with red blood cells 34, "
        "white blood cells\n41, moderate amount of bacteria. The patient was started on Cipro "
        "250 mg p.o. b.i.d. on March\n26th. Labs on discharge: white blood cells 8.1."
    )
    assert _read(text) == [("white blood cells", "8.1", None)]
    # 'bal' (Hungarian: left) is no bronchoalveolar lavage
    assert _read("A bal oldali térd duzzadt. Hemoglobin 120.") == [("Hemoglobin", "120", None)]


def test_a_value_in_a_hungarian_visit_note():
    # hu_szentjanos_2025_internal_medicine_allergy_visit.pdf
    assert _read("09.04. IgE 169, léguti IgE azonabn nem lett pozitiv, most táplálék") == [
        ("IgE", "169", None)
    ]


def test_a_labs_list_with_units():
    assert _read("Labs: Na 138, K 4.1, Creatinine 0.9 mg/dL.") == [
        ("Na", "138", None),
        ("K", "4.1", None),
        ("Creatinine", "0.9", "mg/dL"),
    ]


def test_doses_dates_ranges_and_years_are_not_results():
    text = (
        "Vitamin B12 1000 mcg daily. Calcium 600 mg with food. K 20 mEq p.o. "
        "Hgb 12/2019 unknown. TSH 0.5-4.5 normal. LDL 2019. Glucose 5 days ago."
    )
    assert _read(text) == []


def test_a_discharge_list_entry_without_a_strength():
    # hl7_community_health_discharge_summary.pdf: a combination product listed by brand alone
    from intake.understand.meds import parse_medications

    text = (
        "DISCHARGE MEDICATIONS:\n\n"
        "1. Cipro 250 mg, one tablet p.o. b.i.d. for an additional two days.\n"
        "2. Aggrenox, one tablet p.o. b.i.d.\n"
        "3. Take medications, one tablet daily by mouth.\n"
        "4. Continue Cipro, one tablet p.o. daily.\n"
    )
    found = [(m.name, m.strength) for m in parse_medications(text)]
    assert found == [("Cipro", "250 mg"), ("Aggrenox", None)]
    assert parse_medications(text)[1].generic == "Aspirin/dipyridamole"  # as US records say
    assert parse_medications("Plan:\n1. Aggrenox, one tablet p.o. b.i.d.") == []


def test_a_hungarian_heading_name_beside_its_taj_number():
    # hu_szentjanos_2023_tonsillectomy_operative_note.pdf: 'Műtéti lap', the date, then the
    # patient's name and TAJ number on one line, no label (fictional name, valid TAJ here)
    from intake.understand.people import find_name

    heading = "Műtéti lap\n2023.12.06.\n\n{}\nMűtét neve: Tonsillectomia\n"
    assert find_name(heading.format("Kovács Anna Mária 123 456 788")) == "Kovács Anna Mária"
    assert find_name(heading.format("Kovács Anna Mária 123456789")) is None  # check digit
    assert find_name(heading.format("Rendelési idő 123456788")) is None  # no name


def test_a_drug_a_hungarian_note_says_the_patient_takes():
    # hu_szentjanos_2025_internal_medicine_allergy_visit.pdf: 'terbinafint szed' (takes it)
    from intake.understand.meds import parse_medications

    text = "terbinafint szed, emiatt van a májfunkcióban az a minimális eltérés."
    assert [(m.name, m.generic, m.strength) for m in parse_medications(text)] == [
        ("terbinafin", "Terbinafine", None)
    ]
    # not taken, or not a drug: nothing
    assert parse_medications("terbinafint nem szed. Gyógyszert kap. Diétát tart.") == []
