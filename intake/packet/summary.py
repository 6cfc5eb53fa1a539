"""The packet's one view model: what the specialist reads first, and the order of the rest.

`summarise(manifest)` builds a `PacketSummary` once; INDEX.HTM, PACKET.PDF's first page, the
CSVs and the CLI all render it, so they cannot disagree. Every clinical fact carries the ids
of the documents stating it; each output turns an id into its own kind of link (a file in
the packet, a page of the PDF).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from intake.check import records_of_others
from intake.model import Document, LabResult, Manifest, Medication
from intake.packet.trends import Trend, build_trends, trend_key, unit_key
from intake.understand.plan_headings import plan_lines

FACT_LIMIT = 240  # characters of one fact: the first page stays a page
SECTION_LIMIT = 12  # facts per section; the rest are counted ("and 3 more")
PLAN_LIMIT = 8
STOPPED = frozenset(
    {"stopped", "completed", "discontinued", "inactive", "ended", "cancelled", "aborted",
     "entered-in-error", "on-hold", "suspended", "expired"}
)  # fmt: skip
NOT_GIVEN = "not given"
CUT = "…"
PLAN_KINDS = frozenset({"treatment_plan", "consult_note", "visit_summary", "discharge_summary"})


@dataclass(frozen=True)
class Fact:
    """One thing the summary states, with the documents that state it (ids, first the one
    its link opens)."""

    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SummarySection:
    """A heading of the clinical summary and its facts; `empty` is said when it has none."""

    key: str  # an anchor: "diagnoses", "allergies"...
    title: str
    facts: tuple[Fact, ...]
    empty: str
    more: int = 0  # facts left out past SECTION_LIMIT, in the full tables further on

    @property
    def lines(self) -> tuple[str, ...]:
        """The section's text lines as every output prints them (without the links)."""
        if not self.facts:
            return (self.empty,)
        extra = (f"and {self.more} more further on",) if self.more else ()
        return tuple(fact.text for fact in self.facts) + extra


@dataclass(frozen=True)
class ContentsEntry:
    """One line of the table of contents: its anchor in INDEX.HTM, its part in the PDF."""

    anchor: str
    title: str


def contents(manifest: Manifest, documents: list[Document]) -> tuple[ContentsEntry, ...]:
    """The parts after the summary that this packet has, in INDEX.HTM's order."""
    has = {
        "timeline": bool(manifest.timeline),
        "documents": True,
        "medications": bool(manifest.medication_list),
        "labs": any(d.labs for d in documents),
        "imaging": any(d.imaging for d in documents),
        "todo": True,
        "findings": bool(manifest.findings),
        "questions": True,
    }
    parts = list(PARTS)
    if any(d.kind == "questions" for d in documents):  # the patient's own: before the to-do
        parts.remove(("questions", QUESTIONS_TITLE))
        parts.insert(parts.index(("todo", TODO_TITLE)), ("questions", QUESTIONS_TITLE))
    return tuple(ContentsEntry(key, title) for key, title in parts if has[key])


TODO_TITLE = "For the caregiver: to do before the appointment, and the checklist"
QUESTIONS_TITLE = "Questions and concerns"
PARTS = (
    ("timeline", "Timeline"),
    ("documents", "Documents"),
    ("medications", "Medications"),
    ("labs", "Lab results"),
    ("imaging", "Imaging studies"),
    ("todo", TODO_TITLE),
    ("findings", "Findings"),
    ("questions", QUESTIONS_TITLE),
)


@dataclass(frozen=True)
class PacketSummary:
    """Everything the packet shows first, and the one order of its tables."""

    patient: str  # name, birth date, identifiers: one line
    reason: str  # why the second opinion is sought, or NOT_GIVEN
    appointment: str  # the stated appointment day, or NOT_GIVEN (never today by default)
    sections: tuple[SummarySection, ...]  # diagnoses, allergies, medications... in order
    titles: tuple[tuple[str, str], ...]  # document id -> title, for the source labels
    labs: tuple[tuple[LabResult, Document], ...]  # every lab result, in the order shown
    trends: tuple[Trend, ...]  # one per analyte and unit: the labs tables and charts
    medications: tuple[tuple[Medication, Document], ...]  # every medication line
    ended: tuple[tuple[str, str], ...]  # drug (generic or name, lower case) -> how it ended
    to_do: tuple[str, ...]
    contents: tuple[ContentsEntry, ...]  # the parts after the summary, in INDEX.HTM's order

    def ended_note(self, drug: str) -> str:
        """How a drug of the medication list ended ('completed, ended 2026-09-15'), when the
        newest document listing it says it did; "" for a current one."""
        return self._ended_by_drug.get(drug.lower(), "")

    @cached_property
    def _ended_by_drug(self) -> dict[str, str]:  # (once: asked for each row of the tables)
        return dict(self.ended)

    @property
    def facts(self) -> tuple[Fact, ...]:
        return tuple(fact for section in self.sections for fact in section.facts)

    @property
    def head(self) -> tuple[tuple[str, str], ...]:
        """The lines above the sections: (label, value)."""
        return (
            ("Patient", self.patient),
            ("Reason for the second opinion", self.reason),
            ("Appointment", self.appointment),
        )

    def title_of(self, document_id: str) -> str:
        return dict(self.titles).get(document_id, document_id)


def summarise(manifest: Manifest) -> PacketSummary:
    """The packet's summary of `manifest` (its documents without byte-identical repeats)."""
    every = distinct(manifest.documents)
    elsewhere = records_of_others(manifest.findings)
    documents = [d for d in every if d.id not in elsewhere]  # only the patient's own records
    as_of = manifest.appointment or date.today().isoformat()
    current, stopped, ended = medication_facts(documents, as_of)
    trends = tuple(build_trends(documents))
    sections = (
        _section("diagnoses", "Diagnoses and problems", diagnosis_facts(documents),
                 "None stated in the records read."),
        _section("allergies", "Allergies", allergy_facts(documents),
                 "No allergy information found in the records (not the same as no allergies)."),
        _section("current-medications", "Current medications", current,
                 "No current medications with doses found."),
        _section("stopped-medications", "Stopped medications", stopped, "None listed as stopped."),
        _section("abnormal-labs", "Latest abnormal lab values", abnormal_lab_facts(trends),
                 "No abnormal values among the latest results read."),
        _section("imaging-impressions", "Imaging and impressions", imaging_facts(manifest,
                 documents), "No imaging found."),
        _section("plan", "The first provider's plan", plan_facts(documents),
                 "No plan or assessment found in the records.", limit=PLAN_LIMIT),
    )  # fmt: skip
    left_out = [Fact(_short(f"Left out of this summary: {message}"), (doc_id,))
                for doc_id, message in elsewhere.items()]  # fmt: skip
    sections = (
        _section("left-out", "Records of someone else", left_out, ""),
        *sections,
    )
    sections = tuple(
        s for s in sections if s.facts or s.key not in ("stopped-medications", "left-out")
    )
    return PacketSummary(
        patient=_patient_line(manifest),
        reason=_short(manifest.reason.strip()) if manifest.reason and manifest.reason.strip()
        else NOT_GIVEN,
        appointment=manifest.appointment if manifest.appointment
        else NOT_GIVEN,
        sections=sections,
        titles=tuple((d.id, d.title or d.source) for d in manifest.documents),
        labs=tuple(ordered_labs(every, trends)),  # the CSV: every result, each with its document
        trends=trends,
        medications=tuple((m, d) for d in every for m in d.medications),
        ended=tuple(ended.items()),
        to_do=tuple(manifest.to_do),
        contents=contents(manifest, every),
    )  # fmt: skip


def distinct(documents: Iterable[Document]) -> list[Document]:
    """Documents without byte-identical repeats: a file downloaded twice counts once, each
    of its documents matched with the one at the same place in the other copy. The several
    documents one file holds (a FHIR bundle's panels, taken on different days under one
    title) are all kept: they share the file's SHA-256, not their contents."""
    seen: set[tuple[str, int, str, str]] = set()
    place: dict[str, int] = {}  # each document's place among those of its file
    kept = []
    for document in documents:
        number = place[document.source] = place.get(document.source, -1) + 1
        key = (document.sha256 or "", number, document.kind, document.title)
        if document.sha256 and key in seen:
            continue
        seen.add(key)
        kept.append(document)
    return kept


def _section(key, title, facts: list[Fact], empty: str, *, limit: int = SECTION_LIMIT):
    return SummarySection(key, title, tuple(facts[:limit]), empty, max(0, len(facts) - limit))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= FACT_LIMIT else text[: FACT_LIMIT - 1].rstrip() + CUT


def _patient_line(manifest: Manifest) -> str:
    patient = manifest.patient
    parts = [patient.name or "name not found in the records"]
    if patient.birth_date:
        parts.append(f"born {patient.birth_date}")
    if patient.identifiers:
        parts.append("ID " + ", ".join(patient.identifiers))
    return _short(" · ".join(parts))


class _Facts:
    """Facts keyed by what they say, each with every document stating it, in first order."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._sources: dict[str, list[str]] = {}

    def add(self, key: str, text: str, document: Document) -> None:
        key = " ".join(key.lower().split())
        self._texts.setdefault(key, _short(text))
        sources = self._sources.setdefault(key, [])
        if document.id not in sources:
            sources.append(document.id)

    def facts(self) -> list[Fact]:
        return [Fact(text, tuple(self._sources[key])) for key, text in self._texts.items()]


def _readable(documents: list[Document]) -> list[Document]:
    return [d for d in documents if d.kind != "unreadable"]


def diagnosis_facts(documents: list[Document]) -> list[Fact]:
    """Each problem once (Problem records; a document without any gives its problem and
    diagnosis section lines), with stage, grade, receptor or molecular detail as stated."""
    found = _Facts()
    for document in _readable(documents):
        if document.problems:
            for problem in document.problems:
                extra = [
                    _unless_active(problem.status),
                    f"since {problem.onset}" if problem.onset else None,
                    problem.code,
                ]
                text = problem.name
                if problem.detail:
                    text += f" — {problem.detail}"
                if any(extra):
                    text += f" ({', '.join(e for e in extra if e)})"
                found.add(problem.name, text, document)
            continue
        for key in ("problems", "diagnoses"):
            for line in document.sections.get(key, []):
                found.add(line, line, document)
    return found.facts()


def _unless_active(status: str | None) -> str | None:
    return None if status is None or status.lower() == "active" else status


def allergy_facts(documents: list[Document]) -> list[Fact]:
    """Each allergy once, with its reaction, severity and a status other than active."""
    found = _Facts()
    for document in _readable(documents):
        if document.allergies:
            for allergy in document.allergies:
                details = [allergy.reaction, allergy.severity, _unless_active(allergy.status)]
                shown = [d for d in details if d]
                text = allergy.substance + (f": {', '.join(shown)}" if shown else "")
                found.add(allergy.substance, text, document)
            continue
        for line in document.sections.get("allergies", []):
            found.add(line, line, document)
    facts = found.facts()
    if any(not _NONE_KNOWN.match(f.text) for f in facts):  # another record lists one
        facts = [
            Fact(f"{f.text} (other records list allergies)", f.sources)
            if _NONE_KNOWN.match(f.text) else f
            for f in facts
        ]  # fmt: skip
    return facts


# 'No known allergies', 'NKDA': said of a patient whom another record may list allergies for
_NONE_KNOWN = re.compile(r"\s*(?:no\s+known\b|nkda\b|nka\b)", re.IGNORECASE)


def _drug_key(medication: Medication) -> str:
    return (medication.generic or medication.name).lower()


def medication_facts(
    documents: list[Document], as_of: str
) -> tuple[list[Fact], list[Fact], dict[str, str]]:
    """(current, stopped, how each stopped drug ended): each drug once with its doses; a
    drug is stopped when the newest document listing it says so, by its status (completed,
    stopped...) or by an end date before `as_of` (the appointment, else today: a five-day
    course that ended in September is not a current medication in November, whatever
    status its order kept), unless another of its records there is current; a current
    drug shows the doses of its current records. Doses that differ are all shown."""
    mentions: dict[str, list[tuple[Medication, Document]]] = {}
    for document in _readable(documents):
        for medication in document.medications:
            mentions.setdefault(_drug_key(medication), []).append((medication, document))
    current, stopped = [], []
    ended: dict[str, str] = {}
    for key, group in mentions.items():
        newest_date = max(d.date or "" for _, d in group)
        latest = [pair for pair in group if (pair[1].date or "") == newest_date]
        # one record of the newest document still current (a VA download lists amlodipine 5
        # mg active beside its discontinued 10 mg): the drug is current, at its live doses
        live = [pair for pair in latest if _how_ended(pair[0], as_of) is None]
        newest = (live or latest)[0]
        shown = [pair for pair in group if _how_ended(pair[0], as_of) is None] if live else group
        medication, _ = newest
        name = medication.name[:1].upper() + medication.name[1:]
        strengths = _unique(m.strength or m.dose for m, _ in shown)
        routes = _unique(m.route for m, _ in shown)
        frequencies = _unique(m.frequency for m, _ in shown)
        text = " ".join(
            filter(None, [name, " / ".join(strengths), ", ".join(routes), " / ".join(frequencies)])
        )
        if len(strengths) > 1 or len(frequencies) > 1:
            several = len({d.id for _, d in shown}) > 1
            text += " (documents differ)" if several else " (its records differ)"
        ordered = [newest[1].id] + [d.id for _, d in group if d.id != newest[1].id]
        sources = tuple(dict.fromkeys(ordered))
        how = _how_ended(medication, as_of)
        if how is None:
            if _completed_without_end(medication):
                text += " (status 'completed', no end date: ask whether still taken)"
            current.append(Fact(_short(text), sources))
            continue
        ended[key] = how
        stopped.append(Fact(_short(f"{text} ({how})"), sources))
    by_name = lambda fact: fact.text.lower()  # noqa: E731
    return sorted(current, key=by_name), sorted(stopped, key=by_name), ended


def _completed_without_end(medication: Medication) -> bool:
    """A medication whose entry says 'completed' with no end date: many C-CDA senders code
    the record's act so (CCD 1.0 fixed it), while their own table says Active (two of
    microsoft/FHIR-Converter's samples: aspirin, metoprolol and lisinopril were listed as
    stopped). Neither current nor stopped is known: it is listed as current, with the
    question."""
    return (medication.status or "").lower() == "completed" and not medication.end


def _how_ended(medication: Medication, as_of: str) -> str | None:
    """'completed, ended 2026-09-15'; 'ended 2026-09-15' for an end date past with no status
    saying so, 'ended 2026-09-15, status still active' when the source says both (a
    C-CDA's discharge order for five days keeps statusCode active); None for a medication
    its source does not say has ended."""
    status = (medication.status or "").lower()
    end = medication.end or ""
    if status in STOPPED and not _completed_without_end(medication):
        return f"{medication.status}, ended {end}" if end else medication.status
    if end and end < as_of:
        return f"ended {end}, status still {status}" if status else f"ended {end}"
    return None


def _unique(values: Iterable[str | None]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        if value and value.strip():
            seen.setdefault(" ".join(value.lower().split()), value.strip())
    return list(seen.values())


def ordered_labs(
    documents: list[Document], trends: tuple[Trend, ...]
) -> list[tuple[LabResult, Document]]:
    """Every lab result in the one order the packet shows them: the trends' order (analyte,
    then unit), then by collection date."""
    position = {(t.key, unit_key(t.unit)): i for i, t in enumerate(trends)}
    results = [(lab, d) for d in documents for lab in d.labs]
    return sorted(
        results,
        key=lambda pair: (position.get(trend_key(pair[0]), len(position)), pair[0].collected or ""),
    )


def abnormal_lab_facts(trends: tuple[Trend, ...]) -> list[Fact]:
    """The latest value of each analyte (the lab trends' join: LOINC or aliased name, and
    unit), when that value is flagged abnormal."""
    facts = []
    for trend in trends:
        latest = trend.latest
        if not latest.flag:
            continue
        value = " ".join(filter(None, [latest.value, trend.unit]))
        text = f"{latest.test} {value} {latest.flag}"
        if latest.reference_range:
            text += f" (range {latest.reference_range})"
        if latest.collected:
            text += f", {latest.collected}"
        facts.append(Fact(_short(text), tuple(latest.documents)))
    return sorted(facts, key=lambda fact: fact.text.lower())


def imaging_facts(manifest: Manifest, documents: list[Document]) -> list[Fact]:
    """Each imaging report with its impression, newest first; then each study without one."""
    facts = []
    reports = [d for d in documents if d.kind == "imaging_report"]
    for document in sorted(reports, key=lambda d: d.date or "", reverse=True):
        exam = (document.sections.get("exam") or [document.title or document.source])[0]
        impression = " ".join(document.sections.get("impression", []))
        text = " ".join(filter(None, [document.date, exam]))
        text += f": impression: {impression}" if impression else ": no impression found"
        facts.append(Fact(_short(text), (document.id,)))
    unreported = {
        doc_id for f in manifest.findings if f.code == "imaging-without-report"
        for doc_id in f.documents
    }  # fmt: skip
    for document in documents:
        if document.kind == "imaging_study" and document.id in unreported:
            text = " ".join(filter(None, [document.date, document.title]))
            facts.append(Fact(_short(f"{text}: images, no report found"), (document.id,)))
    return facts


def plan_facts(documents: list[Document]) -> list[Fact]:
    """The first provider's plan: treatment plans first, then plan and assessment sections,
    each document's newest first; a plan read as text when it has no sections."""
    readable = _readable(documents)
    ordered = sorted(readable, key=lambda d: (d.kind != "treatment_plan", _newest_first(d)))
    found = _Facts()
    for document in ordered:
        lines = [*document.sections.get("plan", []), *document.sections.get("assessment", [])]
        if not lines and document.kind in PLAN_KINDS:
            lines = plan_lines(document.text)
        for line in lines:
            found.add(line, line, document)
    return found.facts()


def _newest_first(document: Document) -> str:
    date = document.date or "0000-00-00"
    return "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in date)
