"""The data intake passes from stage to stage: plain dataclasses, no behaviour beyond shaping.

`Manifest.to_dict()` produces the `intake.manifest/1` contract of DESIGN.md; fields
may be added but the contract's names never change.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

SCHEMA_ID = "intake.manifest/1"

KINDS = (
    "lab_report",
    "imaging_study",
    "imaging_report",
    "medication_list",
    "treatment_plan",
    "visit_summary",
    "discharge_summary",
    "consult_note",
    "pathology_report",
    "operative_note",
    "referral",
    "insurance",
    "questions",
    "other",
    "unreadable",
)

STATUSES = ("present", "missing", "incomplete", "stale")
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Source:
    """One file found by the scan, identified by its bytes."""

    location: str  # path relative to the scanned folder, "/"-separated
    path: Path  # where its bytes are on disk
    media_type: str  # sniffed from the bytes, never the extension
    sha256: str
    size: int

    def open(self) -> BinaryIO:
        """Open the bytes for reading (originals are only ever opened read-only)."""
        return open(self.path, "rb")

    @property
    def ref(self) -> FileRef:
        return FileRef(self.location, self.sha256, self.size, self.media_type)


@dataclass(frozen=True)
class FileRef:
    """A file a document stands for; a DICOM study stands for many."""

    source: str
    sha256: str | None
    size: int
    media_type: str


@dataclass
class Person:
    """Who a document says it is about."""

    name: str | None = None
    birth_date: str | None = None  # YYYY-MM-DD
    identifiers: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.name or self.birth_date or self.identifiers)


@dataclass(slots=True)  # a long statement holds tens of thousands
class LabResult:
    """One measured value from a lab report, whatever the format it came in."""

    test: str
    value: str
    unit: str | None = None
    reference_range: str | None = None
    flag: str | None = None  # H, L, HH, LL, A
    collected: str | None = None  # YYYY-MM-DD
    flag_derived: bool = False  # True when intake computed the flag from the range
    raw: str = ""
    code: str | None = None  # LOINC, when the source codes it
    status: str | None = None  # final, preliminary, corrected... when the source says
    reported: str | None = None  # YYYY-MM-DD the lab issued the result
    specimen: str | None = None  # serum, whole blood, urine...
    performing_lab: str | None = None
    ordering_provider: str | None = None


@dataclass
class Medication:
    """One medication line, whatever the format it came in."""

    name: str
    strength: str | None = None
    form: str | None = None
    route: str | None = None
    frequency: str | None = None
    raw: str = ""
    dose: str | None = None  # how much per dose ("1 tablet", "500 mg"), when stated apart
    quantity: str | None = None  # dispensed, from a pharmacy label ("60 tablets")
    refills: str | None = None  # from a pharmacy label ("2", "0")
    prescriber: str | None = None
    pharmacy: str | None = None
    generic: str | None = None  # the generic name (drug dictionary), when the name is known
    match_score: float | None = None  # 100 exact; lower: an OCR-damaged name matched closely
    code: str | None = None  # RxNorm, when the source codes it
    status: str | None = None  # active, completed, stopped... when the source says
    start: str | None = None  # YYYY-MM-DD
    end: str | None = None  # YYYY-MM-DD


@dataclass
class Series:
    """One DICOM series within a study."""

    uid: str | None
    number: int | None
    modality: str | None
    description: str | None
    instances: int
    sample: str | None = None  # one instance's source, middle of the series (for its preview)
    preview: str | None = None  # the packet's preview image of the series, when one was made


@dataclass
class ImagingStudy:
    """A DICOM study summarised from headers only."""

    study_uid: str
    date: str | None
    modality: str | None  # all modalities in the study, "/"-joined
    description: str | None
    body_part: str | None
    series: int  # number of series
    instances: int  # number of instances (files)
    accession: str | None = None
    institution: str | None = None
    referring_physician: str | None = None
    series_detail: list[Series] = field(default_factory=list)
    other_objects: dict[str, int] = field(default_factory=dict)  # key objects, presentation
    # states: counted, not listed as series


@dataclass
class Document:
    """What one file (or one DICOM study's files) holds, as the provider would name it."""

    source: str
    sha256: str | None
    size: int
    media_type: str
    kind: str = ""  # "" until understood; see understand.enrich
    subtype: str | None = None  # finer than kind: echocardiogram, ecg, eeg, molecular, staging...
    id: str = ""
    date: str | None = None
    title: str = ""
    patient: Person | None = None
    pages: int | None = None
    labs: list[LabResult] = field(default_factory=list)
    medications: list[Medication] = field(default_factory=list)
    imaging: list[ImagingStudy] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    text: str = ""
    files: list[FileRef] = field(default_factory=list)
    extractor: str | None = None
    ocr_confidence: float | None = None  # mean word confidence, 0-100, when OCR read it
    packet_files: list[str] = field(default_factory=list)  # where the packet holds its copies
    readable: str | None = None  # the packet's rendered page for it (C-CDA), when there is one
    author: str | None = None  # who wrote it, with their organisation
    sections: dict[str, list[str]] = field(
        default_factory=dict
    )  # problems, allergies... one line each
    structured: bool = False  # labs and medications came from coded entries: text not mined
    about_study: str | None = None  # the Study Instance UID a report (DICOM SR, PDF) belongs to
    labs_read: bool = False  # the extractor read lab results from the page layout (PDF):
    # the flattened text is not mined for them again
    others_named: list[str] = field(default_factory=list)  # people named as patient besides
    # `patient` (a file holding two people's reports)

    @classmethod
    def for_source(cls, source: Source, **fields: Any) -> Document:
        """A document standing for one scanned file."""
        return cls(
            source=source.location,
            sha256=source.sha256,
            size=source.size,
            media_type=source.media_type,
            files=[source.ref],
            **fields,
        )

    @classmethod
    def unreadable(cls, source: Source, reasons: list[str]) -> Document:
        """A file that could not be read; `reasons` say why, one per extractor tried."""
        return cls.for_source(
            source, kind="unreadable", title=Path(source.location).name, warnings=list(reasons)
        )

    def to_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not with_text:
            data.pop("text")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """The inverse of to_dict(with_text=True): a Document with its nested records."""
        fields = dict(data)
        fields["patient"] = Person(**fields["patient"]) if fields.get("patient") else None
        fields["labs"] = [LabResult(**lab) for lab in fields.get("labs", [])]
        fields["medications"] = [Medication(**med) for med in fields.get("medications", [])]
        fields["imaging"] = [_study_from_dict(study) for study in fields.get("imaging", [])]
        fields["files"] = [FileRef(**ref) for ref in fields.get("files", [])]
        return cls(**fields)


def _study_from_dict(data: dict[str, Any]) -> ImagingStudy:
    fields = dict(data)
    fields["series_detail"] = [Series(**series) for series in fields.get("series_detail", [])]
    return ImagingStudy(**fields)


@dataclass
class MedicationRow:
    """One drug across every document that lists it: the merged medication list."""

    name: str  # the generic name, or the name as read when the dictionary does not know it
    strengths: list[str]
    frequencies: list[str]
    routes: list[str]
    documents: list[str]  # ids of the documents listing it
    names_read: list[str]  # the names as written in those documents


@dataclass
class ChecklistStatus:
    """One what-to-bring item evaluated against the documents."""

    id: str
    label: str
    status: str  # present | missing | incomplete | stale
    documents: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Finding:
    """Something the caregiver or provider should know about the set."""

    code: str
    severity: str  # error | warning | info
    message: str
    documents: list[str] = field(default_factory=list)


@dataclass
class Event:
    """One dated step of the story: a test, a scan, a diagnosis, a procedure, a treatment."""

    date: str  # YYYY-MM-DD
    category: str  # diagnosis | test | imaging | procedure | treatment | medication | visit | other
    title: str
    documents: list[str] = field(default_factory=list)


@dataclass
class Skipped:
    """A path the scan passed over on purpose (a link out of the folder, a device file)."""

    path: str
    reason: str


@dataclass
class Manifest:
    """Everything intake learned about one folder: the `intake.manifest/1` contract."""

    patient: Person
    documents: list[Document]
    checklist: list[ChecklistStatus]
    findings: list[Finding]
    checklist_name: str = "default"
    suggested_checklist: str | None = None
    appointment: str | None = None  # YYYY-MM-DD that staleness is measured against
    timeline: list[Event] = field(default_factory=list)
    reminders: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    skipped_junk: int = 0
    tool: dict[str, str] = field(default_factory=dict)
    reason: str | None = None  # why the second opinion is sought, when the caregiver said
    medication_list: list[MedicationRow] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every item is present and no file was unreadable."""
        return all(item.status == "present" for item in self.checklist) and not any(
            doc.kind == "unreadable" for doc in self.documents
        )

    def to_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        return {
            "schema": SCHEMA_ID,
            "tool": self.tool,
            "patient": asdict(self.patient),
            "documents": [doc.to_dict(with_text=with_text) for doc in self.documents],
            "checklist_name": self.checklist_name,
            "suggested_checklist": self.suggested_checklist,
            "appointment": self.appointment,
            "checklist": [asdict(item) for item in self.checklist],
            "timeline": [asdict(event) for event in self.timeline],
            "reminders": list(self.reminders),
            "findings": [asdict(f) for f in self.findings],
            "skipped": [asdict(s) for s in self.skipped],
            "skipped_junk": self.skipped_junk,
            "reason": self.reason,
            "medication_list": [asdict(row) for row in self.medication_list],
        }

    def to_json(self, *, with_text: bool = False) -> str:
        return json.dumps(self.to_dict(with_text=with_text), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """The inverse of to_dict(with_text=True)."""
        return cls(
            patient=Person(**data["patient"]),
            documents=[Document.from_dict(d) for d in data["documents"]],
            checklist=[ChecklistStatus(**item) for item in data["checklist"]],
            findings=[Finding(**finding) for finding in data["findings"]],
            checklist_name=data.get("checklist_name", "default"),
            suggested_checklist=data.get("suggested_checklist"),
            appointment=data.get("appointment"),
            timeline=[Event(**event) for event in data.get("timeline", [])],
            reminders=list(data.get("reminders", [])),
            skipped=[Skipped(**item) for item in data.get("skipped", [])],
            skipped_junk=data.get("skipped_junk", 0),
            tool=dict(data.get("tool", {})),
            reason=data.get("reason"),
            medication_list=[MedicationRow(**row) for row in data.get("medication_list", [])],
        )


def manifest_schema() -> dict[str, Any]:
    """The JSON Schema of intake.manifest/1, shipped in the package."""
    from importlib import resources

    text = resources.files("intake.schema").joinpath("manifest.schema.json").read_text("utf-8")
    return json.loads(text)
