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
        # hl7_community_health_discharge_summary.pdf (corpus): an item wrapped by the page
        # is one sentence, not two halves
        (
            "FOLLOW UP:\n"
            "1. The patient needs to follow up with Rehabilitation Hospital after he is "
            "discharged from there.\n"
            "2. The patient can call the Clinic if he needs a follow up appointment with us, "
            "or the patient can\n"
            "find a primary care physician since he has insurance.\n",
            [
                "FOLLOW UP: The patient needs to follow up with Rehabilitation Hospital after "
                "he is discharged from there.",
                "FOLLOW UP: The patient can call the Clinic if he needs a follow up appointment "
                "with us, or the patient can find a primary care physician since he has "
                "insurance.",
            ],
        ),
        # hu_irgalmas_2026_knee_mri_report.pdf (corpus): the impression wraps; the remote
        # reporting statement (it names the doctor's signature) ends it
        (
            'Vélemény: Kezdődő, minimális patella ín enthesopathia ("jumpers\' knee") jele. '
            "Jelentősebb\n"
            "chondropathia, vagy egyéb kórjelző eltérés nem azonosítható\n"
            "Távleletezéssel készült lelet, mely intézményi pecséttel a leletező orvos "
            "aláírása és pecsétje nélkül is hiteles.\n",
            [
                'Vélemény: Kezdődő, minimális patella ín enthesopathia ("jumpers\' knee") '
                "jele. Jelentősebb chondropathia, vagy egyéb kórjelző eltérés nem azonosítható"
            ],
        ),
        # hu_szentjanos_2021_abdominal_ultrasound_report.pdf (corpus): the place and date
        # of signing, the doctor's stamp and name, 'signature' are no plan
        (
            "Vélemény: A vizsgált szervekben kóros eltérés nem mutatható ki.\n"
            "Budapest, 2021.02.22.\n"
            "O40599 Dr. Hidas Katalin\n"
            "vizsgáló orvos aláírása\n"
            "Leletet rögzítette: Nagy Tünde\n",
            ["Vélemény: A vizsgált szervekben kóros eltérés nem mutatható ki."],
        ),
        # hu_taroczymed_2024_dermatology_visit_prescriptions.pdf (corpus): the page's footer
        # (its page count, the software) and the next page's department code are no plan
        (
            "Vélemény:\n"
            "B3510 - Tinea unguium\n"
            "1/2 Szoftver: EESZT Központi Alkalmazás Készlet és Jelentési rendszer\n"
            "Bőrgyógyászat - 08031004\n",
            ["Vélemény: B3510 - Tinea unguium"],
        ),
        # list items stay apart though one starts in lower case; a half-tablet is a dose
        (
            "Plan:\n- start metformin 500 mg\n- recheck A1c in 3 months\n"
            "1/2 tablet of aspirin daily\nDr. Smith to see him in 2 weeks\n",
            [
                "start metformin 500 mg",
                "recheck A1c in 3 months",
                "1/2 tablet of aspirin daily",
                "Dr. Smith to see him in 2 weeks",
            ],
        ),
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
