"""The timeline: clinical events with their sources, from the samples and real C-CDA/FHIR files.

Expected answers come from reading the sample generator and the real files' XML/JSON."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from intake import api
from intake.model import Document, Event, LabResult, Medication, Problem, manifest_schema
from intake.understand import timeline as timeline_module
from intake.understand.timeline import build_timeline

from .conftest import APPOINTMENT

REAL = Path("/work/realcorpus/files")


def events(manifest, category: str) -> list[Event]:
    return [e for e in manifest.timeline if e.category == category]


def ids(manifest, source_part: str) -> list[str]:
    return [d.id for d in manifest.documents if source_part in d.source]


def test_oncology_events_come_from_what_the_records_state(oncology_manifest):
    m = oncology_manifest
    timeline = m.timeline
    assert [e.date for e in timeline] == sorted(e.date for e in timeline)
    (study,) = events(m, "imaging")  # the DICOM study, with its report: once
    assert (study.date, study.title) == ("2026-09-01", "MG DIAGNOSTIC MAMMOGRAM BILATERAL")
    assert study.documents == ids(m, "ST000000") + ids(m, "Mammogram report")
    diagnoses = {e.title: e for e in events(m, "diagnosis")}
    pathology = next(e for t, e in diagnoses.items() if t.startswith("Invasive ductal carcinoma"))
    assert pathology.date == "2026-09-08" and pathology.documents == ids(m, "Pathology Report")
    ccd = ids(m, "DOC0001")
    assert diagnoses["Type 2 diabetes mellitus"].date == "2019"  # the CCD's onset: a year only
    assert diagnoses["Malignant neoplasm of left breast"].date == "2026-09-08"
    (biopsy,) = events(m, "procedure")
    assert (biopsy.date, biopsy.title, biopsy.documents) == (
        "2026-09-08", "Core needle biopsy of breast", ccd)  # fmt: skip
    labs = {e.date: e for e in events(m, "lab")}
    assert set(labs) == {"2026-10-02", "2026-10-14"}
    assert labs["2026-10-02"].title.startswith("8 abnormal results: WBC L, Hemoglobin L")
    assert labs["2026-10-02"].title.endswith("and 2 more")
    # the same download twice is one document (both paths in its files): one event
    (lab_report,) = labs["2026-10-02"].documents
    assert len(next(d for d in m.documents if d.id == lab_report).files) == 2
    assert labs["2026-10-14"].title == "3 abnormal results: Hemoglobin L, Platelets H, CA 27.29 H"
    started = {(e.date, e.title) for e in events(m, "medication")}
    assert ("2026-10-06", "Started Anastrozole 1 mg") in started
    assert ("2019-03-02", "Started metformin hydrochloride 500 mg") in started
    # document dates only where nothing better is known: the plan, not the lab report or CCD
    assert [e.title for e in timeline if e.category in ("test", "visit")] == []
    assert [(e.date, e.title) for e in events(m, "treatment")] == [("2026-10-06", "TREATMENT PLAN")]


def test_every_event_names_existing_documents(oncology_manifest, neurology_manifest):
    for manifest in (oncology_manifest, neurology_manifest):
        known = {d.id for d in manifest.documents}
        assert all(e.documents and set(e.documents) <= known for e in manifest.timeline)
        keys = [(e.date, e.category, e.title) for e in manifest.timeline]
        assert len(keys) == len(set(keys))


def test_text_discharge_summary_and_operative_note(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "discharge.txt").write_text(
        "DISCHARGE SUMMARY\nPatient: Test Person\n"
        "Admission Date: 03/02/2026     Discharge Date: 03/06/2026\n"
        "Hospital course: uneventful.\n"
    )
    (folder / "op note.txt").write_text(
        "OPERATIVE REPORT\nPatient: Test Person\nDate of surgery: 03/03/2026\n"
        "Procedure performed: Left partial mastectomy with sentinel node biopsy\n"
    )
    manifest = api.scan_folder(folder, api.Options(appointment=APPOINTMENT))
    found = {(e.date, e.category, e.title) for e in manifest.timeline}
    assert ("2026-03-02", "admission", "Admitted to hospital") in found
    assert ("2026-03-06", "discharge", "Discharged from hospital") in found
    assert (
        "2026-03-03", "procedure", "Left partial mastectomy with sentinel node biopsy"
    ) in found  # fmt: skip


def test_the_same_fact_from_two_documents_is_one_event():
    ccd = Document("a.xml", None, 1, "application/xml", kind="visit_summary", id="D0001",
                   date="2026-10-20", structured=True,
                   problems=(Problem("Invasive ductal carcinoma", onset="2026-09-08"),),
                   medications=(Medication("Tamoxifen", strength="20 mg", start="2026-10-01",
                                           end="2026-11-01", status="stopped"),))  # fmt: skip
    pdf = Document("b.pdf", None, 1, "application/pdf", kind="pathology_report", id="D0002",
                   date="2026-09-08",
                   problems=(Problem("Invasive ductal carcinoma."),))  # fmt: skip
    found = build_timeline([ccd, pdf])
    assert [(e.date, e.category, e.title, e.documents) for e in found] == [
        ("2026-09-08", "diagnosis", "Invasive ductal carcinoma", ["D0001", "D0002"]),
        ("2026-10-01", "medication", "Started Tamoxifen 20 mg", ["D0001"]),
        ("2026-11-01", "medication", "Stopped Tamoxifen 20 mg", ["D0001"]),
    ]


def test_an_active_medications_planned_end_is_no_stop():
    planned = Medication("Lisinopril", start="2025-01-01", end="2027-01-01", status="active")
    doc = Document("a.xml", None, 1, "application/xml", kind="medication_list", id="D0001",
                   structured=True, medications=(planned,))  # fmt: skip
    assert [e.title for e in build_timeline([doc])] == ["Started Lisinopril"]


def test_a_long_history_is_bounded_with_a_summary(monkeypatch):
    monkeypatch.setattr(timeline_module, "MAX_EVENTS", 10)
    labs = tuple(
        LabResult("Glucose", "200", flag="H", collected=f"2020-01-{day:02d}")
        for day in range(1, 21)
    )
    doc = Document("labs.pdf", None, 1, "application/pdf", kind="lab_report", id="D0001",
                   labs=labs, problems=(Problem("Diabetes", onset="2019-05-01"),))  # fmt: skip
    found = build_timeline([doc])
    assert len(found) == 10
    assert found[0].title == "Diabetes"  # kept: the routine results go first
    summary = found[1]
    assert summary.category == "other" and summary.date == "2020-01-01"
    assert summary.title == "12 older events not listed (lab), 2020-01-01 to 2020-01-12"
    assert [e.date for e in found[2:]] == [f"2020-01-{day}" for day in range(13, 21)]


def scan_one(tmp_path: Path, path: Path):
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copy(path, folder)
    return api.scan_folder(folder, api.Options(appointment=APPOINTMENT))


def test_real_ccda_discharge_summary(tmp_path):
    # encompassingEncounter low 201409091904, high 201409161904; the procedure entry's
    # effectiveTime low 20140910; the Appendicitis observation (three sections) low 20140908
    m = scan_one(tmp_path, REAL / "ccda" / "hl7_discharge_summary.xml")
    found = {(e.date, e.category, e.title) for e in m.timeline}
    assert ("2014-09-09", "admission", "Admitted to hospital") in found
    assert ("2014-09-16", "discharge", "Discharged from hospital") in found
    assert ("2014-09-10", "procedure", "Laparoscopic appendectomy") in found
    assert [e.date for e in m.timeline if e.title == "Appendicitis"] == ["2014-09-08"]


def test_real_ccda_inpatient_stay(tmp_path):
    # encompassingEncounter effectiveTime low 20150622100000-0500, high 20150624000000-0500
    m = scan_one(tmp_path, REAL / "ccda" / "healthgrid_inpatient_discharge_summary.xml")
    assert [e.date for e in events(m, "admission")] == ["2015-06-22"]
    assert [e.date for e in events(m, "discharge")] == ["2015-06-24"]


def test_a_ccd_without_a_stay_has_no_admission(tmp_path):
    m = scan_one(tmp_path, REAL / "ccda" / "hl7_ccd_sample1.xml")
    assert events(m, "admission") == [] and events(m, "discharge") == []


def test_real_fhir_conditions_procedures_and_flags(tmp_path):
    # Condition "eindstandig colostoma" onsetDateTime "2014"; "urine-incontinentie"
    # 2014-06-01; Procedure "Placing restraint using limb restraint" performedPeriod start
    # 2019-05-01; Observation "Hemoglobine" 2022-01-02 interpreted 281300000 (below range)
    m = scan_one(tmp_path, REAL / "fhir" / "nl_core_ips_patient_01.json")
    found = {(e.date, e.category, e.title) for e in m.timeline}
    assert ("2014", "diagnosis", "eindstandig colostoma") in found
    assert ("2014-06-01", "diagnosis", "urine-incontinentie") in found
    assert ("2019-05-01", "procedure", "Placing restraint using limb restraint") in found
    assert ("2022-01-02", "lab", "Abnormal result: Hemoglobine L") in found
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(m.to_contract(), manifest_schema())  # a year-only event date is valid


def test_a_month_matched_case_blind_but_unknown_is_no_date():
    from intake.understand.dates import document_date

    # the long s matches 's' case-blind, so the pattern takes 'Auguſt'; no table holds it
    assert document_date("Date: Auguſt 3, 2024") is None
    assert document_date("Date: August 3, 2024") == "2024-08-03"
