"""The order a provider reads a packet in: document kinds grouped into categories."""

from __future__ import annotations

from intake.model import Document

CATEGORIES: list[tuple[str, tuple[str, ...]]] = [
    (
        "Treatment plan and summaries",
        ("treatment_plan", "consult_note", "visit_summary", "discharge_summary", "referral"),
    ),
    ("Pathology and procedures", ("pathology_report", "operative_note")),
    ("Lab results", ("lab_report",)),
    ("Imaging", ("imaging_report", "imaging_study")),
    ("Medications", ("medication_list",)),
    ("Questions and concerns", ("questions",)),
    ("Insurance", ("insurance",)),
    ("Other documents", ("other",)),
    ("Files that could not be read", ("unreadable",)),
]


def by_category(documents: list[Document]) -> list[tuple[str, list[Document]]]:
    """Non-empty categories in reading order; documents by date within each (undated last)."""
    grouped = []
    for label, kinds in CATEGORIES:
        members = [d for d in documents if d.kind in kinds]
        members.sort(key=lambda d: (kinds.index(d.kind), d.date is None, d.date or "", d.source))
        if members:
            grouped.append((label, members))
    return grouped
