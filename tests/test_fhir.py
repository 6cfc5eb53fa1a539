"""FHIR R4 exports (Bundle JSON and NDJSON) read into the common model, attachments included."""

from __future__ import annotations

import base64
import csv
import json
import re
import shutil
import zipfile
from pathlib import Path

import jsonschema
import pytest

from intake import api
from intake.model import manifest_schema
from tests.conftest import APPOINTMENT, ROOT, make_samples, packet_files

BUNDLE = ROOT / "samples" / "fhir" / "export_bundle.json"


def read(folder: Path):
    return api.scan_folder(folder, api.Options(appointment=APPOINTMENT))


def folder_with(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "records"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    return folder


def by_title(manifest):
    return {d.title: d for d in manifest.documents}


def test_bundle_becomes_reports_results_medications_and_a_summary(tmp_path):
    manifest = read(folder_with(tmp_path, "export.json", BUNDLE.read_bytes()))
    documents = by_title(manifest)
    jsonschema.validate(json.loads(manifest.to_json()), manifest_schema())
    cbc = documents["CBC with differential (FHIR export)"]
    assert (cbc.kind, cbc.date, cbc.patient.name, cbc.patient.birth_date) == (
        "lab_report",
        "2026-10-14",
        "Marguerite A Testwell",
        "1961-03-14",
    )
    labs = {lab.test: lab for lab in cbc.labs}
    assert set(labs) == {"Hemoglobin", "Platelets", "WBC"}  # urn:uuid reference resolved too
    assert (labs["Hemoglobin"].flag, labs["Hemoglobin"].reference_range) == ("L", "11.5-15.5")
    assert (labs["Platelets"].unit, labs["Platelets"].flag, labs["Platelets"].flag_derived) == (
        "x10E3/uL",
        "H",
        True,
    )
    loose = {lab.test: lab for lab in documents["Lab results (FHIR export)"].labs}
    assert (loose["Hemoglobin A1c"].value, loose["Hemoglobin A1c"].flag) == ("7.9", "H")
    assert loose["Hepatitis C antibody"].value == "Non-reactive"

    meds = {m.name.lower(): m for m in documents["Medications (FHIR export)"].medications}
    assert (meds["anastrozole"].strength, meds["anastrozole"].route) == ("1 mg", "by mouth")
    assert (meds["anastrozole"].frequency, meds["anastrozole"].code) == ("daily", "199224")
    assert meds["anastrozole"].dose == "1 tablet"
    assert meds["ondansetron"].frequency == "every 8 hours, as needed for nausea"
    assert (meds["metformin"].strength, meds["metformin"].frequency) == ("500 mg", "twice daily")

    summary = documents["Health record summary (FHIR export)"]
    assert summary.sections["problems"] == ["Left breast cancer (since 2026-09-08)"]
    assert summary.sections["allergies"] == ["Penicillin G: Hives"]
    assert summary.sections["encounters"] == ["Oncology follow-up (2026-10-20)"]
    assert summary.sections["vital_signs"] == ["Body weight: 68.5 kg (2026-10-20)"]
    assert "vital" not in " ".join(lab.test.lower() for d in manifest.documents for lab in d.labs)
    assert any("links to 1 document" in w for w in cbc.warnings)
    assert not [f for f in manifest.findings if f.code == "duplicate-file"]


def test_inline_attachments_become_documents_with_their_reference_metadata(tmp_path):
    manifest = read(folder_with(tmp_path, "export.json", BUNDLE.read_bytes()))
    note = next(d for d in manifest.documents if d.source.endswith("DocumentReference-d1-1.txt"))
    assert (note.kind, note.title, note.date) == ("visit_summary", "Progress note", "2026-10-20")
    assert "continue anastrozole" in note.text
    page = next(d for d in manifest.documents if d.source.endswith("DocumentReference-d1-2.html"))
    assert "joint pain" in page.text and "alert" not in page.text


def test_ndjson_export_reads_like_the_bundle(tmp_path):
    bundle = json.loads(BUNDLE.read_text())
    lines = "\n".join(json.dumps(e["resource"]) for e in bundle["entry"]) + "\n"
    from_ndjson = read(folder_with(tmp_path, "export.ndjson", lines.encode()))
    from_bundle = read(folder_with(tmp_path / "b", "export.json", BUNDLE.read_bytes()))
    assert [(d.kind, d.title, len(d.labs), len(d.medications)) for d in from_ndjson.documents] == [
        (d.kind, d.title, len(d.labs), len(d.medications)) for d in from_bundle.documents
    ]


# two rows of a Synthea bulk export (corpus unit fhir/synthea_bulk_10pt_allergyintolerance.ndjson)
ALLERGY_ROWS = [
    {
        "resourceType": "AllergyIntolerance",
        "id": "1b2ce4a9-9773-f40f-6692-cb4d1283a9ca",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                    "code": "active",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                    "code": "confirmed",
                }
            ]
        },
        "type": "allergy",
        "category": ["medication"],
        "criticality": "low",
        "code": {
            "coding": [
                {
                    "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                    "code": "1191",
                    "display": "Aspirin",
                }
            ],
            "text": "Aspirin",
        },
        "patient": {"reference": "Patient/cbc86e51-9eca-3855-76ec-c058f72c5761"},
        "recordedDate": "1996-12-27T04:21:52-05:00",
    },
    {
        "resourceType": "AllergyIntolerance",
        "id": "1e4c4ad8-677b-2ddc-8fb7-44ad5b7c2aa9",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                    "code": "active",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                    "code": "confirmed",
                }
            ]
        },
        "type": "allergy",
        "category": ["food"],
        "criticality": "low",
        "code": {
            "coding": [
                {
                    "system": "http://snomed.info/sct",
                    "code": "442571000124108",
                    "display": "Tree nut (substance)",
                }
            ],
            "text": "Tree nut (substance)",
        },
        "patient": {"reference": "Patient/a5cb8ce9-cec6-6b23-0990-cbaf753578a4"},
        "recordedDate": "1928-11-23T17:58:16-05:00",
        "reaction": [
            {
                "manifestation": [
                    {
                        "coding": [
                            {
                                "system": "http://snomed.info/sct",
                                "code": "247472004",
                                "display": "Wheal (finding)",
                            }
                        ],
                        "text": "Wheal (finding)",
                    }
                ]
            },
            {
                "manifestation": [
                    {
                        "coding": [
                            {
                                "system": "http://snomed.info/sct",
                                "code": "267036007",
                                "display": "Dyspnea (finding)",
                            }
                        ],
                        "text": "Dyspnea (finding)",
                    }
                ]
            },
            {
                "manifestation": [
                    {
                        "coding": [
                            {
                                "system": "http://snomed.info/sct",
                                "code": "271807003",
                                "display": "Eruption of skin (disorder)",
                            }
                        ],
                        "text": "Eruption of skin (disorder)",
                    }
                ]
            },
            {
                "manifestation": [
                    {
                        "coding": [
                            {
                                "system": "http://snomed.info/sct",
                                "code": "300359004",
                                "display": "Finding of vomiting (finding)",
                            }
                        ],
                        "text": "Finding of vomiting (finding)",
                    }
                ]
            },
            {
                "manifestation": [
                    {
                        "coding": [
                            {
                                "system": "http://snomed.info/sct",
                                "code": "39579001",
                                "display": "Anaphylaxis (disorder)",
                            }
                        ],
                        "text": "Anaphylaxis (disorder)",
                    }
                ]
            },
            {
                "manifestation": [
                    {
                        "coding": [
                            {
                                "system": "http://snomed.info/sct",
                                "code": "402387002",
                                "display": "Allergic angioedema (disorder)",
                            }
                        ],
                        "text": "Allergic angioedema (disorder)",
                    }
                ]
            },
            {
                "manifestation": [
                    {
                        "coding": [
                            {
                                "system": "http://snomed.info/sct",
                                "code": "418290006",
                                "display": "Itching (finding)",
                            }
                        ],
                        "text": "Itching (finding)",
                    }
                ]
            },
        ],
    },
]


def test_an_allergy_only_export_is_an_allergy_list_not_a_record(tmp_path):
    """Allergies alone are no diagnosis, visit note or summary: they reach the summary, but
    the records item stays missing."""
    data = "".join(json.dumps(row) + "\n" for row in ALLERGY_ROWS).encode()
    manifest = read(folder_with(tmp_path, "allergyintolerance.ndjson", data))
    (document,) = manifest.documents
    assert (document.kind, document.title) == ("other", "Allergy list (FHIR export)")
    assert [a.substance for a in document.allergies] == ["Aspirin", "Tree nut (substance)"]
    records = next(item for item in manifest.checklist if item.id == "records")
    assert records.status == "missing"


def test_pdf_presented_form_goes_through_the_pdf_extractor(tmp_path):
    pdf = tmp_path / "report.pdf"
    make_samples.write_pdf(pdf, ["SURGICAL PATHOLOGY REPORT", "FINAL DIAGNOSIS: benign"])
    report = {
        "resourceType": "DiagnosticReport",
        "id": "path1",
        "status": "final",
        "category": [{"coding": [{"code": "SP"}]}],
        "code": {"text": "Surgical pathology"},
        "effectiveDateTime": "2026-09-08",
        "presentedForm": [
            {"contentType": "application/pdf", "data": base64.b64encode(pdf.read_bytes()).decode()},
            {"contentType": "text/plain", "data": "%%% not base64 %%%"},
        ],
    }
    manifest = read(folder_with(tmp_path, "report.json", json.dumps(report).encode()))
    attached = next(d for d in manifest.documents if d.source.endswith("-1.pdf"))
    assert (attached.kind, attached.date, attached.media_type) == (
        "pathology_report",
        "2026-09-08",
        "application/pdf",
    )
    assert "FINAL DIAGNOSIS" in attached.text
    damaged = next(d for d in manifest.documents if d.source.endswith("-2.txt"))
    assert damaged.kind == "unreadable" and "base64" in damaged.warnings[0]


def test_damaged_or_empty_fhir_json_is_reported(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "cut.json").write_bytes(BUNDLE.read_bytes()[:3000])
    (folder / "empty.json").write_text('{"resourceType": "Bundle", "type": "collection"}')
    manifest = read(folder)
    reasons = {d.source: (d.kind, d.warnings) for d in manifest.documents}
    assert reasons["cut.json"][0] == "unreadable" and "damaged JSON" in reasons["cut.json"][1][0]
    assert reasons["empty.json"][0] == "unreadable"
    assert "without FHIR resources" in reasons["empty.json"][1][0]


def test_packet_copies_an_export_once_for_all_its_documents(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copyfile(BUNDLE, folder / "export.json")
    out = tmp_path / "packet"
    manifest = api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    copies = {packet_files(out, d)[0] for d in manifest.documents if d.source == "export.json"}
    assert len(copies) == 1
    (copy,) = copies
    assert (out / copy).read_bytes() == BUNDLE.read_bytes()
    names = sorted(p.name for p in (out / "IHE_XDM" / "SUBSET01").iterdir())
    documents = [f"DOC{n:04d}.{ext}" for n, ext in enumerate(["JSN", "TXT", "HTM"], 1)]
    assert names == [*documents, "METADATA.XML"]


def test_index_lists_every_document_an_export_holds(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copyfile(BUNDLE, folder / "export.json")
    out = tmp_path / "packet"
    api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    index = re.sub(r"<[^>]+>", "", (out / "INDEX.HTM").read_text(encoding="utf-8"))
    # from the summary document's Condition
    assert "Left breast cancer (since 2026-09-08, SNOMED 254837009)" in index
    assert "Penicillin G: Hives" in index
    assert "every 8 hours, as needed for nausea" in index  # from the medication list document
    assert "Hemoglobin A1c" in index  # from the results outside any report


def test_a_zip_inside_an_attachment_is_named_as_such_not_opened(tmp_path):
    # the scan opens every zip in the folder; a zip that reaches the extractors can only have
    # come inside a FHIR attachment, and the document says so (not "unzip it into the folder")
    zipped = tmp_path / "notes.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("note.txt", "Progress note\nAssessment: stable\n")
    reference = {
        "resourceType": "DocumentReference",
        "id": "z1",
        "status": "current",
        "content": [
            {
                "attachment": {
                    "contentType": "application/zip",
                    "data": base64.b64encode(zipped.read_bytes()).decode(),
                }
            }
        ],
    }
    manifest = read(folder_with(tmp_path, "export.json", json.dumps(reference).encode()))
    (attached,) = [
        d for d in manifest.documents if d.source == "export.json!/DocumentReference-z1-1.bin"
    ]
    assert (attached.kind, attached.media_type) == ("other", "application/zip")
    assert attached.warnings == (
        "a zip archive inside a FHIR attachment: not opened (only zips in the folder are)",
    )


def test_a_stated_interpretation_other_than_normal_is_never_overridden_by_the_range():
    """at_elga_ips_01.json (corpus): measles antibodies 0.07 [IU]/mL, range low 0.16,
    interpretation NEG. 'Negative' is the lab's word; a derived L would put words in its
    mouth. A result called N(ormal) yet outside its range still takes the range's flag."""
    from intake.understand.labs import settle_flag

    assert settle_flag(None, True, "0.07", ">=0.16") == (None, False)
    assert settle_flag(None, True, "0.07", ">=0.16", said_normal=True) == ("L", True)
    assert settle_flag(None, False, "0.07", ">=0.16") == ("L", True)


@pytest.mark.parametrize(
    ("codes", "read"),
    [
        (["281300000"], ("L", True, False)),  # nl_core_ips_patient_01.json: SNOMED "below"
        (["NEG"], (None, True, False)),  # at_elga_ips_01.json
        (["N"], (None, True, True)),
        (["X-LOCAL-7"], (None, False, False)),  # unknown: the range decides, marked derived
    ],
)
def test_interpretation_codes_from_hl7_and_snomed(codes, read):
    from intake.understand.interpretation import interpretation

    assert interpretation(codes) == read


def test_below_a_threshold_is_left_to_the_reference_range():
    """hl7_ccd_sample1.xml (corpus): interpretationCode LX on Platelets 123 (range 150-350)
    and on Hematocrit 35.3 (range 34.9-44.5): a threshold is not the reference range."""
    from intake.understand.interpretation import interpretation
    from intake.understand.labs import settle_flag

    stated, interpreted, normal = interpretation(["LX"])
    assert settle_flag(stated, interpreted, "123", "150-350", said_normal=normal) == ("L", True)
    assert settle_flag(stated, interpreted, "35.3", "34.9-44.5", said_normal=normal)[0] is None


def _panel(number: int, day: str, hemoglobin: float) -> list[dict]:
    """A DiagnosticReport titled 'CBC' of `day` and its one Observation."""
    observation = {
        "resourceType": "Observation", "id": f"hb{number}", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}],
                 "text": "Hemoglobin"},
        "effectiveDateTime": day,
        "valueQuantity": {"value": hemoglobin, "unit": "g/dL"},
        "referenceRange": [{"low": {"value": 12.0}, "high": {"value": 15.5}}],
    }  # fmt: skip
    report = {
        "resourceType": "DiagnosticReport", "id": f"cbc{number}", "status": "final",
        "code": {"text": "CBC"}, "effectiveDateTime": day,
        "result": [{"reference": f"Observation/hb{number}"}],
    }  # fmt: skip
    return [report, observation]


def test_panels_of_one_bundle_sharing_a_title_are_all_in_the_packet(tmp_path):
    """Three 'CBC' reports of one bundle share its SHA-256 and their title, not their
    results: each keeps its page, its bookmark and its rows, and the latest is shown as
    latest (they were once taken for repeats of one file and dropped)."""
    resources = [{"resourceType": "Patient", "id": "p", "name": [{"text": "Ada Example"}]}]
    for number, (day, value) in enumerate(
        [("2023-10-31", 14.2), ("2024-03-11", 14.6), ("2024-08-30", 11.1)], 1
    ):
        resources += _panel(number, day, value)
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"fullUrl": f"urn:uuid:{r['resourceType']}-{r['id']}", "resource": r}
                        for r in resources]}  # fmt: skip
    folder = folder_with(tmp_path, "export.json", json.dumps(bundle).encode())
    out = tmp_path / "packet"
    manifest = api.build_packet(folder, out, api.Options(appointment=APPOINTMENT))
    reports = [d for d in manifest.documents if d.title.startswith("CBC")]
    assert sorted(d.date for d in reports) == ["2023-10-31", "2024-03-11", "2024-08-30"]
    rows = list(csv.DictReader((out / "EXTRA" / "LABS.CSV").open(encoding="utf-8")))
    assert sorted(row["value"] for row in rows if row["test"] == "Hemoglobin") == [
        "11.1", "14.2", "14.6",
    ]  # fmt: skip
    import pikepdf

    with pikepdf.open(out / "PACKET.PDF") as pdf, pdf.open_outline() as outline:
        titles = [item.title for item in _walk(outline.root)]
    assert sum("CBC" in title for title in titles) == 3
    text = re.sub(r"<[^>]+>", " ", (out / "INDEX.HTM").read_text(encoding="utf-8"))
    latest = re.search(r"Hemoglobin\s+11\.1", text)
    assert latest, "the latest hemoglobin (2024-08-30) is the one shown first"


def _walk(items):
    for item in items:
        yield item
        yield from _walk(item.children)
