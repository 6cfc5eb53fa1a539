"""One vocabulary of plan headings for the checklist and the summary, on excerpts of real notes."""

from __future__ import annotations

import pytest

from intake.understand.plan_headings import PLAN_HEADING, is_assessment, plan_lines


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        # hu_szentjanos_2021_abdominal_ultrasound_report.pdf (corpus)
        (
            "Vélemény: A vizsgált szervekben kóros eltérés nem mutatható ki.\n",
            ["Vélemény: A vizsgált szervekben kóros eltérés nem mutatható ki."],
        ),
        # hu_szentjanos_2025_internal_medicine_allergy_visit.pdf: a heading left empty
        ("Vizsgálati eredmények:\n\n\nVélemény-javaslat:\nFelírt vények:\n\n", []),
        # hu_taroczymed_2024_dermatology_visit_prescriptions.pdf: empty, then a capitals heading
        ("     Vélemény:\n\n\n     DIAGNÓZIS\n\n     B3510 - Tinea unguium\n", []),
        (
            "Assessment and Plan\n1. Hypertension: continue lisinopril\n2. Recheck BMP\n"
            "Patient: Ann Example\n",
            [
                "Assessment and Plan: Hypertension: continue lisinopril",
                "Assessment and Plan: Recheck BMP",
            ],
        ),
        (
            "Plan: start tamoxifen 20 mg daily\n\nExam: clear lungs\n",
            ["start tamoxifen 20 mg daily"],
        ),
        ("Javaslat: kontroll 3 hónap múlva.\n", ["kontroll 3 hónap múlva."]),
        ("Conduta: manter metformina 850 mg 2x/dia.\n", ["manter metformina 850 mg 2x/dia."]),
        ("The patient has no plan to travel.\nReason for visit: cough\n", []),
    ],
)
def test_plan_lines(text, lines):
    assert plan_lines(text) == lines


def test_the_checklist_and_the_summary_share_the_headings():
    """check.states_a_plan and the summary's plan section both read plan_lines: a bare
    'Impression:' opens a plan for both (they disagreed before)."""
    from intake import check
    from intake.packet import summary

    assert check.plan_lines is plan_lines and summary.plan_lines is plan_lines
    assert PLAN_HEADING.match("Impression: migraine without aura")
    assert is_assessment("Impression") and is_assessment("Follow-up") and not is_assessment("Plan")
