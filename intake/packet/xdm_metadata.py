"""IHE XDM METADATA.XML for the packet's IHE_XDM/SUBSET01 (ebRIM 3.0, metadata-limited).

One ExtrinsicObject per copied document (mimeType, creationTime, SHA-1 hash, size, URI,
source patient info, LOINC type and class codes), a SubmissionSet RegistryPackage, and the
associations linking them: what a hospital's XDM import station reads.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, tostring

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
HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
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
    package = _element(
        "RegistryPackage",
        [("id", set_id)],
        _slot("submissionTime", now)
        + _slot("intendedRecipient", "second-opinion provider")
        + _name("Records for a second opinion")
        + _classification(SET_CONTENT_TYPE, set_id, "34133-9", LOINC, "Summary of episode note")
        + _external(SET_UNIQUE_ID, set_id, f"{INTAKE_OID}.{uuid.uuid4().int % 10**12}")
        + _external(SET_SOURCE_ID, set_id, INTAKE_OID)
        + _external(SET_PATIENT_ID, set_id, patient_id),
        declare=True,
    )
    classified = _element(
        "Classification",
        [
            ("id", "SubmissionSetClassification"),
            ("classifiedObject", set_id),
            ("classificationNode", SET_CLASSIFICATION),
        ],
        declare=True,
    )
    handle.write(_encoded(package + classified))
    number = 0
    for document in documents:
        for name in index.files(document):
            if not name.startswith("IHE_XDM/SUBSET01/"):
                continue
            entry_id = f"Document{number + 1:04d}"
            entry = None  # written only once it is whole
            with index.guard(document, "its entry in METADATA.XML"):
                entry = _document_entry(entry_id, document, root / name, name, manifest,
                                        patient_id, (known or {}).get(name))  # fmt: skip
            if entry is None:  # it failed: noted, left out
                continue
            number += 1
            association = _element(
                "Association",
                [
                    ("id", f"Association{number:04d}"),
                    ("associationType", HAS_MEMBER),
                    ("sourceObject", set_id),
                    ("targetObject", entry_id),
                ],
                _slot("SubmissionSetStatus", "Original"),
                declare=True,
            )
            handle.write(_encoded(entry + association))
    handle.write(b"</rim:RegistryObjectList></lcm:SubmitObjectsRequest>")


def _document_entry(
    entry_id: str,
    document: Document,
    path: Path,
    uri: str,
    manifest: Manifest,
    patient_id: str,
    known: tuple[bytes, int] | None = None,
) -> str:
    """One document's ExtrinsicObject, as XML text."""
    digest, size = copy_sha1(path, known)
    sha1 = digest.hex()
    mime = "text/xml" if document.media_type == "application/hl7-cda+xml" else document.media_type
    created = (document.date or manifest.appointment or "").replace("-", "")
    code, display = TYPE_BY_KIND.get(document.kind, OTHER_TYPE)
    unique_id = (
        f"{INTAKE_OID}.{int(document.sha256[:12], 16)}"
        if document.sha256
        else f"{INTAKE_OID}.{uuid.uuid4().int % 10**12}"
    )
    content = (
        (_slot("creationTime", created) if created else "")
        + _slot("hash", sha1)
        + _slot("size", str(size))
        + _slot("URI", uri.rsplit("/", 1)[-1])
        + _slot("languageCode", "en-US")
        + _slot("sourcePatientId", patient_id)
        + _slot("sourcePatientInfo", *_patient_info(manifest))
        + _name(document.title or document.source)
        + _classification(TYPE_CODE, entry_id, code, LOINC, display)
        + _classification(CLASS_CODE, entry_id, code, LOINC, display)
        + _classification(CONFIDENTIALITY, entry_id, "N", "2.16.840.1.113883.5.25", "Normal")
        + _classification(FORMAT_CODE, entry_id, mime, "urn:ietf:bcp:13", mime)
        + _classification(FACILITY_TYPE, entry_id, "OF", "2.16.840.1.113883.5.111", "Outpatient")
        + _classification(
            PRACTICE_SETTING, entry_id, "394802001", "2.16.840.1.113883.6.96", "General medicine"
        )
        + _external(DOC_PATIENT_ID, entry_id, patient_id)
        + _external(DOC_UNIQUE_ID, entry_id, unique_id)
    )
    attributes = [("id", entry_id), ("mimeType", mime), ("objectType", DOCUMENT_ENTRY)]
    return _element("ExtrinsicObject", attributes, content, declare=True)


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


def _element(
    tag: str, attributes: list[tuple[str, str]], content: str = "", *, declare: bool = False
) -> str:
    """A rim element as XML text, as ElementTree writes it (`tostring`) for a subtree of
    its own (`declare`: the namespace declared on it): attributes in the order given, an
    empty element as '<x a="1" />'. Written as text: building element trees and writing
    them was most of the cost of a packet of many small documents."""
    name = f"{_RIM_PREFIX}:{tag}"
    declaration = f' xmlns:{_RIM_PREFIX}="{_attribute(RIM)}"' if declare else ""
    head = f"<{name}{declaration}" + "".join(f' {k}="{_attribute(v)}"' for k, v in attributes)
    return f"{head}>{content}</{name}>" if content else f"{head} />"


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "xmlcharrefreplace")  # ElementTree's own errors


def _cdata(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


@lru_cache(maxsize=1024)  # the schemes, systems and names every entry repeats: once
def _attribute(text: str) -> str:
    text = _cdata(text)
    for char, entity in (('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;")):
        if char in text:
            text = text.replace(char, entity)
    return text


@lru_cache(maxsize=1024)
def _slot(name: str, *values: str) -> str:
    listing = "".join(_element("Value", [], _cdata(value)) for value in values)
    return _element("Slot", [("name", name)], _element("ValueList", [], listing))


@lru_cache(maxsize=1024)
def _name(text: str) -> str:
    return _element("Name", [], _element("LocalizedString", [("value", text)]))


def _classification(scheme: str, target: str, code: str, system: str, display: str) -> str:
    attributes = [
        ("id", f"{target}-{scheme[-6:]}"),
        ("classificationScheme", scheme),
        ("classifiedObject", target),
        ("nodeRepresentation", code),
    ]
    return _element("Classification", attributes, _slot("codingScheme", system) + _name(display))


def _external(scheme: str, target: str, value: str) -> str:
    attributes = [
        ("id", f"{target}-{scheme[-6:]}"),
        ("identificationScheme", scheme),
        ("registryObject", target),
        ("value", value),
    ]
    return _element("ExternalIdentifier", attributes, _name("identifier"))
