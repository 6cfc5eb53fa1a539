"""EXTRA/fhir-bundle.json: the packet as a FHIR R4 collection Bundle, validated by fhir.resources.

Patient; a DocumentReference per document (pointing at its copy in the packet by relative
URL, with its SHA-1 and size); an Observation per lab result (value, unit, reference range,
interpretation); a MedicationStatement per medication; an ImagingStudy per study (series,
instance counts). Every resource is checked against the R4B models before it is written.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from intake.model import Document, LabResult, Manifest, Medication
from intake.packet.index import PacketIndex, copy_sha1, reason_of

INTERPRETATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
INTERPRETATION = {
    "H": "H",
    "L": "L",
    "HH": "HH",
    "LL": "LL",
    "A": "A",
    "AA": "AA",
    "critical": "AA",
}
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
DICOM_UID = "urn:dicom:uid"
_NUMBER = re.compile(r"^(?P<cmp><=|>=|<|>)?\s*(?P<num>-?\d+(?:\.\d+)?)$")
_RANGE = re.compile(r"^\s*(?P<lo>-?\d+(?:\.\d+)?)\s*[-–]\s*(?P<hi>-?\d+(?:\.\d+)?)")


def write_fhir_bundle(
    handle: BinaryIO,
    manifest: Manifest,
    documents: list[Document],
    root: Path,
    index: PacketIndex,
    known: Mapping[str, tuple[bytes, int]] | None = None,
) -> None:
    """The collection Bundle as JSON, written to `handle` entry by entry (its size in memory
    does not grow with the packet). Each entry is validated alone: one FHIR rejects (a value
    read from a record that no FHIR type holds) is left out, with a note on its document
    and the count in the packet's notes; the rest of the bundle is written. `known`: a
    copy's SHA-1 digest and size by its name, taken while it was written (a copy not in it
    is read again)."""
    left_out = 0
    written = 0
    handle.write(b'{\n  "resourceType": "Bundle",\n  "type": "collection",\n  "entry": [')

    def add(document: Document | None, what: str, kind: str, key: str,
            resource: Callable[[], dict[str, Any]]) -> None:  # fmt: skip
        nonlocal left_out, written
        try:
            entry = _entry(kind, key, resource())
            _checked(entry)  # FHIR's own check: a value it rejects leaves the entry out
            text = _json(entry)
        except MemoryError:
            raise
        except Exception as err:
            left_out += 1
            text = f"{what} left out of EXTRA/fhir-bundle.json ({_rejected(err)})"
            if document is None:
                index.general.append(text)
            else:
                index.note(document, f"{document.source}: {text}")
            return
        lines = "\n".join(f"    {line}" for line in text.splitlines())
        handle.write(f"{',' if written else ''}\n{lines}".encode())
        written += 1

    add(None, "the Patient", "Patient", "patient", partial(_patient, manifest))
    subject = {"reference": "urn:uuid:patient"}
    for d in documents:
        key = d.id.lower()
        add(d, "its DocumentReference", "DocumentReference", key,
            partial(_document, d, subject, root, index, known or {}))  # fmt: skip
        for number, lab in enumerate(d.labs, start=1):
            add(d, f"the Observation of {lab.test[:60]}", "Observation", f"{key}-lab{number}",
                partial(_observation, lab, subject, key))  # fmt: skip
        for number, med in enumerate(d.medications, start=1):
            add(d, f"the MedicationStatement of {med.name[:60]}", "MedicationStatement",
                f"{key}-med{number}", partial(_statement, med, subject, key))  # fmt: skip
        for number, study in enumerate(d.imaging, start=1):
            add(d, f"ImagingStudy {number}", "ImagingStudy", f"{key}-study{number}",
                partial(_study, study, subject, d))  # fmt: skip
    handle.write(b"\n  ]\n}\n")
    if left_out:
        index.general.append(
            f"EXTRA/fhir-bundle.json: {left_out} {'entry' if left_out == 1 else 'entries'} "
            "left out, holding values FHIR rejects (each is noted on its document)"
        )


def _checked(entry: dict[str, Any]) -> None:
    """The entry validated as a collection Bundle's only entry would be. Its resource is
    validated by its own model: that is what checking the entry comes to (fhir_core looks
    the model up by resourceType and validates the resource there; a Bundle of type
    'collection' adds no check an entry can fail; the fullUrl is ours, "urn:uuid:" and a
    key), at half the cost of validating the entry around it. One that fails is validated
    in its Bundle again, so the error says where, as the Bundle reports it."""
    resource = entry["resource"]
    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except MemoryError:
        raise
    except Exception:
        Bundle.model_validate({"resourceType": "Bundle", "type": "collection",
                               "entry": [entry]})  # fmt: skip
        # (not reached when the resource fails: the same resource fails in its Bundle)


def _json(entry: dict[str, Any]) -> str:
    """The entry (already validated) as indented JSON, without the nulls and empty lists FHIR
    forbids: the JSON fhir.resources writes for it, values as given (its own writer was
    most of the cost of a packet of many documents)."""
    return orjson.dumps(_pruned(entry), option=orjson.OPT_INDENT_2).decode("utf-8")


def _pruned(value: Any) -> Any:
    """`value` without None, [] or {} anywhere inside (FHIR JSON has no empty elements)."""
    if isinstance(value, dict):
        kept = {key: _pruned(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in (None, [], {})}
    if isinstance(value, list):
        kept = [_pruned(item) for item in value]
        return [item for item in kept if item not in (None, [], {})]
    return value


def _rejected(err: Exception) -> str:
    """Where and why FHIR rejects an entry (its first error, without the value)."""
    if isinstance(err, ValidationError) and err.errors():
        first = err.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"][3:])  # inside the resource
        return f"FHIR rejects {where}: {first['msg']}" if where else f"FHIR rejects: {first['msg']}"
    return reason_of(err)


def _entry(kind: str, key: str, resource: dict[str, Any]) -> dict[str, Any]:
    resource = {"resourceType": kind, "id": _id(key), **resource}
    return {"fullUrl": f"urn:uuid:{key}", "resource": resource}


def _id(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9\-.]", "-", key)[:64]


def _patient(manifest: Manifest) -> dict[str, Any]:
    patient = manifest.patient
    resource: dict[str, Any] = {}
    if patient.name:
        words = patient.name.split()
        resource["name"] = [{"text": patient.name, "family": words[-1], "given": words[:-1]}]
    if patient.birth_date:
        resource["birthDate"] = patient.birth_date
    if patient.identifiers:
        resource["identifier"] = [{"value": value} for value in patient.identifiers]
    return resource


def _document(
    document: Document,
    subject: dict,
    root: Path,
    index: PacketIndex,
    known: Mapping[str, tuple[bytes, int]],
) -> dict[str, Any]:
    attachments = []
    for name in [copy] if (copy := index.first(document)) else []:
        sha1, size = copy_sha1(root / name, known.get(name))
        attachments.append(
            {
                "contentType": document.media_type,
                "url": name,
                "size": size,
                "hash": base64.b64encode(sha1).decode(),
                "title": document.title or document.source,
            }
        )
    if not attachments:
        attachments.append({"title": document.title or document.source})
    resource: dict[str, Any] = {
        "status": "current",
        "subject": subject,
        "description": document.title or document.source,
        "type": {"text": document.kind.replace("_", " ")},
        "content": [{"attachment": attachment} for attachment in attachments],
    }
    if document.date:
        resource["context"] = {"period": {"start": document.date}}
    return resource


def _observation(lab: LabResult, subject: dict, key: str) -> dict[str, Any]:
    code: dict[str, Any] = {"text": lab.test}
    if lab.code:
        code["coding"] = [{"system": LOINC, "code": lab.code}]
    resource: dict[str, Any] = {
        "status": _status(lab.status),
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": code,
        "subject": subject,
        "derivedFrom": [{"reference": f"urn:uuid:{key}"}],
    }
    number = _NUMBER.match(lab.value.replace(",", ""))
    if number:
        quantity: dict[str, Any] = {"value": float(number.group("num"))}
        if number.group("cmp"):
            quantity["comparator"] = number.group("cmp")
        if lab.unit:
            quantity["unit"] = lab.unit
        resource["valueQuantity"] = quantity
    else:
        resource["valueString"] = lab.value
    if lab.collected:
        resource["effectiveDateTime"] = lab.collected
    if lab.specimen:
        resource["specimen"] = {"display": lab.specimen}
    if lab.performing_lab:
        resource["performer"] = [{"display": lab.performing_lab}]
    if lab.reference_range:
        span = _RANGE.match(lab.reference_range)
        reference: dict[str, Any] = {"text": lab.reference_range}
        if span:
            reference["low"] = {"value": float(span.group("lo"))}
            reference["high"] = {"value": float(span.group("hi"))}
        resource["referenceRange"] = [reference]
    if lab.flag in INTERPRETATION:
        resource["interpretation"] = [
            {"coding": [{"system": INTERPRETATION_SYSTEM, "code": INTERPRETATION[lab.flag]}]}
        ]
    return resource


def _status(status: str | None) -> str:
    allowed = {"registered", "preliminary", "final", "amended", "corrected", "cancelled"}
    return status if status in allowed else "final"


def _statement(med: Medication, subject: dict, key: str) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": " ".join(filter(None, [med.name, med.strength]))}
    if med.code:
        concept["coding"] = [{"system": RXNORM, "code": med.code}]
    dosage: dict[str, Any] = {
        "text": ", ".join(filter(None, [med.strength, med.route, med.frequency])) or med.raw
    }
    if med.route:
        dosage["route"] = {"text": med.route}
    status = (
        med.status if med.status in ("active", "completed", "stopped", "on-hold") else "unknown"
    )
    resource: dict[str, Any] = {
        "status": status,
        "medicationCodeableConcept": concept,
        "subject": subject,
        "dosage": [dosage],
        "derivedFrom": [{"reference": f"urn:uuid:{key}"}],
    }
    if med.start:
        resource["effectivePeriod"] = {"start": med.start, **({"end": med.end} if med.end else {})}
    return resource


def _study(study, subject: dict, document: Document) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "status": "available",
        "subject": subject,
        "identifier": [{"system": DICOM_UID, "value": f"urn:oid:{study.study_uid}"}],
        "numberOfSeries": study.series,
        "numberOfInstances": study.instances,
        "description": document.title,
    }
    if study.date:
        resource["started"] = f"{study.date}T00:00:00Z"
    series = []
    for item in study.series_detail:
        if not item.uid or not item.modality:
            continue
        entry: dict[str, Any] = {
            "uid": item.uid,
            "modality": {
                "system": "http://dicom.nema.org/resources/ontology/DCM",
                "code": item.modality,
            },
            "numberOfInstances": item.instances,
        }
        if item.number is not None:
            entry["number"] = item.number
        if item.description:
            entry["description"] = item.description
        series.append(entry)
    if series:
        resource["series"] = series
    return resource
