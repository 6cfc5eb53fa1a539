"""check() on hand-built documents: one table of cases, each with the exact checklist statuses
and the exact findings (code, severity, documents named) in the order check() gives them.

The expected answers come from intake/checklists/default.toml and the rules in intake/check.py.
Only run_check() knows the shape check() returns.
"""

from __future__ import annotations

from datetime import date

import pytest

from intake.check import check, identity_findings, load_checklist
from intake.model import (
    Document,
    ImagingStudy,
    LabResult,
    Medication,
    Person,
    Skipped,
)

APPOINTMENT = date(2026, 11, 1)  # labs stale before 2026-08-03, imaging before 2025-11-01
NAME, BIRTH = "Marguerite A Testwell", "1961-03-14"
ITEMS = ["records", "test_results", "imaging", "medications", "treatment_plan", "questions"]
ALL_PRESENT = dict.fromkeys(ITEMS, "present")


def run_check(
    documents: list[Document],
    *,
    skipped: list[Skipped] = (),
    appointment: date | None = APPOINTMENT,
    patient: Person | None = None,
) -> tuple[dict[str, str], list[tuple[str, str, tuple[str, ...]]]]:
    """check() against the default checklist: {item id: status}, and each finding as
    (code, severity, ids of the documents it names), in check()'s order."""
    assessment = check(
        documents,
        load_checklist("default"),
        skipped,
        appointment=appointment,
        patient=patient,
    )
    return (
        {s.id: s.status for s in assessment.statuses},
        [(f.code, f.severity, tuple(f.documents)) for f in assessment.findings],
    )


# --- documents, built by hand -----------------------------------------------------------------


ME = Person(NAME, BIRTH)  # check() never changes what it is given: one copy serves all


def doc(id: str, kind: str, *, patient: Person | None = ME, **fields) -> Document:
    """A document as the extract and understand stages would leave it."""
    fields.setdefault("date", "2026-10-20")
    return Document(
        source=fields.pop("source", f"{id}.pdf"),
        sha256=fields.pop("sha256", f"sha-{id}"),
        size=1000,
        media_type=fields.pop("media_type", "application/pdf"),
        kind=kind,
        id=id,
        patient=patient,
        **fields,
    )


def hemoglobin(collected: str | None = "2026-10-14") -> LabResult:
    return LabResult("Hemoglobin", "11.2", "g/dL", "11.5-15.5", "L", collected)


def lab_report(id: str = "labs", **fields) -> Document:
    fields.setdefault("labs", [hemoglobin()])
    return doc(id, "lab_report", **{"date": "2026-10-14", **fields})


def mr_study(day: str = "2026-09-14") -> Document:
    header = ImagingStudy("1.2.3", day, "MR", "BRAIN W/WO", "HEAD", series=3, instances=120)
    return doc("study", "imaging_study", date=day, title="MR BRAIN", imaging=[header])


def report(**fields) -> Document:
    return doc(
        "report", "imaging_report", **{"date": "2026-09-15", "about_study": "1.2.3", **fields}
    )


def medication_list(*medications: Medication) -> Document:
    return doc("meds", "medication_list", medications=list(medications))


ANASTROZOLE = Medication("anastrozole", strength="1 mg", frequency="daily")


def full(**replace: list[Document]) -> list[Document]:
    """A folder satisfying every item of the default checklist, with some items' documents
    replaced (an empty list leaves the item unsatisfied)."""
    by_item = {
        "records": [doc("visit", "visit_summary")],
        "test_results": [lab_report()],
        "imaging": [mr_study(), report()],
        "medications": [medication_list(ANASTROZOLE)],
        "treatment_plan": [doc("plan", "treatment_plan")],
        "questions": [doc("questions", "questions", patient=None)],
    }
    by_item.update(replace)
    return [d for item in ITEMS for d in by_item[item]]


def someone_else(id: str = "other", birth: str = "1950-01-01") -> Document:
    return doc(id, "visit_summary", patient=Person("John Q Otherman", birth))


def broken(**fields) -> Document:
    return doc("broken", "unreadable", patient=None, warnings=["pdf: damaged"], **fields)


ERR, WARN, INFO = "error", "warning", "info"

CASES = [
    # statuses -----------------------------------------------------------------------------
    pytest.param(full(), {}, ALL_PRESENT, [], id="everything-present"),
    pytest.param(
        full(records=[doc("visit", "visit_summary", text="Ductal carcinoma: chemotherapy next")]),
        {},
        ALL_PRESENT,
        [("suggest-checklist", INFO, ())],  # two kinds of oncology evidence, default checklist
        id="records-of-one-specialty-suggest-its-checklist",
    ),
    pytest.param(
        full(
            medications=[
                medication_list(ANASTROZOLE),
                doc("meds2", "medication_list", medications=[Medication("anastrozole", "2 mg")]),
            ]
        ),
        {},
        ALL_PRESENT,
        [("medication-dose-conflict", WARN, ("meds", "meds2"))],  # 1 mg here, 2 mg there
        id="one-drug-at-two-strengths",
    ),
    pytest.param(
        [],
        {},
        dict.fromkeys(ITEMS, "missing"),
        [("missing-item", WARN, ())] * 6,  # one per item, in the checklist's order
        id="empty-folder",
    ),
    pytest.param(
        full(test_results=[lab_report(labs=[])]),
        {},
        {**ALL_PRESENT, "test_results": "incomplete"},
        [("incomplete-item", WARN, ("labs",))],
        id="lab-report-without-values",
    ),
    pytest.param(
        full(test_results=[lab_report(date="2026-10-30", labs=[hemoglobin("2026-05-01")])]),
        {},
        {**ALL_PRESENT, "test_results": "stale"},
        [("stale-item", WARN, ("labs",))],
        id="recent-report-of-old-values-is-stale",
    ),
    pytest.param(
        full(test_results=[lab_report(labs=[hemoglobin("2026-08-03")])]),
        {},
        ALL_PRESENT,
        [],
        id="values-exactly-90-days-old-are-not-stale",
    ),
    pytest.param(
        full(test_results=[lab_report(labs=[hemoglobin("2026-05-01")])]),
        {"appointment": None},
        ALL_PRESENT,
        [],
        id="no-appointment-nothing-is-stale",
    ),
    pytest.param(
        full(test_results=[lab_report(date=None, labs=[hemoglobin(None)])]),
        {},
        ALL_PRESENT,
        [],
        id="undated-values-are-present-not-stale",
    ),
    pytest.param(
        full(test_results=[doc("summary", "discharge_summary", labs=[hemoglobin()])]),
        {},
        ALL_PRESENT,
        [],
        id="values-in-a-summary-count-as-test-results",
    ),
    pytest.param(
        full(medications=[medication_list(Medication("anastrozole", frequency="daily"))]),
        {},
        {**ALL_PRESENT, "medications": "incomplete"},
        [("incomplete-item", WARN, ("meds",))],
        id="medications-without-dosages",
    ),
    pytest.param(
        full(medications=[doc("summary", "visit_summary", medications=[ANASTROZOLE])]),
        {},
        ALL_PRESENT,
        [],
        id="medications-in-a-summary-count",
    ),
    pytest.param(
        full(medications=[broken(medications=[ANASTROZOLE])]),
        {},
        {**ALL_PRESENT, "medications": "missing"},
        [("unreadable-file", ERR, ("broken",)), ("missing-item", WARN, ())],
        id="unreadable-file-satisfies-nothing",
    ),
    pytest.param(
        full(imaging=[mr_study()]),
        {},
        {**ALL_PRESENT, "imaging": "incomplete"},
        [("imaging-without-report", WARN, ("study",))],  # said once: no incomplete-item too
        id="images-without-a-report",
    ),
    pytest.param(
        full(imaging=[report()]),
        {},
        {**ALL_PRESENT, "imaging": "incomplete"},
        [("report-without-images", WARN, ("report",))],
        id="report-without-images",
    ),
    pytest.param(
        full(imaging=[mr_study(), report(about_study="9.9.9")]),
        {},
        {**ALL_PRESENT, "imaging": "incomplete"},
        [
            ("imaging-without-report", WARN, ("study",)),
            ("report-without-images", WARN, ("report",)),
        ],
        id="report-of-another-study",
    ),
    pytest.param(
        full(imaging=[mr_study(), report(about_study=None, date="2026-09-14", title="MRI brain")]),
        {},
        ALL_PRESENT,
        [],
        id="report-matched-by-date-and-modality",
    ),
    pytest.param(
        full(imaging=[mr_study(), report(about_study=None, date="2026-09-14", title="CT chest")]),
        {},
        {**ALL_PRESENT, "imaging": "incomplete"},
        [
            ("imaging-without-report", WARN, ("study",)),
            ("report-without-images", WARN, ("report",)),
        ],
        id="ct-report-on-an-mr-study-date-is-not-its-report",
    ),
    pytest.param(
        full(imaging=[mr_study("2025-06-01"), report(date="2025-06-02")]),
        {},
        {**ALL_PRESENT, "imaging": "stale"},
        [("stale-item", WARN, ("study", "report"))],
        id="imaging-older-than-a-year",
    ),
    # identity --------------------------------------------------------------------------------
    pytest.param(
        full(
            records=[doc("visit", "visit_summary", patient=Person("TESTWELL, MARGUERITE", BIRTH))]
        ),
        {"patient": ME},
        ALL_PRESENT,
        [],
        id="same-patient-written-differently",
    ),
    pytest.param(
        [*full(), someone_else()],
        {"patient": ME},
        ALL_PRESENT,
        [("other-patient", ERR, ("other",))],
        id="another-patients-record",
    ),
    pytest.param(
        full(records=[doc("visit", "visit_summary", patient=Person(NAME, "1961-04-14"))]),
        {"patient": ME},
        ALL_PRESENT,
        [("other-patient", ERR, ("visit",))],
        id="same-name-other-birth-date",
    ),
    pytest.param(
        [*full(), someone_else()],
        {"patient": None},
        ALL_PRESENT,
        [],
        id="no-stated-patient-no-identity-check",
    ),
    pytest.param(
        [*full(), lab_report("both", others_named=["John Q Otherman"])],
        {"patient": ME},
        ALL_PRESENT,
        [("two-patients", ERR, ("both",))],
        id="two-people-in-one-file",
    ),
    pytest.param(  # hl7_labcorp_ana_multiple_ranges.pdf: one name, two reports' birth dates
        [
            *full(),
            lab_report(
                "both",
                text=(
                    "Age (Y/M/D): 26/05/21   Date of Birth: 01/23/90   Sex: M   Fasting\n"
                    "ANA Direct Negative\n"
                    "Age (Y/M/D): 56/07/30   Date of Birth: 01/01/60   Sex: F   Fasting\n"
                    "ANA Direct Positive Abnormal\n"
                ),
            ),
        ],
        {"patient": ME},
        ALL_PRESENT,
        [("two-birth-dates", WARN, ("both",))],
        id="two-birth-dates-in-one-file",
    ),
    pytest.param(  # the same birth date on every page: one person
        [*full(), lab_report("same", text="Date of Birth: 01/23/90\nDOB: 1990-01-23\n")],
        {"patient": ME},
        ALL_PRESENT,
        [],
        id="one-birth-date-repeated",
    ),
    pytest.param(
        [
            *full(treatment_plan=[doc("plan", "treatment_plan", patient=Person())]),
            doc("photo", "other", patient=None),  # nothing read from it: not listed
            doc("note", "other", patient=None, text="call the office on Tuesday"),
        ],
        {"patient": ME},
        ALL_PRESENT,
        [("no-identity", INFO, ("plan", "note"))],
        id="documents-naming-nobody",
    ),
    # files -----------------------------------------------------------------------------------
    pytest.param(
        [*full(), broken()],
        {"patient": ME},
        ALL_PRESENT,
        [("unreadable-file", ERR, ("broken",))],
        id="unreadable-file",
    ),
    pytest.param(
        [*full(), doc("viewer", "other", patient=None, warnings=["a program, not a record"])],
        {"patient": ME},
        ALL_PRESENT,
        [("not-read", INFO, ("viewer",))],
        id="file-no-extractor-reads",
    ),
    pytest.param(
        full(
            test_results=[
                lab_report(),
                lab_report("copy", source="labs (1).pdf", sha256="sha-labs"),
            ]
        ),
        {},
        ALL_PRESENT,
        [("duplicate-file", INFO, ("labs", "copy"))],
        id="identical-copies",
    ),
    pytest.param(
        [
            *full(),
            doc("fhir-1", "visit_summary", source="export.json", sha256="sha-export"),
            lab_report("fhir-2", source="export.json", sha256="sha-export"),
        ],
        {},
        ALL_PRESENT,
        [],
        id="documents-of-one-file-are-not-copies",
    ),
    pytest.param(
        full(),
        {"skipped": [Skipped("disc/link", "a link out of the folder: not followed")]},
        ALL_PRESENT,
        [("skipped-path", INFO, ())],
        id="skipped-path",
    ),
    pytest.param(
        full(),
        {
            "skipped": [
                Skipped(
                    "scans",
                    "12 files in it not read: one run reads at most 50,000 files: split the "
                    "folder and read each part on its own",
                )
            ]
        },
        ALL_PRESENT,
        [("files-left-out", WARN, ())],
        id="files-left-out",
    ),
    # order -----------------------------------------------------------------------------------
    pytest.param(
        [
            *full(questions=[], treatment_plan=[doc("plan", "treatment_plan", patient=None)]),
            someone_else(),
            broken(),
            lab_report("copy", source="labs (1).pdf", sha256="sha-labs"),
        ],
        {"patient": ME, "skipped": [Skipped("disc/link", "a link out of the folder")]},
        {**ALL_PRESENT, "questions": "missing"},
        [  # made as other-patient, no-identity, missing-item, unreadable-file, duplicate-file,
            # skipped-path
            ("other-patient", ERR, ("other",)),
            ("unreadable-file", ERR, ("broken",)),
            ("missing-item", WARN, ()),
            ("no-identity", INFO, ("plan",)),
            ("duplicate-file", INFO, ("labs", "copy")),
            ("skipped-path", INFO, ()),
        ],
        id="most-severe-first-stable-within-a-severity",
    ),
]


@pytest.mark.parametrize(("documents", "options", "statuses", "findings"), CASES)
def test_check(documents, options, statuses, findings):
    assert run_check(documents, **options) == (statuses, findings)


def test_the_table_covers_every_status_and_every_finding_check_makes():
    """A new status or finding code in check.py needs a case above."""
    import inspect
    import re

    import intake.check
    import intake.understand.reconcile

    sources = inspect.getsource(intake.check) + inspect.getsource(intake.understand.reconcile)
    made = set(re.findall(r'Finding\(\s*"([a-z-]+)"', sources))
    table = [case.values for case in CASES]
    covered = {code for *_, findings in table for code, _, _ in findings}
    assert made == covered
    statuses = {status for *_, expected, _ in table for status in expected.values()}
    assert statuses == {"present", "missing", "incomplete", "stale"}


def test_a_name_read_without_its_accents_is_the_same_patient():
    # photo/tsilva_labmed_porto_2014_hemogram_page.png: OCR reads 'ANDRÉ' as 'ANDRE'
    me = Person("José Iñigo Peña", BIRTH)
    documents = [
        doc("visit", "visit_summary", patient=me),
        doc("scan", "visit_summary", patient=Person("JOSE INIGO PENA", BIRTH)),
        lab_report(patient=Person("Jose Iñigo Pena")),
    ]
    assert identity_findings(documents, me) == []
    other = doc("other", "visit_summary", patient=Person("José Iñigo Peralta", BIRTH))
    assert [f.code for f in identity_findings([other], me)] == ["other-patient"]
