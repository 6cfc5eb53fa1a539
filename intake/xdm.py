"""IHE XDM media (portal downloads): METADATA.XML read safely and checked against the files.

An XDM download holds IHE_XDM/<subset>/METADATA.XML (ebRIM: one ExtrinsicObject per
document, with title, creation time, class and type codes, author, patient, SHA-1 and size)
beside DOC0001.XML... The metadata names, dates and types documents whose own bytes say
little (a PDF without a date, an image); its hash and size catch damaged or altered files.
Downloads that follow XDM loosely (no METADATA.XML, other folder names) simply yield their
files. Parsing is intake.safe_load's: defusedxml with DTDs forbidden (no entities, no
network) and a depth limit.
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass, field, replace
from xml.etree.ElementTree import Element, ParseError

from intake.cda.hl7 import local
from intake.cda.read import KIND_BY_LOINC
from intake.model import Document, Finding, Person, Skipped, Source, SourceChanged
from intake.safe_load import parse_xml
from intake.scan import ScanResult
from intake.understand.dates import parse_dicom_date
from intake.understand.people import display_name

TYPE_CODE = "urn:uuid:f0306f51-975f-434e-a61c-c59651d9de3d"
AUTHOR = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"
PATIENT_ID = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
MEDIA_FILES = frozenset({"index.htm", "index.html", "readme.txt"})


@dataclass
class XdmEntry:
    """What METADATA.XML says about one document."""

    uri: str
    title: str | None = None
    created: str | None = None  # YYYY-MM-DD
    type_code: str | None = None  # LOINC document type code
    author: str | None = None
    patient: Person | None = None
    sha1: str | None = None
    size: int | None = None
    kind: str | None = None  # stated outright (FHIR DocumentReference type): used as is


@dataclass
class XdmListing:
    """Every METADATA.XML in a folder: entries by the location of the file each one lists."""

    entries: dict[str, XdmEntry] = field(default_factory=dict)
    missing: list[tuple[str, XdmEntry]] = field(default_factory=list)  # (metadata, entry)
    set_aside: list[Skipped] = field(default_factory=list)  # METADATA.XML, the media's index
    findings: list[Finding] = field(default_factory=list)


def from_notes(notes: dict[str, dict[str, str]]) -> dict[str, XdmEntry]:
    """Entries for what a container said about its members (title, date, kind)."""
    return {
        location: XdmEntry(
            uri=location, title=note.get("title"), created=note.get("date"), kind=note.get("kind")
        )
        for location, note in notes.items()
    }


def take_metadata(result: ScanResult) -> XdmListing:
    """Find XDM METADATA.XML files among the scanned sources, read them, and take them (and the
    media's own INDEX.HTM/README.TXT) out of the sources; returns what they list."""
    listing = XdmListing()
    metadata = [s for s in result.sources if _is_metadata(s.location)]
    if not metadata:
        return listing
    by_lower = {s.location.lower(): s for s in result.sources}
    set_aside: set[str] = set()
    for meta in metadata:
        set_aside.add(meta.location)
        folder = posixpath.dirname(meta.location)
        media_root = posixpath.dirname(posixpath.dirname(folder))
        for name in MEDIA_FILES:
            candidate = by_lower.get(posixpath.join(media_root, name).lower())
            if candidate:
                set_aside.add(candidate.location)
        try:
            entries = read_metadata(meta)
        except ValueError as err:
            listing.findings.append(
                Finding("xdm-metadata-unreadable", "warning", f"{meta.location}: {err}")
            )
            continue
        for entry in entries:
            target = _resolve(entry.uri, folder, media_root, by_lower)
            if target is None:
                listing.missing.append((meta.location, entry))
            else:
                listing.entries[target.location] = entry
    listing.set_aside = [
        Skipped(location, _aside_reason(location)) for location in sorted(set_aside)
    ]
    result.sources = [s for s in result.sources if s.location not in set_aside]
    return listing


def _is_metadata(location: str) -> bool:
    parts = location.lower().split("/")
    if parts[-1] != "metadata.xml":
        return False
    return len(parts) >= 3 and parts[-3].endswith("ihe_xdm")


def _aside_reason(location: str) -> str:
    if location.lower().endswith("metadata.xml"):
        return "IHE XDM metadata: used to name and check the documents it lists"
    return "the portal download's own index (IHE XDM): not a record"


def _resolve(uri: str, folder: str, media_root: str, by_lower: dict[str, Source]) -> Source | None:
    uri = uri.replace("\\", "/").lstrip("./")
    for base in (folder, media_root):
        candidate = by_lower.get(posixpath.normpath(posixpath.join(base, uri)).lower())
        if candidate:
            return candidate
    return None


def read_metadata(source: Source) -> list[XdmEntry]:
    """The ExtrinsicObjects of an XDM METADATA.XML; ValueError when it cannot be read safely."""
    try:
        with source.open() as handle:
            root = parse_xml(handle)  # safe_load.Refused (a ValueError) names its reason
    except (ParseError, OSError, LookupError) as err:  # LookupError: an unknown encoding
        raise ValueError(f"damaged XML ({err})") from err
    except SourceChanged as err:  # touched or deleted since the walk (a sync client)
        raise ValueError(str(err)) from err
    return [_entry(e) for e in root.iter() if local(e) == "ExtrinsicObject"]


def _entry(element: Element) -> XdmEntry:
    slots = _slots(element)
    entry = XdmEntry(
        uri=(slots.get("URI") or [""])[0] if "URI" in slots else _uri_from_parts(slots),
        title=_name(element),
        created=parse_dicom_date((slots.get("creationTime") or [""])[0][:8]),
        sha1=((slots.get("hash") or [None])[0] or "").lower() or None,
        size=_int((slots.get("size") or [None])[0]),
        patient=_patient(slots.get("sourcePatientInfo", [])),
    )
    for classification in (c for c in element if local(c) == "Classification"):
        scheme = classification.get("classificationScheme")
        if scheme == TYPE_CODE:
            entry.type_code = classification.get("nodeRepresentation")
        elif scheme == AUTHOR:
            inner = _slots(classification)
            people = [_xcn(v) for v in inner.get("authorPerson", [])]
            places = [v.split("^", 1)[0] for v in inner.get("authorInstitution", [])]
            entry.author = ", ".join(filter(None, [*people, *places])) or None
    for identifier in (c for c in element if local(c) == "ExternalIdentifier"):
        if identifier.get("identificationScheme") == PATIENT_ID and identifier.get("value"):
            patient_id = identifier.get("value", "").split("^", 1)[0]
            patient = entry.patient or Person()
            if patient_id and patient_id not in patient.identifiers:
                patient = replace(patient, identifiers=(*patient.identifiers, patient_id))
            entry.patient = patient
    return entry


def _uri_from_parts(slots: dict[str, list[str]]) -> str:
    """XDM's long-URI form: several 'n|part' values joined in order."""
    parts = sorted(
        (v.split("|", 1) for v in slots.get("URI", []) if "|" in v), key=lambda p: int(p[0])
    )
    return "".join(p[1] for p in parts)


def _slots(element: Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for slot in (c for c in element if local(c) == "Slot"):
        values = [(v.text or "").strip() for v in slot.iter() if local(v) == "Value"]
        found[slot.get("name", "")] = values
    uri = found.get("URI")
    if uri and len(uri) > 1 and all("|" in v for v in uri):
        found["URI"] = [_uri_from_parts({"URI": uri})]
    return found


def _name(element: Element) -> str | None:
    for child in element:
        if local(child) == "Name":
            for localized in child.iter():
                if local(localized) == "LocalizedString" and localized.get("value"):
                    return " ".join(localized.get("value", "").split())
    return None


def _patient(values: list[str]) -> Person | None:
    """sourcePatientInfo: PID-3 identifiers, PID-5 name (Family^Given^Middle), PID-7 birth."""
    name = birth_date = None
    identifiers: list[str] = []
    for value in values:
        field_name, _, content = value.partition("|")
        if field_name == "PID-3" and content:
            identifiers.append(content.split("^", 1)[0])
        elif field_name == "PID-5" and content:
            family, _, rest = content.partition("^")
            given = " ".join(p for p in rest.split("^")[:2] if p)
            full = " ".join(filter(None, [given, family]))
            name = display_name(full) or full or None
        elif field_name == "PID-7" and content:
            birth_date = parse_dicom_date(content[:8])
    person = Person(name, birth_date, tuple(identifiers))
    return None if person.is_empty() else person


def _xcn(value: str) -> str:
    """An HL7 XCN ('^Carefield^Alice^^^Dr') as 'Dr Alice Carefield'."""
    parts = value.split("^")
    if len(parts) < 3:
        return value.strip()
    family, given, prefix = parts[1], parts[2], parts[5] if len(parts) > 5 else ""
    return " ".join(filter(None, [prefix, given, family]))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def describe(document: Document, entry: XdmEntry | None) -> Document:
    """What the document's own bytes left open, filled from its metadata (before understanding)."""
    if entry is None:
        return document
    return replace(
        document,
        title=document.title or entry.title or "",
        date=document.date or entry.created,
        kind=document.kind or entry.kind or "",
        author=document.author or entry.author,
        patient=document.patient if document.patient is not None else entry.patient,
    )


def settle_kind(document: Document, entry: XdmEntry | None) -> Document:
    """The metadata's document type, when reading the document found none."""
    if entry is None or document.kind not in ("", "other"):
        return document
    kind = KIND_BY_LOINC.get(entry.type_code or "")
    return replace(document, kind=kind) if kind else document


def verify(
    listing: XdmListing, documents: list[Document], sources: dict[str, Source]
) -> list[Finding]:
    """Findings for files whose size or SHA-1 differ from METADATA.XML, and files it lists
    that the download lacks."""
    findings = list(listing.findings)
    ids = {ref.source: d.id for d in documents for ref in d.files}
    for location, entry in sorted(listing.entries.items()):
        source = sources.get(location)
        if source is None:
            continue
        problems = []
        if entry.size is not None and entry.size != source.size:
            problems.append(f"its size is {source.size} bytes, the metadata says {entry.size}")
        if entry.sha1:
            try:
                if entry.sha1 != _sha1(source):
                    problems.append("its SHA-1 hash differs from the metadata's")
            except SourceChanged:  # touched or deleted since the walk (a sync client)
                problems.append("it changed after it was found, so its SHA-1 was not checked")
            except OSError as err:
                problems.append(f"its SHA-1 could not be checked ({err.strerror or err})")
        if problems:
            findings.append(
                Finding(
                    "xdm-mismatch",
                    "warning",
                    f"{location}: {'; '.join(problems)}: the file may be damaged or altered; "
                    "download it again",
                    [ids[location]] if location in ids else [],
                )
            )
    for metadata, entry in listing.missing:
        findings.append(
            Finding(
                "xdm-missing-document",
                "warning",
                f"{metadata} lists {entry.uri or 'a document'}"
                + (f" ({entry.title})" if entry.title else "")
                + " but the download does not hold it: download it again",
            )
        )
    return findings


def _sha1(source: Source) -> str:
    with source.open() as handle:
        return hashlib.file_digest(handle, "sha1").hexdigest()
