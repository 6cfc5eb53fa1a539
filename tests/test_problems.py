"""Problems and allergies from C-CDA entries, FHIR resources and report text.

Expected answers were read from the XML (lxml XPath over the problem and allergy
observations), the JSON, and the generated pages, never from intake's output. The real
corpus tests run where the corpus is (see corpus/README.md) and are skipped elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from intake.extractors import extract
from intake.extractors.fhir import allergy_of, problem_of
from intake.model import Allergy
from intake.scan import identify
from intake.understand.problems import parse_allergies, parse_problems
from tests.conftest import ROOT

SAMPLES = ROOT / "samples"
CORPUS = next(
    (
        Path(p)
        for p in (
            os.environ.get("INTAKE_CORPUS"),
            ROOT.parent / "shared" / "corpus",
            "/work/realcorpus",
        )
        if p and (Path(p) / "files").is_dir()
    ),
    None,
)
needs_corpus = pytest.mark.skipif(CORPUS is None, reason="the real-world corpus is not here")


def read(path: Path):
    documents = extract(identify(path, path.name))
    return documents[0] if len(documents) == 1 else documents


def corpus_file(category: str, name: str) -> Path:
    assert CORPUS is not None
    return CORPUS / "files" / category / name


# --- C-CDA -------------------------------------------------------------------------------


def test_r21_problems_and_allergy_with_codes_onsets_and_status():
    document = read(SAMPLES / "ccda" / "ccd_r21.xml")
    problems = {p.code: p for p in document.problems}
    assert set(problems) == {"ICD-10 C50.912", "SNOMED 44054006"}
    cancer = problems["ICD-10 C50.912"]
    assert cancer.name.startswith("Malignant neoplasm of left breast")  # the narrative's words
    assert (cancer.onset, cancer.status) == ("2026-09-08", "active")
    assert problems["SNOMED 44054006"].onset == "2019"  # a year is all it gives
    (allergy,) = document.allergies
    assert (allergy.substance, allergy.reaction, allergy.code) == (
        "Penicillin G",
        "Hives",
        "RxNorm 7980",
    )


def test_r11_negated_allergy_is_no_known_allergies_never_a_substance():
    document = read(SAMPLES / "ccda" / "ccd_r11_prefixed.xml")
    assert [a.substance for a in document.allergies] == ["No known allergies"]
    assert [p.name for p in document.problems] == ["Essential hypertension"]


@needs_corpus
def test_hl7_ccd_problems_status_and_allergy_reaction_and_severity():
    document = read(corpus_file("ccda", "hl7_ccd_sample1.xml"))
    assert [(p.name, p.onset, p.status) for p in document.problems] == [
        ("Pneumonia", "2013-07-03", "resolved"),  # effectiveTime/high given
        ("Chest pain", "2007-04-14", "active"),
        ("Angina", "2007-04-17", "active"),
        ("Pneumonia", "1998-03-10", "resolved"),  # concern act completed, high given
    ]
    allergies = {a.substance: a for a in document.allergies}
    assert set(allergies) == {"Penicillin", "codeine"}
    penicillin = allergies["Penicillin"]
    assert (penicillin.reaction, penicillin.severity, penicillin.code) == (
        "Nausea",
        "mild",
        "RxNorm 70618",
    )
    # the allergy's own severity (Mild), not its reaction's (Moderate)
    assert (allergies["codeine"].reaction, allergies["codeine"].severity) == ("Wheezing", "mild")


@needs_corpus
def test_vendor_quirks_reaction_linked_as_subj_and_originaltext_names():
    fusion = read(corpus_file("ccda", "practicefusion_newman_alice_ccd.xml"))
    assert {(a.substance, a.reaction) for a in fusion.allergies} == {
        ("Penicillin G", "Hives"),
        ("Ampicillin", "Hives"),
    }
    touchworks = read(corpus_file("ccda", "allscripts_touchworks_xdr1_ccd.xml"))
    names = [p.name for p in touchworks.problems]
    assert "Essential hypertension" in names and "Severe hypothyroidism" in names
    assert len(names) == 8
    assert {p.onset for p in touchworks.problems if p.name == "Amnesia"} == {"2005-05-01"}


@needs_corpus
def test_no_known_problems_and_unknown_allergies_are_not_records():
    bates = read(corpus_file("ccda", "allscripts_sunrise_bates_jeremy_ccd.xml"))
    assert bates.problems == ()  # "No known problems", "Unlisted problem"
    assert [a.substance for a in bates.allergies] == ["No known allergies"]  # negationInd
    nexttech = read(corpus_file("ccda", "nexttech_summary_of_care_13.xml"))
    assert nexttech.problems == ()  # one negated "Problem" observation
    assert nexttech.allergies == ()  # nullFlavor UNK: "No Allergy Information", not "none"


# --- FHIR --------------------------------------------------------------------------------


def test_fhir_sample_condition_and_allergy_in_the_summary():
    documents = read(SAMPLES / "fhir" / "export_bundle.json")
    (summary,) = [d for d in documents if d.problems or d.allergies]
    (problem,) = summary.problems
    assert (problem.name, problem.onset, problem.code) == (
        "Left breast cancer",
        "2026-09-08",
        "SNOMED 254837009",
    )
    assert [(a.substance, a.reaction) for a in summary.allergies] == [("Penicillin G", "Hives")]


def test_fhir_refuted_condition_skipped_stage_kept_no_known_allergy_kept():
    condition = {
        "resourceType": "Condition",
        "code": {"text": "Adenocarcinoma of lung"},
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "stage": [{"summary": {"text": "Stage IIIA"}}],
        "onsetDateTime": "2025-02-11T10:00:00Z",
    }
    problem = problem_of(condition)
    assert (problem.detail, problem.status, problem.onset) == ("Stage IIIA", "active", "2025-02-11")
    refuted = {**condition, "verificationStatus": {"coding": [{"code": "refuted"}]}}
    assert problem_of(refuted) is None
    nka = {
        "resourceType": "AllergyIntolerance",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "716186003"}]},
    }
    nka["code"]["text"] = "No known allergy"
    assert allergy_of(nka) == Allergy(
        "No known allergies", code="SNOMED 716186003", raw="No known allergy"
    )


@needs_corpus
def test_fhir_ips_entered_in_error_skipped_severity_and_absent_info():
    documents = read(corpus_file("fhir", "meditech_ips_connectathon_sept2024_1.json"))
    problems = [p for d in documents for p in d.problems]
    assert [(p.name, p.status) for p in problems] == [
        ("Chest pain", "resolved"),
        ("Gallstone", "resolved"),
    ]  # "Heart attack" was entered in error
    allergies = [a for d in documents for a in d.allergies]
    assert [(a.substance, a.reaction, a.severity) for a in allergies] == [
        ("amoxicillin", "Vomiting", "severe")
    ]
    jared = read(corpus_file("fhir", "us_interop_institute_ips_jared_adams.json"))
    assert [a for d in jared for a in d.allergies] == []  # "No information about allergies"
    noknown = read(corpus_file("fhir", "au_ps_noknownx_bundle.json"))
    noknown = noknown if isinstance(noknown, list) else [noknown]
    assert [p for d in noknown for p in d.problems] == []  # No current problems or disability
    assert [a.substance for d in noknown for a in d.allergies] == ["No known allergies"]


# --- text --------------------------------------------------------------------------------


def test_generated_pathology_plan_and_neurology_pages(oncology_manifest, neurology_manifest):
    by_source = {d.source: d for d in (*oncology_manifest.documents, *neurology_manifest.documents)}
    pathology = by_source["Pathology Report 2026-09-08.pdf"]
    assert [(p.name, p.detail) for p in pathology.problems] == [
        ("Invasive ductal carcinoma", "Nottingham grade 2 of 3")
    ]
    plan = by_source["Treatment plan - Dr Example.pdf"]
    assert [(p.name, p.detail) for p in plan.problems] == [
        ("Left breast invasive ductal carcinoma", "cT1cN0, ER+/PR+/HER2-")
    ]
    visit = by_source["Neurology visit summary.pdf"]
    assert [p.name for p in visit.problems] == ["new-onset seizure"]  # not "rule out ..."
    mammogram = by_source["Mammogram report.pdf"]
    assert mammogram.problems == ()  # an imaging impression is a finding, not a diagnosis


ASSESSMENT = """\
HISTORY: No history of stroke. Mother had breast cancer.

ASSESSMENT AND PLAN:
1. Type 2 diabetes mellitus, uncontrolled - increase metformin.
2. No evidence of recurrence.
3. Hypertension: continue lisinopril.
4. Lung adenocarcinoma, stage IIIA, EGFR exon 19 deletion mutation, PD-L1 60%
5. Rule out pulmonary embolism.

Allergies: Penicillin (hives), sulfa - rash; latex
"""


def test_assessment_items_negations_and_history_lines():
    problems = parse_problems(ASSESSMENT, "consult_note")
    assert [(p.name, p.detail) for p in problems] == [
        ("Type 2 diabetes mellitus, uncontrolled", None),
        ("Hypertension", None),
        ("Lung adenocarcinoma", "stage IIIA, EGFR exon 19 deletion mutation, PD-L1 60%"),
    ]
    assert parse_problems(ASSESSMENT, "lab_report") == []


def test_impression_needs_a_list_and_pathology_block_with_specimen_labels():
    assert parse_problems("IMPRESSION: Probable pneumonia.\n", "consult_note") == []
    listed = parse_problems("IMPRESSION:\n1. Community-acquired pneumonia.\n", "consult_note")
    assert [p.name for p in listed] == ["Community-acquired pneumonia"]
    report = (
        "FINAL DIAGNOSIS:\nA. Breast, left, core biopsy:\n"
        "   - Invasive lobular carcinoma, grade 2, ER positive, HER2 negative (1+), Ki-67 20%.\n"
        "   - Negative for lymphovascular invasion.\n\nCOMMENT: none\n"
    )
    (problem,) = parse_problems(report, "pathology_report")
    assert problem.name == "Invasive lobular carcinoma"
    assert problem.detail == "grade 2, ER positive, HER2 negative, Ki-67 20%"


def test_allergy_lines_and_nkda():
    allergies = parse_allergies(ASSESSMENT)
    assert [(a.substance, a.reaction) for a in allergies] == [
        ("Penicillin", "hives"),
        ("sulfa", "rash"),
        ("latex", None),
    ]
    assert [a.substance for a in parse_allergies("Allergies: NKDA\n")] == [
        "No known drug allergies"
    ]
    assert [a.substance for a in parse_allergies("ALLERGIES:\nNone known\n")] == [
        "No known allergies"
    ]
    assert parse_allergies("Allergy testing scheduled for May.\n") == []


@needs_corpus
def test_discharge_diagnoses_of_a_real_pdf_with_a_wrapped_line():
    document = read(corpus_file("clinical_pdf", "hl7_community_health_discharge_summary.pdf"))
    names = [p.name for p in parse_problems(document.text, "discharge_summary")]
    assert names == [
        "Acute cerebrovascular accident/left basal ganglia and deep white matter of the left "
        "parietal lobe",
        "Hypertension",
        "Urinary tract infection",
        "Hypercholesterolemia",
    ]
