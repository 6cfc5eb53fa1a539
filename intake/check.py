"""Evaluate a checklist against the documents, and find what is wrong with the set.

Pure: (documents, checklist, options) -> an Assessment. The checklist is data
(intake/checklists/*.toml); extra rules named by `requires` live in RULES below.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

import re2

from intake import ocr_missing
from intake.errors import UsageError
from intake.model import KINDS, ChecklistStatus, Document, Finding, Person, Skipped
from intake.regular_files import open_regular
from intake.understand.classify import SUBTYPES
from intake.understand.plan_headings import plan_lines


@dataclass(frozen=True)
class ItemRule:
    """One checklist item as the TOML states it."""

    id: str
    label: str
    kinds: tuple[str, ...]
    requires: str | None = None
    hint: str = ""
    subtypes: tuple[str, ...] = ()
    content: re2._Regexp | None = None  # must match the document's title or text
    max_age_days: int | None = None  # older than this before the appointment: stale

    def matches(self, document: Document) -> bool:
        """True when `document` satisfies this item (kind or subtype, and content if given)."""
        if document.kind == "unreadable":
            return False
        if not (document.kind in self.kinds or (document.subtype or "") in self.subtypes):
            return False
        return self.content is None or bool(self.content.search(haystack(document)))


def haystack(document: Document) -> str:
    """What an item's `content` pattern is matched against: title, text, imaging headers."""
    studies = [
        " ".join(filter(None, [s.modality, s.description, s.body_part])) for s in document.imaging
    ]
    return "\n".join([document.title, *studies, document.text]).translate(_SPACES)


# RE2's \s is ASCII: a no-break or other Unicode space ("Stage\xa0IIA" in a cp1252 note) is
# matched as the space it shows (Python's re matched it; the shipped patterns rely on \s)
_SPACES = {code: " " for code in range(0x80, 0x3001) if chr(code).isspace()}


@dataclass(frozen=True)
class Checklist:
    """A what-to-bring list: items to evaluate, reminders for what a folder cannot hold."""

    name: str
    label: str
    items: tuple[ItemRule, ...]
    reminders: tuple[str, ...] = field(default_factory=tuple)


def available_checklists() -> list[Checklist]:
    """The checklists shipped with intake: the default first, then by name."""
    folder = resources.files("intake.checklists")
    names = sorted(
        (p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")),
        key=lambda name: (name != "default", name),
    )
    return [load_checklist(name) for name in names]


MAX_CHECKLIST_BYTES = 1 * 2**20  # a what-to-bring list is a page, not a database
MAX_ITEMS = 500
MAX_REMINDERS = 500
MAX_PATTERN = 2000  # characters of an item's `content` expression
MAX_AGE_DAYS = 36_500  # a hundred years
MAX_EXTENDS = 8  # checklists extending checklists


class ChainError(UsageError):
    """Checklists that extend each other in a loop, or too deep: the message names them."""


class ChecklistError(ValueError):
    """What is wrong with a checklist, with the TOML line when it is known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def load_checklist(name_or_path: str | Path = "default") -> Checklist:
    """A shipped checklist by name, or a TOML file by path; UsageError (exit 2) naming the
    file, and the line when known, when it cannot be read or is not a valid checklist."""
    return _load(name_or_path, chain=())


def _load(name_or_path: str | Path, chain: tuple[str, ...]) -> Checklist:
    path = Path(name_or_path)
    if not _names_a_file(path):
        if chain and str(name_or_path) in chain:
            raise ChainError(_cycle(chain, str(name_or_path)))
        return _shipped_checklist(str(name_or_path))
    return _load_checklist(path, chain)


@functools.lru_cache(maxsize=32)
def _shipped_checklist(name: str) -> Checklist:
    """A checklist shipped in the package (they never change while intake runs)."""
    return _load_checklist(Path(name), ())


def _names_a_file(path: Path) -> bool:
    """Whether `--checklist` (or `extends`) names a file rather than a shipped checklist; a
    name the file system refuses to look up (too long) is a file, whose reading says why."""
    try:
        return path.suffix == ".toml" or path.exists()
    except OSError:
        return True


def _load_checklist(path: Path, chain: tuple[str, ...]) -> Checklist:
    name_or_path = str(path)
    if _names_a_file(path):
        origin = str(path)
        identity = os.path.realpath(path)
        if identity in chain:
            raise ChainError(_cycle(chain, identity))
        try:  # a FIFO or a device (/dev/zero) is refused at once, never waited on or read
            with open_regular(path) as handle:
                size = os.fstat(handle.fileno()).st_size
                if size > MAX_CHECKLIST_BYTES:
                    raise UsageError(
                        f"checklist {path} is not valid: {size // 2**20} MB, more than "
                        f"{MAX_CHECKLIST_BYTES // 2**20} MB (a checklist is a short list)"
                    )
                text = handle.read(MAX_CHECKLIST_BYTES + 1).decode("utf-8-sig")  # Notepad's BOM
        except OSError as err:
            raise UsageError(f"checklist {path}: cannot be read ({err.strerror})") from err
        except UnicodeDecodeError as err:
            raise UsageError(f"checklist {path} is not valid: not UTF-8 text") from err
    else:
        resource = resources.files("intake.checklists") / f"{name_or_path}.toml"
        if not resource.is_file():
            known = ", ".join(c.name for c in available_checklists())
            raise UsageError(f"no checklist named {name_or_path!r} (known: {known})")
        text, origin = resource.read_text(encoding="utf-8"), f"{name_or_path}.toml"
        identity = name_or_path
    chain = (*chain, identity)
    if len(chain) > MAX_EXTENDS:
        raise ChainError(f"checklist {origin}: extends checklists more than {MAX_EXTENDS} deep")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:  # its message ends "(at line N, column M)"
        raise UsageError(f"checklist {origin} is not valid: {err}") from err
    try:
        return _parse(data, _item_lines(text), origin, path.parent, chain)
    except ChecklistError as err:
        where = f" (line {err.line})" if err.line else ""
        raise UsageError(f"checklist {origin} is not valid{where}: {err}") from err
    except (KeyError, TypeError, ValueError) as err:
        raise UsageError(f"checklist {origin} is not valid: {err}") from err


def _cycle(chain: tuple[str, ...], again: str) -> str:
    """A checklist that extends itself, directly or through others."""
    names = " -> ".join(Path(link).name for link in (*chain, again))
    return f"checklist {chain[0]} is not valid: it extends itself ({names})"


def _parse(
    data: dict, lines: list[int], origin: str, folder: Path, chain: tuple[str, ...]
) -> Checklist:
    for key in ("name", "label", "extends"):
        _expect(data.get(key, ""), str, key)
    extends = data.get("extends")
    try:
        base = _load(_extended(extends, folder), chain) if extends else None
    except ChainError:  # a loop or a chain too long names its checklists itself
        raise
    except UsageError as err:  # the list it extends is missing or bad: say which one did
        raise UsageError(f"checklist {origin}: extends {extends!r}, and {err}") from None
    raw_items = data.get("items", [])
    if base is None and "items" not in data:
        raise ChecklistError("it has no [[items]]")
    _expect(raw_items, list, "items")
    items = {item.id: item for item in base.items} if base else {}
    for number, raw in enumerate(raw_items):
        line = lines[number] if number < len(lines) else None
        if not isinstance(raw, dict):
            raise ChecklistError(f"item {number + 1} is not a table", line)
        try:
            items[raw.get("id")] = _parse_item(raw)
        except ChecklistError as err:
            raise ChecklistError(str(err), err.line or line) from err
        if len(items) > MAX_ITEMS:
            raise ChecklistError(f"more than {MAX_ITEMS} items", line)
    raw_reminders = data.get("reminders", [])
    _expect(raw_reminders, list, "reminders")
    if len(raw_reminders) > MAX_REMINDERS:
        raise ChecklistError(f"more than {MAX_REMINDERS} reminders")
    for reminder in raw_reminders:
        if not isinstance(reminder, dict) or not isinstance(reminder.get("text"), str):
            raise ChecklistError('each [[reminders]] needs text = "..."')
    reminders = (base.reminders if base else ()) + tuple(r["text"] for r in raw_reminders)
    return Checklist(
        data.get("name", Path(origin).stem), data.get("label", ""), tuple(items.values()), reminders
    )


def _extended(extends: str, folder: Path) -> str | Path:
    """What `extends` names: a shipped list, or a TOML path (relative to the checklist's own
    folder first)."""
    beside = folder / extends
    try:
        return beside if Path(extends).suffix == ".toml" and beside.exists() else extends
    except OSError:  # a name the file system refuses to look up: its reading says why
        return beside


def _item_lines(text: str) -> list[int]:
    """The line of each [[items]] header, so an error can say where the item is."""
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if re.match(r"\s*\[\[\s*items\s*\]\]", line)
    ]


def _expect(value: object, kind: type, key: str, item: str = "") -> None:
    if not isinstance(value, kind) or isinstance(value, bool):
        where = f"item {item!r}: " if item else ""
        raise ChecklistError(f"{where}{key} must be {_KIND_WORDS[kind]}")


_KIND_WORDS = {str: "text", list: "a list", int: "a whole number", dict: "a table"}


def _parse_item(raw: dict) -> ItemRule:
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not item_id:
        raise ChecklistError('an item has no id = "..."')
    for key in ("label", "hint", "requires", "content"):
        if key in raw:
            _expect(raw[key], str, key, item_id)
    if "label" not in raw:
        raise ChecklistError(f'item {item_id!r} has no label = "..."')
    for key in ("kinds", "subtypes"):
        _expect(raw.get(key, []), list, key, item_id)
        if not all(isinstance(value, str) for value in raw.get(key, [])):
            raise ChecklistError(f"item {item_id!r}: {key} must be a list of names")
    kinds = tuple(raw.get("kinds", ()))
    subtypes = tuple(raw.get("subtypes", ()))
    if not kinds and not subtypes:
        raise ChecklistError(f"item {item_id!r} names no kinds or subtypes")
    unknown = [k for k in kinds if k not in KINDS] + [s for s in subtypes if s not in SUBTYPES]
    if unknown:
        raise ChecklistError(f"item {item_id!r} names unknown kinds {unknown}")
    requires = raw.get("requires")
    if requires and requires not in RULES:
        raise ChecklistError(f"item {item_id!r} requires unknown rule {requires!r}")
    content = _pattern(raw.get("content"), item_id)
    max_age = raw.get("max_age_days")
    if max_age is not None and (
        not isinstance(max_age, int) or isinstance(max_age, bool) or not 0 < max_age <= MAX_AGE_DAYS
    ):
        raise ChecklistError(
            f"item {item_id!r}: max_age_days must be a whole number from 1 to {MAX_AGE_DAYS}"
        )
    return ItemRule(
        item_id, raw["label"], kinds, requires, raw.get("hint", ""), subtypes, content, max_age
    )


def _pattern(text: str | None, item_id: str) -> re2._Regexp | None:
    """An item's `content`, compiled by RE2: its time is linear in the text, whatever the
    pattern (Python's `re` backtracks: `(x+x+)+y` on a page of x's never ends)."""
    if not text:
        return None
    if len(text) > MAX_PATTERN:
        raise ChecklistError(f"item {item_id!r}: content longer than {MAX_PATTERN} characters")
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # the reason is in the error; RE2 would also print it
    try:
        return re2.compile(text, options)
    except re2.error as err:
        reason = err.args[0].decode("utf-8", "replace") if err.args else "unknown error"
        if any(part in reason for part in ("invalid escape sequence: \\", "invalid perl op")):
            reason += "; back-references and look-arounds are not supported"
        raise ChecklistError(
            f"item {item_id!r}: content is not a valid regular expression ({reason})"
        ) from err


# --- evaluation -------------------------------------------------------------------------------

Rule = Callable[[ItemRule, list[Document], list[Document]], tuple[str, str, list[Finding]]]


def _evaluate_item(
    item: ItemRule, documents: list[Document], appointment: date | None = None
) -> tuple[ChecklistStatus, list[Finding]]:
    counts_too = ALSO_SATISFIED_BY.get(item.requires or "")
    matching = [
        d
        for d in documents
        if item.matches(d) or (counts_too and d.kind != "unreadable" and counts_too(d))
    ]
    status, note, findings = "present" if matching else "missing", "", []
    if item.requires:
        status, note, findings = RULES[item.requires](item, matching, documents)
    if status == "missing" and not note:
        note = item.hint
    if status == "present" and item.max_age_days and appointment:
        status, note = _staleness(matching, item.max_age_days, appointment)
    ids = [d.id for d in matching]
    return ChecklistStatus(item.id, item.label, status, ids, note), findings


def _staleness(matching: list[Document], max_age_days: int, appointment: date) -> tuple[str, str]:
    """Stale when even the newest dated document is older than the item allows.

    A document carrying lab results is dated by its newest collection date, so a recent
    summary quoting old results does not make them recent."""
    dates = [
        max((lab.collected for lab in d.labs if lab.collected), default=None) or d.date
        for d in matching
    ]
    dates = [d for d in dates if d]
    if not dates:
        return "present", "no date found: check it is recent"
    newest = max(dates)
    if date.fromisoformat(newest).toordinal() < appointment.toordinal() - max_age_days:
        return "stale", (
            f"newest is from {newest}, more than {max_age_days} days before the appointment "
            f"({appointment.isoformat()}): ask for recent results"
        )
    return "present", ""


def _lab_values(item, matching, documents):
    if not matching:
        return "missing", "", []
    if any(d.labs for d in matching):
        return "present", "", []
    return "incomplete", "lab reports found, but no values could be read from them", []


def _dosages(item, matching, documents):
    if not matching:
        return "missing", "", []
    if any(m.strength for d in matching for m in d.medications):
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
    for report in reports:
        if not any(report_matches(report, s) for s in studies):
            findings.append(
                Finding(
                    "report-without-images",
                    "warning",
                    f"{study_label(report)}: its images are not in the folder: ask the imaging "
                    "department for a disc of them",
                    [report.id],
                )
            )
    if unreported:
        names = ", ".join(study_label(s) for s in unreported)
        return "incomplete", f"no report for {names}", findings
    return "present", "", findings


# documents of other kinds that still satisfy an item: a summary's medications, a C-CDA's results
PLAN_SECTIONS = ("plan", "assessment")
NOTE_KINDS = ("visit_summary", "consult_note", "discharge_summary")


def states_a_plan(document: Document) -> bool:
    """A first provider's note that holds its assessment and plan (a section or a heading)."""
    if document.kind not in NOTE_KINDS:
        return False
    if any(document.sections.get(name) for name in PLAN_SECTIONS):
        return True
    return bool(plan_lines(document.text[:MAX_PLAN_SEARCH]))


MAX_PLAN_SEARCH = 200_000  # characters of a note searched for its plan heading


def _plan(item: ItemRule, matching: list[Document], documents: list[Document]):
    if not matching:
        return "missing", "", []
    plans = [d for d in matching if d.kind == "treatment_plan"]
    if plans:
        return "present", "", []
    titles = ", ".join(d.title or d.source for d in matching[:3])
    return "present", f"the plan in {titles}", []


ALSO_SATISFIED_BY: dict[str, Callable[[Document], bool]] = {
    "dosages": lambda d: bool(d.medications),
    "lab_values": lambda d: bool(d.labs),
    "plan": states_a_plan,
}

RULES: dict[str, Rule] = {
    "lab_values": _lab_values,
    "dosages": _dosages,
    "imaging_reports": _imaging_reports,
    "plan": _plan,
}


MODALITY_WORDS = {
    "MR": r"\bMRI?\b|magnetic resonance|\bMRA\b",
    "CT": r"\bCTA?\b|computed tomography|\bCAT scan",
    "US": r"ultrasound|sonogra|\bUS\b|doppler|echocardiogra",
    "MG": r"mammogra|tomosynthesis",
    "XR": r"x-ray|radiograph|\bXR\b|\bCXR\b",
    "PT": r"\bPET\b",
    "NM": r"nuclear medicine|scintigra|bone scan|\bSPECT\b",
    "XA": r"angiogra|catheteri[sz]ation",
}
MODALITY_GROUPS = {"CR": "XR", "DX": "XR", "DR": "XR", "RF": "XR", "PET": "PT"}
_MODALITY_PATTERNS = {
    key: re.compile(words, re.IGNORECASE) for key, words in MODALITY_WORDS.items()
}


def named_modalities(text: str) -> set[str]:
    """The imaging modalities a report names ("MRI of the brain" -> {"MR"})."""
    return {key for key, pattern in _MODALITY_PATTERNS.items() if pattern.search(text)}


def report_matches(report: Document, study: Document) -> bool:
    """A report belongs to a study when it is stored with it (DICOM SR, encapsulated PDF),
    names its accession number, or shares its date without naming only other modalities."""
    info = study.imaging[0] if study.imaging else None
    if info and report.about_study:
        return report.about_study == info.study_uid
    if info and info.accession and info.accession in report.text:
        return True
    if not (study.date and report.date == study.date):
        return False
    named = named_modalities(f"{report.title}\n{report.text[:2000]}")
    if not named or not info or not info.modality:
        return True
    modalities = {MODALITY_GROUPS.get(m, m) for m in info.modality.split("/")}
    return bool(named & modalities)


def study_label(study: Document) -> str:
    """'MR BRAIN 2026-09-14': how a caregiver would name a study to the imaging department."""
    return " ".join(filter(None, [study.title, study.date])) or study.source


# --- findings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    """What checking the set found: each item's status, every finding (most severe first,
    sorted once, here), the caregiver's to-do list, and a better checklist to use."""

    statuses: tuple[ChecklistStatus, ...]
    findings: tuple[Finding, ...]
    to_do: tuple[str, ...]
    suggested_checklist: str | None = None


def check(
    documents: Sequence[Document],
    checklist: Checklist,
    skipped: Sequence[Skipped] = (),
    *,
    appointment: date | None = None,
    patient: Person | None = None,
    evidence: Sequence[Finding] = (),
    add_specialty: bool = False,
) -> Assessment:
    """Every status and every finding about the set, most severe first, and the to-do list.

    `evidence` holds findings only the files themselves can show (XDM digests, a disc's
    DICOMDIR, its viewer): they are judged and sorted with the rest. With `add_specialty`,
    when the default list is used and the records clearly fit a specialty, that
    specialty's own items are checked too (each status names its list)."""
    from intake.understand.reconcile import dose_conflicts
    from intake.understand.specialty import suggest_specialty

    statuses, findings = _evaluate(documents, checklist, skipped, appointment, patient)
    findings += dose_conflicts(documents)
    findings += evidence
    suggested = None
    if checklist.name == "default":
        suggested = suggest_specialty(d.text for d in documents)
    if suggested and add_specialty:
        extra, extra_findings = _specialty_items(suggested, checklist, documents, appointment)
        statuses += extra
        findings += extra_findings
        findings.append(
            Finding(
                "suggest-checklist",
                "info",
                f"These records look like {suggested}: the {suggested} list's own items "
                "are checked too, marked with its name.",
            )
        )
    elif suggested:
        findings.append(
            Finding(
                "suggest-checklist",
                "info",
                f"These records look like {suggested}: the {suggested} list would also "
                "ask for its own items.",
            )
        )
    findings = most_severe_first(said_once(findings))
    return Assessment(
        statuses=tuple(statuses),
        findings=tuple(findings),
        to_do=tuple(to_do(statuses, findings, checklist.reminders)),
        suggested_checklist=suggested,
    )


def _specialty_items(
    name: str, checklist: Checklist, documents: Sequence[Document], appointment: date | None
) -> tuple[list[ChecklistStatus], list[Finding]]:
    """The items a specialty's list adds to `checklist`, evaluated and marked with its name."""
    have = {item.id for item in checklist.items}
    specialty = load_checklist(name)
    extra = Checklist(name, specialty.label, tuple(i for i in specialty.items if i.id not in have))
    statuses, findings = _evaluate(documents, extra, (), appointment, None, with_set=False)
    statuses = [dataclasses.replace(status, checklist=name) for status in statuses]
    return statuses, findings


MANY_SHOWN = 4  # birth dates named in one finding
OTHER_PEOPLE = ("other-patient", "two-patients")  # findings naming records of someone else


def records_of_others(findings: Iterable[Finding]) -> dict[str, str]:
    """Each document an identity error names as someone else's -> that finding's message:
    such a record stays listed, but lends nothing to the patient's summary or timeline."""
    return {
        doc_id: finding.message
        for finding in findings
        if finding.code in OTHER_PEOPLE
        for doc_id in finding.documents
    }


ACTION_FINDINGS = (
    "imaging-without-report",
    "report-without-images",
    "unreadable-file",
    "ocr-missing",  # install Tesseract and run again: scanned pages were not read
    "files-left-out",  # split the folder: records past the run's limit are not in the packet
)


def to_do(
    statuses: Sequence[ChecklistStatus], findings: Sequence[Finding], reminders: Sequence[str]
) -> list[str]:
    """What the caregiver should still do before the appointment, from checklist and findings."""
    said = [f for f in findings if f.code in ACTION_FINDINGS]
    actions = [f.message for f in said]
    covered = (
        {"imaging"} if any(f.code.startswith(("imaging-", "report-")) for f in findings) else set()
    )
    about = {doc_id for f in said for doc_id in f.documents}
    for status in statuses:
        if status.status not in ("missing", "incomplete", "stale") or status.id in covered:
            continue
        if status.status == "incomplete" and about.intersection(status.documents):
            continue  # a finding above already says what to do about its documents
        actions.append(f"{status.heading()}: {status.note}" if status.note else status.heading())
    return list(dict.fromkeys(actions + list(reminders)))  # each said once, in order


def said_once(findings: Iterable[Finding]) -> list[Finding]:
    """Findings without repeats: the same code and message (one study without a report,
    found by the default list and again by a specialty's) is one finding naming the
    documents of both."""
    merged: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        key = (finding.code, finding.message)
        if key in merged:
            earlier = merged[key]
            documents = list(dict.fromkeys([*earlier.documents, *finding.documents]))
            merged[key] = dataclasses.replace(earlier, documents=documents)
        else:
            merged[key] = finding
    return list(merged.values())


def _evaluate(
    documents: Sequence[Document],
    checklist: Checklist,
    skipped: Sequence[Skipped],
    appointment: date | None,
    patient: Person | None,
    *,
    with_set: bool = True,
) -> tuple[list[ChecklistStatus], list[Finding]]:
    statuses: list[ChecklistStatus] = []
    findings: list[Finding] = identity_findings(documents, patient) if patient else []
    for item in checklist.items:
        status, item_findings = _evaluate_item(item, documents, appointment)
        statuses.append(status)
        findings.extend(item_findings)
        if status.status == "missing":
            findings.append(
                Finding(
                    "missing-item", "warning", f"Missing: {item.label}. {item.hint}".strip(), []
                )
            )
        elif status.status == "stale":
            findings.append(
                Finding(
                    "stale-item",
                    "warning",
                    f"Out of date: {item.label}: {status.note}",
                    status.documents,
                )
            )
        elif status.status == "incomplete" and not item_findings:  # else they say why
            findings.append(
                Finding(
                    "incomplete-item",
                    "warning",
                    f"Incomplete: {item.label}: {status.note}",
                    status.documents,
                )
            )
    if with_set:
        findings += unreadable_findings(documents) + duplicate_findings(documents)
        findings += [
            Finding("files-left-out", "warning", f"{s.path}: {s.reason}", [])
            if s.left_out
            else Finding("skipped-path", "info", f"{s.path}: {s.reason}", [])
            for s in skipped
        ]
    return statuses, findings


SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def most_severe_first(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in the order a reader needs them: errors, then warnings, then notes (stable
    within a severity)."""
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


def identity_findings(documents: list[Document], patient: Person) -> list[Finding]:
    """An error per document naming someone else; one note listing documents naming nobody."""
    from intake.understand.dates import birth_dates
    from intake.understand.people import differences

    findings = []
    anonymous = []
    for document in documents:
        if document.kind in ("unreadable", "questions"):
            continue
        person = document.patient
        if person and person.name and document.others_named:
            findings.append(
                Finding(
                    "two-patients",
                    "error",
                    f"{document.source} holds records of more than one person: "
                    + " and ".join([person.name, *document.others_named]),
                    [document.id],
                )
            )
        births = [] if document.structured else birth_dates(document.text)
        if len(births) > 1:
            findings.append(
                Finding(
                    "two-birth-dates",
                    "warning",
                    f"{document.source} states {len(births)} different birth dates ("
                    + ", ".join(births[:MANY_SHOWN])
                    + "): it may hold more than one person's records; check which pages"
                    " are this patient's",
                    [document.id],
                )
            )
        if person is None or not (person.name or person.birth_date):
            if document.text.strip() or document.kind != "other":
                anonymous.append(document)
            continue
        differs = differences(person, patient)
        if differs:
            findings.append(
                Finding(
                    "other-patient",
                    "error",
                    f"{document.source} is probably another patient's record: it "
                    + " and ".join(differs),
                    [document.id],
                )
            )
    if anonymous:
        findings.append(
            Finding(
                "no-identity",
                "info",
                "no patient name or birth date found in: "
                + named(d.source for d in anonymous)
                + " (check by hand that they belong to this patient)",
                [d.id for d in anonymous],
            )
        )
    return findings


def unreadable_findings(documents: list[Document]) -> list[Finding]:
    """One error per file that could not be read, a note per file no extractor reads, and a
    warning per file whose scanned pages were not read for lack of Tesseract."""
    findings = ocr_missing.findings(documents)
    for document in documents:
        reason = "; ".join(document.warnings) or "unknown reason"
        if ocr_missing.lacks_ocr(document) and document.kind != "unreadable":
            continue  # said above, with what to do
        if document.kind == "unreadable":
            findings.append(
                Finding(
                    "unreadable-file",
                    "error",
                    f"{document.source} could not be read: {reason}",
                    [document.id],
                )
            )
        elif (
            document.kind == "other"
            and not document.text
            and document.warnings
            and document.subtype != "dicomdir"  # the disc check says what is wrong with it
        ):
            findings.append(
                Finding("not-read", "info", f"{document.source}: {reason}", [document.id])
            )
    return findings


def duplicate_findings(documents: list[Document]) -> list[Finding]:
    """Files with identical bytes (same SHA-256), e.g. the same report downloaded twice.
    The several documents one file holds (a FHIR export) are not copies of each other."""
    by_hash: dict[str, dict[str, list[Document]]] = {}
    for document in documents:
        if document.sha256 and document.kind != "unreadable":
            by_hash.setdefault(document.sha256, {}).setdefault(document.source, []).append(document)
    return [
        Finding(
            "duplicate-file",
            "info",
            "identical copies: " + ", ".join(group),
            [d.id for docs in group.values() for d in docs],
        )
        for group in by_hash.values()
        if len(group) > 1
    ]


NAMES_SHOWN = 20  # a finding's message names this many files, then counts the rest


def named(sources: Iterable[str]) -> str:
    """Sources for a message: the first NAMES_SHOWN, then 'and N more' (the finding's
    document ids still list them all), so 50,000 files make one short line."""
    listed = list(sources)
    shown = ", ".join(listed[:NAMES_SHOWN])
    more = len(listed) - NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")
