"""One medication list from every source: the same drug merged, conflicting doses found.

A drug is the same when its generic name is (Glucophage and metformin are one row); names
the dictionary does not know are compared as written. Strength and frequency are compared
in their canonical spelling; a difference between two documents is a finding naming both.
"""

from __future__ import annotations

from intake.model import Document, Finding, Medication, MedicationRow


def _key(medication: Medication) -> str:
    return (medication.generic or medication.name).lower()


def merge_medications(documents: list[Document]) -> list[MedicationRow]:
    """Every drug once, with the strengths, frequencies and documents that mention it."""
    rows: dict[str, MedicationRow] = {}
    for document in documents:
        if document.kind == "unreadable":
            continue
        for medication in document.medications:
            key = _key(medication)
            row = rows.setdefault(
                key, MedicationRow(medication.generic or medication.name, [], [], [], [], [])
            )
            _add(row.strengths, medication.strength)
            _add(row.frequencies, medication.frequency)
            _add(row.routes, medication.route)
            _add(row.documents, document.id)
            if medication.name.lower() not in (n.lower() for n in row.names_read):
                row.names_read.append(medication.name)
    return sorted(rows.values(), key=lambda row: row.name.lower())


def dose_conflicts(documents: list[Document]) -> list[Finding]:
    """A finding per drug whose strength or frequency differs between documents."""
    findings = []
    seen: dict[str, list[tuple[Document, Medication]]] = {}
    for document in documents:
        if document.kind == "unreadable":
            continue
        for medication in document.medications:
            seen.setdefault(_key(medication), []).append((document, medication))
    for mentions in seen.values():
        by_document: dict[str, tuple[Document, Medication]] = {}
        for document, medication in mentions:
            by_document.setdefault(document.id, (document, medication))
        if len(by_document) < 2:
            continue
        for field, label in (("strength", "strength"), ("frequency", "how often")):
            values = {
                doc_id: getattr(med, field) for doc_id, (_, med) in by_document.items()
                if getattr(med, field)
            }  # fmt: skip
            if len(set(values.values())) < 2:
                continue
            first, second = _two_different(values)
            doc_a, med_a = by_document[first]
            doc_b, _ = by_document[second]
            name = med_a.generic or med_a.name
            findings.append(
                Finding(
                    "medication-dose-conflict",
                    "warning",
                    f"{name}: {label} {values[first]} in {_label(doc_a)} but {values[second]} "
                    f"in {_label(doc_b)}: ask which is current",
                    sorted(values),
                )
            )
            break
    return findings


def _two_different(values: dict[str, str]) -> tuple[str, str]:
    ids = sorted(values)
    first = ids[0]
    second = next(i for i in ids[1:] if values[i] != values[first])
    return first, second


def _label(document: Document) -> str:
    return f"{document.id} ({document.title or document.source})"


def _add(values: list[str], value: str | None) -> None:
    if value and value not in values:
        values.append(value)
