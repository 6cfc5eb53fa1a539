"""FHIR R4 exports (a Bundle in JSON, or bulk NDJSON) from health apps and patient portals.

Patient, Observation, DiagnosticReport, MedicationRequest/MedicationStatement, Condition,
AllergyIntolerance, Procedure, Encounter and Immunization become the same records as PDFs,
photos and C-CDAs give: lab results, medications, problems, allergies, and one-line
clinical items. One export
becomes several documents: one per DiagnosticReport, one for results outside any report,
one medication list, and one summary of problems, allergies, procedures and visits.
Attachments with inline data (DocumentReference, DiagnosticReport.presentedForm) are
unpacked as files of their own by intake.containers and read by their own extractors.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any, TypeVar

from intake.containers import MEMBER_SEPARATOR, unique
from intake.extractor_versions import VERSIONS
from intake.extractors.base import Attachment, ExtractionError, Extractor, FileReading
from intake.model import Allergy, Document, LabResult, Medication, Person, Problem, Source
from intake.safe_load import Refused, load_json
from intake.sniff import FHIR_JSON
from intake.understand.dates import parse_date
from intake.understand.drugs import DrugMatch, normalise
from intake.understand.interpretation import interpretation
from intake.understand.labs import canonical_unit, range_text, settle_flag
from intake.understand.meds import (
    EVENT_WORDS,
    PLACEHOLDER,
    as_needed,
    canonical_strength,
    parse_medication_line,
    period_words,
    route_of,
)
from intake.understand.people import display_name
from intake.understand.problems import NO_ALLERGY_WORDS

MAX_BYTES = 200 * 2**20
ODD_SHAPE = (AttributeError, TypeError, ValueError, KeyError, IndexError)  # a resource not
# shaped as FHIR R4 says (DSTU2's list for a name's family, a string for a coding)
T = TypeVar("T")
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
REPORT_KINDS = {
    "LAB": "lab_report", "HM": "lab_report", "CH": "lab_report", "MB": "lab_report",
    "SP": "pathology_report", "PAT": "pathology_report", "CP": "pathology_report",
    "RAD": "imaging_report", "CT": "imaging_report", "MR": "imaging_report",
    "US": "imaging_report", "NMR": "imaging_report", "RUS": "imaging_report",
    "CG": "other", "CUS": "imaging_report",
}  # fmt: skip
TIMES_A_DAY = {1: "daily", 2: "twice daily", 3: "three times daily", 4: "four times daily"}
SUMMARY_SECTIONS = {
    "Condition": "problems",
    "AllergyIntolerance": "allergies",
    "Procedure": "procedures",
    "Encounter": "encounters",
    "Immunization": "immunizations",
}


def load_resources(data: bytes) -> list[dict[str, Any]]:
    """Every resource in a FHIR JSON document (Bundles unwrapped, nested too) or NDJSON;
    ExtractionError when it is damaged, too large, too deep or holds a runaway number."""
    return [resource for _, resource in load_entries(data)]


def load_entries(data: bytes) -> list[tuple[str | None, dict[str, Any]]]:
    """Every resource with the fullUrl its Bundle entry gives it (None outside a Bundle):
    document Bundles reference their resources by it, and some resources carry no id."""
    return _load(data)[0]


def _load(data: bytes) -> tuple[list[tuple[str | None, dict[str, Any]]], list[int]]:
    """load_entries(), and the NDJSON lines left out as damaged."""
    try:
        roots, damaged = _roots(data)
        return list(_unwrap(roots)), damaged
    except Refused as err:
        raise ExtractionError(str(err)) from err


def _roots(data: bytes) -> tuple[list[Any], list[int]]:
    """The JSON values the file holds, and the numbers of NDJSON lines that are damaged
    (left out: one cut line must not lose a whole export). A file whose first line is no
    JSON object is no NDJSON: it is damaged JSON."""
    try:
        parsed: Any = load_json(data, max_bytes=MAX_BYTES)
        return (parsed if isinstance(parsed, list) else [parsed]), []
    except json.JSONDecodeError as err:
        roots, damaged = [], []
        text = data.decode("utf-8-sig", errors="replace")
        # lines end at "\n" only: JSON strings may hold U+2028 or U+0085 as they are
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                value = load_json(line, max_bytes=MAX_BYTES)
            except json.JSONDecodeError:
                value = None
            if isinstance(value, dict):
                roots.append(value)
            elif roots:
                damaged.append(number)
            else:
                raise ExtractionError(f"damaged JSON (line {err.lineno}: {err.msg})") from err
        return roots, damaged


def _unwrap(
    items: list[Any], depth: int = 0, urls: list[Any] | None = None
) -> Iterator[tuple[str | None, dict[str, Any]]]:
    for index, item in enumerate(items):
        if not isinstance(item, dict) or "resourceType" not in item:
            continue
        if item["resourceType"] == "Bundle" and depth < 8:
            entries = [e for e in _list(item.get("entry")) if isinstance(e, dict)]
            yield from _unwrap(
                [e.get("resource") for e in entries],
                depth + 1,
                [e.get("fullUrl") for e in entries],
            )
        else:
            url = urls[index] if urls else None
            yield (url if isinstance(url, str) and url else None), item


def _damaged_note(lines: list[int]) -> list[str]:
    if not lines:
        return []
    shown = ", ".join(map(str, lines[:5])) + (" ..." if len(lines) > 5 else "")
    return [f"{len(lines)} damaged line(s) of this NDJSON export were left out (line {shown})"]


class FhirExtractor(Extractor):
    """Documents from a FHIR R4 Bundle or NDJSON export."""

    name = "fhir"
    version = VERSIONS["fhir"]
    priority = 0.0
    media_types = frozenset({FHIR_JSON})
    max_bytes = MAX_BYTES

    def extract(self, source: Source) -> list[Document]:
        return list(self.read(source).documents)

    def read(self, source: Source) -> FileReading:
        """The export's documents and its inline attachments, from one parse."""
        entries, damaged = _load(source.read_head(MAX_BYTES + 1))
        resources = [resource for _, resource in entries]
        if not resources:
            raise ExtractionError("JSON without FHIR resources")
        full_urls = {url: resource for url, resource in entries if url}
        reading = FhirReading(source, resources, full_urls)
        documents = reading.documents()
        found = tuple(attachments(source.location, resources, reading.odd))
        notes = [*_damaged_note(damaged), *reading.odd_note()]
        if notes:
            first = documents[0]
            documents[0] = replace(first, warnings=(*first.warnings, *notes))
        return FileReading(tuple(documents), found)


class FhirReading:
    """One export's resources, indexed by reference, turned into documents."""

    def __init__(
        self,
        source: Source,
        resources: list[dict[str, Any]],
        full_urls: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.source = source
        self.resources = resources
        self.odd: Counter[str] = Counter()  # resources of a shape not read, by type
        self.by_reference = dict(full_urls or {})  # "urn:uuid:...", "https://.../Type/id"
        for r in resources:
            if isinstance(r.get("id"), str):
                self.by_reference.setdefault(f"{r['resourceType']}/{r['id']}", r)
                self.by_reference.setdefault(f"urn:uuid:{r['id']}", r)
        for url, resource in (
            full_urls or {}
        ).items():  # "Medication/7" for "https://x/Medication/7"
            tail = "/".join(url.rstrip("/").split("/")[-2:])
            if tail.startswith(f"{resource['resourceType']}/"):
                self.by_reference.setdefault(tail, resource)
        self.patient = self._safely(lambda _: self._patient(), {"resourceType": "Patient"})
        self.conflicts: list[str] = []  # medications whose name and coded ingredient differ

    def _resolve(self, reference: Any, holder: dict[str, Any]) -> dict[str, Any] | None:
        """The resource a Reference points at: contained ("#id"), by fullUrl, by "Type/id",
        or by an absolute URL ending in "Type/id"; None when the export does not hold it."""
        wanted = _ref(reference)
        if not wanted:
            return None
        if wanted.startswith("#"):
            contained = [c for c in _list(holder.get("contained")) if c.get("id") == wanted[1:]]
            return contained[0] if contained else None
        found = self.by_reference.get(wanted)
        if found is None and "/" in wanted:
            found = self.by_reference.get("/".join(wanted.rstrip("/").split("/")[-2:]))
        return found

    def _safely(self, read: Callable[[dict[str, Any]], T], resource: dict[str, Any]) -> T | None:
        """`read(resource)`, or None for a resource of a shape the code does not expect (a
        DSTU2 name's family as a list, a coding given as a string, a number as a
        reference): that one resource is left out and counted, never the whole export."""
        try:
            return read(resource)
        except ODD_SHAPE:
            self.odd[str(resource.get("resourceType"))] += 1
            return None

    def odd_note(self) -> list[str]:
        """The warning naming the resources left out for their shape, if any."""
        if not self.odd:
            return []
        counts = ", ".join(f"{kind} {count}" for kind, count in sorted(self.odd.items()))
        return [
            f"{sum(self.odd.values())} resource(s) of a shape intake cannot read were left "
            f"out ({counts}): check them in the original export"
        ]

    def _each(self, read: Callable[[dict[str, Any]], T | None], *types: str) -> list[T]:
        """What `read` gives for each resource of `types` (those of an odd shape left out)."""
        return [v for r in self._of(*types) if (v := self._safely(read, r))]

    def documents(self) -> list[Document]:
        found: list[Document] = []
        in_reports: set[int] = set()

        def report_of(report: dict[str, Any]) -> Document:
            results = [self.by_reference.get(_ref(r)) for r in _list(report.get("result"))]
            members = [r for r in results if r]
            document = self._report(report, members)
            in_reports.update(id(r) for r in members)
            return document

        found += self._each(report_of, "DiagnosticReport")
        labs = self._each(
            lambda o: self._lab(o) if id(o) not in in_reports and _may_be_lab(o) else None,
            "Observation",
        )
        if labs:
            found.append(self._document("lab_report", "Lab results", labs=labs))
        medications = self._each(self._medication, "MedicationRequest", "MedicationStatement")
        if medications:
            warnings = [
                f"a medication's name and its code disagree: {conflict}; listed by its name, "
                "check which one the patient takes"
                for conflict in dict.fromkeys(self.conflicts)
            ]
            found.append(
                self._document(
                    "medication_list", "Medications", medications=medications, warnings=warnings
                )
            )
        sections = self._summary_sections()
        problems = _distinct(self._each(problem_of, "Condition"))
        allergies = _distinct(self._each(allergy_of, "AllergyIntolerance"))
        if set(sections) - {"allergies"} or problems:
            found.append(
                self._document(
                    "visit_summary",
                    "Health record summary",
                    sections=sections,
                    problems=problems,
                    allergies=allergies,
                )
            )
        elif allergies or sections:
            # an allergy list alone is no diagnosis, visit note or summary: its allergies
            # still reach the summary, but it does not stand for the records item
            found.append(
                self._document("other", "Allergy list", sections=sections, allergies=allergies)
            )
        linked = self._linked_only()
        if found and linked:
            note = (
                f"the export only links to {len(linked)} document(s) it does not hold "
                f"({', '.join(linked[:3])}): download them from the portal"
            )
            found[0] = replace(found[0], warnings=(*found[0].warnings, note))
        if not found and (composed := self._composition()):
            found.append(self._document(*composed))  # a document bundle: its Composition
        if not found:
            kinds = sorted({r["resourceType"] for r in self.resources})
            found.append(
                self._document(
                    "other", "FHIR export", warnings=[f"holds only {', '.join(kinds)} resources"]
                )
            )
        return found

    def _composition(self) -> tuple[str, str] | None:
        """(kind, title) of the export's Composition when its LOINC type names a document
        intake knows (11490-0 'Discharge summarization note': a discharge summary), else
        None: a document bundle converted from a C-CDA was 'other'."""
        from intake.cda.read import KIND_BY_LOINC

        for resource in self.resources:
            if resource.get("resourceType") != "Composition":
                continue
            kind = KIND_BY_LOINC.get(_code_in(resource.get("type"), LOINC) or "")
            if kind:
                title = resource.get("title")
                named = isinstance(title, str) and title.strip()
                return kind, title if named else kind.replace("_", " ").capitalize()
        return None

    def _linked_only(self) -> list[str]:
        """Attachments given only as a URL (never fetched: nothing leaves the machine)."""

        def links(resource: dict[str, Any]) -> list[str]:
            linked = []
            contents = resource.get("content") or resource.get("presentedForm") or []
            for content in _list(contents):
                attachment = content.get("attachment", content)
                if (
                    isinstance(attachment, dict)
                    and attachment.get("url")
                    and not attachment.get("data")
                ):
                    title = attachment.get("title") or _concept_text(resource.get("type"))
                    linked.append(title or f"{resource['resourceType']} {resource.get('id', '')}")
            return linked

        return [t for found in self._each(links, "DocumentReference", "DiagnosticReport")
                for t in found]  # fmt: skip

    # --- documents -----------------------------------------------------------------------

    def _document(self, kind: str, title: str, **fields: Any) -> Document:
        document = Document.for_source(
            self.source,
            kind=kind,
            title=f"{title} (FHIR export)",
            patient=self.patient,
            structured=True,
            **fields,
        )
        dates = [lab.collected for lab in document.labs if lab.collected]
        dates += [m.start for m in document.medications if m.start]
        return replace(
            document,
            date=document.date or (max(dates) if dates else None),
            text=document.text or _summary_text(document),
        )

    def _report(self, report: dict[str, Any], members: list[dict[str, Any]]) -> Document:
        categories = {c for cc in _list(report.get("category")) for c in _codes(cc)}
        kind = next((REPORT_KINDS[c] for c in categories if c in REPORT_KINDS), "lab_report")
        labs = [lab for o in members if (lab := self._lab(o))]
        title = _concept_text(report.get("code")) or "Report"
        conclusion = report.get("conclusion") if isinstance(report.get("conclusion"), str) else ""
        return self._document(
            kind,
            title,
            labs=labs,
            date=_date(
                report.get("effectiveDateTime") or _period_start(report) or report.get("issued")
            ),
            text="\n".join(filter(None, [title, conclusion])),
        )

    def _summary_sections(self) -> dict[str, list[str]]:
        sections: dict[str, list[str]] = {}
        for resource_type, section in SUMMARY_SECTIONS.items():
            lines = self._each(_item_line, resource_type)
            if lines:
                sections[section] = list(dict.fromkeys(lines))
        vitals = self._each(
            lambda o: _vital_line(o) if _is_category(o, "vital-signs") else None, "Observation"
        )
        if vitals:
            sections["vital_signs"] = vitals
        return sections

    # --- resources -----------------------------------------------------------------------

    def _of(self, *types: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r.get("resourceType") in types]

    def _patient(self) -> Person | None:
        patients = self._of("Patient")
        if not patients:  # a lone resource names its patient in subject.display
            shown = {
                subject["display"].strip()
                for r in self.resources
                if isinstance(subject := r.get("subject") or r.get("patient"), dict)
                and isinstance(subject.get("display"), str)
                and subject["display"].strip()
            }
            if len(shown) == 1:
                name = shown.pop()
                return Person(name=display_name(name) or name)
            return None
        patient = patients[0]
        names = _list(patient.get("name"))
        official = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
        full = official.get("text") or " ".join(
            [
                *[g for g in _list(official.get("given")) if isinstance(g, str)],
                official.get("family") or "",
            ]
        )
        person = Person(
            name=display_name(full.strip()) or (full.strip() or None),
            birth_date=_date(patient.get("birthDate")),
            identifiers=[
                i["value"]
                for i in _list(patient.get("identifier"))
                if isinstance(i.get("value"), str)
            ],
        )
        return None if person.is_empty() else person

    def _lab(self, observation: dict[str, Any]) -> LabResult | None:
        test = _concept_text(observation.get("code"))
        value, unit = _observation_value(observation)
        if not test or value is None:
            return None
        reference = _reference_range(observation)
        codes = [c for i in _list(observation.get("interpretation")) for c in _codes(i)]
        stated, interpreted, normal = interpretation(codes)
        flag, derived = settle_flag(stated, interpreted, value, reference, said_normal=normal)
        return LabResult(
            test=test,
            value=value,
            unit=canonical_unit(unit) if unit else None,
            reference_range=reference,
            flag=flag,
            collected=_date(observation.get("effectiveDateTime") or _period_start(observation)),
            flag_derived=derived,
            raw=" ".join(filter(None, [test, value, unit, reference and f"({reference})"])),
            code=_code_in(observation.get("code"), LOINC),
            status=observation.get("status")
            if isinstance(observation.get("status"), str)
            else None,
        )

    def _medication(self, resource: dict[str, Any]) -> Medication | None:
        """A medication resource, or None for a placeholder, an absent/unknown code or one
        not taken."""
        concept = resource.get("medicationCodeableConcept")
        ingredients: list[str] = []
        if concept is None:
            medication = self._resolve(resource.get("medicationReference"), resource) or {}
            concept = medication.get("code")
            ingredients = _ingredients(medication)
            if _concept_text(concept) is None and ingredients:
                concept = {"text": " / ".join(ingredients)}  # a product known by its contents
        name = _concept_text(concept)
        if not name or PLACEHOLDER.search(name) or _absent_code(concept):
            return None  # "No known medications", IPS absent/unknown codes
        ingredients += [i for i in _coded_contents(concept) if i not in ingredients]
        # the ingredients the source names beside a product name that does not show them
        # ("ASPIRIN TBL 500MG": Acetylsalicylsäure) are kept in the line as read
        if resource.get("status") in ("not-taken", "entered-in-error"):
            return None
        unnamed = [i for i in ingredients if i.lower() not in name.lower()]
        conflict = None
        if unnamed and _disagree(name, unnamed):
            conflict = f"'{name}' is coded as {' / '.join(unnamed)}"
            unnamed = []  # listed as written; the warning names the code
        written = f"{name} ({' / '.join(unnamed)})" if unnamed else name
        by_ingredient = _ingredient_generic(name, unnamed)
        dosages = _list(resource.get("dosageInstruction") or resource.get("dosage"))
        dosage = dosages[0] if dosages else {}
        sig = dosage.get("text") if isinstance(dosage.get("text"), str) else None
        parsed = parse_medication_line(name) or (
            parse_medication_line(f"{name} {sig}") if sig else None
        )
        strength = parsed.strength if parsed else None
        if not strength:
            strength = _dose_strength(dosage)
        route_words = _concept_text(dosage.get("route")) or ""
        route = (
            route_of(route_words)
            or (route_words.lower() or None)
            or (parsed.route if parsed else None)
        )
        how_often = _timing_words(dosage.get("timing")) or (parsed.frequency if parsed else None)
        needed = dosage.get("asNeededBoolean") or dosage.get("asNeededCodeableConcept")
        if needed:
            reason = _concept_text(dosage.get("asNeededCodeableConcept"))
            how_often = as_needed(how_often, reason.lower() if reason else None)
        period = resource.get("effectivePeriod") or {}
        dose_value, dose_unit = _dose_quantity(dosage)
        medication = Medication(
            name=parsed.name if parsed else name,
            dose=" ".join(filter(None, [dose_value, dose_unit])) or None,
            strength=strength,
            form=parsed.form if parsed else None,
            route=route,
            frequency=how_often,
            raw=" — ".join(filter(None, [written, sig])),
            generic=by_ingredient.generic if by_ingredient else None,
            match_score=by_ingredient.score if by_ingredient else None,
            code=_code_in(concept, RXNORM),
            status=resource.get("status") if isinstance(resource.get("status"), str) else None,
            start=_date(
                resource.get("authoredOn")
                or resource.get("effectiveDateTime")
                or period.get("start")
            ),
            end=_date(period.get("end")),
        )
        if conflict:  # said only for a medication that is listed (read whole)
            self.conflicts.append(conflict)
        return medication


# --- problems and allergies ----------------------------------------------------------------

CODE_SYSTEMS = {
    "http://snomed.info/sct": "SNOMED", "urn:oid:2.16.840.1.113883.6.96": "SNOMED",
    "http://hl7.org/fhir/sid/icd-10-cm": "ICD-10", "http://hl7.org/fhir/sid/icd-10": "ICD-10",
    "urn:oid:2.16.840.1.113883.6.90": "ICD-10", "urn:oid:2.16.840.1.113883.6.3": "ICD-10",
    "http://hl7.org/fhir/sid/icd-9-cm": "ICD-9", RXNORM: "RxNorm",
    "http://fdasis.nlm.nih.gov": "UNII",
}  # fmt: skip
SKIPPED_VERIFICATION = frozenset({"refuted", "entered-in-error"})
UNSURE_VERIFICATION = frozenset({"unconfirmed", "provisional", "differential"})
NO_PROBLEM_CODES = frozenset({"160245001", "no-known-problems", "no-problem-info"})


def problem_of(condition: dict[str, Any]) -> Problem | None:
    """A Condition as a Problem; None when refuted, entered in error, or saying only that
    there are no problems (or that nothing is known)."""
    concept = condition.get("code")
    name = _concept_text(concept)
    verification = _status_code(condition.get("verificationStatus"))
    if not name or verification in SKIPPED_VERIFICATION or _absent_code(concept):
        return None
    if set(_codes(concept)) & NO_PROBLEM_CODES:
        return None
    status = _status_code(condition.get("clinicalStatus"))
    if verification in UNSURE_VERIFICATION:
        status = " ".join(filter(None, [status, f"({verification})"]))
    onset = condition.get("onsetDateTime") or (condition.get("onsetPeriod") or {}).get("start")
    stages = [_concept_text(s.get("summary")) for s in _list(condition.get("stage"))]
    detail = ", ".join(dict.fromkeys(s for s in stages if s)) or None
    onset_date = _partial_date(onset)
    return Problem(
        name=name,
        status=status,
        onset=onset_date,
        code=_known_code(concept),
        detail=detail,
        raw=" — ".join(filter(None, [name, detail, onset_date and f"onset {onset_date}"])),
    )


def allergy_of(resource: dict[str, Any]) -> Allergy | None:
    """An AllergyIntolerance as an Allergy: "No known allergies" (or drug, food...) for the
    codes that say so; None when entered in error, refuted, or saying nothing is known."""
    concept = resource.get("code")
    name = _concept_text(concept)
    verification = _status_code(resource.get("verificationStatus"))
    if not name or verification in SKIPPED_VERIFICATION:
        return None
    none_known = next((NO_ALLERGY_WORDS[c] for c in _codes(concept) if c in NO_ALLERGY_WORDS), None)
    if none_known:
        return Allergy(substance=none_known, code=_known_code(concept), raw=name)
    if _absent_code(concept):
        return None  # "no information about allergies" is not "none"
    reactions, severities = [], []
    for reaction in _list(resource.get("reaction")):
        reactions += [m for m in map(_concept_text, _list(reaction.get("manifestation"))) if m]
        if isinstance(reaction.get("severity"), str):
            severities.append(reaction["severity"])
    criticality = resource.get("criticality")
    severity = severities[0] if severities else None
    if not severity and isinstance(criticality, str) and criticality != "unable-to-assess":
        severity = f"{criticality} criticality"
    reaction_words = ", ".join(dict.fromkeys(reactions)) or None
    return Allergy(
        substance=name,
        reaction=reaction_words,
        severity=severity,
        status=_status_code(resource.get("clinicalStatus")),
        code=_known_code(concept),
        raw=name + (f": {reaction_words}" if reaction_words else ""),
    )


def _status_code(concept: Any) -> str | None:
    codes = _codes(concept)
    return codes[0] if codes else None


def _known_code(concept: Any) -> str | None:
    """'SNOMED 254837009', 'ICD-10 C50.912': the first coding in a system intake names."""
    for coding in _list((concept or {}).get("coding") if isinstance(concept, dict) else None):
        system = CODE_SYSTEMS.get(str(coding.get("system", "")))
        if system and isinstance(coding.get("code"), str):
            return f"{system} {coding['code']}"
    return None


def _partial_date(value: Any) -> str | None:
    """A FHIR date or dateTime as YYYY-MM-DD, or YYYY / YYYY-MM when that is all it says."""
    if not isinstance(value, str):
        return None
    if len(value) >= 10:
        return _date(value)
    return value if len(value) in (4, 7) and value[:4].isdigit() else None


def _distinct(records: Iterable[Any]) -> list[Any]:
    found: list[Any] = []
    for record in records:
        if record not in found:
            found.append(record)
    return found


ATTACHMENT_EXTENSIONS = {
    "application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif",
    "text/plain": ".txt", "text/html": ".html", "application/xml": ".xml", "text/xml": ".xml",
    "application/dicom": ".dcm", "application/hl7-cda+xml": ".xml",
}  # fmt: skip


def attachments(
    location: str, resources: list[dict[str, Any]], odd: Counter[str] | None = None
) -> Iterator[Attachment]:
    """Inline attachments (DocumentReference.content, DiagnosticReport.presentedForm), decoded;
    a resource of an odd shape is counted in `odd` (when given) and left out."""
    seen: set[str] = set()
    for resource in resources:
        try:
            found = list(_attachments_of(location, resource, seen))
        except ODD_SHAPE:
            if odd is None:
                raise
            odd[str(resource.get("resourceType"))] += 1
            continue
        yield from found


def _attachments_of(
    location: str, resource: dict[str, Any], seen: set[str]
) -> Iterator[Attachment]:
    kind = resource.get("resourceType")
    if kind == "DocumentReference":
        found = [c.get("attachment") for c in _list(resource.get("content")) if isinstance(c, dict)]
    elif kind == "DiagnosticReport":
        found = _list(resource.get("presentedForm"))
    else:
        return
    label = f"{kind}-{resource.get('id') or 'unnamed'}"
    for number, attachment in enumerate(found, start=1):
        if not isinstance(attachment, dict) or not isinstance(attachment.get("data"), str):
            continue
        extension = ATTACHMENT_EXTENSIONS.get(str(attachment.get("contentType")), ".bin")
        name = unique(f"{location}{MEMBER_SEPARATOR}{label}-{number}{extension}", seen)
        note = attachment_note(resource, attachment)
        try:
            data = base64.b64decode(attachment["data"], validate=False)
        except (binascii.Error, ValueError):
            reason = "attachment damaged: its base64 data cannot be decoded"
            yield Attachment(name, None, note, reason)
            continue
        yield Attachment(name, data, note)


def attachment_note(resource: dict[str, Any], attachment: dict[str, Any]) -> dict[str, str]:
    """What a DocumentReference or DiagnosticReport says about one of its attachments:
    title, date and kind, for the document the attachment becomes."""
    from intake.cda.read import KIND_BY_LOINC

    if resource.get("resourceType") == "DocumentReference":
        context = resource.get("context") if isinstance(resource.get("context"), dict) else {}
        period = context.get("period") if isinstance(context.get("period"), dict) else {}
        when = period.get("start") or resource.get("date")
        kind = KIND_BY_LOINC.get(_code_in(resource.get("type"), LOINC) or "", "")
        title = attachment.get("title") or _concept_text(resource.get("type"))
    else:
        when = (
            resource.get("effectiveDateTime") or _period_start(resource) or resource.get("issued")
        )
        categories = [c for cc in _list(resource.get("category")) for c in _codes(cc)]
        kind = next((REPORT_KINDS[c] for c in categories if c in REPORT_KINDS), "")
        title = attachment.get("title") or _concept_text(resource.get("code"))
    note = {"title": title, "date": _date(when), "kind": kind}
    return {key: value for key, value in note.items() if isinstance(value, str) and value}


# --- FHIR data types ---------------------------------------------------------------------


def _list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict | str)]
    return [value] if isinstance(value, dict) else []


def _ingredients(medication: dict[str, Any]) -> list[str]:
    """The names a Medication resource gives its ingredients (itemCodeableConcept)."""
    names = []
    for ingredient in _list(medication.get("ingredient")):
        name = _concept_text(ingredient.get("itemCodeableConcept"))
        if name and not PLACEHOLDER.search(name) and name not in names:
            names.append(name)
    return names


SNOMED_PRODUCT = re.compile(
    r"^product\s+containing\s+(?:only\s+)?(?P<contents>[^()]+?)\s*"
    r"\((?:medicinal\s+)?product\)$",
    re.I,
)


def _coded_contents(concept: Any) -> list[str]:
    """The ingredients a SNOMED CT product coding names ("Product containing dorzolamide and
    timolol (medicinal product)" -> dorzolamide, timolol); clinical drugs with strengths
    are left alone."""
    contents = []
    for coding in _list((concept or {}).get("coding")) if isinstance(concept, dict) else []:
        match = SNOMED_PRODUCT.match(" ".join(str(coding.get("display") or "").split()))
        if match:
            contents += [c.strip() for c in re.split(r"\s+and\s+", match["contents"])]
    return [c for c in contents if c]


def _ingredient_generic(name: str, ingredients: list[str]) -> DrugMatch | None:
    """The generic name for a product the dictionary does not know by its written name
    ("Ciproxin") but by the one ingredient the source states ("Ciprofloxacin
    hydrochloride"); None otherwise (the understand stage then looks the name up)."""
    if len(ingredients) != 1 or normalise(name, fuzzy=False):
        return None
    return normalise(ingredients[0], fuzzy=False)


def _disagree(name: str, ingredients: list[str]) -> bool:
    """Whether a medication's name and the ingredients its code states are different drugs
    by the dictionary ("Atorvastatin" coded as amlodipine); unknown names never disagree."""
    by_name = normalise(name)
    known = [m.generic.lower() for i in ingredients if (m := normalise(i, fuzzy=False))]
    if by_name is None or not known:
        return False
    generic = by_name.generic.lower()
    return not any(k in generic or generic in k for k in known)


def _ref(reference: Any) -> str:
    value = reference.get("reference") if isinstance(reference, dict) else None
    return value if isinstance(value, str) else ""


def _codes(concept: Any) -> list[str]:
    if not isinstance(concept, dict):
        return []
    return [c["code"] for c in _list(concept.get("coding")) if isinstance(c.get("code"), str)]


def _concept_text(concept: Any) -> str | None:
    if not isinstance(concept, dict):
        return None
    if isinstance(concept.get("text"), str) and concept["text"].strip():
        return " ".join(concept["text"].split())
    for coding in _list(concept.get("coding")):
        if isinstance(coding.get("display"), str) and coding["display"].strip():
            return " ".join(coding["display"].split())
    return None


def _code_in(concept: Any, system: str) -> str | None:
    if not isinstance(concept, dict):
        return None
    for coding in _list(concept.get("coding")):
        if coding.get("system") == system and isinstance(coding.get("code"), str):
            return coding["code"]
    return None


NOT_LAB_CATEGORIES = frozenset(
    {"vital-signs", "social-history", "survey", "exam", "activity", "functional-status",
     "sdoh", "pregnancy", "imaging", "procedure", "therapy"}
)  # fmt: skip


def _may_be_lab(observation: dict[str, Any]) -> bool:
    """An Observation that can be a lab result: categorised laboratory, or not categorised
    at all (never social history, vital signs, surveys or pregnancy status)."""
    codes = {c for cc in _list(observation.get("category")) for c in _codes(cc)}
    return "laboratory" in codes or not (codes & NOT_LAB_CATEGORIES)


def _is_category(resource: dict[str, Any], code: str) -> bool:
    return any(code in _codes(c) for c in _list(resource.get("category")))


def _date(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    return parse_date(value[:10])


def _period_start(resource: dict[str, Any]) -> str | None:
    period = resource.get("effectivePeriod")
    return period.get("start") if isinstance(period, dict) else None


def _number(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return f"{value:g}" if isinstance(value, float) else str(value)


def _quantity(quantity: Any) -> tuple[str | None, str | None]:
    if not isinstance(quantity, dict):
        return None, None
    number = _number(quantity.get("value"))
    if number is None:
        return None, None
    comparator = quantity.get("comparator") if isinstance(quantity.get("comparator"), str) else ""
    unit = quantity.get("unit") or quantity.get("code")
    return f"{comparator}{number}", unit if isinstance(unit, str) else None


def _observation_value(observation: dict[str, Any]) -> tuple[str | None, str | None]:
    if "valueQuantity" in observation:
        return _quantity(observation["valueQuantity"])
    if isinstance(observation.get("valueString"), str):
        return observation["valueString"].strip() or None, None
    if "valueCodeableConcept" in observation:
        return _concept_text(observation["valueCodeableConcept"]), None
    if isinstance(observation.get("valueBoolean"), bool):
        return ("Positive" if observation["valueBoolean"] else "Negative"), None
    if _number(observation.get("valueInteger")) is not None:
        return _number(observation["valueInteger"]), None
    return None, None


def _reference_range(observation: dict[str, Any]) -> str | None:
    for reference in _list(observation.get("referenceRange")):
        if isinstance(reference.get("text"), str) and reference["text"].strip():
            return reference["text"].strip()
        low, _ = _quantity(reference.get("low"))
        high, _unit = _quantity(reference.get("high"))
        span = range_text(low, high)
        if span:
            return span
    return None


def _dose_quantity(dosage: dict[str, Any]) -> tuple[str | None, str | None]:
    for rate in _list(dosage.get("doseAndRate")):
        value, unit = _quantity(rate.get("doseQuantity"))
        if value:
            return value, unit
    return None, None


def _dose_strength(dosage: dict[str, Any]) -> str | None:
    for rate in _list(dosage.get("doseAndRate")):
        value, unit = _quantity(rate.get("doseQuantity"))
        if value and unit and unit.lower() not in ("tablet", "capsule", "{tbl}", "puff"):
            return canonical_strength(f"{value} {unit}")
    return None


def _timing_words(timing: Any) -> str | None:
    if not isinstance(timing, dict):
        return None
    repeat = timing.get("repeat") if isinstance(timing.get("repeat"), dict) else {}
    for when in repeat.get("when") or []:
        if isinstance(when, str) and when in EVENT_WORDS:
            return EVENT_WORDS[when]
    frequency, period = repeat.get("frequency") or 1, repeat.get("period")
    unit = repeat.get("periodUnit", "")
    if isinstance(period, int | float) and isinstance(frequency, int) and frequency > 0:
        if unit == "d" and period == 1 and frequency in TIMES_A_DAY:  # N times a day
            return TIMES_A_DAY[frequency]
        words = period_words(period / frequency, unit)  # every N hours, exactly
        if words:
            return words
    return _concept_text(timing.get("code"))


def _item_line(resource: dict[str, Any]) -> str | None:
    kind = resource.get("resourceType")
    concept = resource.get("vaccineCode") if kind == "Immunization" else resource.get("code")
    if kind == "Encounter":
        concept = (_list(resource.get("type")) or [None])[0]
    name = _concept_text(concept)
    if not name:
        return None
    when = _date(
        resource.get("onsetDateTime")
        or resource.get("performedDateTime")
        or resource.get("occurrenceDateTime")
        or (resource.get("period") or {}).get("start")
        or (resource.get("performedPeriod") or {}).get("start")
    )
    if kind == "AllergyIntolerance":
        reactions = [
            _concept_text(m)
            for r in _list(resource.get("reaction"))
            for m in _list(r.get("manifestation"))
        ]
        reactions = [r for r in reactions if r]
        return name + (f": {', '.join(reactions)}" if reactions else "")
    if kind == "Condition":
        return name + (f" (since {when})" if when else "")
    return name + (f" ({when})" if when else "")


def _vital_line(observation: dict[str, Any]) -> str | None:
    name = _concept_text(observation.get("code"))
    value, unit = _observation_value(observation)
    if not name or value is None:
        return None
    when = _date(observation.get("effectiveDateTime"))
    return f"{name}: {' '.join(filter(None, [value, unit]))}" + (f" ({when})" if when else "")


def _summary_text(document: Document) -> str:
    lines = [document.title]
    lines += [lab.raw for lab in document.labs]
    lines += [m.raw for m in document.medications]
    for section, items in document.sections.items():
        lines.append(section.replace("_", " ").capitalize())
        lines.extend(items)
    return "\n".join(lines)


ABSENT_SYSTEMS = ("absent-unknown", "data-absent-reason")


def _absent_code(concept: Any) -> bool:
    """Whether a concept says that nothing is known (IPS absent/unknown, data-absent)."""
    codings = _list((concept or {}).get("coding")) if isinstance(concept, dict) else []
    return any(
        isinstance(c, dict) and any(s in str(c.get("system", "")) for s in ABSENT_SYSTEMS)
        for c in codings
    )
