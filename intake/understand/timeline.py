"""The story in order: dated clinical events, each with the documents stating it.

Events come from what the documents hold: problems with an onset (a pathology report's
diagnosis dated by the report), procedure lines of summaries (C-CDA, FHIR) and operative
notes, imaging studies (with the reports matched to them), flagged results grouped per
collection date and document, medication start and end dates, a hospital stay's admission
and discharge. A document's own date is an event only when nothing better comes from it.
The same fact from several documents is one event listing them all; past MAX_EVENTS the
oldest routine events (results, medications, visits) are summarised in one line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from intake.model import FLAGS, Document, Event, ImagingStudy, Medication

CATEGORY_BY_KIND = {
    "pathology_report": "diagnosis",
    "lab_report": "test",
    "imaging_study": "imaging",
    "imaging_report": "imaging",
    "operative_note": "procedure",
    "treatment_plan": "treatment",
    "medication_list": "medication",
    "visit_summary": "visit",
    "consult_note": "visit",
    "discharge_summary": "visit",
    "referral": "visit",
}
CATEGORY_BY_SUBTYPE = {
    "ecg": "test", "eeg": "test", "emg": "test", "stress_test": "test", "heart_monitor": "test",
    "molecular_report": "test", "echocardiogram": "imaging", "cardiac_catheterization": "procedure",
    "staging": "diagnosis", "physical_therapy": "treatment",
}  # fmt: skip
NOT_EVENTS = frozenset({"unreadable", "questions", "insurance"})
ROUTINE = ("lab", "medication", "visit", "test", "other")  # summarised first past the limit
MAX_EVENTS = 300
MAX_TESTS_NAMED = 6  # in one abnormal-results event
STARTED_RE = re.compile(r"\b(?:start(?:ed|ing)?|began|initiated|new(?:ly)?\s+prescribed)\b", re.I)
DIAGNOSIS_RE = re.compile(r"(?:final\s+)?diagnosis\s*:\s*(.{4,90})", re.I)
PROCEDURE_RE = re.compile(
    r"^\s*(?:procedures?\s+performed|operations?\s+performed|name\s+of\s+procedure|"
    r"procedures?|operations?)\s*:\s*(.{4,90})$",
    re.I,
)
DATED_LINE = re.compile(
    r"^(?P<name>.+?)\s*\((?:since\s+|diagnosed\s+|onset\s+)?"
    r"(?P<date>\d{4}(?:-\d{2}(?:-\d{2})?)?)\)\s*$",
    re.I,
)
STAY_LABELS = {
    "admission": re.compile(
        r"\b(?:date\s+of\s+admission|admission\s+date|admit\s+date|admitted(?:\s+on)?)\s*:\s*",
        re.I,
    ),
    "discharge": re.compile(
        r"\b(?:date\s+of\s+discharge|discharge\s+date|discharged(?:\s+on)?)\s*:\s*", re.I
    ),
}
STAY_TITLES = {"admission": "Admitted to hospital", "discharge": "Discharged from hospital"}
STOPPED = {"stopped": "Stopped", "discontinued": "Stopped", "aborted": "Stopped",
           "cancelled": "Stopped", "completed": "Completed", "expired": "Expired"}  # fmt: skip
STILL_TAKEN = frozenset({"active", "on-hold", "intended", "draft", "new"})


@dataclass(frozen=True)
class _Fact:
    """One event as a document states it; `key` says which facts are the same."""

    date: str
    category: str
    title: str
    key: tuple


def build_timeline(documents: list[Document]) -> list[Event]:
    """Every dated event the documents state, each once with all its sources, oldest first."""
    reports = _matched_reports(documents)
    covered = {report for ids in reports.values() for report in ids}
    merged: dict[tuple, Event] = {}
    listed: dict[tuple, set[str]] = {}  # each event's sources as a set: linear in documents
    for document in documents:
        if document.kind in NOT_EVENTS:
            continue
        facts = list(_facts(document))
        if not facts and document.id not in covered and document.date:
            facts = [_document_fact(document)]
        for fact in facts:
            sources = [document.id, *reports.get((document.id, fact.key), [])]
            event = merged.get(fact.key)
            if event is None:
                merged[fact.key] = Event(fact.date, fact.category, fact.title, sources)  # type: ignore[arg-type]
                listed[fact.key] = set(sources)
            else:
                seen = listed[fact.key]
                for source in sources:
                    if source not in seen:
                        seen.add(source)
                        event.documents.append(source)
    return _bounded(sorted(merged.values(), key=lambda e: (e.date, e.category, e.title)))


# --- what one document states --------------------------------------------------------------


def _facts(document: Document) -> Iterator[_Fact]:
    yield from _diagnoses(document)
    yield from _procedures(document)
    for study in document.imaging:
        fact = _study_fact(document, study)
        if fact:
            yield fact
    yield from _abnormal_results(document)
    for medication in document.medications:
        yield from _medication_facts(document, medication)
    yield from _stay(document)


def _diagnoses(document: Document) -> Iterator[_Fact]:
    for problem in document.problems:
        when = problem.onset
        if not when and document.kind == "pathology_report":
            when = document.date
        if not when:
            continue  # a problem list's entry without an onset: no date to place it at
        name = _undated(problem.name)
        title = name
        if problem.detail and len(problem.detail) <= 60 and problem.detail not in name:
            title = f"{name} ({problem.detail})"
        yield _Fact(when, "diagnosis", title, (when, "diagnosis", _norm(name)))


def _procedures(document: Document) -> Iterator[_Fact]:
    for line in document.sections.get("procedures", []):
        match = DATED_LINE.match(line)
        if match:
            name, when = match["name"].strip(), match["date"]
            yield _Fact(when, "procedure", name, (when, "procedure", _norm(name)))
    if document.kind == "operative_note" and document.date:
        name = _procedure_named(document) or document.title or "Operation"
        yield _Fact(document.date, "procedure", name, (document.date, "procedure", _norm(name)))


def _procedure_named(document: Document) -> str | None:
    for line in document.text.splitlines()[:200]:
        match = PROCEDURE_RE.match(line)
        if match:
            return match.group(1).strip()
    return None


def _study_fact(document: Document, study: ImagingStudy) -> _Fact | None:
    when = study.date or document.date
    if not when:
        return None
    modality, description = study.modality or "", study.description or study.body_part or ""
    if description.upper().startswith(modality.upper()):
        title = description
    else:
        title = " ".join(filter(None, [modality, description]))
    title = title or document.title or "Imaging study"
    return _Fact(when, "imaging", title, (when, "imaging", study.study_uid or _norm(title)))


def _abnormal_results(document: Document) -> Iterator[_Fact]:
    by_date: dict[str, dict[tuple[str, str], str]] = {}
    for lab in document.labs:
        when = lab.collected or document.date
        if lab.flag in FLAGS and when:
            by_date.setdefault(when, {}).setdefault((_norm(lab.test), lab.flag), lab.test)
    for when, tests in by_date.items():
        named = [f"{test} {flag}" for (_key, flag), test in tests.items()]
        shown = ", ".join(named[:MAX_TESTS_NAMED])
        if len(named) > MAX_TESTS_NAMED:
            shown += f" and {len(named) - MAX_TESTS_NAMED} more"
        count = len(named)
        title = f"{count} abnormal results: {shown}" if count > 1 else f"Abnormal result: {shown}"
        yield _Fact(when, "lab", title, (when, "lab", frozenset(tests)))


def _medication_facts(document: Document, medication: Medication) -> Iterator[_Fact]:
    what = " ".join(filter(None, [medication.name, medication.strength]))
    drug = _norm(medication.generic or medication.name)
    start = medication.start
    if not start and not document.structured and document.date:
        start = document.date if STARTED_RE.search(medication.raw) else None
    if start:
        yield _Fact(start, "medication", f"Started {what}", (start, "started", drug))
    status = (medication.status or "").lower()
    if medication.end and status not in STILL_TAKEN:
        verb = STOPPED.get(status, "Stopped")
        yield _Fact(medication.end, "medication", f"{verb} {what}", (medication.end, "ended", drug))


def _stay(document: Document) -> Iterator[_Fact]:
    for part in ("admission", "discharge"):
        when = None
        stated = document.sections.get("admitted" if part == "admission" else "discharged")
        if stated:
            when = stated[0]
        elif document.kind == "discharge_summary" and not document.structured:
            when = _labelled_date(document.text, STAY_LABELS[part])
        if when:
            yield _Fact(when, part, STAY_TITLES[part], (when, part))


def _labelled_date(text: str, label: re.Pattern[str]) -> str | None:
    from intake.understand.dates import day_first_order, parse_date

    for line in text.splitlines()[:300]:
        match = label.search(line)
        if match:
            return parse_date(line[match.end() : match.end() + 40], day_first=day_first_order(text))
    return None


def _document_fact(document: Document) -> _Fact:
    """The document itself, at its own date: when nothing better comes from it."""
    category = CATEGORY_BY_SUBTYPE.get(document.subtype or "") or CATEGORY_BY_KIND.get(
        document.kind, "other"
    )
    title = _title(document)
    assert document.date
    return _Fact(document.date, category, title, (document.date, category, _norm(title)))


def _title(document: Document) -> str:
    title = document.title
    if document.kind == "imaging_report" and document.sections.get("exam"):
        return document.sections["exam"][0]
    if document.kind == "pathology_report":
        for line in document.text.splitlines():
            match = DIAGNOSIS_RE.search(line)
            if match and match.group(1).strip():
                return f"{title}: {match.group(1).strip()}"
        lines = document.text.splitlines()
        for index, line in enumerate(lines[:-1]):
            if re.fullmatch(r"\s*(?:final\s+)?diagnosis\s*:?\s*", line, re.I):
                return f"{title}: {lines[index + 1].strip()}"
    return title


# --- the set: reports to their studies, the limit ------------------------------------------


def _matched_reports(documents: list[Document]) -> dict[tuple, list[str]]:
    """(study document id, study fact key) -> the ids of the reports matched to that study."""
    from intake.check import report_matches

    reports = [d for d in documents if d.kind == "imaging_report"]
    matched: dict[tuple, list[str]] = {}
    for study in documents:
        if study.kind != "imaging_study" or not study.imaging:
            continue
        fact = _study_fact(study, study.imaging[0])
        if fact is None:
            continue
        found = [r.id for r in reports if report_matches(r, study)]
        if found:
            matched[(study.id, fact.key)] = found
    return matched


def _bounded(events: list[Event]) -> list[Event]:
    """At most MAX_EVENTS: past it, the oldest routine events (then the oldest of any kind)
    are left out and named in one summary event at the oldest date left out."""
    if len(events) <= MAX_EVENTS:
        return events
    excess = len(events) - (MAX_EVENTS - 1)
    order = sorted(range(len(events)), key=lambda i: (events[i].category not in ROUTINE, i))
    dropped = set(order[:excess])
    left_out = [events[i] for i in sorted(dropped)]
    kept = [e for i, e in enumerate(events) if i not in dropped]
    sources = sorted({source for e in left_out for source in e.documents})
    categories = ", ".join(sorted({e.category for e in left_out}))
    summary = Event(
        left_out[0].date,
        "other",
        f"{len(left_out)} older events not listed ({categories}), "
        f"{left_out[0].date} to {left_out[-1].date}",
        sources,
    )
    return sorted([summary, *kept], key=lambda e: (e.date, e.category, e.title))


def _undated(name: str) -> str:
    """A problem's name without the date a summary appended to it ("... (since 2019)")."""
    match = DATED_LINE.match(name)
    return match["name"].strip() if match else name.strip()


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
