"""Evaluate a checklist against the documents, and find what is wrong with the set.

Pure: (documents, checklist) -> statuses and findings. The checklist is data
(intake/checklists/*.toml); extra rules named by `requires` live in RULES below.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from intake.errors import UsageError
from intake.model import KINDS, ChecklistStatus, Document, Finding, Skipped


@dataclass(frozen=True)
class ItemRule:
    """One checklist item as the TOML states it."""

    id: str
    label: str
    kinds: tuple[str, ...]
    requires: str | None = None
    hint: str = ""


@dataclass(frozen=True)
class Checklist:
    """A what-to-bring list: items to evaluate, reminders for what a folder cannot hold."""

    name: str
    label: str
    items: tuple[ItemRule, ...]
    reminders: tuple[str, ...] = field(default_factory=tuple)


def available_checklists() -> list[Checklist]:
    """The checklists shipped with intake, by name."""
    folder = resources.files("intake.checklists")
    names = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))
    return [load_checklist(name) for name in names]


def load_checklist(name_or_path: str | Path = "default") -> Checklist:
    """A shipped checklist by name, or a TOML file by path; UsageError when it is not valid."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        try:
            text, origin = path.read_text(encoding="utf-8"), str(path)
        except OSError as err:
            raise UsageError(f"checklist {path}: cannot be read ({err.strerror})") from err
    else:
        resource = resources.files("intake.checklists") / f"{name_or_path}.toml"
        if not resource.is_file():
            known = ", ".join(c.name for c in available_checklists())
            raise UsageError(f"no checklist named {name_or_path!r} (known: {known})")
        text, origin = resource.read_text(encoding="utf-8"), f"{name_or_path}.toml"
    try:
        return _parse(tomllib.loads(text), origin)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as err:
        raise UsageError(f"checklist {origin} is not valid: {err}") from err


def _parse(data: dict, origin: str) -> Checklist:
    items = []
    for raw in data["items"]:
        kinds = tuple(raw["kinds"])
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise ValueError(f"item {raw['id']!r} names unknown kinds {unknown}")
        requires = raw.get("requires")
        if requires and requires not in RULES:
            raise ValueError(f"item {raw['id']!r} requires unknown rule {requires!r}")
        items.append(ItemRule(raw["id"], raw["label"], kinds, requires, raw.get("hint", "")))
    reminders = tuple(r["text"] for r in data.get("reminders", []))
    return Checklist(
        data.get("name", Path(origin).stem), data.get("label", ""), tuple(items), reminders
    )


# --- evaluation -------------------------------------------------------------------------------

Rule = Callable[[ItemRule, list[Document], list[Document]], tuple[str, str, list[Finding]]]


def _evaluate_item(
    item: ItemRule, documents: list[Document]
) -> tuple[ChecklistStatus, list[Finding]]:
    matching = [d for d in documents if d.kind in item.kinds]
    status, note, findings = "present" if matching else "missing", "", []
    if item.requires:
        status, note, findings = RULES[item.requires](item, matching, documents)
    if status == "missing" and not note:
        note = item.hint
    ids = [d.id for d in matching]
    if item.requires == "dosages":  # medications in a summary count too
        ids = [d.id for d in documents if d.medications or d.kind in item.kinds]
    return ChecklistStatus(item.id, item.label, status, ids, note), findings


def _lab_values(item, matching, documents):
    if not matching:
        return "missing", "", []
    if any(d.labs for d in matching):
        return "present", "", []
    return "incomplete", "lab reports found, but no values could be read from them", []


def _dosages(item, matching, documents):
    medications = [m for d in documents for m in d.medications]
    if not matching and not medications:
        return "missing", "", []
    if any(m.strength for m in medications):
        return "present", "", []
    return "incomplete", "dosages missing: add the strength and how often each is taken", []


def _imaging_reports(item, matching, documents):
    studies = [d for d in matching if d.kind == "imaging_study"]
    reports = [d for d in matching if d.kind == "imaging_report"]
    if not studies and not reports:
        return "missing", "", []
    findings = []
    unreported = [s for s in studies if not any(report_matches(r, s) for r in reports)]
    for study in unreported:
        findings.append(
            Finding(
                "imaging-without-report",
                "warning",
                f"{study_label(study)} has no report: ask the imaging department for it",
                [study.id],
            )
        )
    if not studies:
        findings.append(
            Finding(
                "report-without-images",
                "warning",
                "imaging reports found but not the images: ask for a disc of the images",
                [r.id for r in reports],
            )
        )
        return "incomplete", "reports found but not the images themselves", findings
    if unreported:
        names = ", ".join(study_label(s) for s in unreported)
        return "incomplete", f"no report for {names}", findings
    return "present", "", findings


RULES: dict[str, Rule] = {
    "lab_values": _lab_values,
    "dosages": _dosages,
    "imaging_reports": _imaging_reports,
}


def report_matches(report: Document, study: Document) -> bool:
    """A report belongs to a study when it names its accession number or shares its date."""
    info = study.imaging[0] if study.imaging else None
    if info and info.accession and info.accession in report.text:
        return True
    return bool(study.date and report.date == study.date)


def study_label(study: Document) -> str:
    """'MR BRAIN 2026-09-14': how a caregiver would name a study to the imaging department."""
    return " ".join(filter(None, [study.title, study.date])) or study.source


# --- findings ---------------------------------------------------------------------------------


def check(
    documents: list[Document], checklist: Checklist, skipped: list[Skipped] = ()
) -> tuple[list[ChecklistStatus], list[Finding]]:
    """Checklist statuses and every finding about the set, most severe first."""
    statuses: list[ChecklistStatus] = []
    findings: list[Finding] = []
    for item in checklist.items:
        status, item_findings = _evaluate_item(item, documents)
        statuses.append(status)
        findings.extend(item_findings)
        if status.status == "missing":
            findings.append(
                Finding(
                    "missing-item", "warning", f"Missing: {item.label}. {item.hint}".strip(), []
                )
            )
        elif status.status == "incomplete":
            findings.append(
                Finding(
                    "incomplete-item",
                    "warning",
                    f"Incomplete: {item.label}: {status.note}",
                    status.documents,
                )
            )
    findings += unreadable_findings(documents) + duplicate_findings(documents)
    findings += [Finding("skipped-path", "info", f"{s.path}: {s.reason}", []) for s in skipped]
    order = {"error": 0, "warning": 1, "info": 2}
    return statuses, sorted(findings, key=lambda f: order[f.severity])


def unreadable_findings(documents: list[Document]) -> list[Finding]:
    """One error per file that could not be read, and a note per file no extractor reads."""
    findings = []
    for document in documents:
        reason = "; ".join(document.warnings) or "unknown reason"
        if document.kind == "unreadable":
            findings.append(
                Finding(
                    "unreadable-file",
                    "error",
                    f"{document.source} could not be read: {reason}",
                    [document.id],
                )
            )
        elif document.kind == "other" and not document.text and document.warnings:
            findings.append(
                Finding("not-read", "info", f"{document.source}: {reason}", [document.id])
            )
    return findings


def duplicate_findings(documents: list[Document]) -> list[Finding]:
    """Files with identical bytes (same SHA-256), e.g. the same report downloaded twice."""
    by_hash: dict[str, list[Document]] = {}
    for document in documents:
        if document.sha256 and document.kind != "unreadable":
            by_hash.setdefault(document.sha256, []).append(document)
    return [
        Finding(
            "duplicate-file",
            "info",
            "identical copies: " + ", ".join(d.source for d in group),
            [d.id for d in group],
        )
        for group in by_hash.values()
        if len(group) > 1
    ]
