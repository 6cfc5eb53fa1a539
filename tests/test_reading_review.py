"""Precision review of the rules that read values from text: goals, thresholds, doses,
relatives, allergies, stops and the past give nothing; the real reading stays (corpus
units named where an excerpt is taken from one)."""

from __future__ import annotations

import pytest

from intake.understand.analyte_words import repair_test_name
from intake.understand.lab_prose import prose_labs
from intake.understand.label_rows import labelled_line
from intake.understand.labs import parse_labs
from intake.understand.meds import parse_medications
from intake.understand.plan_headings import plan_lines
from tests.layouts import word_row


def _prose(text: str) -> list[tuple[str, str]]:
    return [(lab.test, lab.value) for lab in prose_labs(text)]


@pytest.mark.parametrize(
    "text",
    [
        "A1c of 7 would be ideal.",
        "Goal A1c 7.",
        "if creatinine is 1.5 or more, hold metformin.",
        "PSA 4 or higher warrants a biopsy.",
        "LDL 70 or less is the aim.",
        "LDL 100 goal for him.",
        "Transfuse for Hgb 7 threshold.",
        "HDL 40 for men.",
        "ALT 3 times the upper limit.",
        "Glucose 15 grams for a low.",
        "He was given potassium 40 orally.",
        "Potassium 40 given.",
        "Calcium 600 with D twice daily.",
        "Mother has cholesterol 300.",
        "Family history: father with A1c 9.",
        "Vitamin K 10 before the procedure.",
    ],
)
def test_goals_thresholds_doses_and_relatives_are_no_results(text):
    assert _prose(text) == []


def test_a_result_beside_a_goal_keeps_only_the_result():
    assert _prose("Her last A1c was 7.2, goal below 7.") == [("A1c", "7.2")]
    # hl7_community_health_discharge_summary.pdf: the figures before a family history
    text = (
        "fasting blood lipids, which showed cholesterol of 165, triglycerides 180, HDL "
        "cholesterol 22. Family history of diabetes."
    )
    assert _prose(text) == [
        ("cholesterol", "165"),
        ("triglycerides", "180"),
        ("HDL cholesterol", "22"),
    ]


def test_an_ifcc_a1c_keeps_its_unit():
    assert [(lab.value, lab.unit) for lab in prose_labs("HbA1c 58 mmol/mol")] == [
        ("58", "mmol/mol")
    ]


def _meds(text: str) -> list[str]:
    return [med.name for med in parse_medications(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Mother takes metformin 500 mg twice daily.",
        "Stopped metformin 500 mg daily due to diarrhea.",
        "Discontinue lisinopril 10 mg daily.",
        "Allergies: Penicillin 2x1 rash",
        "Gyógyszerérzékenység: Penicillin 3x1",
        "Panaszok: 2x1 Algopyrin allergia",
        "Nem szed Metformin 2x1",
        "Metformin 2x1 abbahagyva",
        "Korábban Metformin 2x1",
        "Patient denies taking Ibuprofen 3x1",
        "Size: 3x2 Warfarin",
        "Anyja Metformint szed.",
        "Édesanyja metformint szed.",
        "Metformint szedett korábban.",
        "Metformint kapott 2019-ben.",
        "Penicillint kapott, kiütés lett.",
        "Medications:\n- Warfarin, stopped, was one tablet p.o. daily\n",
        "Medications:\n- Warfarin, held since Monday; one tablet p.o. daily\n",
    ],
)
def test_allergies_stops_the_past_sizes_and_relatives_are_no_medications(text):
    assert _meds(text) == []


def test_the_drugs_a_patient_takes_stay():
    # hu_szentjanos_2025_internal_medicine_allergy_visit.pdf
    assert _meds("terbinafint szed, emiatt van a májfunkcióban az a minimális eltérés.") == [
        "terbinafin"
    ]
    assert _meds("Terbinafin napi 1x1 tbl (3 hónapra ellátva)") == ["Terbinafin"]
    # hl7_community_health_discharge_summary.pdf
    assert _meds("DISCHARGE MEDICATIONS:\n2. Aggrenox, one tablet p.o. b.i.d.\n") == ["Aggrenox"]


@pytest.mark.parametrize(
    "line", ["LDL target   <100   mg/dL", "K was replaced   40   mEq", "Sodium restriction   2   g"]
)
def test_a_goal_or_a_treatment_is_no_test(line):
    assert parse_labs(line) == []


def test_a_units_row_pairs_only_a_counts_cells():
    # photo/tsilva_unilabs_espinho_2024_cumulative_page.png, then a chemistry row with its
    # earlier result: not 95 % and 88 x10^9/L
    text = (
        "%   x1049/L\nNeutrofilos   66.9   =   3.800   %   1.560-6.450   3.570\nGlicose   95   88\n"
    )
    assert [(lab.test, lab.value) for lab in parse_labs(text)] == [
        ("Neutrofilos", "66.9"),
        ("Neutrofilos", "3.800"),
    ]


def test_repair_goes_only_to_a_word_with_an_accent():
    assert repair_test_name("Creatina quinase") == "Creatina quinase"  # creatine kinase
    assert repair_test_name("neutroéfilos") == "neutrófilos"
    assert repair_test_name("Hem") == "Hem"  # hemácias, not HCM
    # photo/tsilva_labmed_porto_2014_hemogram_page.png: OCR's 'hem' beside pg is HCM
    assert repair_test_name("hem", "pg") == "hcm"
    assert repair_test_name("Hem", "10^6/µL") == "Hem"
    assert repair_test_name("vem", "pg") == "vem"  # VCM is in fL
    assert repair_test_name("Glucemia") == "Glucemia"


def test_an_empty_birth_date_label_never_takes_the_next_date():
    from intake.understand.dates import birth_date

    labels = word_row(100, (10, "Patient Name"), (200, "DOB"), (300, "Collected"))
    values = word_row(112, (10, "DOE, JANE"), (280, "03/04/2021"))
    line = labelled_line(labels, values)
    assert line == "Patient Name: DOE, JANE   Collected: 03/04/2021"
    assert birth_date(line) is None


def test_plan_lines_without_placeholders_other_sections_or_page_furniture():
    assert plan_lines("Plan: none") == []
    assert plan_lines("Plan\nContinue current meds.\nPhysical Exam\nBP 120/80") == [
        "Continue current meds."
    ]
    # the item goes on after the page's footer: one sentence, not 'continue' and 'lisinopril'
    text = "Assessment/Plan:\n1. HTN - continue\nPage 2 of 3\n   lisinopril\n2. Recheck BMP\n"
    assert plan_lines(text) == [
        "Assessment/Plan: HTN - continue lisinopril",
        "Assessment/Plan: Recheck BMP",
    ]
