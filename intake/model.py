"""The data intake passes from stage to stage: plain dataclasses, no behaviour beyond shaping.

A `Document` is frozen once made (its collections are tuples): each stage returns new ones
(`dataclasses.replace`) instead of changing what an earlier stage produced.
`Manifest.to_contract()` writes the `intake.manifest/1` contract of DESIGN.md, field by
field; `to_dict()`/`from_dict()` are the full internal record (the cache's), not the contract.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, BinaryIO, Literal, get_args

import orjson

SCHEMA_ID = "intake.manifest/1"

Kind = Literal[
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
]
Status = Literal["present", "missing", "incomplete", "stale"]
Severity = Literal["error", "warning", "info"]
Flag = Literal["H", "L", "HH", "LL", "A", "AA", "critical"]
EventCategory = Literal[
    "diagnosis", "procedure", "imaging", "lab", "test", "treatment", "medication", "admission",
    "discharge", "visit", "other",
]  # fmt: skip
KINDS: tuple[str, ...] = get_args(Kind)
STATUSES: tuple[str, ...] = get_args(Status)
SEVERITIES: tuple[str, ...] = get_args(Severity)  # most severe first
FLAGS: tuple[str, ...] = get_args(Flag)
EVENT_CATEGORIES: tuple[str, ...] = get_args(EventCategory)


@dataclass(frozen=True)
class Source:
    """One file found by the scan, identified by its bytes."""

    location: str  # path relative to the scanned folder, "/"-separated
    path: Path  # where its bytes are on disk
    media_type: str  # sniffed from the bytes, never the extension
    sha256: str
    size: int
    # what the walk saw (None for a member unpacked into the run's private workspace):
    device: int | None = None
    inode: int | None = None
    mtime_ns: int | None = None
    ctime_ns: int | None = None  # any write changes it, even one that puts the mtime back

    def open(self) -> BinaryIO:
        """Open the bytes for reading: read-only, no link followed, a pipe never waited on,
        and (for a walked file) only the very file the walk found: SourceChanged if the
        path now holds another file, a link, a folder, or nothing. A folder on the path
        swapped for a link leads to another file (device and inode), which is refused."""
        walked = self.inode is not None
        try:
            fd = os.open(self.path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
        except OSError as err:
            if err.errno in _GONE:
                raise SourceChanged(self.location) from err
            raise
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or (walked and not self.same_as(info)):
                raise SourceChanged(self.location)
            os.set_blocking(fd, True)
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def same_as(self, info: os.stat_result) -> bool:
        """Whether `info` (an fstat) is the file the walk found, unchanged since."""
        return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns) == (
            self.device,
            self.inode,
            self.size,
            self.mtime_ns,
        )

    def read_bytes(self) -> bytes:
        with self.open() as handle:
            return handle.read()

    def read_head(self, limit: int) -> bytes:
        """`open().read(limit)`, without setting `limit` bytes aside first: a small file's read
        stays small (a file that grew since the walk is still read up to `limit`)."""
        with self.open() as handle:
            data = handle.read(min(limit, self.size + 1))
            if self.size < len(data) < limit:
                data += handle.read(limit - len(data))
            return data

    def unchanged(self, *, rehash: bool = True) -> bool:
        """After reading: whether the file still is the walked one, unwritten since the walk
        (its change time), and with `rehash` holding the walked bytes (its SHA-256 again),
        so what was read may be kept under that hash."""
        if self.inode is None:
            return True  # the run's own copy in its private workspace

        try:
            with self.open() as handle:
                if os.fstat(handle.fileno()).st_ctime_ns != self.ctime_ns:
                    return False  # written to since the walk, whatever it holds now
                return not rehash or sha256_hex(handle.fileno()) == self.sha256
        except (SourceChanged, OSError):
            return False

    @property
    def ref(self) -> FileRef:
        return FileRef(self.location, self.sha256, self.size, self.media_type)


def sha256_hex(fd: int, start: bytes = b"") -> str:
    """The SHA-256 (hex) of `start` and what is left to read from the file `fd` (read in
    chunks; hashlib.file_digest's 256 KiB buffer per call costs more than a small file)."""
    digest = hashlib.sha256(start)
    while chunk := os.read(fd, HASH_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


HASH_CHUNK = 2**20
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_GONE = {errno.ENOENT, errno.ELOOP, errno.ENOTDIR, errno.ENXIO, errno.EMLINK}
# EMLINK: FreeBSD's O_NOFOLLOW on a link
CHANGED_WHILE_READ = "the file changed while intake read it: not kept in the cache"


class SourceChanged(Exception):
    """The path of a walked file no longer holds that file (replaced by another, a link, a
    folder or a pipe, changed, or deleted): it is not read."""

    def __init__(self, location: str) -> None:
        super().__init__(f"{location} changed after it was found: not read")
        self.location = location

    def __reduce__(self):  # back from a worker process with its one message, not two
        return (SourceChanged, (self.location,))


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file a document stands for; a DICOM study stands for many."""

    source: str
    sha256: str | None
    size: int
    media_type: str


@dataclass(frozen=True)
class Person:
    """Who a document says it is about."""

    name: str | None = None
    birth_date: str | None = None  # YYYY-MM-DD
    identifiers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "identifiers", tuple(self.identifiers))

    def is_empty(self) -> bool:
        return not (self.name or self.birth_date or self.identifiers)


@dataclass(frozen=True)
class Problem:
    """A diagnosis or problem a record states, with what it says about it."""

    name: str  # as written ("Invasive ductal carcinoma, left breast")
    status: str | None = None  # active, resolved, inactive... when the source says
    onset: str | None = None  # YYYY-MM-DD
    code: str | None = None  # "SNOMED 254837009", "ICD-10 C50.912", when coded
    detail: str | None = None  # stage, grade, receptor or molecular status, as stated
    raw: str = ""  # the line or entry it was read from


@dataclass(frozen=True)
class Allergy:
    """An allergy or intolerance a record states (or "no known allergies")."""

    substance: str  # "Penicillin G", or "No known allergies"
    reaction: str | None = None  # hives, anaphylaxis...
    severity: str | None = None  # mild, moderate, severe...
    status: str | None = None  # active, inactive, resolved...
    code: str | None = None  # RxNorm/SNOMED, when coded
    raw: str = ""


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
    slices: list[str] = field(default_factory=list)  # a few instances' sources spread
    # through the series, in file order (for its page of larger previews); internal


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


@dataclass(frozen=True)
class NarrativeSection:
    """One section of a structured document (C-CDA) as the packet shows it: its title, its
    nesting depth, its narrative as safe HTML and as lines, or its coded entries."""

    title: str
    depth: int = 0
    html: str = ""
    lines: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    medications: tuple[Medication, ...] = ()
    results: tuple[LabResult, ...] = ()


@dataclass(frozen=True)
class Narrative:
    """What the packet needs to show a structured document readably, read in the worker that
    parsed it (so the packet never parses the file again)."""

    type_code: str | None = None  # LOINC document type
    sections: tuple[NarrativeSection, ...] = ()


TUPLE_FIELDS = (
    "labs",
    "medications",
    "problems",
    "allergies",
    "imaging",
    "warnings",
    "files",
    "others_named",
)
OPTIONAL_TUPLES = ("listed",)


@dataclass(frozen=True, slots=True)
class Document:
    """What one file (or one DICOM study's files) holds, as the provider would name it.

    Frozen: a stage that learns more returns a new one (`dataclasses.replace`)."""

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
    labs: tuple[LabResult, ...] = ()
    medications: tuple[Medication, ...] = ()
    problems: tuple[Problem, ...] = ()  # diagnoses and problems the document states
    allergies: tuple[Allergy, ...] = ()
    imaging: tuple[ImagingStudy, ...] = ()
    warnings: tuple[str, ...] = ()
    text: str = ""
    files: tuple[FileRef, ...] = ()
    extractor: str | None = None
    ocr_confidence: float | None = None  # mean word confidence, 0-100, when OCR read it
    author: str | None = None  # who wrote it, with their organisation
    sections: dict[str, list[str]] = field(
        default_factory=dict
    )  # problems, allergies... one line each
    structured: bool = False  # labs and medications came from coded entries: text not mined
    about_study: str | None = None  # the Study Instance UID a report (DICOM SR, PDF) belongs to
    labs_read: bool = False  # the extractor read lab results from the page layout (PDF):
    # the flattened text is not mined for them again
    others_named: tuple[str, ...] = ()  # people named as patient besides `patient`
    # (a file holding two people's reports)
    narrative: Narrative | None = None  # sections to show (C-CDA): internal, not the contract
    listed: tuple[str, ...] | None = None  # the File IDs an index lists (a DICOMDIR), read
    # in the worker that parsed it; None when it is no index or could not be read

    def __post_init__(self) -> None:
        for name in TUPLE_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        for name in OPTIONAL_TUPLES:
            value = getattr(self, name)
            if value is not None and not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))

    @classmethod
    def for_source(cls, source: Source, **fields: Any) -> Document:
        """A document standing for one scanned file."""
        return cls(
            source=source.location,
            sha256=source.sha256,
            size=source.size,
            media_type=source.media_type,
            files=(source.ref,),
            **fields,
        )

    @classmethod
    def unreadable(cls, source: Source, reasons: list[str]) -> Document:
        """A file that could not be read; `reasons` say why, one per extractor tried."""
        return cls.for_source(
            source, kind="unreadable", title=Path(source.location).name, warnings=tuple(reasons)
        )

    def to_contract(self, *, with_text: bool = False) -> dict[str, Any]:
        """This document as `intake.manifest/1` says: the documented fields, nothing internal."""
        data: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
            "kind": self.kind,
            "subtype": self.subtype,
            "date": self.date,
            "title": self.title,
            "author": self.author,
            "patient": _person(self.patient),
            "others_named": list(self.others_named),
            "pages": self.pages,
            "labs": [_lab(lab) for lab in self.labs],
            "medications": [_flat(medication) for medication in self.medications],
            "problems": [_flat(problem) for problem in self.problems],
            "allergies": [_flat(allergy) for allergy in self.allergies],
            "imaging": [_study(study) for study in self.imaging],
            "sections": {name: list(lines) for name, lines in self.sections.items()},
            "files": [_flat(ref) for ref in self.files],
            "extractor": self.extractor,
            "ocr_confidence": self.ocr_confidence,
            "warnings": list(self.warnings),
        }
        if with_text:
            data["text"] = self.text
        return data

    def to_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        """The full internal record (for the cache): every field, the internal ones too; the
        same values as `asdict(self)`, at a fraction of its cost (no deep copy, records of
        plain values flattened directly: a run cache of 50,000 documents took seconds)."""
        data = {name: getattr(self, name) for name in _field_names(Document)}
        data["patient"] = None if self.patient is None else asdict(self.patient)
        for name in _RECORD_TUPLES:
            data[name] = [_flat(record) for record in data[name]]
        data["imaging"] = [asdict(study) for study in self.imaging]
        data["sections"] = {name: list(lines) for name, lines in self.sections.items()}
        data["narrative"] = None if self.narrative is None else asdict(self.narrative)
        for name in ("warnings", "others_named"):
            data[name] = list(data[name])
        data["listed"] = None if self.listed is None else list(self.listed)
        if not with_text:
            data.pop("text")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """The inverse of to_dict(with_text=True): a Document with its nested records."""
        known = {f.name for f in fields(cls)}
        values = {name: value for name, value in data.items() if name in known}
        values["patient"] = Person(**values["patient"]) if values.get("patient") else None
        values["labs"] = [LabResult(**lab) for lab in values.get("labs", [])]
        values["medications"] = [Medication(**med) for med in values.get("medications", [])]
        values["problems"] = [Problem(**p) for p in values.get("problems", [])]
        values["allergies"] = [Allergy(**a) for a in values.get("allergies", [])]
        values["imaging"] = [_study_from_dict(study) for study in values.get("imaging", [])]
        values["files"] = [FileRef(**ref) for ref in values.get("files", [])]
        if values.get("narrative"):
            values["narrative"] = _narrative_from_dict(values["narrative"])
        return cls(**values)


_PLAIN = frozenset({str, int, float, bool, type(None)})
_RECORD_TUPLES = ("labs", "medications", "problems", "allergies", "files")


def _flat(record: Any) -> dict[str, Any]:
    """`asdict(record)` for a record of plain values (a file reference, a medication, a
    problem, an allergy), without asdict's recursion and deep copy (a tenth of its cost, per
    document of every manifest); a record holding anything else goes through asdict."""
    data = {name: getattr(record, name) for name in _field_names(type(record))}
    if all(type(value) in _PLAIN for value in data.values()):
        return data
    return asdict(record)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _person(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {
        "name": person.name,
        "birth_date": person.birth_date,
        "identifiers": list(person.identifiers),
    }


LAB_CONTRACT = (
    "test", "value", "unit", "reference_range", "flag", "flag_derived", "collected", "code",
    "status", "reported", "specimen", "performing_lab", "ordering_provider", "raw",
)  # fmt: skip
STUDY_CONTRACT = (
    "study_uid", "date", "modality", "description", "body_part", "series", "instances",
    "accession", "institution", "referring_physician",
)  # fmt: skip


def _lab(lab: LabResult) -> dict[str, Any]:
    return {name: getattr(lab, name) for name in LAB_CONTRACT}


def _study(study: ImagingStudy) -> dict[str, Any]:
    data = {name: getattr(study, name) for name in STUDY_CONTRACT}
    data["series_detail"] = [
        {
            "uid": s.uid,
            "number": s.number,
            "modality": s.modality,
            "description": s.description,
            "instances": s.instances,
        }
        for s in study.series_detail
    ]
    data["other_objects"] = dict(study.other_objects)
    return data


def _narrative_from_dict(data: dict[str, Any]) -> Narrative:
    sections = []
    for section in data.get("sections", []):
        values = dict(section)
        values["lines"] = tuple(values.get("lines", ()))
        values["items"] = tuple(values.get("items", ()))
        values["medications"] = tuple(Medication(**m) for m in values.get("medications", ()))
        values["results"] = tuple(LabResult(**r) for r in values.get("results", ()))
        sections.append(NarrativeSection(**values))
    return Narrative(type_code=data.get("type_code"), sections=tuple(sections))


def _study_from_dict(data: dict[str, Any]) -> ImagingStudy:
    values = _known(ImagingStudy, data)
    values["series_detail"] = [
        Series(**_known(Series, series)) for series in values.get("series_detail", [])
    ]
    return ImagingStudy(**values)


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The entries of `data` that are fields of `cls` (a record from an older version)."""
    names = {f.name for f in fields(cls)}
    return {name: value for name, value in data.items() if name in names}


@dataclass(frozen=True)
class MedicationRow:
    """One drug across every document that lists it: the merged medication list."""

    name: str  # the generic name, or the name as read when the dictionary does not know it
    strengths: list[str]
    frequencies: list[str]
    routes: list[str]
    documents: list[str]  # ids of the documents listing it
    names_read: list[str]  # the names as written in those documents


@dataclass(frozen=True)
class ChecklistStatus:
    """One what-to-bring item evaluated against the documents."""

    id: str
    label: str
    status: Status
    documents: list[str] = field(default_factory=list)
    note: str = ""
    checklist: str | None = None  # the specialty list an item was added from, else None

    def heading(self) -> str:
        """The item as shown: its label, and the specialty list it was added from."""
        return f"{self.label} ({self.checklist} list)" if self.checklist else self.label


@dataclass(frozen=True)
class Finding:
    """Something the caregiver or provider should know about the set."""

    code: str
    severity: Severity
    message: str
    documents: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Event:
    """One dated step of the story: a diagnosis, a procedure, a scan, abnormal results, a
    medication started or stopped, a hospital stay; with the documents that state it."""

    date: str  # YYYY-MM-DD, or YYYY-MM / YYYY when the source gives no more
    category: EventCategory
    title: str
    documents: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Skipped:
    """A path the scan passed over on purpose (a link out of the folder, a device file)."""

    path: str
    reason: str

    @property
    def left_out(self) -> bool:
        """Records in it were not read because the run reached its limit of files."""
        return self.reason[:1].isdigit() and RUN_LIMIT_REASON in self.reason

    @classmethod
    def past_limit(cls, path: str, what: str, limit: int) -> Skipped:
        """Records at `path` the run's limit of `limit` files left unread; `what` says how
        many ('12,000 files in it', '2 of its members')."""
        return cls(
            path,
            f"{what} {RUN_LIMIT_REASON} {limit:,} files (in the folder, its archives and the "
            "files attached to records): split the folder and read each part on its own",
        )


# what a folder, an archive or a file's attachments left out at the run's limit say, after
# how many: "12,000 files in it not read: one run reads at most 50,000 files..."
RUN_LIMIT_REASON = "not read: one run reads at most"


def indented_json(value: Any) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)`, written by orjson (the standard
    library writes indented JSON in pure Python: most of the cost of a manifest of many
    documents). The same JSON; a float below 1e-4 may print its exponent as 'e-5', not
    'e-05'. What orjson refuses (an integer beyond 64 bits, a lone surrogate) is written
    by the standard library, as before."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value, indent=2, ensure_ascii=False)


def spliced_json(outline: str, slot: str, entries: Iterable[str | Iterable[str]]) -> Iterator[str]:
    """Indented JSON written a member at a time: `outline` is the whole with one top-level
    member empty (`slot`, such as '\\n  "documents": []'), `entries` that member's items as
    indented JSON text (an object's as '"key": value'). The pieces join to the text
    json.dumps(indent=2) gives the whole; never more than one entry is held."""
    head, tail = outline.split(slot, 1)  # the top level's key: 2 spaces in
    started = False
    for entry in entries:  # an entry's text, or its pieces (a spliced document)
        lead = ",\n    " if started else f"{head}{slot[:-1]}\n    "
        for text in (entry,) if isinstance(entry, str) else entry:
            yield lead + text.replace("\n", "\n    ")
            lead = ""
        started = True
    yield f"\n  {slot[-1]}{tail}" if started else outline


def document_json(document: Document, *, with_text: bool = False) -> Iterable[str]:
    """A document's contract as indented JSON: one text, or, for a document of more than
    SPLICED_LABS lab results, pieces a result at a time (200,000 results of one FHIR
    bundle made a 240 MB object tree, then its text)."""
    if len(document.labs) <= SPLICED_LABS:
        return (indented_json(document.to_contract(with_text=with_text)),)
    outline = indented_json(replace(document, labs=()).to_contract(with_text=with_text))
    return spliced_json(outline, _LABS_SLOT, (indented_json(_lab(lab)) for lab in document.labs))


_DOCUMENTS_SLOT = '\n  "documents": []'
_LABS_SLOT = '\n  "labs": []'
SPLICED_LABS = 1_000


@dataclass(frozen=True)
class Manifest:
    """Everything intake learned about one folder: the `intake.manifest/1` contract."""

    patient: Person
    documents: tuple[Document, ...]
    checklist: tuple[ChecklistStatus, ...]
    findings: tuple[Finding, ...]
    checklist_name: str = "default"
    suggested_checklist: str | None = None
    appointment: str | None = None  # YYYY-MM-DD that staleness is measured against
    timeline: tuple[Event, ...] = ()
    reminders: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    skipped_junk: int = 0
    tool: dict[str, str] = field(default_factory=dict)
    reason: str | None = None  # why the second opinion is sought, when the caregiver said
    medication_list: tuple[MedicationRow, ...] = ()
    to_do: tuple[str, ...] = ()  # the caregiver's to-do list, most urgent first

    def __post_init__(self) -> None:
        for name in (
            "documents", "checklist", "findings", "timeline", "reminders", "skipped",
            "medication_list", "to_do",
        ):  # fmt: skip
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))

    @property
    def complete(self) -> bool:
        """True when every item of the chosen list is present and no file was unreadable.

        Items added from a specialty's list are shown and flagged, but advisory: they do
        not make the run incomplete (`--checklist oncology` makes them count)."""
        return all(
            item.status == "present" for item in self.checklist if item.checklist is None
        ) and not any(doc.kind == "unreadable" for doc in self.documents)

    def to_contract(self, *, with_text: bool = False) -> dict[str, Any]:
        """The `intake.manifest/1` object: what `scan --json` prints and every packet holds;
        only documented fields, the same whichever command made it."""
        contract = self._contract_without_documents()
        contract["documents"] = [doc.to_contract(with_text=with_text) for doc in self.documents]
        return contract

    def _contract_without_documents(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_ID,
            "tool": dict(self.tool),
            "patient": _person(self.patient),
            "documents": [],
            "checklist_name": self.checklist_name,
            "suggested_checklist": self.suggested_checklist,
            "appointment": self.appointment,
            "reason": self.reason,
            "checklist": [asdict(item) for item in self.checklist],
            "findings": [asdict(f) for f in self.findings],
            "to_do": list(self.to_do),
            "timeline": [asdict(event) for event in self.timeline],
            "reminders": list(self.reminders),
            "medication_list": [asdict(row) for row in self.medication_list],
            "skipped": [asdict(s) for s in self.skipped],
            "skipped_junk": self.skipped_junk,
        }

    def to_json(self, *, with_text: bool = False) -> str:
        """The contract as JSON text."""
        return "".join(self.json_pieces(with_text=with_text))

    def json_pieces(self, *, with_text: bool = False) -> Iterator[str]:
        """The contract's JSON text in pieces, a document at a time: the same text as
        json.dumps(to_contract(), indent=2), without the whole object tree in memory."""
        outline = indented_json(self._contract_without_documents())
        return spliced_json(
            outline,
            _DOCUMENTS_SLOT,
            (document_json(d, with_text=with_text) for d in self.documents),
        )

    def to_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        """The full internal record (the run cache's): documents with their internal fields."""
        data = self.to_contract()
        data["documents"] = [doc.to_dict(with_text=with_text) for doc in self.documents]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """The inverse of to_dict(with_text=True)."""
        return cls(
            patient=Person(**data["patient"]),
            documents=tuple(Document.from_dict(d) for d in data["documents"]),
            checklist=tuple(ChecklistStatus(**item) for item in data["checklist"]),
            findings=tuple(Finding(**finding) for finding in data["findings"]),
            checklist_name=data.get("checklist_name", "default"),
            suggested_checklist=data.get("suggested_checklist"),
            appointment=data.get("appointment"),
            timeline=tuple(Event(**event) for event in data.get("timeline", [])),
            reminders=tuple(data.get("reminders", [])),
            skipped=tuple(Skipped(**item) for item in data.get("skipped", [])),
            skipped_junk=data.get("skipped_junk", 0),
            tool=dict(data.get("tool", {})),
            reason=data.get("reason"),
            medication_list=tuple(MedicationRow(**row) for row in data.get("medication_list", [])),
            to_do=tuple(data.get("to_do", [])),
        )


def manifest_schema() -> dict[str, Any]:
    """The JSON Schema of intake.manifest/1, shipped in the package."""
    from importlib import resources

    text = resources.files("intake.schema").joinpath("manifest.schema.json").read_text("utf-8")
    return json.loads(text)
