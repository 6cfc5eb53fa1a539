"""DICOM: headers only (never pixel data), every file of a study merged into one document.

Structured reports become imaging reports with their text; encapsulated PDFs go through the
PDF reader; key-object selections and presentation states are counted in their study, not
listed as series or studies. All are linked to their study by its Study Instance UID.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
from collections import Counter
from functools import cache
from typing import TYPE_CHECKING

from intake.extractor_versions import VERSIONS
from intake.extractors.base import ExtractionError, Extractor
from intake.model import Document, ImagingStudy, Person, Series, Source
from intake.sniff import DICOM
from intake.understand.dates import parse_dicom_date
from intake.understand.people import dicom_name

if TYPE_CHECKING:
    import pydicom
    from pydicom.tag import BaseTag

MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"
SR_PREFIX = "1.2.840.10008.5.1.4.1.1.88."
KEY_OBJECT_SELECTION = "1.2.840.10008.5.1.4.1.1.88.59"
PRESENTATION_STATE_PREFIX = "1.2.840.10008.5.1.4.1.1.11."
ENCAPSULATED_PDF = "1.2.840.10008.5.1.4.1.1.104.1"
COUNTED = {"KO": "key object selection", "PR": "presentation state"}
MAX_SR_DEPTH = 32
HEADER_TAGS = [
    "SOPClassUID",
    "Rows",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "StudyDate",
    "SeriesDate",
    "Modality",
    "StudyDescription",
    "SeriesDescription",
    "SeriesNumber",
    "BodyPartExamined",
    "AccessionNumber",
    "InstitutionName",
    "ReferringPhysicianName",
    "PatientName",
    "PatientID",
    "PatientBirthDate",
]


class DicomExtractor(Extractor):
    """One document per study: modality, date, description, series and instance counts."""

    name = "dicom"
    version = VERSIONS["dicom"]
    priority = 0.0
    media_types = frozenset({DICOM})

    preload = ("pydicom", "pydicom.fileset")

    def extract(self, source: Source) -> list[Document]:
        from pydicom.errors import InvalidDicomError

        try:
            ds = _read_header(source)
        except (InvalidDicomError, EOFError, ValueError, OSError, KeyError) as err:
            raise ExtractionError(f"damaged DICOM file ({type(err).__name__}: {err})") from err
        header = header_values(ds)
        sop_class = str(header["SOPClassUID"] or ds.file_meta.get("MediaStorageSOPClassUID", ""))
        if sop_class == MEDIA_STORAGE_DIRECTORY:
            from intake.disc import UNREADABLE_INDEX, referenced_files

            try:  # read here, under the file's limits: the disc check uses what it lists
                listed, warnings = tuple(referenced_files(source)), ()
            except ValueError as err:
                listed, warnings = None, (f"{UNREADABLE_INDEX} ({err})",)
            return [
                Document.for_source(
                    source,
                    kind="other",
                    subtype="dicomdir",
                    title="DICOMDIR (index of the imaging disc)",
                    listed=listed,
                    warnings=warnings,
                )
            ]
        study_uid = header["StudyInstanceUID"] or ""
        image = ds.get("SOPInstanceUID") and header["Rows"]  # an instance with its pixels
        if not (study_uid or header["SeriesInstanceUID"] or image):  # described: not a file
            raise ExtractionError(  # cut short or garbled before them
                "damaged DICOM file: no study or series UID, nor an image description"
            )
        warnings = [] if study_uid else [NO_STUDY_UID]
        date = parse_dicom_date(header["StudyDate"]) or parse_dicom_date(header["SeriesDate"])
        patient = Person(
            name=dicom_name(header["PatientName"] or ""),
            birth_date=parse_dicom_date(header["PatientBirthDate"]),
            identifiers=[pid] if (pid := header["PatientID"]) else [],
        )
        if sop_class.startswith(SR_PREFIX) and sop_class != KEY_OBJECT_SELECTION:
            return [_structured_report(source, header, study_uid, date, patient)]
        if sop_class == ENCAPSULATED_PDF:
            return [_encapsulated_pdf(source, study_uid, date, patient)]
        modality = header["Modality"]
        if sop_class == KEY_OBJECT_SELECTION:
            modality = "KO"
        elif sop_class.startswith(PRESENTATION_STATE_PREFIX):
            modality = "PR"
        series = Series(
            uid=header["SeriesInstanceUID"],
            number=_int(header["SeriesNumber"]),
            modality=modality,
            description=header["SeriesDescription"],
            instances=1,
            sample=source.location,
        )
        study = ImagingStudy(
            study_uid=study_uid,
            date=date,
            modality=series.modality,
            description=header["StudyDescription"],
            body_part=header["BodyPartExamined"],
            series=1,
            instances=1,
            accession=header["AccessionNumber"],
            institution=header["InstitutionName"],
            referring_physician=dicom_name(header["ReferringPhysicianName"] or ""),
            series_detail=[series],
        )
        return [
            Document.for_source(
                source,
                kind="imaging_study",
                date=date,
                patient=patient,
                imaging=[study],
                warnings=warnings,
            )
        ]

    def combine(self, documents: list[Document]) -> list[Document]:
        """One document per study; files without a Study Instance UID grouped by series,
        else each alone."""
        studies: dict[str, list[Document]] = {}
        others: list[Document] = []
        for document in documents:
            if document.kind == "imaging_study" and document.imaging:
                study = document.imaging[0]
                series = study.series_detail[0].uid if study.series_detail else None
                key = study.study_uid or (f"series:{series}" if series else document.source)
                studies.setdefault(key, []).append(document)
            else:
                others.append(document)
        return others + [merge_study(group) for group in studies.values()]


NO_STUDY_UID = (
    "no Study Instance UID in the file: its images are grouped by series (or file), and a "
    "report cannot be matched to them by study"
)


SLICES = 5  # instances per series shown on its page


def spread(sources: list[str], count: int = SLICES) -> list[str]:
    """Up to `count` of a series' sources, evenly spread from first to last, in order."""
    if len(sources) <= count:
        return list(sources)
    step = (len(sources) - 1) / (count - 1)
    return [sources[round(n * step)] for n in range(count)]


def merge_study(instances: list[Document]) -> Document:
    """The documents of one study's files as one imaging_study document."""
    instances = sorted(instances, key=lambda d: d.source)
    files = [ref for document in instances for ref in document.files]
    first = instances[0].imaging[0]
    series: dict[str, Series] = {}
    members: dict[str, list[str]] = {}
    counted: Counter[str] = Counter()
    for document in instances:
        for item in document.imaging[0].series_detail:
            if item.modality in COUNTED:
                counted[COUNTED[item.modality]] += 1
                continue
            key = item.uid or f"#{item.number}"
            members.setdefault(key, []).append(item.sample or document.source)
            if key in series:
                series[key].instances += item.instances
            else:
                series[key] = Series(item.uid, item.number, item.modality, item.description, 1)
    for key, item in series.items():
        sources = sorted(members[key])
        item.sample = sources[len(sources) // 2]
        item.slices = spread(sources)
    ordered = sorted(series.values(), key=lambda s: (s.number is None, s.number or 0, s.uid or ""))
    modalities = sorted({s.modality for s in ordered if s.modality})
    study = ImagingStudy(
        study_uid=first.study_uid,
        date=_first(d.imaging[0].date for d in instances),
        modality="/".join(modalities) or None,
        description=_first(d.imaging[0].description for d in instances),
        body_part=_first(d.imaging[0].body_part for d in instances),
        series=len(ordered),
        instances=len(files),
        accession=_first(d.imaging[0].accession for d in instances),
        institution=_first(d.imaging[0].institution for d in instances),
        referring_physician=_first(d.imaging[0].referring_physician for d in instances),
        series_detail=ordered,
        other_objects=dict(sorted(counted.items())),
    )
    digest = hashlib.sha256("\n".join(sorted(f.sha256 or "" for f in files)).encode()).hexdigest()
    folder = posixpath.commonpath([f.source for f in files]) if len(files) > 1 else files[0].source
    people = Counter((d.patient.name, d.patient.birth_date) for d in instances if d.patient)
    patient = next(
        d.patient
        for d in instances
        if d.patient and (d.patient.name, d.patient.birth_date) == people.most_common(1)[0][0]
    )
    title = study_title(study.modality, study.description or study.body_part)
    kind = "imaging_study"
    if not ordered:  # only key objects or presentation states: not a study of images
        kind = "other"
        title = f"{', '.join(counted)} for study {study.date or study.study_uid}"
    return Document(
        source=folder or ".",
        sha256=digest,
        size=sum(f.size for f in files),
        media_type=DICOM,
        kind=kind,
        date=study.date,
        title=title,
        patient=patient,
        imaging=[study],
        files=files,
        extractor="dicom",
        warnings=sorted({w for d in instances for w in d.warnings}),
    )


def _structured_report(
    source: Source, header: dict[str, str | None], study_uid: str, date: str | None, patient: Person
) -> Document:
    """A DICOM SR as an imaging report: its content tree as indented lines of text."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        with source.open() as handle:
            ds = pydicom.dcmread(handle, stop_before_pixels=True, force=True)
    except (InvalidDicomError, EOFError, ValueError, OSError, KeyError) as err:
        raise ExtractionError(f"damaged DICOM SR ({type(err).__name__}: {err})") from err
    title = _meaning(ds, "ConceptNameCodeSequence") or "Structured report"
    lines = [title]
    _content_lines(ds, lines, 0)
    accession = header["AccessionNumber"]
    if accession:
        lines.append(f"Accession: {accession}")
    return Document.for_source(
        source,
        kind="imaging_report",
        title=title,
        date=parse_dicom_date(_get(ds, "ContentDate")) or date,
        patient=patient,
        text="\n".join(lines),
        about_study=study_uid,
    )


def _content_lines(item: pydicom.Dataset, lines: list[str], depth: int) -> None:
    if depth > MAX_SR_DEPTH:
        return
    for child in _sequence(item, "ContentSequence"):
        name = _meaning(child, "ConceptNameCodeSequence")
        value_type = _get(child, "ValueType")
        value = None
        if value_type == "TEXT":
            value = _get(child, "TextValue")
        elif value_type == "CODE":
            value = _meaning(child, "ConceptCodeSequence")
        elif value_type == "NUM":
            measured = _sequence(child, "MeasuredValueSequence")
            if measured:
                unit = _meaning(measured[0], "MeasurementUnitsCodeSequence")
                value = " ".join(filter(None, [_get(measured[0], "NumericValue"), unit]))
        elif value_type in ("DATE", "TIME", "DATETIME", "PNAME", "UIDREF"):
            value = _get(child, {"DATE": "Date", "TIME": "Time", "DATETIME": "DateTime",
                                 "PNAME": "PersonName", "UIDREF": "UID"}[value_type])  # fmt: skip
        indent = "  " * depth
        if value_type == "CONTAINER":
            if name:
                lines.append(f"{indent}{name}")
        elif name or value:
            lines.append(
                f"{indent}{name}: {value}" if name and value else f"{indent}{name or value}"
            )
        _content_lines(child, lines, depth + 1)


def encapsulated_pdf(source: Source) -> bytes:
    """The PDF a DICOM file wraps (a report scanned into PACS), without its even-length
    padding; ExtractionError when there is none or it cannot be read."""
    return _read_encapsulated(source)[1]


def _read_encapsulated(source: Source) -> tuple[pydicom.Dataset, bytes]:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        with source.open() as handle:
            ds = pydicom.dcmread(handle, force=True)
        data = bytes(ds.EncapsulatedDocument or b"")  # an empty element reads as None
    except (InvalidDicomError, EOFError, ValueError, OSError, KeyError, AttributeError) as err:
        raise ExtractionError(f"encapsulated PDF cannot be read ({type(err).__name__})") from err
    if not data:
        raise ExtractionError("the encapsulated document is empty")
    if not data.startswith(b"%PDF"):
        raise ExtractionError("the encapsulated document is not a PDF")
    return ds, data[:-1] if data.endswith(b"\x00") else data


def _encapsulated_pdf(
    source: Source, study_uid: str, date: str | None, patient: Person
) -> Document:
    """A PDF wrapped in DICOM: read through the PDF reader."""
    from intake.extractors.pdf import read_pdf

    ds, data = _read_encapsulated(source)
    pdf = read_pdf(data)
    return Document.for_source(
        source,
        title=_get(ds, "DocumentTitle") or "",
        date=date,
        patient=patient,
        pages=pdf.pages,
        text=pdf.text,
        warnings=pdf.warnings,
        ocr_confidence=pdf.ocr_confidence,
        about_study=study_uid,
    )


def _sequence(ds: pydicom.Dataset, keyword: str) -> list[pydicom.Dataset]:
    try:
        value = ds.get(keyword)
    except Exception:
        return []
    return list(value) if value else []


def _meaning(ds: pydicom.Dataset, keyword: str) -> str | None:
    items = _sequence(ds, keyword)
    return _get(items[0], "CodeMeaning") if items else None


def study_title(modality: str | None, description: str | None) -> str:
    """'MR BRAIN WO CONTRAST': modality first unless the description already starts with it."""
    if modality and description and description.upper().startswith(modality.split("/")[0]):
        return description
    return " ".join(filter(None, [modality, description])) or "Imaging study"


@cache
def _tag_numbers() -> tuple[list[BaseTag], list[BaseTag], BaseTag]:
    """HEADER_TAGS as tag numbers, converted once (on first use: importing pydicom is slow),
    not per file; the tags read (SOPInstanceUID too, but unique per file: kept out of the
    decoded-header cache's key); the character set's tag."""
    from pydicom.tag import Tag

    header = [Tag(keyword) for keyword in HEADER_TAGS]
    return header, [*header, Tag("SOPInstanceUID")], Tag("SpecificCharacterSet")


HEADER_READ = 1 << 16
PIXEL_DATA_TAG = b"\xe0\x7f\x10\x00"  # (7FE0,0010), little endian


def _read_header(source: Source) -> pydicom.Dataset:
    """The header elements intake uses, never the pixel data. Most headers fit in the first
    64 KB: those are parsed from memory; larger ones (a disc's DICOMDIR), and any whose
    parse runs past the first 64 KB, from the file."""
    import pydicom

    read_tags = _tag_numbers()[1]
    with source.open() as handle:
        head = handle.read(HEADER_READ)
        whole = len(head) < HEADER_READ
        if whole or PIXEL_DATA_TAG in head:
            try:
                return pydicom.dcmread(
                    io.BytesIO(head),
                    stop_before_pixels=True,
                    force=True,
                    specific_tags=read_tags,
                )
            except (EOFError, OSError, ValueError):
                if whole:
                    raise
        handle.seek(0)
        return pydicom.dcmread(handle, stop_before_pixels=True, force=True, specific_tags=read_tags)


HEADER_CACHE_SIZE = 4096
_header_cache: dict[tuple, dict[str, str | None]] = {}


def header_values(ds: pydicom.Dataset) -> dict[str, str | None]:
    """The HEADER_TAGS of `ds` as clean text. Files of one series repeat the same bytes for
    nearly all of them, so values are decoded once per distinct raw bytes (the cache key is
    the raw values themselves, character set included: equal bytes, equal text)."""
    header_tags, _, charset_tag = _tag_numbers()
    key = tuple(_raw(ds, tag) for tag in (charset_tag, *header_tags))
    cached = _header_cache.get(key)
    if cached is None:
        cached = {keyword: _get(ds, keyword) for keyword in HEADER_TAGS}
        if len(_header_cache) >= HEADER_CACHE_SIZE:
            _header_cache.clear()
        _header_cache[key] = cached
    return cached


def _raw(ds: pydicom.Dataset, tag: BaseTag) -> object:
    try:
        element = ds.get_item(tag)
    except Exception:
        return None
    if element is None:
        return None
    value = element.value
    return value if isinstance(value, bytes | str | int | float | None) else repr(value)


def _get(ds: pydicom.Dataset, keyword: str) -> str | None:
    """A header value as clean text, or None (missing, empty or undecodable)."""
    try:
        value = ds.get(keyword)
    except Exception:  # a malformed element: treat as absent
        return None
    if value is None or value == "":
        return None
    text = str(value).strip().replace("\x00", "")
    return text or None


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value else None
    except (ValueError, OverflowError):  # "inf" in a number written as text
        return None


def _first(values) -> str | None:
    return next((v for v in values if v), None)
