"""One test per cause found on real records (corpus/README.md): the shapes real labs, EHRs,
portals and discs produce, in excerpts rewritten with fictional people and values. Each
names the kind of corpus file it stands for; real parsers run on every one (no mocks)."""

from __future__ import annotations

import io
import shutil
from datetime import date

import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from intake import api, disc
from intake.cda.read import medication_list, read_cda, result_list
from intake.check import check, load_checklist
from intake.extractors import extract
from intake.extractors.fhir import FhirReading
from intake.model import Document, Source
from intake.scan import identify, scan
from intake.understand.dates import birth_date, document_date, parse_dicom_date
from intake.understand.enrich import enrich
from intake.understand.labs import parse_labs
from intake.understand.meds import STRENGTH_RE, parse_medications
from intake.understand.people import find_name, named_people

# --- medications only where medications are --------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Hemoglobin 13.2 g/dL 12.0-15.5",  # a one-line lab PDF
        "Urine Glucose 50 mg\nO2 SAT 95 %",  # a printed CCD's results and vitals
        "Echo showed a reduced ejection fraction of 45% with mild MR.",  # a visit note
        "No Known Hospital Discharge Medications",
        "No medication data is applicable 0 mg",
        "Medications:\nNo Medication Information 0 mg",
        "metformin extended\nrelease 500 mg",  # a line-wrap fragment
        "Potassium 4.1 mmol/L 3.5-5.1\nCalcium 9.8 mg/dL 8.6-10.3",
        "Desirable < 200 mg/dL\nBorderline high 200-239 mg/dL",
        "Account balance 1,250 mg\nFees 35 %",  # a statement's numbers are never doses
    ],
)
def test_no_medication_outside_a_medication_context(text):
    assert parse_medications(text) == []


def test_a_medication_block_ends_at_the_next_section():
    text = (
        "Current Medications:\nAtorvastatin 20 mg\nMetformin 500 mg tablet\n\n"
        "Allergies:\nPenicillin 500 mg\nResults\nGlucose 50 mg"
    )
    found = {m.generic for m in parse_medications(text)}
    assert found == {"Atorvastatin", "Metformin"}


def test_a_sig_line_or_directions_confirm_a_drug_outside_a_block():
    text = "Lisinopril 10 mg daily\nLOSARTAN POTASSIUM 50 MG TAB\nTAKE 1 TABLET BY MOUTH DAILY"
    found = {m.generic: m for m in parse_medications(text)}
    assert set(found) == {"Lisinopril", "Losartan"}
    assert found["Losartan"].frequency == "daily"


def test_close_spellings_only_in_ocr_text():
    text = "Medications:\nMetforrnin 500 mg twice daily"
    assert [m.generic for m in parse_medications(text, ocr=True)] == ["Metformin"]
    hemoglobin = "Medications:\nHemoglobinn 13 g daily"  # not a drug, whatever the spelling
    assert all(m.generic != "Hemoglobins" for m in parse_medications(hemoglobin))


def test_a_lab_pdf_line_is_not_a_medication_list():
    text = "Patient: Jane Roe\nHemoglobin 13.2 g/dL 12.0-15.5\nWBC 6.1 x10E3/uL 3.4-10.8"
    document = enrich(Document("labs.pdf", None, 0, "application/pdf", text=text))
    assert document.kind == "lab_report" and document.medications == ()
    one = Document("one.pdf", None, 0, "application/pdf", text="Hemoglobin 13.2 g/dL 12.0-15.5")
    one = enrich(one)  # a one-line lab PDF
    assert one.kind == "lab_report" and one.medications == ()


def test_strength_pattern_is_linear_on_a_pasted_barcode():
    assert STRENGTH_RE.search("1" * 20_000) is None  # backtracking here was cubic


# --- C-CDA as vendors write it ---------------------------------------------------------------

CDA = """<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<code code="34133-9" codeSystem="2.16.840.1.113883.6.1"/>
<recordTarget><patientRole><patient><name><given>Ada</given><family>Quill</family></name>
<birthTime value="19700101"/></patient></patientRole></recordTarget>
<component><structuredBody>
<component><section><code code="10160-0" codeSystem="2.16.840.1.113883.6.1"/>
<text><table><tr><td ID="med1">2 puffs, 1 time per day</td></tr></table></text>
<entry><substanceAdministration classCode="SBADM" moodCode="EVN" negationInd="true">
<consumable><manufacturedProduct><manufacturedMaterial><code nullFlavor="NA">
<originalText>No Medication Information</originalText></code></manufacturedMaterial>
</manufacturedProduct></consumable></substanceAdministration></entry>
<entry><substanceAdministration classCode="SBADM" moodCode="EVN">
<consumable><manufacturedProduct><manufacturedMaterial>
<code code="1" codeSystem="2.16.840.1.113883.6.88" displayName="No known medications"/>
</manufacturedMaterial></manufacturedProduct></consumable></substanceAdministration></entry>
<entry><substanceAdministration classCode="SBADM" moodCode="EVN">
<consumable><manufacturedProduct><manufacturedMaterial>
<code code="745679" codeSystem="2.16.840.1.113883.6.88" displayName="albuterol 90 MCG inhaler">
<originalText><reference value="#med1"/></originalText></code>
</manufacturedMaterial></manufacturedProduct></consumable></substanceAdministration></entry>
</section></component>
<component><section><code code="30954-2" codeSystem="2.16.840.1.113883.6.1"/>
<text><table><tr><td ID="r1">Everolimus Blood</td><td>12</td></tr>
<tr><td ID="r2">Urine Color</td></tr></table></text>
<entry><organizer classCode="BATTERY" moodCode="EVN"><effectiveTime value="20200102"/>
<component><observation classCode="OBS" moodCode="EVN">
<code code="50544-6" codeSystem="2.16.840.1.113883.6.1"/>
<text><reference value="#r1"/></text>
<value xsi:type="PQ" value="12" unit="ng/mL"/>
<interpretationCode code="N" codeSystem="2.16.840.1.113883.5.83"/>
<referenceRange><observationRange><value xsi:type="ST">3.0 - 8.0 ng/mL</value>
</observationRange></referenceRange></observation></component>
<component><observation classCode="OBS" moodCode="EVN">
<code code="5778-6" codeSystem="2.16.840.1.113883.6.1" displayName="null"/>
<text><reference value="#r2"/></text>
<value xsi:type="ST">YELLOW</value></observation></component>
</organizer></entry>
</section></component>
</structuredBody></component></ClinicalDocument>"""


def test_ccda_vendor_shapes():
    document = read_cda(io.BytesIO(CDA.encode()))
    medications = medication_list(document)
    assert [m.name for m in medications] == ["albuterol"]  # negation and placeholder dropped;
    # the original text pointing at the directions is not the drug's name
    results = {r.test: r for r in result_list(document)}
    assert set(results) == {"Everolimus Blood", "Urine Color"}  # named from the narrative
    level = results["Everolimus Blood"]
    assert (level.value, level.unit, level.flag, level.flag_derived) == ("12", "ng/mL", "H", True)


# --- FHIR as IPS and US Core examples carry it -----------------------------------------------


def _fhir(resources, tmp_path):
    path = tmp_path / "export.json"
    path.write_bytes(b"{}")
    source = Source("export.json", path, "application/fhir+json", "0" * 64, 2)
    return FhirReading(source, resources).documents()


def test_fhir_placeholders_and_non_lab_observations(tmp_path):
    absent = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"
    resources = [
        {"resourceType": "MedicationStatement", "status": "active",
         "medicationCodeableConcept": {"coding": [{"system": absent, "code": "no-medication-info"}],
                                       "text": "No information about medications"}},
        {"resourceType": "MedicationStatement", "status": "not-taken",
         "medicationCodeableConcept": {"text": "Aspirin 81 mg"}},
        {"resourceType": "Observation", "status": "final",
         "category": [{"coding": [{"code": "social-history"}]}],
         "code": {"text": "Tobacco smoking status"}, "valueCodeableConcept": {"text": "Never"}},
        {"resourceType": "Observation", "status": "final", "subject": {"display": "Amy Q Shaw"},
         "category": [{"coding": [{"code": "laboratory"}]}], "code": {"text": "Glucose"},
         "valueQuantity": {"value": 76, "unit": "mg/dL"}},
    ]  # fmt: skip
    documents = _fhir(resources, tmp_path)
    assert not [m for d in documents for m in d.medications]
    labs = [lab.test for d in documents for lab in d.labs]
    assert labs == ["Glucose"]
    assert documents[0].patient.name == "Amy Q Shaw"


def test_a_bundle_whose_resource_type_comes_last_is_fhir(tmp_path):
    path = tmp_path / "searchset.json"
    narrative = "x" * 9000  # the first resource's text pushes every resourceType past the head
    path.write_text(
        '{"type": "searchset", "entry": [{"fullUrl": "urn:uuid:1", "resource": {"text": '
        f'{{"div": "{narrative}"}}, "id": "1", "resourceType": "Patient"}}}}], '
        '"resourceType": "Bundle"}'
    )
    assert identify(path, path.name).media_type == "application/fhir+json"


# --- lab tables as real labs print them ------------------------------------------------------


def _rows(text):
    return {(r.test, r.value): r for r in parse_labs(text)}


def test_ranges_with_units_words_and_next_lines():
    found = _rows(
        "Haemoglobin        11.5  gms%     12.0-16.0 gms%\n"  # an Indian lab's range with unit
        "Vitamin B12        950   pg/mL    Up to 900\n"
        "HbA1c              5.9   %        Less than 5.7\n"
        "Ferritin           20.1  ng/mL\n"
        "                   (13.0 - 150.0)\n"  # the range on the line below
        "ANA Titer          1:160          <1:80\n"
    )
    assert found[("Haemoglobin", "11.5")].reference_range == "12.0-16.0"
    assert found[("Haemoglobin", "11.5")].flag == "L"
    assert found[("Vitamin B12", "950")].reference_range == "<=900"
    assert found[("Vitamin B12", "950")].flag == "H"
    assert found[("HbA1c", "5.9")].flag == "H"
    assert found[("Ferritin", "20.1")].reference_range == "13.0-150.0"
    assert found[("ANA Titer", "1:160")].reference_range == "<1:80"  # kept as written


def test_guideline_rows_are_not_results():
    found = _rows(
        "Cholesterol, Total   212   mg/dL   <200\n"
        "Desirable            < 200 mg/dL\n"
        "Borderline High      200 - 239 mg/dL\n"
        "High                 >= 240 mg/dL\n"
        "Adults               4.0 - 5.6 %\n"
    )
    assert list(found) == [("Cholesterol, Total", "212")]


def test_current_and_previous_result_columns():
    text = (
        "TESTS    CURRENT RESULT AND FLAG   PREVIOUS RESULT AND DATE   UNITS   REFERENCE INTERVAL\n"
        "Glucose  105  High                 98   01/05/2020            mg/dL   65-99\n"
    )  # fmt: skip
    current, earlier = parse_labs(text)
    assert (current.value, current.flag) == ("105", "H")
    assert (earlier.value, earlier.collected, earlier.unit) == ("98", "2020-01-05", "mg/dL")


def test_decimal_commas_and_portuguese_ranges():
    found = _rows(
        "Exame          Resultado          Valor de Referência\n"
        "Hemoglobina    13,8 g/dL          12,0 a 15,0   g/dL\n"
        "Linfócitos     16,6 %             20,0 a 40,0   %\n"
        "Eritrócitos    4,56 10^6/µ L      3,80 a 4,80   10^6/µ L\n"
    )
    assert found[("Hemoglobina", "13,8")].reference_range == "12,0-15,0"
    assert found[("Hemoglobina", "13,8")].flag is None
    assert found[("Linfócitos", "16,6")].flag == "L"
    assert found[("Eritrócitos", "4,56")].flag is None  # 'µ L' is a unit, not a Low flag


def test_unit_printed_in_the_test_name():
    (glucose,) = parse_labs("GLICOSE -jejum- (mg/dl)     97     70 - 110")
    assert (glucose.test, glucose.unit) == ("GLICOSE -jejum", "mg/dL")


# --- patients, dates -------------------------------------------------------------------------


def test_names_as_real_headers_print_them():
    assert find_name("Patient Name    SMITH, KENNETH     DOB 01/02/1960") == "Kenneth Smith"
    assert find_name("Blood Test Report - Ravi Kumar Rao\nAge 30") == "Ravi Kumar Rao"
    assert find_name("Name : Mr. RAVI KUMAR       Age: 30 Yrs") == "Ravi Kumar"


def test_two_people_in_one_file_is_an_error_naming_both():
    text = (
        "Patient: SAMPLE, ANNA   DOB: 01/23/1990\nGlucose 90 mg/dL 65-99\n\n"
        "Patient: OTHER, BEN   DOB: 03/04/1985\nGlucose 101 mg/dL 65-99\n"
    )
    document = enrich(Document("two.pdf", "a" * 64, 10, "application/pdf", id="D0001", text=text))
    assert named_people(document.text) == ["Anna Sample", "Ben Other"]
    findings = check(
        [document], load_checklist("default"), appointment=date(2026, 1, 1),
        patient=document.patient,
    ).findings  # fmt: skip
    (two,) = [f for f in findings if f.code == "two-patients"]
    assert two.severity == "error" and "Anna Sample" in two.message and "Ben Other" in two.message


def test_dotted_and_day_first_dates():
    assert parse_dicom_date("1994.11.05") == "1994-11-05"
    text = "DN: 05/04/1990\nData de Coleta: 23/10/2023"  # the document's own dates are day-first
    assert birth_date(text) == "1990-04-05"
    assert document_date(text) == "2023-10-23"
    assert birth_date("DOB: 05/04/1990\nCollected: 10/23/2023") == "1990-05-04"


def test_coded_dates_are_read_as_written_before_1900_and_free_text_is_not():
    """highdicom_sm_image.dcm (corpus) codes PatientBirthDate 17890505: software wrote it,
    so it is read; the same year in typed text stays out of reach of a misread."""
    assert parse_dicom_date("17890505") == "1789-05-05"
    assert parse_dicom_date("00010101") is None and parse_dicom_date("17891305") is None
    assert birth_date("DOB: 05/05/1789") is None


# --- DICOM and discs -----------------------------------------------------------------------


def test_dicom_without_a_study_uid_is_kept_with_a_warning(tmp_path):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    del ds.StudyInstanceUID
    ds.StudyDate = "1994.11.05"
    path = tmp_path / "slide.dcm"
    ds.save_as(path)
    (document,) = extract(identify(path, path.name))
    assert document.kind == "imaging_study" and document.date == "1994-11-05"
    assert "no Study Instance UID" in document.warnings[0]


def test_a_pdi_disc_web_content_and_viewer_are_set_aside(tmp_path):
    records = tmp_path / "records"
    cd = records / "CD"
    (cd / "DICOM").mkdir(parents=True)
    shutil.copy(get_testdata_file("CT_small.dcm"), cd / "DICOM" / "IM000001")
    shutil.copy(get_testdata_file("CT_small.dcm"), cd / "DICOMDIR")  # named as a disc's index
    (cd / "AUTORUN.INF").write_text("[autorun]\nopen=VIEWER\\VIEW.EXE\n")
    (cd / "INDEX.HTM").write_text('<html><a href="IHE_PDI/PAGE1.HTM">study</a></html>')
    (cd / "README.TXT").write_text("This disc holds images. Use the viewer.\n")
    (cd / "IHE_PDI").mkdir()
    (cd / "IHE_PDI" / "PAGE1.HTM").write_text('<html><img src="THUMB1.JPG"></html>')
    Image.new("RGB", (64, 64), "gray").save(cd / "IHE_PDI" / "THUMB1.JPG", "JPEG")
    (cd / "PDSV" / "BIN").mkdir(parents=True)
    (cd / "PDSV" / "BIN" / "OVERLAY.XML").write_text("<overlay/>")
    (cd / "PDSV" / "BIN" / "PDSV.LNK").write_bytes(b"L\x00\x00\x00\x01\x14\x02\x00" * 8)
    (records / "my questions.txt").write_text("What stage is it?\nWhich treatment next?\n")
    result = scan(records)
    skipped, finding = disc.take_viewer(result)
    left = {s.location for s in result.sources}
    assert left == {"CD/DICOM/IM000001", "CD/DICOMDIR", "my questions.txt"}
    assert len(skipped) == 7 and finding.code == "viewer-software"


def test_a_disc_copied_over_the_records_keeps_the_caregivers_own_text(tmp_path):
    shutil.copy(get_testdata_file("CT_small.dcm"), tmp_path / "DICOMDIR")
    (tmp_path / "autorun.inf").write_text("[autorun]\n")
    (tmp_path / "questions.txt").write_text("Is surgery needed?\nWhat are the risks?\n")
    manifest = api.scan_folder(tmp_path, api.Options(appointment=date(2026, 1, 1)))
    assert "questions.txt" in {d.source for d in manifest.documents}
