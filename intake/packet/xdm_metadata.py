"""IHE XDM METADATA.XML for the packet's IHE_XDM/SUBSET01 (ebRIM 3.0, metadata-limited).

One ExtrinsicObject per copied document (mimeType, creationTime, SHA-1 hash, size, URI,
source patient info, LOINC type and class codes), a SubmissionSet RegistryPackage, and the
associations linking them: what a hospital's XDM import station reads.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, SubElement, tostring

from intake.model import Document, Manifest
from intake.packet.index import PacketIndex, copy_sha1

RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
DOCUMENT_ENTRY = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
CLASS_CODE = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
TYPE_CODE = "urn:uuid:f0306f51-975f-434e-a61c-c59651d9de3d"
FORMAT_CODE = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d"
CONFIDENTIALITY = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
PRACTICE_SETTING = "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead"
FACILITY_TYPE = "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1"
DOC_PATIENT_ID = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
DOC_UNIQUE_ID = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
SET_PATIENT_ID = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
SET_UNIQUE_ID = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"
SET_SOURCE_ID = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"
SET_CONTENT_TYPE = "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500"
SET_CLASSIFICATION = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
INTAKE_OID = "2.25.329800735698586629295641978511506172918"  # a UUID-derived OID for intake
LOINC = "2.16.840.1.113883.6.1"
TYPE_BY_KIND = {
    "lab_report": ("11502-2", "Laboratory report"),
    "imaging_report": ("18748-4", "Diagnostic imaging study"),
    "pathology_report": ("11526-1", "Pathology study"),
    "discharge_summary": ("18842-5", "Discharge summary"),
    "consult_note": ("11488-4", "Consult note"),
    "visit_summary": ("34133-9", "Summary of episode note"),
    "treatment_plan": ("18776-5", "Plan of care note"),
    "operative_note": ("11504-8", "Surgical operation note"),
    "referral": ("57133-1", "Referral note"),
    "medication_list": ("10160-0", "History of medication use"),
    "questions": ("51855-5", "Patient note"),
    "insurance": ("64290-0", "Health insurance card"),
}
OTHER_TYPE = ("47045-0", "Study report")


def write_metadata_xml(
    handle: BinaryIO,
    manifest: Manifest,
    documents: list[Document],
    root: Path,
    index: PacketIndex,
    known: Mapping[str, tuple[bytes, int]] | None = None,
) -> None:
    """METADATA.XML for the documents copied into IHE_XDM/SUBSET01 under `root`, written to
    `handle` entry by entry: its size in memory does not grow with the number of documents.
    `known`: a copy's SHA-1 digest and size by its name, taken while it was written (a copy
    not in it is read again)."""
    patient_id = _patient_id(manifest)
    now = datetime.now().strftime("%Y%m%d%H%M%S")
    # the two outer elements are written by hand, every object inside them as its own
    # subtree (declaring the rim namespace it uses)
    handle.write(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<lcm:SubmitObjectsRequest xmlns:lcm="{LCM}" '
        f'xmlns:rim="{RIM}"><rim:RegistryObjectList>'.encode()
    )
    set_id = "SubmissionSet01"
    package = Element(f"{{{RIM}}}RegistryPackage", id=set_id)
    _slot(package, "submissionTime", now)
    _slot(package, "intendedRecipient", "second-opinion provider")
    _name(package, "Records for a second opinion")
    _classification(package, SET_CONTENT_TYPE, set_id, "34133-9", LOINC, "Summary of episode note")
    _external(package, SET_UNIQUE_ID, set_id, f"{INTAKE_OID}.{uuid.uuid4().int % 10**12}")
    _external(package, SET_SOURCE_ID, set_id, INTAKE_OID)
    _external(package, SET_PATIENT_ID, set_id, patient_id)
    classified = Element(
        f"{{{RIM}}}Classification",
        id="SubmissionSetClassification",
        classifiedObject=set_id,
        classificationNode=SET_CLASSIFICATION,
    )
    handle.write(_serialised(package) + _serialised(classified))
    number = 0
    for document in documents:
        for name in index.files(document):
            if not name.startswith("IHE_XDM/SUBSET01/"):
                continue
            entry_id = f"Document{number + 1:04d}"
            scratch = Element("scratch")  # written only once the entry is whole
            with index.guard(document, "its entry in METADATA.XML"):
                _document_entry(scratch, entry_id, document, root / name, name, manifest,
                                patient_id, (known or {}).get(name))  # fmt: skip
                number += 1
            if entry_id != f"Document{number:04d}":  # it failed: noted, left out
                continue
            association = SubElement(
                scratch,
                f"{{{RIM}}}Association",
                id=f"Association{number:04d}",
                associationType="urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember",
                sourceObject=set_id,
                targetObject=entry_id,
            )
            _slot(association, "SubmissionSetStatus", "Original")
            handle.write(b"".join(_serialised(element) for element in scratch))
    handle.write(b"</rim:RegistryObjectList></lcm:SubmitObjectsRequest>")


def _document_entry(
    objects: Element,
    entry_id: str,
    document: Document,
    path: Path,
    uri: str,
    manifest: Manifest,
    patient_id: str,
    known: tuple[bytes, int] | None = None,
) -> None:
    digest, size = copy_sha1(path, known)
    sha1 = digest.hex()
    mime = "text/xml" if document.media_type == "application/hl7-cda+xml" else document.media_type
    entry = SubElement(
        objects, f"{{{RIM}}}ExtrinsicObject", id=entry_id, mimeType=mime, objectType=DOCUMENT_ENTRY
    )
    created = (document.date or manifest.appointment or "").replace("-", "")
    if created:
        _slot(entry, "creationTime", created)
    _slot(entry, "hash", sha1)
    _slot(entry, "size", str(size))
    _slot(entry, "URI", uri.rsplit("/", 1)[-1])
    _slot(entry, "languageCode", "en-US")
    _slot(entry, "sourcePatientId", patient_id)
    _slot(entry, "sourcePatientInfo", *_patient_info(manifest))
    _name(entry, document.title or document.source)
    code, display = TYPE_BY_KIND.get(document.kind, OTHER_TYPE)
    _classification(entry, TYPE_CODE, entry_id, code, LOINC, display)
    _classification(entry, CLASS_CODE, entry_id, code, LOINC, display)
    _classification(entry, CONFIDENTIALITY, entry_id, "N", "2.16.840.1.113883.5.25", "Normal")
    _classification(entry, FORMAT_CODE, entry_id, mime, "urn:ietf:bcp:13", mime)
    _classification(entry, FACILITY_TYPE, entry_id, "OF", "2.16.840.1.113883.5.111", "Outpatient")
    _classification(entry, PRACTICE_SETTING, entry_id, "394802001", "2.16.840.1.113883.6.96",
                    "General medicine")  # fmt: skip
    _external(entry, DOC_PATIENT_ID, entry_id, patient_id)
    _external(entry, DOC_UNIQUE_ID, entry_id, f"{INTAKE_OID}.{int(document.sha256[:12], 16)}"
              if document.sha256 else f"{INTAKE_OID}.{uuid.uuid4().int % 10**12}")  # fmt: skip


def _patient_id(manifest: Manifest) -> str:
    identifier = manifest.patient.identifiers[0] if manifest.patient.identifiers else "UNKNOWN"
    return f"{identifier}^^^&{INTAKE_OID}&ISO"


def _patient_info(manifest: Manifest) -> list[str]:
    patient = manifest.patient
    info = [f"PID-3|{_patient_id(manifest)}"]
    if patient.name:
        words = patient.name.split()
        info.append(f"PID-5|{words[-1]}^{' '.join(words[:-1])}")
    if patient.birth_date:
        info.append(f"PID-7|{patient.birth_date.replace('-', '')}")
    return info


def _prefix() -> str:
    """The prefix ElementTree gives the rim namespace in a subtree of its own ("ns0" unless
    a program registered one), read once from ElementTree itself."""
    made = tostring(Element(f"{{{RIM}}}x"), encoding="unicode")
    return made[1 : made.index(":")]


_RIM_PREFIX = _prefix()
_RIM_TAG = len(RIM) + 2  # "{RIM}" before an element's own name


def _serialised(element: Element) -> bytes:
    """`tostring(element, encoding="utf-8")`, byte for byte, for the subtrees written here
    (every tag in the rim namespace, plain attribute names): ElementTree's general
    serialiser was most of the cost of a packet of many small documents."""
    parts: list[str] = []
    _serialise(element, parts, f' xmlns:{_RIM_PREFIX}="{_attribute(RIM)}"')
    return "".join(parts).encode("utf-8", "xmlcharrefreplace")  # ElementTree's own errors


def _serialise(element: Element, parts: list[str], declaration: str = "") -> None:
    tag = element.tag
    if not tag.startswith(f"{{{RIM}}}"):
        raise ValueError(f"{tag}: not a rim element")  # never made here
    tag = f"{_RIM_PREFIX}:{tag[_RIM_TAG:]}"
    parts.append(f"<{tag}{declaration}")
    for key, value in element.items():
        parts.append(f' {key}="{_attribute(value)}"')
    if element.text or len(element):
        parts.append(">")
        if element.text:
            parts.append(_cdata(element.text))
        for child in element:
            _serialise(child, parts)
        parts.append(f"</{tag}>")
    else:
        parts.append(" />")
    if element.tail:
        parts.append(_cdata(element.tail))


def _cdata(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attribute(text: str) -> str:
    text = _cdata(text)
    for char, entity in (('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;")):
        if char in text:
            text = text.replace(char, entity)
    return text


def _slot(parent: Element, name: str, *values: str) -> Element:
    slot = SubElement(parent, f"{{{RIM}}}Slot", name=name)
    listing = SubElement(slot, f"{{{RIM}}}ValueList")
    for value in values:
        SubElement(listing, f"{{{RIM}}}Value").text = value
    return slot


def _name(parent: Element, text: str) -> None:
    name = SubElement(parent, f"{{{RIM}}}Name")
    SubElement(name, f"{{{RIM}}}LocalizedString", value=text)


def _classification(
    parent: Element, scheme: str, target: str, code: str, system: str, display: str
) -> None:
    element = SubElement(
        parent,
        f"{{{RIM}}}Classification",
        id=f"{target}-{scheme[-6:]}",
        classificationScheme=scheme,
        classifiedObject=target,
        nodeRepresentation=code,
    )
    _slot(element, "codingScheme", system)
    _name(element, display)


def _external(parent: Element, scheme: str, target: str, value: str) -> None:
    element = SubElement(
        parent,
        f"{{{RIM}}}ExternalIdentifier",
        id=f"{target}-{scheme[-6:]}",
        identificationScheme=scheme,
        registryObject=target,
        value=value,
    )
    _name(element, "identifier")
