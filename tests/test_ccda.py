"""C-CDA documents (R1.1, R2.1, vendor quirks) read into the common model from real XML files."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from xml.etree.ElementTree import tostring

import defusedxml.ElementTree as SafeTree
import pytest

from intake import api
from intake.cda.narrative import narrative_html
from intake.cda.read import read_cda
from intake.extractors import extract
from intake.scan import identify
from tests.conftest import APPOINTMENT, ROOT, packet_index

FIXTURES = ROOT / "samples" / "ccda"


def document_from(path: Path):
    (document,) = extract(identify(path, path.name))
    return document


def lab(document, test):
    return next(r for r in document.labs if r.test == test)


def med(document, name):
    return next(m for m in document.medications if m.name.lower().startswith(name))


def test_r21_ccd_header_and_coded_entries():
    document = document_from(FIXTURES / "ccd_r21.xml")
    assert (document.kind, document.date, document.title) == (
        "visit_summary",
        "2026-10-20",
        "Continuity of Care Document",
    )
    assert document.patient.name == "Marguerite A Testwell"
    assert document.patient.birth_date == "1961-03-14"
    assert document.patient.identifiers == ("ZZ-0000123",)
    assert document.author == "Dr. Alice Carefield, Sample Valley Oncology Clinic"

    anastrozole = med(document, "anastrozole")
    assert (anastrozole.strength, anastrozole.form, anastrozole.route, anastrozole.frequency) == (
        "1 mg",
        "tablet",
        "by mouth",
        "daily",
    )
    assert anastrozole.dose == "1 tablet"
    assert med(document, "metformin").dose == "500 mg"
    assert (anastrozole.code, anastrozole.status, anastrozole.start) == (
        "199224",
        "active",
        "2026-10-06",
    )
    ondansetron = med(document, "ondansetron")  # PIVL_TS 8 h, not institution-specified, PRN
    assert ondansetron.frequency == "every 8 hours, as needed for nausea"
    assert med(document, "metformin").frequency == "twice daily"  # 12 h, institution-specified

    hemoglobin = lab(document, "Hemoglobin")
    assert (hemoglobin.value, hemoglobin.unit, hemoglobin.reference_range, hemoglobin.flag) == (
        "10.9",
        "g/dL",
        "11.5-15.5 g/dL",
        "L",
    )
    assert (hemoglobin.code, hemoglobin.collected, hemoglobin.flag_derived) == (
        "718-7",
        "2026-10-14",
        False,
    )
    platelets = lab(document, "Platelets")  # no interpretationCode: derived from the range
    assert (platelets.unit, platelets.flag, platelets.flag_derived) == ("x10E3/uL", "H", True)
    assert lab(document, "WBC").flag is None  # interpretation N
    assert lab(document, "CA 27.29").flag == "H"
    assert lab(document, "Hepatitis B virus surface Ag").value == "Negative"

    assert document.sections["allergies"] == ["Penicillin G: Hives"]
    assert document.sections["problems"][0].startswith("Malignant neoplasm of left breast")
    assert "Type 2 diabetes mellitus" in document.sections["problems"]
    assert document.sections["procedures"] == ["Core needle biopsy of breast (2026-09-08)"]
    assert document.sections["encounters"] == ["Oncology follow-up visit (2026-10-20)"]
    assert "Systolic blood pressure: 128 mmHg (2026-10-20)" in document.sections["vital_signs"]
    assert document.sections["plan"][0] == "Continue anastrozole 1 mg daily for 5 years."


def test_r11_prefixed_namespace_nullflavors_and_template_only_sections():
    document = document_from(FIXTURES / "ccd_r11_prefixed.xml")
    assert document.patient.name == "Marguerite Testwell"
    assert document.patient.identifiers == ("ZZ-0000123",)  # the masked SSN id is left out
    assert document.author == "Riverbend Primary Care"
    lisinopril = med(document, "lisinopril")  # code nullFlavor, RxNorm in a translation
    assert (lisinopril.code, lisinopril.strength, lisinopril.route) == (
        "314076",
        "10 mg",
        "by mouth",
    )
    assert med(document, "atorvastatin").frequency == "at bedtime"  # EIVL_TS HS
    glucose = lab(document, "Glucose")  # section known only by its templateId
    assert (glucose.flag, glucose.flag_derived, glucose.collected) == ("H", True, "2026-08-30")
    albumin = lab(document, "Albumin")
    assert (albumin.value, albumin.flag) == ("<2.0", "LL")
    assert [r.test for r in document.labs if r.test == "Potassium"] == []  # value nullFlavor
    assert document.sections["allergies"] == ["No known allergies"]
    assert document.sections["problems"] == ["Essential hypertension"]


def test_txt_with_bom_stylesheet_and_unknown_sections(tmp_path):
    document = document_from(FIXTURES / "discharge_summary_bom.txt")
    assert document.media_type == "application/hl7-cda+xml"
    assert (document.kind, document.date) == ("discharge_summary", "2026-09-10")
    assert document.author == "Ben Wardley MD, Sample Valley General Hospital"
    (filgrastim,) = document.medications
    assert (filgrastim.name, filgrastim.strength, filgrastim.route, filgrastim.frequency) == (
        "Filgrastim",
        "480 mcg/0.8 mL",
        "subcutaneous",
        "daily",
    )
    assert (filgrastim.start, filgrastim.end) == ("2026-09-10", "2026-09-15")
    assert document.sections["diagnoses"] == [
        "Febrile neutropenia after cycle 2 of chemotherapy.",
        "Febrile neutropenia, resolved.",
    ]
    assert 'alert("x")' not in document.text


def test_narrative_html_is_built_from_a_whitelist():
    cda = read_cda((FIXTURES / "discharge_summary_bom.txt").open("rb"))
    html = "".join(narrative_html(s.narrative) for s in cda.walk())
    assert "<table><tr><td>Filgrastim" in html
    for banned in ("script", "alert", "onclick", "evil", "border", "renderMultiMedia", "href"):
        assert banned not in html
    ccd = read_cda((FIXTURES / "ccd_r21.xml").open("rb"))
    plan = next(s for s in ccd.walk() if s.kind == "plan")
    rendered = narrative_html(plan.narrative)
    assert "<strong>call the clinic</strong>" in rendered
    assert "example.invalid" not in rendered and "<ul><li>Continue anastrozole" in rendered


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("cut.xml", (FIXTURES / "ccd_r21.xml").read_bytes()[:5000], "damaged XML"),
        (
            "entities.xml",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            b'<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&a;</title></ClinicalDocument>',
            "refused unsafe XML",
        ),
    ],
)
def test_damaged_or_unsafe_ccda_is_unreadable_with_its_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    document = document_from(path)
    assert document.kind == "unreadable"
    assert reason in document.warnings[0]


def test_minimal_and_nonxml_body_documents_do_not_crash(tmp_path):
    path = tmp_path / "scan.xml"
    path.write_text(
        '<ClinicalDocument xmlns="urn:hl7-org:v3"><code nullFlavor="UNK"/>'
        '<component><nonXMLBody><text mediaType="text/plain">Referral letter: please see '
        "Ms Testwell.</text></nonXMLBody></component></ClinicalDocument>"
    )
    document = document_from(path)
    assert document.kind == ""  # left for understanding, which reads the text
    assert "Referral letter" in document.text
    assert document.medications == () and document.labs == ()


def test_ccda_values_satisfy_the_checklist_and_are_not_mined_twice(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copyfile(FIXTURES / "ccd_r21.xml", folder / "CCD.xml")
    manifest = api.scan_folder(folder, api.Options(appointment=APPOINTMENT))
    (document,) = manifest.documents
    status = {item.id: item.status for item in manifest.checklist}
    assert status["test_results"] == "present" and status["medications"] == "present"
    assert len(document.medications) == 3  # the plan's "anastrozole 1 mg daily" is not a 4th
    assert len(document.labs) == 5


def test_packet_holds_a_readable_page_for_each_ccda(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copyfile(FIXTURES / "discharge_summary_bom.txt", folder / "discharge.txt")
    shutil.copyfile(FIXTURES / "ccd_r21.xml", folder / "CCD.xml")
    out = tmp_path / "packet"
    manifest = api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    index = packet_index(out)
    pages = {d.source: index[d.id]["readable"] for d in manifest.documents}
    assert all(pages.values())
    discharge = (out / pages["discharge.txt"]).read_text(encoding="utf-8")
    assert "Febrile neutropenia, resolved." in discharge
    assert "Marguerite Testwell" in discharge and "born 1961-03-14" in discharge
    for banned in ("<script", "alert(", "onclick", "http://", "https://"):
        assert banned not in discharge
    ccd = (out / pages["CCD.xml"]).read_text(encoding="utf-8")
    assert "<td>Penicillin G</td>" in ccd and "Continue anastrozole" in ccd
    (original,) = index[next(d.id for d in manifest.documents if d.source == "CCD.xml")]["files"]
    assert f'href="../{original}"' in ccd
    assert (out / original).read_bytes() == (FIXTURES / "ccd_r21.xml").read_bytes()
    index = (out / "INDEX.HTM").read_text(encoding="utf-8")
    assert f'href="{pages["CCD.xml"]}"' in index
    assert (out / pages["CCD.xml"]).stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.iterdir()))
def test_vendor_damage_never_crashes_the_parser(fixture):
    """Remove every element once (a section, a code, a value, an effectiveTime...) and give
    nullFlavor to each in turn: the reader still returns a document every time."""
    data = (FIXTURES / fixture).read_bytes()
    whole = len(read_cda(io.BytesIO(data)).walk())
    root = SafeTree.fromstring(data)
    count = sum(1 for _ in root.iter())
    for index in range(1, count):
        for damage in ("remove", "null"):
            tree = SafeTree.fromstring(data)
            parents = {child: parent for parent in tree.iter() for child in parent}
            element = list(tree.iter())[index]
            if damage == "remove":
                parents[element].remove(element)
            else:
                element.attrib.clear()
                element.set("nullFlavor", "UNK")
            cda = read_cda(io.BytesIO(tostring(tree)))  # raises nothing
            assert len(cda.walk()) <= whole, (index, damage)  # damage invents no section


RESULTS_SECTION = """<section xmlns="urn:hl7-org:v3"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <code code="30954-2" codeSystem="2.16.840.1.113883.6.1"/>
  <text><table><tbody>
    <tr ID="lab-7result-21"><td>6/26/2017</td><td>Color of Urine(5778-6)</td><td>yellow</td></tr>
    <tr ID="r2"><td>5778-6</td><td>U COLOR</td><td>YELLOW</td><td>Ref: YELLOW</td></tr>
  </tbody></table></text>
  <entry><organizer classCode="BATTERY" moodCode="EVN">
    <effectiveTime value="20170626"/>
    <component><observation classCode="OBS" moodCode="EVN">
      <code xsi:type="CE" code="5778-6" codeSystem="2.16.840.1.113883.6.1"/>
      <value xsi:type="ED">yellow</value>
    </observation></component>
    <component><observation classCode="OBS" moodCode="EVN">
      <code code="5778-6" codeSystem="2.16.840.1.113883.6.1" displayName="U COLOR"/>
      <value xsi:type="ED"><reference value="YELLOW"/></value>
      <referenceRange><observationRange><text>Ref: YELLOW</text></observationRange></referenceRange>
    </observation></component>
    <component><observation classCode="OBS" moodCode="EVN">
      <code code="11502-2" codeSystem="2.16.840.1.113883.6.1" displayName="Laboratory report"/>
      <value xsi:type="ED" mediaType="application/pdf" representation="B64">JVBERi0xLjQ=</value>
    </observation></component>
    <component><observation classCode="OBS" moodCode="EVN">
      <code code="5767-9" codeSystem="2.16.840.1.113883.6.1" displayName="U APPEARANCE"/>
      <value xsi:type="ED"><reference value="http://example.org/result/1"/></value>
    </observation></component>
  </organizer></entry>
</section>"""


def test_word_results_written_as_ed_and_named_only_in_the_narrative():
    """Excerpts of two vendors' results (corpus: nexttech_summary_of_care_13.xml, an ED value
    whose code has no display name, the name in a narrative cell "Name(LOINC)";
    openvista_carevue_amb_ccd_sample1.xml, the word in the ED reference's value). Base64
    attachments and links are never read as a value."""
    from intake.cda.entries import results

    section = SafeTree.fromstring(RESULTS_SECTION)
    found = {(r.test, r.value, r.reference_range) for r in results(section, {}, None)}
    assert found == {("Color of Urine", "yellow", None), ("U COLOR", "YELLOW", "Ref: YELLOW")}


def test_a_code_two_cells_name_differently_gets_no_name_from_them():
    from intake.cda.entries import coded_cell_names

    section = SafeTree.fromstring(
        '<section xmlns="urn:hl7-org:v3"><text><table><tr><td>Glucose(5792-7)</td>'
        "<td>Sugar(5792-7)</td><td>Ketones Ur Strip-mCnc(5797-6)</td></tr></table></text>"
        "</section>"
    )
    assert coded_cell_names(section) == {"5797-6": "Ketones Ur Strip-mCnc"}


MEDICATIONS_SECTION = """<section xmlns="urn:hl7-org:v3"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <code code="10160-0" codeSystem="2.16.840.1.113883.6.1"/>
  <text><table>
    <thead><tr><th>Name</th><th>Code</th><th>Generic</th><th>Strength</th><th>Start</th>
      <th>End</th><th>Sig</th></tr></thead>
    <tbody><tr ID="Med15884247"><td>Tylenol Extra Strength 500 MG Oral Tablet</td>
      <td>RxNorm: 209459</td><td>Acetaminophen</td><td>500 MG</td><td>2015-06-22</td>
      <td>Not Indicated</td><td>Take 1 tablet (500 mg) by mouth every 6 hours as needed</td></tr>
    <tr ID="Med15884706"><td>Aranesp (Albumin Free) 500 MCG/ML Injection Solution</td>
      <td>RxNorm: 731241</td><td>Darbepoetin Alfa</td><td>500 MCG/ML</td><td>2015-06-22</td>
      <td>Not Indicated</td><td>Inject once a week</td></tr></tbody>
  </table></text>
  <entry><substanceAdministration classCode="SBADM" moodCode="EVN">
    <text><reference value="#Med15884247"/></text>
    <statusCode code="active"/>
    <effectiveTime xsi:type="IVL_TS"><low value="20150622070000"/><high nullFlavor="NI"/>
    </effectiveTime>
    <doseQuantity nullFlavor="NI"/>
    <consumable><manufacturedProduct><manufacturedMaterial>
      <code code="209459" displayName="Acetaminophen 500 MG" codeSystem="2.16.840.1.113883.6.88"/>
    </manufacturedMaterial></manufacturedProduct></consumable>
  </substanceAdministration></entry>
  <entry><substanceAdministration classCode="SBADM" moodCode="EVN">
    <text><reference value="#Med15884706"/></text>
    <statusCode code="active"/>
    <consumable><manufacturedProduct><manufacturedMaterial>
      <code code="731241" displayName="Darbepoetin Alfa 500 MCG/ML"
            codeSystem="2.16.840.1.113883.6.88"/>
    </manufacturedMaterial></manufacturedProduct></consumable>
  </substanceAdministration></entry>
</section>"""


def test_directions_only_in_the_referenced_narrative_row_are_read():
    """An excerpt of practicefusion_newman_alice_ccd.xml: the entries code the drug and its
    strength; how it is taken is only in the narrative row the entry references (its Sig
    cell). The directions were dropped; a physician needs 'every 6 hours as needed'."""
    from intake.cda.entries import medications
    from intake.cda.hl7 import narrative_ids

    section = SafeTree.fromstring(MEDICATIONS_SECTION)
    found = {(m.name, m.strength, m.route, m.frequency)
             for m in medications(section, narrative_ids(section))}  # fmt: skip
    assert found == {
        ("Acetaminophen", "500 mg", "by mouth", "every 6 hours, as needed"),
        ("Darbepoetin Alfa", "500 mcg/mL", None, "weekly"),
    }


def test_as_needed_is_said_once():
    """An entry's precondition ('as needed') beside directions that say it already
    (allscripts_sunrise_larson_rebecca_ccd.xml: '1 unit(s) orally , As Needed') read
    'as needed, as needed'."""
    from intake.understand.meds import as_needed

    assert as_needed("as needed", None) == "as needed"
    assert as_needed("every 6 hours, as needed", "pain") == "every 6 hours, as needed for pain"
    assert as_needed("daily", None) == "daily, as needed"
