"""Understanding the set: identity, timeline, staleness, specialty checklists, subtypes."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake import api
from intake.cli import cli
from intake.model import Person

from .conftest import APPOINTMENT, ROOT, make_samples


def statuses(manifest):
    return {item.id: item.status for item in manifest.checklist}


def other_patients(manifest):
    return [f for f in manifest.findings if f.code == "other-patient"]


def add_pdf(folder: Path, name: str, lines: list[str]) -> None:
    make_samples.write_pdf(folder / name, lines)


def test_another_patients_report_is_an_error_naming_it(copy_of, oncology):
    folder = copy_of(oncology)
    add_pdf(folder, "labs from portal.pdf", [
        "LABORATORY REPORT", "Patient Name: OTHERPERSON, JOHN Q    DOB: 01/02/1970",
        "Collected: 10/01/2026", "WBC 5.0 x10E3/uL 3.4-10.8"])  # fmt: skip
    add_pdf(folder, "same name other birthday.pdf", [
        "CONSULTATION NOTE", "Patient: Marguerite A Testwell   DOB: 03/14/1962",
        "Date of consultation: 10/01/2026"])  # fmt: skip
    manifest = api.scan_folder(folder, api.Options(appointment=APPOINTMENT))
    found = {f.message.split(" is probably")[0]: f for f in other_patients(manifest)}
    assert set(found) == {"labs from portal.pdf", "same name other birthday.pdf"}
    assert all(f.severity == "error" for f in found.values())
    assert "John Q Otherperson" in found["labs from portal.pdf"].message
    assert "1962-03-14" in found["same name other birthday.pdf"].message
    assert manifest.patient.name == "Marguerite A Testwell"  # the consensus did not move


def test_names_differing_only_in_format_raise_no_alarm(copy_of, oncology):
    folder = copy_of(oncology)
    add_pdf(
        folder, "a.pdf", ["CONSULTATION NOTE", "Patient: Marguerite Testwell  DOB: March 14, 1961"]
    )
    add_pdf(folder, "b.pdf", ["VISIT SUMMARY", "Name: testwell, marguerite a.   DOB: 1961-03-14"])
    add_pdf(
        folder, "c.pdf", ["VISIT SUMMARY", "Patient Name: Marguerite A. Testwel   DOB: 03/14/61"]
    )
    manifest = api.scan_folder(folder, api.Options(appointment=APPOINTMENT))
    assert other_patients(manifest) == []


def test_stated_patient_overrides_the_consensus(oncology):
    stated = Person(name="Someone Different", birth_date="1990-01-01")
    manifest = api.scan_folder(oncology, api.Options(appointment=APPOINTMENT, patient=stated))
    assert manifest.patient.name == "Someone Different"
    flagged = {d for f in other_patients(manifest) for d in f.documents}
    named = {
        d.id for d in manifest.documents if d.patient and (d.patient.name or d.patient.birth_date)
    }
    assert flagged == named


def test_cli_patient_and_birth_date_options(oncology):
    result = CliRunner().invoke(cli, ["scan", str(oncology), "--json", "--appointment",
                                      "2026-11-25", "--birth-date", "1961-03-14"])  # fmt: skip
    manifest = json.loads(result.stdout)
    assert manifest["patient"]["birth_date"] == "1961-03-14"
    assert manifest["appointment"] == "2026-11-25"
    for given in ("soon", "01/02/2026", "2026-13-01", "2026-1-2"):
        bad = CliRunner().invoke(cli, ["scan", str(oncology), "--appointment", given])
        assert bad.exit_code == 2 and "not an ISO date" in bad.stderr, given
        assert "YYYY-MM-DD" in bad.stderr
    for slip in ("0001-03-01", "0026-11-25", "9999-12-31"):  # 0001: OverflowError, a traceback
        bad = CliRunner().invoke(cli, ["scan", str(oncology), "--appointment", slip])
        assert bad.exit_code == 2 and "not a plausible date" in bad.stderr, bad.output
        assert "Traceback" not in bad.output
    unset = CliRunner().invoke(cli, ["scan", str(oncology), "--json"])
    assert json.loads(unset.stdout)["appointment"] is None  # not given: never today's date


def test_documents_without_identity_are_noted_not_failed(copy_of, oncology):
    folder = copy_of(oncology)
    add_pdf(folder, "list.pdf", ["MEDICATION LIST", "Ondansetron 8 mg every 8 hours as needed"])
    manifest = api.scan_folder(folder, api.Options(appointment=APPOINTMENT))
    (note,) = [f for f in manifest.findings if f.code == "no-identity"]
    assert note.severity == "info"
    assert "list.pdf" in note.message
    assert not [f for f in manifest.findings if f.code == "other-patient"]


def test_timeline_is_ordered_with_categories(oncology_manifest):
    timeline = oncology_manifest.timeline
    assert [e.date for e in timeline] == sorted(e.date for e in timeline)
    by_category = {e.category: e for e in timeline}
    assert by_category["imaging"].date == "2026-09-01"
    assert any(
        "Invasive ductal carcinoma" in e.title for e in timeline if e.category == "diagnosis"
    )
    first_labs = [e for e in timeline if e.category == "lab" and e.date == "2026-10-02"]
    assert len(first_labs) == 1  # the duplicate download once (both copies listed)
    assert by_category["treatment"].date == "2026-10-06"


def test_medication_starts_are_events(neurology_manifest):
    started = [e for e in neurology_manifest.timeline if e.title.startswith("Started")]
    assert [(e.date, e.title) for e in started] == [("2026-09-20", "Started Levetiracetam 500 mg")]


@pytest.mark.parametrize(
    ("appointment", "labs", "imaging"),
    [(date(2026, 11, 25), "present", "present"), (date(2027, 6, 1), "stale", "present"),
     (date(2027, 10, 1), "stale", "stale")],
)  # fmt: skip
def test_staleness_is_measured_from_the_appointment(oncology, appointment, labs, imaging):
    manifest = api.scan_folder(oncology, api.Options(appointment=appointment))
    found = statuses(manifest)
    assert (found["test_results"], found["imaging"]) == (labs, imaging)
    if labs == "stale":
        item = next(i for i in manifest.checklist if i.id == "test_results")
        assert "2026-10-14" in item.note and "90 days" in item.note


def test_specialty_checklist_keeps_the_default_items(oncology):
    manifest = api.scan_folder(oncology, api.Options(checklist="oncology", appointment=APPOINTMENT))
    found = statuses(manifest)
    assert {
        "records",
        "test_results",
        "imaging",
        "medications",
        "treatment_plan",
        "questions",
    } <= set(found)
    assert found["pathology_report"] == "present"
    assert found["treatment_summary"] == "present"
    assert found["molecular_report"] == "missing"
    assert found["operative_report"] == "missing"
    assert any("slides" in r for r in manifest.reminders)


def test_neurology_checklist_on_the_neurology_sample(neurology):
    manifest = api.scan_folder(
        neurology, api.Options(checklist="neurology", appointment=APPOINTMENT)
    )
    found = statuses(manifest)
    assert found["brain_spine_mri"] == "incomplete"
    assert found["eeg"] == "missing"
    assert found["neurology_note"] == "present"


def test_the_right_checklist_is_suggested(oncology_manifest, neurology_manifest):
    assert oncology_manifest.suggested_checklist == "oncology"
    assert neurology_manifest.suggested_checklist == "neurology"
    assert any(
        f.code == "suggest-checklist" and "oncology list" in f.message
        for f in oncology_manifest.findings
    )


def test_labelled_set_classification_accuracy(tmp_path):
    """The committed labelled set: kind and subtype right for at least 95% of documents."""
    spec = importlib.util.spec_from_file_location(
        "make_labelled_set", ROOT / "samples" / "make_labelled_set.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.build(tmp_path / "labelled")
    committed = ROOT / "samples" / "labelled"
    assert sorted(p.name for p in written) == sorted(p.name for p in committed.glob("*.txt"))
    for path in written:  # the committed set is exactly what the generator writes
        assert path.read_text() == (committed / path.name).read_text(), path.name
    assert len(written) >= 60
    manifest = api.scan_folder(tmp_path / "labelled", api.Options(appointment=APPOINTMENT))
    right = sum(
        d.source.rsplit("-", 1)[0] == d.kind + (f".{d.subtype}" if d.subtype else "")
        for d in manifest.documents
    )
    assert right / len(manifest.documents) >= 0.95


def test_questions_sheet_when_missing_and_questions_first_when_present(
    neurology, oncology, tmp_path
):
    missing = api.build_packet(neurology, tmp_path / "n", api.Options(appointment=APPOINTMENT))
    html = (tmp_path / "n" / "INDEX.HTM").read_text()
    assert "What happens if I wait" in html and not any(
        d.kind == "questions" for d in missing.documents
    )
    api.build_packet(oncology, tmp_path / "o", api.Options(appointment=APPOINTMENT))
    html = (tmp_path / "o" / "INDEX.HTM").read_text()
    assert "Should I have genetic testing for BRCA?" in html
    assert html.index("genetic testing for BRCA") < html.index("What to bring: checklist")


CCDA = """<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="CDA.xsl"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <code code="18842-5" codeSystem="2.16.840.1.113883.6.1" displayName="Discharge summary"/>
  <title>Discharge Summary</title>
  <effectiveTime value="20261012093000-0500"/>
  <recordTarget><patientRole><id extension="ZZ-0000123" root="2.16.840.1.113883.19.5"/>
    <patient><name><given>{given}</given><family>{family}</family></name>
      <birthTime value="{birth}"/></patient></patientRole></recordTarget>
  <component><structuredBody><component><section>
    <title>Hospital Course</title><text>Admitted after lumpectomy; recovered well.</text>
  </section></component><component><section>
    <title>Discharge Medications</title><text>Anastrozole 1 mg tablet by mouth daily</text>
  </section></component></structuredBody></component>
</ClinicalDocument>
"""


def test_ccda_record_target_feeds_the_identity_check(copy_of, oncology):
    folder = copy_of(oncology)
    (folder / "discharge.xml").write_text(
        CCDA.format(given="Marguerite", family="Testwell", birth="19610314"), encoding="utf-8"
    )
    (folder / "CCD.txt").write_text(  # a portal that names C-CDAs .txt
        CCDA.format(given="Jonas", family="Otherperson", birth="19700102"), encoding="utf-8"
    )
    manifest = api.scan_folder(folder, api.Options(appointment=APPOINTMENT))
    docs = {d.source: d for d in manifest.documents}
    mine = docs["discharge.xml"]
    assert (mine.kind, mine.date, mine.patient.name) == (
        "discharge_summary",
        "2026-10-12",
        "Marguerite Testwell",
    )
    assert mine.patient.birth_date == "1961-03-14"
    assert [m.name for m in mine.medications] == ["Anastrozole"]
    flagged = [f for f in other_patients(manifest)]
    assert [f.message.split(" is probably")[0] for f in flagged] == ["CCD.txt"]
    assert "Jonas Otherperson" in flagged[0].message and "1970-01-02" in flagged[0].message


def test_ccda_with_external_entities_is_refused_without_reading_them(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT")
    records = tmp_path / "records"
    records.mkdir()
    (records / "xxe.xml").write_text(
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>'
        '<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&s;</title></ClinicalDocument>'
    )
    manifest = api.scan_folder(records, api.Options(appointment=APPOINTMENT))
    (document,) = manifest.documents
    assert document.kind == "unreadable"
    assert "unsafe XML" in document.warnings[0]
    assert "SECRET-CONTENT" not in manifest.to_json(with_text=True)
