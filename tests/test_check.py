"""The checklist as data, its evaluation, and the findings about a set."""

from __future__ import annotations

from datetime import date

import pytest

from intake import api
from intake.check import available_checklists, load_checklist
from intake.errors import UsageError

CONTRACT_IDS = ["records", "test_results", "imaging", "medications", "treatment_plan", "questions"]


def statuses(manifest):
    return {item.id: item.status for item in manifest.checklist}


def test_default_checklist_has_the_contract_ids_and_reminders():
    checklist = load_checklist("default")
    assert [item.id for item in checklist.items] == CONTRACT_IDS
    reminders = " ".join(checklist.reminders).lower()
    for thing in ("disc", "notebook", "insurance", "referral"):
        assert thing in reminders
    assert "default" in [c.name for c in available_checklists()]


def test_oncology_sample_has_the_default_list_and_the_oncology_list_checked_too(
    oncology_manifest,
):
    """Issue 17: the records fit oncology, so the oncology list's own items are checked too
    (marked with its name): the molecular and operative reports the sample lacks are missing."""
    default = {i.id: i.status for i in oncology_manifest.checklist if i.checklist is None}
    added = {i.id: i.status for i in oncology_manifest.checklist if i.checklist == "oncology"}
    assert default == dict.fromkeys(CONTRACT_IDS, "present")
    assert added["molecular_report"] == "missing" and added["operative_report"] == "missing"
    assert added["pathology_report"] == "present" and added["staging"] == "present"
    assert not set(added) & set(CONTRACT_IDS)
    assert oncology_manifest.complete  # added items are advisory: shown, flagged, not counted
    assert any("(oncology list)" in line for line in oncology_manifest.to_do)


def test_checklist_default_keeps_only_the_default_list(oncology):
    manifest = api.scan_folder(
        oncology, api.Options(checklist="default", appointment=date(2026, 11, 25))
    )
    assert [i.id for i in manifest.checklist] == CONTRACT_IDS
    assert statuses(manifest) == dict.fromkeys(CONTRACT_IDS, "present")
    assert manifest.complete


def test_neurology_sample_flags_missing_questions_and_imaging_report(neurology_manifest):
    found = statuses(neurology_manifest)
    assert found["questions"] == "missing"
    assert found["imaging"] == "incomplete"
    assert found["test_results"] == "present"
    assert found["medications"] == "present"
    codes = {f.code: f for f in neurology_manifest.findings}
    assert "has no report" in codes["imaging-without-report"].message
    assert "2026-09-14" in codes["imaging-without-report"].message
    assert any(
        f.code == "missing-item" and "questions" in f.message for f in neurology_manifest.findings
    )
    assert not neurology_manifest.complete


def test_identical_files_are_one_document_listing_both_paths(oncology_manifest):
    (labs,) = [d for d in oncology_manifest.documents if "labcorp" in d.source]
    assert labs.source == "Portal downloads/labcorp_results_2026-10-02.pdf"
    assert [ref.source for ref in labs.files] == [
        "Portal downloads/labcorp_results_2026-10-02.pdf",
        "Portal downloads/labcorp_results_2026-10-02 (1).pdf",
    ]
    assert "also at Portal downloads/labcorp_results_2026-10-02 (1).pdf" in labs.warnings
    assert not [f for f in oncology_manifest.findings if f.code == "duplicate-file"]


def test_items_satisfied_name_their_documents(oncology_manifest):
    ids = {d.id: d for d in oncology_manifest.documents}
    for item in oncology_manifest.checklist:
        assert bool(item.documents) == (item.status != "missing"), item.id
        assert all(doc_id in ids for doc_id in item.documents)
    imaging = next(i for i in oncology_manifest.checklist if i.id == "imaging")
    assert {ids[i].kind for i in imaging.documents} == {"imaging_study", "imaging_report"}


def test_medications_without_dosages_are_incomplete(tmp_path):
    (tmp_path / "meds.txt").write_text("MEDICATION LIST\nMetformin\nLisinopril\n")
    (tmp_path / "summary.txt").write_text("VISIT SUMMARY\nOffice visit for diabetes follow-up\n")
    manifest = api.scan_folder(tmp_path)
    med_item = next(i for i in manifest.checklist if i.id == "medications")
    assert med_item.status == "incomplete"
    assert "dosages" in med_item.note


def test_medications_in_a_summary_count(tmp_path):
    (tmp_path / "summary.txt").write_text(
        "VISIT SUMMARY\nOffice visit\nMetformin 500 mg twice daily\n"
    )
    manifest = api.scan_folder(tmp_path)
    assert statuses(manifest)["medications"] == "present"


def test_custom_checklist_from_a_path(tmp_path):
    custom = tmp_path / "mine.toml"
    custom.write_text(
        'name = "mine"\nlabel = "Just questions"\n'
        '[[items]]\nid = "questions"\nlabel = "Questions"\nkinds = ["questions"]\n'
    )
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "q.txt").write_text("Is it cancer?\nWhat next?\n")
    manifest = api.scan_folder(tmp_path / "records", api.Options(checklist=custom))
    assert manifest.checklist_name == "mine"
    assert statuses(manifest) == {"questions": "present"}
    assert manifest.complete


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[items]]\nid = "x"\nlabel = "X"\nkinds = ["photos"]\n', "unknown kinds"),
        (
            '[[items]]\nid = "x"\nlabel = "X"\nkinds = ["questions"]\nrequires = "magic"\n',
            "unknown rule",
        ),
        ("not toml [", "not valid"),
        ('name = "no items"\n', "not valid"),
    ],
)
def test_invalid_checklists_are_usage_errors(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message):
        load_checklist(path)


def test_unknown_checklist_name_lists_the_known_ones():
    with pytest.raises(UsageError, match=r"known: .*default"):
        load_checklist("astrology")


def test_findings_made_after_the_checklist_are_sorted_with_the_rest(tmp_path):
    """A dose conflict (found after check()) stands above every info finding."""

    (tmp_path / "list a.txt").write_text("My medications\nMetformin 500 mg twice daily\n")
    (tmp_path / "list b.txt").write_text("Current medications\nMetformin 1000 mg twice daily\n")
    manifest = api.scan_folder(tmp_path, api.Options(appointment=date(2026, 1, 1)))
    severities = [f.severity for f in manifest.findings]
    assert "medication-dose-conflict" in {f.code for f in manifest.findings}
    assert "info" in severities and "warning" in severities
    assert severities == sorted(severities, key=["error", "warning", "info"].index)


def test_a_visit_note_with_its_plan_satisfies_the_treatment_plan(neurology_manifest):
    """Issue 17: the neurology visit summary's assessment and follow-up are the first
    provider's plan; the item says which document holds it."""
    item = next(i for i in neurology_manifest.checklist if i.id == "treatment_plan")
    titles = {d.id: d.title for d in neurology_manifest.documents}
    assert item.status == "present"
    assert [titles[i] for i in item.documents] == ["NEUROLOGY CLINIC VISIT SUMMARY"]
    assert "the plan in NEUROLOGY CLINIC VISIT SUMMARY" in item.note


@pytest.mark.parametrize(
    ("text", "satisfies"),
    [
        ("VISIT SUMMARY\nAssessment and Plan\n1. Hypertension: continue lisinopril", True),
        ("CONSULT NOTE\nPlan: start tamoxifen 20 mg daily", True),
        ("VISIT SUMMARY\nImpression: migraine without aura", True),
        ("VISIT SUMMARY\nReason for visit: cough\nExam: clear lungs", False),
        ("VISIT SUMMARY\nThe patient has no plan to travel.", False),
    ],
)
def test_plan_headings(tmp_path, text, satisfies):
    (tmp_path / "note.txt").write_text(text + "\nPatient: Ann Example\n")
    manifest = api.scan_folder(tmp_path, api.Options(checklist="default"))
    kinds = {d.kind for d in manifest.documents}
    assert kinds & {"visit_summary", "consult_note"}, kinds
    assert (statuses(manifest)["treatment_plan"] == "present") is satisfies


def test_staleness_against_the_first_or_last_representable_day_does_not_overflow():
    """`appointment - timedelta(max_age_days)` overflowed for an appointment near year 1
    (found by a review: --appointment 0001-03-01 ended the run with OverflowError). The
    library API takes any date: the first day makes nothing stale, the last makes old
    results stale."""
    from intake.check import _staleness
    from intake.model import Document

    old = Document("labs.pdf", None, 10, "application/pdf", kind="lab_report", date="2020-01-01")
    assert _staleness([old], 365, date.min) == ("present", "")
    status, note = _staleness([old], 36_500, date.max)
    assert status == "stale" and "2020-01-01" in note


def test_a_content_pattern_matches_across_a_no_break_space(tmp_path):
    """RE2 (linear-time checklist patterns) has an ASCII `\\s`: "Stage\\xa0IIA" from a cp1252
    note no longer satisfied `stage\\s+...` (found by a review). Unicode spaces are matched
    as the spaces they show; a pattern still needs its words."""
    from intake.model import Document

    (tmp_path / "stage.toml").write_text(
        '[[items]]\nid = "staging"\nlabel = "Staging"\nkinds = ["other"]\n'
        "content = 'stage\\s+II|magnetic\\s+resonance'\n"
    )
    (item,) = load_checklist(tmp_path / "stage.toml").items

    def note(text: str) -> Document:
        return Document("note.txt", None, 1, "text/plain", kind="other", text=text)

    assert item.matches(note("Pathologic Stage\xa0IIA (AJCC 8th)"))
    assert item.matches(note("Magnetic\u2009resonance of the brain"))
    assert not item.matches(note("Stage\xa0I only"))
