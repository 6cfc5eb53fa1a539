"""FHIR medications as national IPS bundles write them: a MedicationStatement/Request that
references a Medication resource (by fullUrl, by "Type/id", or contained), national drug
codes and names, ingredients stated beside a brand, and SNOMED product codes."""

from __future__ import annotations

import json
from dataclasses import replace

from intake.extractors.fhir import FhirExtractor
from intake.model import Source
from intake.understand.enrich import with_generics


def _read(tmp_path, *entries):
    """The medication list of a document Bundle holding `entries` (fullUrl, resource)."""
    bundle = {
        "resourceType": "Bundle",
        "type": "document",
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }
    path = tmp_path / "ips.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), "utf-8")
    source = Source("ips.json", path, "application/fhir+json", "0" * 64, path.stat().st_size)
    documents = FhirExtractor().extract(source)
    lists = [d for d in documents if d.kind == "medication_list"]
    if lists:  # named as the understand stage names them
        return replace(lists[0], medications=tuple(with_generics(lists[0].medications)))
    return None


# fhir/nl_core_ips_patient_01.json: the Medication carries no id, only its entry's fullUrl
PANTOPRAZOL = {
    "resourceType": "Medication",
    "code": {"coding": [{"system": "urn:oid:2.16.840.1.113883.2.4.4.10", "code": "104280",
                         "display": "PANTOPRAZOL 40MG INJPDR"}],
             "text": "PANTOPRAZOL 40MG INJPDR"},
}  # fmt: skip
METHOTREXAAT = {
    "resourceType": "Medication",
    "code": {"text": "METHOTREXAAT INJVLST 15MG/0,6ML(25MG/ML) WWSP PA"},
}
# fhir/at_elga_ips_01.json: a brand's name, the ingredient in Medication.ingredient
ASPIRIN = {
    "resourceType": "Medication",
    "code": {"coding": [{"system": "urn:oid:1.2.40.0.34.4.16", "code": "1255446",
                         "display": "ASPIRIN TBL 500MG"}]},
    "ingredient": [{"itemCodeableConcept": {"coding": [
        {"system": "urn:oid:2.16.840.1.113883.6.73", "code": "N02BA01",
         "display": "Acetylsalicylsäure"}]}}],
}  # fmt: skip
CIPROXIN = {
    "resourceType": "Medication",
    "code": {"coding": [{"system": "urn:oid:1.2.40.0.34.4.16", "display": "Ciproxin"}]},
    "ingredient": [{"itemCodeableConcept": {"coding": [
        {"system": "urn:oid:2.16.840.1.113883.6.73", "code": "J01MA02",
         "display": "Ciprofloxacin hydrochloride"}]}}],
}  # fmt: skip


def _statement(reference: str, **more) -> dict:
    return {"resourceType": "MedicationStatement", "status": "active",
            "medicationReference": {"reference": reference}, **more}  # fmt: skip


def test_medication_referenced_by_full_url_without_an_id(tmp_path):
    document = _read(
        tmp_path,
        ("urn:uuid:848c2cfb", _statement("urn:uuid:723180fd")),
        ("urn:uuid:723180fd", PANTOPRAZOL),
        ("urn:uuid:f00707a8", _statement("urn:uuid:0b2ffe40")),
        ("urn:uuid:0b2ffe40", METHOTREXAAT),
    )
    pantoprazol, methotrexaat = document.medications
    assert (pantoprazol.name, pantoprazol.strength, pantoprazol.generic) == (
        "PANTOPRAZOL", "40 mg", "Pantoprazole")  # fmt: skip
    assert pantoprazol.raw == "PANTOPRAZOL 40MG INJPDR"
    assert methotrexaat.strength == "15 mg/0.6 mL"  # a decimal comma, in the one spelling


def test_medication_referenced_by_type_and_id_or_absolute_url_or_contained(tmp_path):
    with_id = {**PANTOPRAZOL, "id": "p1"}
    contained = _statement("#m1", contained=[{**METHOTREXAAT, "id": "m1"}])
    document = _read(
        tmp_path,
        (None, _statement("Medication/p1")),
        ("https://fhir.example.org/Medication/p1", with_id),
        (None, contained),
        (None, _statement("https://fhir.example.org/Medication/p1")),
    )
    assert [m.name for m in document.medications] == [
        "PANTOPRAZOL", "METHOTREXAAT INJVLST", "PANTOPRAZOL"]  # fmt: skip


def test_an_unresolved_reference_gives_no_medication(tmp_path):
    assert _read(tmp_path, (None, _statement("urn:uuid:missing"))) is None


def test_ingredient_stated_beside_a_brand_is_kept_with_the_name(tmp_path):
    document = _read(
        tmp_path,
        ("urn:uuid:a", _statement("urn:uuid:b")),
        ("urn:uuid:b", ASPIRIN),
        ("urn:uuid:c", _statement("urn:uuid:d")),
        ("urn:uuid:d", CIPROXIN),
    )
    aspirin, ciproxin = document.medications
    assert (aspirin.name, aspirin.strength, aspirin.form) == ("ASPIRIN", "500 mg", "tablet")
    assert aspirin.raw == "ASPIRIN TBL 500MG (Acetylsalicylsäure)"
    assert aspirin.generic == "Aspirin"  # by its name
    assert ciproxin.raw == "Ciproxin (Ciprofloxacin hydrochloride)"
    assert ciproxin.generic == "Ciprofloxacin"  # the brand is unknown: by its ingredient
    assert not document.warnings


# fhir/us_epatientdave_ips_medstatements.json: patient-entered names over SNOMED product codes
def _coded(text: str, display: str) -> dict:
    return {"resourceType": "MedicationStatement", "status": "active",
            "medicationCodeableConcept": {"text": text, "coding": [
                {"system": "http://snomed.info/sct", "display": display}]}}  # fmt: skip


def test_snomed_product_code_names_the_ingredient(tmp_path):
    document = _read(
        tmp_path,
        (None, _coded("Co-Q10", "Product containing ubidecarenone (medicinal product)")),
        (None, _coded("Cosopt", "Product containing dorzolamide and timolol (medicinal product)")),
        (None, _coded("Amlodipine", "Product containing amlodipine (medicinal product)")),
    )
    q10, cosopt, amlodipine = document.medications
    assert (q10.name, q10.raw, q10.generic) == ("Co-Q10", "Co-Q10 (ubidecarenone)", "Ubidecarenone")
    assert cosopt.raw == "Cosopt (dorzolamide / timolol)"
    assert amlodipine.raw == "Amlodipine"  # the name already says it


def test_name_and_code_naming_different_drugs_is_a_warning_not_a_mix(tmp_path):
    document = _read(
        tmp_path,
        (None, _coded("Atorvastatin", "Product containing amlodipine (medicinal product)")),
    )
    (atorvastatin,) = document.medications
    assert (atorvastatin.raw, atorvastatin.generic) == ("Atorvastatin", "Atorvastatin")
    assert len(document.warnings) == 1
    assert "'Atorvastatin' is coded as amlodipine" in document.warnings[0]


# --- free text in columns (clinical_pdf/jsl_christianacare_h_and_p_scanned.pdf, its OCR) ---

H_AND_P_COLUMNS = """\
He is currently net negative close to 1 L. He is still on 2 L nasal cannula.   spine (1981)
/   Home Medications
Review of Systems   Home
A 10 system review was completed and negative as documented in HPI. ~ allopurinol 300 mg oral lablel, 300 MG= 1
Physical Exam   TAB. PO. Daily
Pulse Ox: 100 % Oxygen: 2 Limin via Nasal Cannula   Combigan 0,2%-0.5% ophthalmic
HEAD: normecephalic   Eliquis 5 mg oral lablet, 5 MG= 1 TAB,
NECK: normal inspection   ferrous sulfate 925 mg (65 mg elemental
continue 1 more day af IY diuresis wilh 80 mg IV Lasix.   patassium chloride 20 mEq oral tablet,
"""  # noqa: E501


def test_medication_block_in_a_right_hand_column():
    from intake.understand.meds import parse_medications

    found = [(m.name, m.strength, m.generic) for m in parse_medications(H_AND_P_COLUMNS, ocr=True)]
    assert found == [
        ("allopurinol", "300 mg", "Allopurinol"),
        ("Combigan", "0.2 % / 0.5 %", "Brimonidine/timolol"),  # "0,2%-0.5%": both
        ("Eliquis", "5 mg", "Apixaban"),  # not "normecephalic Eliquis"
        ("ferrous sulfate", "925 mg", "Ferrous sulfate"),  # OCR's 925 for 325, as read
        ("patassium chloride", "20 mEq", "Potassium chloride"),  # not Chlotride
    ]  # the left column's "80 mg IV Lasix" in prose is not in the block


def test_left_column_prose_beside_a_right_hand_block_gives_nothing():
    from intake.understand.meds import parse_medications

    text = "/   Home Medications\nHe was given Lasix 80 mg in the ED.   Home\n"
    assert parse_medications(text) == []  # prose, left of the block, names no line's drug
