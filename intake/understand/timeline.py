"""The story in order: dated events (diagnoses, tests, imaging, procedures, treatments)."""

from __future__ import annotations

import re

from intake.model import Document, Event

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
STARTED_RE = re.compile(r"\b(?:start(?:ed|ing)?|began|initiated|new(?:ly)?\s+prescribed)\b", re.I)
DIAGNOSIS_RE = re.compile(r"(?:final\s+)?diagnosis\s*:\s*(.{4,90})", re.I)


def build_timeline(documents: list[Document]) -> list[Event]:
    """One event per dated document (repeated downloads once), oldest first."""
    events: list[Event] = []
    seen: set[str] = set()
    for document in documents:
        if not document.date or document.kind in ("unreadable", "questions", "insurance"):
            continue
        if document.sha256 and document.sha256 in seen:
            continue
        seen.add(document.sha256 or document.id)
        category = CATEGORY_BY_SUBTYPE.get(document.subtype or "") or CATEGORY_BY_KIND.get(
            document.kind, "other"
        )
        events.append(Event(document.date, category, _title(document), [document.id]))
        for medication in document.medications:
            if STARTED_RE.search(medication.raw):
                what = " ".join(filter(None, [medication.name, medication.strength]))
                events.append(Event(document.date, "medication", f"Started {what}", [document.id]))
    return sorted(events, key=lambda e: (e.date, e.category, e.title))


def _title(document: Document) -> str:
    title = document.title
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
