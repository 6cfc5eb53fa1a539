"""The clinical summary (PacketSummary): built once, rendered first and alike by INDEX.HTM,
PACKET.PDF's first page, the CSVs and the CLI, every fact linked to its source document."""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from click.testing import CliRunner

from intake import api
from intake.cli import cli
from intake.model import (
    Allergy,
    ChecklistStatus,
    Document,
    LabResult,
    Manifest,
    Medication,
    Person,
    Problem,
)
from intake.packet.summary import NOT_GIVEN, PacketSummary, summarise
from intake.packet.trends import trend_key, unit_key
from tests.conftest import APPOINTMENT

REASON = "Confirm the staging and whether radiation is needed"


@pytest.fixture(scope="module")
def packet(oncology, tmp_path_factory) -> tuple[Path, Manifest]:
    out = tmp_path_factory.mktemp("summary") / "PACKET"
    manifest = api.build_packet(oncology, out, api.Options(appointment=APPOINTMENT, reason=REASON))
    return out, manifest


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _html(out: Path) -> str:
    return (out / "INDEX.HTM").read_text(encoding="utf-8")


def _html_summary(page: str) -> str:
    start = page.index('<section id="summary"')
    return page[start : page.index("</section>", start)]


def _html_facts(page: str) -> list[str]:
    """Each fact of the HTML summary as text (its source labels included)."""
    items = re.findall(r'<li class="fact">(.*?)</li>', _html_summary(page), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def _pdf_summary_text(out: Path) -> str:
    """The text of PACKET.PDF's summary pages, up to its table of contents."""
    with pdfplumber.open(out / "PACKET.PDF") as pdf:
        text = ""
        for page in pdf.pages[:3]:
            lines = (page.extract_text() or "").splitlines()
            if lines and re.search(r"page \d+ of \d+$", lines[-1]):
                lines = lines[:-1]  # the page's footer (patient, part, page number)
            text += "\n".join(lines) + "\n"
            if "\nContents\n" in text:
                break
    return text[: text.index("\nContents\n")]


def _pdf_contents(out: Path) -> dict[str, int]:
    """The PDF's table of contents: title -> page number."""
    with pdfplumber.open(out / "PACKET.PDF") as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages[:3])
    lines = text.split("\nContents\n", 1)[1].splitlines()
    found = [re.fullmatch(r"(.+) · page (\d+)", line) for line in lines]
    return {match[1]: int(match[2]) for match in found if match}


def _page_starts(pdf: pikepdf.Pdf) -> dict[str, int]:
    """Page label prefix ("D0004-") -> the index of its first page."""
    numbers = list(pdf.Root.PageLabels.Nums)
    return {str(numbers[i + 1].P): int(numbers[i]) for i in range(0, len(numbers), 2)}


def test_the_summary_states_the_clinical_facts_with_their_sources(packet):
    _, manifest = packet
    summary = summarise(manifest)
    assert summary.reason == REASON
    assert summary.appointment == APPOINTMENT.isoformat()
    by_key = {section.key: section for section in summary.sections}
    facts = {key: " | ".join(f.text for f in s.facts) for key, s in by_key.items()}
    assert "Penicillin G: Hives" in facts["allergies"]
    assert "Malignant neoplasm of left breast" in facts["diagnoses"]
    assert "Anastrozole 1 mg" in facts["current-medications"]
    assert "Highly suggestive of malignancy" in facts["imaging-impressions"]
    assert "Lumpectomy with sentinel lymph node biopsy." in facts["plan"]
    assert "Hemoglobin 10.9 g/dL L" in facts["abnormal-labs"]
    ids = {d.id for d in manifest.documents}
    assert summary.facts and all(f.sources and set(f.sources) <= ids for f in summary.facts)


def test_every_html_fact_is_in_the_pdf_summary_and_vice_versa(packet):
    out, manifest = packet
    summary = summarise(manifest)
    facts = _html_facts(_html(out))
    expected = [f"{f.text} " + " ".join(f"[{i}]" for i in f.sources) for f in summary.facts]
    assert [_squash(f) for f in facts] == [_squash(f) for f in expected]
    pdf_text = _squash(_pdf_summary_text(out))
    for fact in facts:
        assert _squash(fact) in pdf_text, fact
    # what the PDF summary says beyond the HTML's facts: only the same headings, the same
    # head lines and the same "none found" sentences
    rest = pdf_text
    for fact in sorted(facts, key=len, reverse=True):
        rest = rest.replace(_squash(fact), "", 1)
    known = ["Secondopinion:clinicalsummary"]
    known += [_squash(f"{label}: {value}") for label, value in summary.head]
    for section in summary.sections:
        known.append(_squash(section.title))
        known += [_squash(line) for line in section.lines if line not in
                  {f.text for f in section.facts}]  # fmt: skip
    for text in sorted(known, key=len, reverse=True):
        rest = rest.replace(text, "")
    rest = re.sub(r"Prepared\d{4}-\d\d-\d\d·intake[^·]*·\d+documents·checklist:\w+·"
                  r"eachfactlinkstothedocumentstatingit", "", rest)  # fmt: skip
    rest = rest.replace("Clinicalsummary", "")  # the page footer's part name
    assert rest.replace("-", "") == ""  # the facts' dashes


def test_no_stated_fact_lacks_a_source_link_in_the_html(packet):
    out, manifest = packet
    section = _html_summary(_html(out))
    items = re.findall(r'<li class="fact">(.*?)</li>', section, re.S)
    assert items
    page = _html(out)
    for item in items:
        links = re.findall(r'<a class="src" href="([^"]+)"[^>]*>\[(D\d+)\]</a>', item)
        assert links, item
        for href, doc_id in links:
            if href.startswith("#"):
                assert f'id="{href[1:]}"' in page
            else:
                assert (out / href).is_file(), href
            assert any(d.id == doc_id for d in manifest.documents)


def test_no_stated_fact_lacks_a_link_to_its_pages_in_the_pdf(packet):
    out, manifest = packet
    summary = summarise(manifest)
    with pikepdf.open(out / "PACKET.PDF") as pdf:
        starts = _page_starts(pdf)
        summary_pages = [i for i in range(len(pdf.pages)) if i < starts["Timeline-"]]
        targets = []
        for number in summary_pages:
            for annotation in pdf.pages[number].obj.get("/Annots", []):
                assert "/A" not in annotation or "/URI" not in annotation.A  # all resolved
                if "/Dest" in annotation:
                    page = annotation.Dest[0]
                    targets.append(next(i for i, p in enumerate(pdf.pages) if p.obj == page))
        contents = _pdf_contents(out)
    wanted = Counter(starts[f"{doc_id}-"] for f in summary.facts for doc_id in f.sources)
    wanted.update(page - 1 for page in contents.values())  # and each line of the contents
    assert Counter(targets) == wanted
    assert "For the caregiver: to do and checklist" in contents


def test_the_summary_comes_before_the_to_do_list_and_checklist(packet):
    out, manifest = packet
    page = _html(out)
    summary, contents = page.index('id="summary"'), page.index('id="contents"')
    to_do = page.index('id="todo"')
    assert summary < contents < page.index('id="documents"') < to_do
    assert page.index(manifest.to_do[0]) > to_do
    assert page.index("What to bring: checklist") > to_do
    with pdfplumber.open(out / "PACKET.PDF") as pdf:
        first = pdf.pages[0].extract_text()
        texts = [(page.extract_text() or "").lstrip() for page in pdf.pages[:12]]
    caregiver = [i for i, text in enumerate(texts) if text.startswith("For the caregiver")]
    assert "Diagnoses and problems" in first and manifest.to_do[0][:30] not in first
    assert len(caregiver) == 1 and caregiver[0] > 0
    assert "What to bring" in texts[caregiver[0]]
    assert _pdf_contents(out)["For the caregiver: to do and checklist"] == caregiver[0] + 1


def test_csv_rows_have_their_headers_columns_in_the_one_lab_order(packet):
    out, manifest = packet
    for name in ("LABS.CSV", "MEDS.CSV"):
        rows = list(csv.reader(io.StringIO((out / "EXTRA" / name).read_text("utf-8"))))
        assert len(rows) > 1
        assert all(len(row) == len(rows[0]) for row in rows), name
    labs = list(csv.DictReader(io.StringIO((out / "EXTRA" / "LABS.CSV").read_text("utf-8"))))
    summary = summarise(manifest)
    assert [(r["test"], r["document"]) for r in labs] == [
        (lab.test, d.id) for lab, d in summary.labs
    ]
    table = _html(out).split('<section id="labs">', 1)[1].split("</table>", 1)[0]
    shown = [html.unescape(t) for t in re.findall(r"<tr[^>]*><td[^>]*>([^<]*)", table)]
    assert shown == [trend.name for trend in summary.trends]  # one row per analyte and unit
    # the CSV's one row per result follows the same analyte order
    order = {(t.key, unit_key(t.unit)): i for i, t in enumerate(summary.trends)}
    positions = [order[trend_key(lab)] for lab, _ in summary.labs]
    assert positions == sorted(positions)


def test_the_cli_prints_the_same_summary(oncology, tmp_path):
    out = tmp_path / "P"
    result = CliRunner().invoke(
        cli, ["packet", str(oncology), "-o", str(out), "--appointment", "2026-11-25",
              "--reason", REASON, "--no-cache"], terminal_width=400,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.index("Clinical summary") < text.index("To do before the appointment")
    for fact in _html_facts(_html(out)):
        assert _squash(fact) in _squash(text)


def _document(doc_id: str, kind: str, date: str | None = None, **fields) -> Document:
    return Document(source=f"{doc_id}.pdf", sha256=doc_id, size=1, media_type="application/pdf",
                    kind=kind, id=doc_id, date=date, title=kind, **fields)  # fmt: skip


def _manifest(*documents: Document, **fields) -> Manifest:
    fields.setdefault("checklist", (ChecklistStatus("records", "Records", "present"),))
    fields.setdefault("findings", ())
    return Manifest(patient=Person("Ada Example", "1960-01-01"), documents=documents, **fields)


def test_problems_allergies_and_stopped_medications_from_records():
    pathology = _document(
        "D0001", "pathology_report", "2026-09-10",
        problems=(Problem("Invasive ductal carcinoma, left breast", status="active",
                          onset="2026-09-08", code="ICD-10 C50.912",
                          detail="stage IIA, grade 2, ER+/PR+/HER2-"),),
    )  # fmt: skip
    summary_doc = _document(
        "D0002", "visit_summary", "2026-10-20",
        allergies=(Allergy("Penicillin G", reaction="hives", severity="moderate"),),
        medications=(Medication("Tamoxifen", strength="20 mg", frequency="daily",
                                status="stopped", end="2026-10-01"),
                     Medication("Anastrozole", strength="1 mg", frequency="daily",
                                status="active")),
        sections={"problems": ["Hypertension"], "plan": ["Start radiation in 4 weeks."]},
    )  # fmt: skip
    summary = summarise(_manifest(pathology, summary_doc))
    sections = {s.key: s for s in summary.sections}
    diagnoses = sections["diagnoses"].facts
    assert diagnoses[0].text == (
        "Invasive ductal carcinoma, left breast — stage IIA, grade 2, ER+/PR+/HER2- "
        "(since 2026-09-08, ICD-10 C50.912)"
    )
    assert diagnoses[0].sources == ("D0001",)
    # a document without Problem records gives its problem section's lines
    assert [f.text for f in diagnoses[1:]] == ["Hypertension"]
    assert sections["allergies"].facts[0].text == "Penicillin G: hives, moderate"
    assert [f.text for f in sections["current-medications"].facts] == ["Anastrozole 1 mg daily"]
    stopped = sections["stopped-medications"].facts
    assert [f.text for f in stopped] == ["Tamoxifen 20 mg daily (stopped, ended 2026-10-01)"]
    assert sections["plan"].facts[0].sources == ("D0002",)
    # the appointment was not stated: today's date is never shown as the appointment
    assert summary.appointment == NOT_GIVEN and summary.reason == NOT_GIVEN


def test_a_medication_whose_course_ended_before_the_appointment_is_not_current():
    """A five-day course that ended in September is not a current medication at a November
    appointment (a C-CDA's effectiveTime high); its end is shown, in the summary and in
    the medication tables, with a status the source kept ('active') beside it."""
    visit = _document(
        "D0001", "visit_summary", "2026-09-10",
        medications=(Medication("Filgrastim", strength="480 mcg/0.8 mL", frequency="daily",
                                start="2026-09-10", end="2026-09-15"),
                     Medication("Anastrozole", strength="1 mg", frequency="daily",
                                start="2026-09-10", end="2031-09-10"),
                     Medication("Lisinopril", strength="10 mg", frequency="daily",
                                status="active", end="2026-10-01")),
    )  # fmt: skip
    summary = summarise(_manifest(visit, appointment="2026-11-25"))
    sections = {s.key: s for s in summary.sections}
    assert [f.text for f in sections["current-medications"].facts] == ["Anastrozole 1 mg daily"]
    assert [f.text for f in sections["stopped-medications"].facts] == [
        "Filgrastim 480 mcg/0.8 mL daily (ended 2026-09-15)",
        "Lisinopril 10 mg daily (ended 2026-10-01, status still active)",
    ]
    assert summary.ended_note("filgrastim") == "ended 2026-09-15"
    assert summary.ended_note("Anastrozole") == ""
    earlier = summarise(_manifest(visit, appointment="2026-09-12"))  # during the course
    assert "Filgrastim" in " ".join(
        f.text for s in earlier.sections if s.key == "current-medications" for f in s.facts
    )


def test_a_drug_current_in_one_record_and_stopped_in_another_is_current_at_its_live_dose():
    """A VA Blue Button download (amida-tech's v12.4 sample) lists 'AMLODIPINE BESYLATE 5MG
    TAB' as active and the 10 mg tablet as discontinued and expired: the first page showed
    'Amlodipine 5 mg / 10 mg daily (documents differ)' as current, and lisinopril, whose
    first record was discontinued, as stopped although another record of it was active."""
    download = _document(
        "D0001", "visit_summary", "2013-03-18",
        medications=(Medication("AMLODIPINE BESYLATE", strength="5 mg", frequency="daily",
                                status="active"),
                     Medication("AMLODIPINE BESYLATE", strength="10 mg", frequency="daily",
                                status="discontinued"),
                     Medication("LISINOPRIL", strength="10 mg", frequency="daily",
                                status="discontinued"),
                     Medication("LISINOPRIL", strength="5 mg", frequency="daily",
                                status="active")),
    )  # fmt: skip
    summary = summarise(_manifest(download, appointment="2013-04-01"))
    sections = {s.key: s for s in summary.sections}
    assert [f.text for f in sections["current-medications"].facts] == [
        "AMLODIPINE BESYLATE 5 mg daily",
        "LISINOPRIL 5 mg daily",
    ]
    assert "stopped-medications" not in sections or not sections["stopped-medications"].facts


def test_the_medication_tables_say_which_drugs_stopped(tmp_path):
    """INDEX.HTM's and PACKET.PDF's medication tables mark a drug its newest document says
    stopped (they showed it like any other)."""
    import shutil

    from tests.conftest import ROOT

    folder = tmp_path / "records"
    shutil.copytree(ROOT / "samples" / "ccda", folder)
    out = tmp_path / "packet"
    manifest = api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    summary = summarise(manifest)
    stopped = [row.name for row in manifest.medication_list if summary.ended_note(row.name)]
    assert sorted(stopped) == ["Filgrastim"]  # a course ended (Lisinopril's entry says
    # 'completed' with no end date: listed as current, with the question; see below)
    page = _html(out)
    table = page[page.index('<section id="medications">') :]
    table = table[: table.index("</section>")]
    for name in stopped:
        row = table[table.index(html.escape(name)) :]
        row = row[: row.index("</tr>")]
        assert f"stopped: {html.escape(summary.ended_note(name))}" in row
    with pdfplumber.open(out / "PACKET.PDF") as pdf:
        text = " ".join(page.extract_text() or "" for page in pdf.pages)
    assert "stopped: " in text


def test_a_stated_appointment_and_no_allergy_information():
    summary = summarise(_manifest(_document("D0001", "lab_report"), appointment="2026-11-30",
                                  reason="Staging"))  # fmt: skip
    assert summary.appointment == "2026-11-30" and summary.reason == "Staging"
    allergies = next(s for s in summary.sections if s.key == "allergies")
    assert allergies.facts == () and "not the same as no allergies" in allergies.lines[0]


def test_latest_abnormal_labs_only_and_one_order():
    older = _document("D0001", "lab_report", "2026-09-01", labs=(
        LabResult("Hemoglobin", "9.8", "g/dL", "11.5-15.5", "L", "2026-09-01"),
        LabResult("Sodium", "129", "mmol/L", "135-145", "L", "2026-09-01"),
    ))  # fmt: skip
    newer = _document("D0002", "lab_report", "2026-10-01", labs=(
        LabResult("Sodium", "140", "mmol/L", "135-145", None, "2026-10-01"),
        LabResult("hemoglobin", "10.1", "g/dL", "11.5-15.5", "L", "2026-10-01"),
    ))  # fmt: skip
    summary: PacketSummary = summarise(_manifest(older, newer))
    abnormal = next(s for s in summary.sections if s.key == "abnormal-labs").facts
    assert [(f.text, f.sources) for f in abnormal] == [
        ("hemoglobin 10.1 g/dL L (range 11.5-15.5), 2026-10-01", ("D0002",))
    ]  # sodium's latest value is normal; hemoglobin's older value is left out
    assert [(lab.test, lab.collected) for lab, _ in summary.labs] == [
        ("Hemoglobin", "2026-09-01"), ("hemoglobin", "2026-10-01"),
        ("Sodium", "2026-09-01"), ("Sodium", "2026-10-01"),
    ]  # fmt: skip


def test_a_visit_notes_assessment_and_follow_up_read_as_its_plan():
    note = _document(
        "D0001", "visit_summary", "2026-09-20",
        text="Reason for visit: first seizure.\nAssessment: new-onset seizure.\n"
        "Medications started: Levetiracetam 500 mg twice daily.\nFollow-up: EEG.\n",
    )  # fmt: skip
    lab = _document("D0002", "lab_report", "2026-09-21", text="Plan: not a plan source.\n")
    plan = next(s for s in summarise(_manifest(note, lab)).sections if s.key == "plan")
    assert [(f.text, f.sources) for f in plan.facts] == [
        ("Assessment: new-onset seizure.", ("D0001",)),
        ("Follow-up: EEG.", ("D0001",)),
    ]


def test_another_patients_record_lends_nothing_to_the_summary(copy_of, oncology):
    """A record of someone else slipped into the folder (the review found another patient's
    allergies, medications, ID and plan in the summary): it stays listed with its error, and
    the summary, trends, timeline and merged medication list leave it out and say so."""
    folder = copy_of(oncology)
    (folder / "other visit.txt").write_text(
        "VISIT SUMMARY\nPatient: Zed Q Otherperson    DOB: 01/01/1950    MRN: QQ-999\n"
        "Visit date: 10/05/2026\nAllergies: Codeine (wheezing)\n"
        "Current medications:\nAtenolol 25 mg daily\n"
        "Assessment and Plan\n1. Angina: start aspirin 81 mg daily\n"
    )
    manifest = api.scan_folder(folder, api.Options(appointment=date(2026, 11, 25)))
    (other,) = [d for d in manifest.documents if d.source == "other visit.txt"]
    assert any(f.code == "other-patient" and other.id in f.documents for f in manifest.findings)
    assert "QQ-999" not in manifest.patient.identifiers
    summary = summarise(manifest)
    shown = " ".join(f.text for f in summary.facts)
    for word in ("Atenolol", "Codeine", "Angina", "aspirin"):
        assert word not in shown, word
    left = next(s for s in summary.sections if s.key == "left-out")
    assert [f.sources for f in left.facts] == [(other.id,)]
    assert all(other.id not in e.documents for e in manifest.timeline)
    assert all(other.id not in row.documents for row in manifest.medication_list)
    assert all(other.id not in r.documents for t in summary.trends for r in (t.latest, *t.earlier))


def test_a_heading_is_never_left_alone_at_the_foot_of_a_page():
    """The caregiver page's 'Findings' heading, pushed down a line at a time by more checklist
    items, always starts a page with what it heads rather than ending one alone (seen at the
    foot of a rendered page)."""
    from intake.model import Finding
    from intake.packet.pdf_pages import caregiver_page

    finding = Finding("stale-item", "warning", "the newest imaging report is 14 months old")
    alone = set()
    for count in range(30, 60):
        items = tuple(ChecklistStatus(f"item{n}", f"Item {n}", "present") for n in range(count))
        manifest = _manifest(checklist=items, findings=(finding,))
        with pdfplumber.open(io.BytesIO(caregiver_page(manifest, ()))) as pdf:
            for page in pdf.pages:
                lines = [line for line in (page.extract_text() or "").splitlines() if line]
                body = [line for line in lines if "Ada Example" not in line]  # not the footer
                if body and body[-1].strip() == "Findings":
                    alone.add(count)
    assert not alone


def test_no_known_allergies_beside_a_listed_allergy_says_so():
    """One record says 'No known allergies' and another lists penicillin: the summary showed
    both as they were, one above the other; the first now says other records disagree."""
    older = _document("D0001", "visit_summary", "2026-09-01",
                      allergies=(Allergy("No known allergies"),))  # fmt: skip
    newer = _document("D0002", "visit_summary", "2026-10-20",
                      allergies=(Allergy("Penicillin G", reaction="Hives"),))  # fmt: skip
    facts = {s.key: [f.text for f in s.facts] for s in summarise(_manifest(older, newer)).sections}
    assert facts["allergies"] == [
        "No known allergies (other records list allergies)", "Penicillin G: Hives",
    ]  # fmt: skip
    alone = {s.key: [f.text for f in s.facts] for s in summarise(_manifest(older)).sections}
    assert alone["allergies"] == ["No known allergies"]


def test_completed_without_an_end_date_is_current_with_a_question():
    """microsoft/FHIR-Converter's Patient-1.ccda and History_and_Physical.ccda (MIT): every
    medication entry says statusCode 'completed' with no end date, their tables say Active;
    the summary listed aspirin, metoprolol and lisinopril as stopped. A course that ended
    (an end date) or another stop word still moves a drug to the stopped list."""
    visit = _document(
        "D0001", "visit_summary", "2026-10-01",
        medications=(Medication("Aspirin", strength="81 mg", status="completed"),
                     Medication("Amoxicillin", strength="500 mg", status="completed",
                                end="2026-09-20"),
                     Medication("Warfarin", strength="5 mg", status="discontinued")),
    )  # fmt: skip
    summary = summarise(_manifest(visit, appointment="2026-11-25"))
    sections = {s.key: s for s in summary.sections}
    assert [f.text for f in sections["current-medications"].facts] == [
        "Aspirin 81 mg (status 'completed', no end date: ask whether still taken)"
    ]
    assert [f.text for f in sections["stopped-medications"].facts] == [
        "Amoxicillin 500 mg (completed, ended 2026-09-20)",
        "Warfarin 5 mg (discontinued)",
    ]
