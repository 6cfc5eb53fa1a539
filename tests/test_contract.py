"""The manifest contract (intake.manifest/1): written field by field, the same from `scan` and
`packet`, validated by the schema, which lists every kind, status, severity and flag intake
can produce; and the stages' results cannot be changed once made."""

from __future__ import annotations

import dataclasses
import json
from typing import get_args

import jsonschema
import pytest
from click.testing import CliRunner

from intake import model
from intake.check import SEVERITY_ORDER
from intake.cli import cli
from intake.errors import ExitCode
from intake.model import Document, Manifest, manifest_schema
from intake.understand import interpretation, labs
from tests.conftest import APPOINTMENT

INTERNAL = {"structured", "labs_read", "narrative", "listed", "text", "packet_files", "readable"}


def _scan_json(folder) -> dict:
    result = CliRunner().invoke(
        cli, ["scan", str(folder), "--json", "--appointment", APPOINTMENT.isoformat(), "--no-cache"]
    )
    assert result.exit_code == ExitCode.OK, result.output  # every item of the sample is there
    return json.loads(result.stdout)


def test_scan_and_packet_give_the_same_valid_manifest(oncology, tmp_path):
    scanned = _scan_json(oncology)
    out = tmp_path / "packet"
    result = CliRunner().invoke(
        cli,
        ["packet", str(oncology), "-o", str(out), "--appointment", APPOINTMENT.isoformat(),
         "--no-cache", "--silent"],
    )  # fmt: skip
    assert out.is_dir(), result.output
    packed = json.loads((out / "EXTRA" / "manifest.json").read_text(encoding="utf-8"))
    schema = manifest_schema()
    jsonschema.validate(scanned, schema)
    jsonschema.validate(packed, schema)
    assert packed == scanned  # what the packet holds is what scan prints, nothing more
    index = json.loads((out / "EXTRA" / "packet-index.json").read_text(encoding="utf-8"))
    ids = {d["id"] for d in scanned["documents"]}
    assert set(index["documents"]) <= ids and index["documents"]  # packet data lives here
    for entry in index["documents"].values():
        for name in entry["files"]:
            assert (out / name).is_file()


def test_the_contract_holds_no_internal_field(oncology_manifest):
    data = oncology_manifest.to_contract()
    for document in data["documents"]:
        assert not INTERNAL & set(document), sorted(INTERNAL & set(document))
    assert "text" in oncology_manifest.to_contract(with_text=True)["documents"][0]


def test_the_schema_refuses_an_undocumented_field(oncology_manifest):
    data = oncology_manifest.to_contract()
    data["documents"][0]["packet_files"] = ["IHE_XDM/SUBSET01/DOC0001.PDF"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, manifest_schema())


def _enum(definition: dict) -> set:
    return set(definition["enum"]) - {None}


def test_the_schema_lists_every_kind_status_severity_and_flag():
    schema = manifest_schema()
    defs = schema["$defs"]
    assert _enum(defs["document"]["properties"]["kind"]) == set(model.KINDS)
    assert _enum(defs["checklist_item"]["properties"]["status"]) == set(model.STATUSES)
    assert _enum(defs["finding"]["properties"]["severity"]) == set(model.SEVERITIES)
    assert set(SEVERITY_ORDER) == set(model.SEVERITIES)
    timeline = schema["properties"]["timeline"]["items"]["properties"]["category"]
    assert _enum(timeline) == set(model.EVENT_CATEGORIES)
    assert _enum(defs["lab"]["properties"]["flag"]) == set(model.FLAGS)


@pytest.mark.parametrize(
    "produced",
    [
        labs.FLAGS.values(),
        labs.OCR_FLAGS.values(),
        interpretation.FLAGS.values(),
    ],
    ids=["printed", "ocr", "coded"],
)
def test_every_flag_a_reader_produces_is_in_the_contract(produced):
    assert set(produced) <= set(model.FLAGS), set(produced) - set(model.FLAGS)


def test_stage_results_are_frozen(oncology_manifest):
    document = oncology_manifest.documents[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        document.kind = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        document.warnings.append("changed")  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        oncology_manifest.findings = ()  # type: ignore[misc]
    assert isinstance(oncology_manifest.documents, tuple)


def test_the_full_record_round_trips(oncology_manifest):
    again = Manifest.from_dict(json.loads(json.dumps(oncology_manifest.to_dict(with_text=True))))
    assert again == oncology_manifest
    assert all(isinstance(d, Document) for d in again.documents)


def test_literals_are_the_model_tuples():
    assert get_args(model.Kind) == model.KINDS
    assert get_args(model.Flag) == model.FLAGS


@pytest.mark.parametrize("with_text", [False, True])
def test_the_json_written_a_document_at_a_time_is_the_contract(oncology_manifest, with_text):
    """scan --json and EXTRA/manifest.json are written in pieces (memory that does not grow
    with the folder); the text is exactly json.dumps of the contract, empty or not."""
    manifest = oncology_manifest
    whole = json.dumps(manifest.to_contract(with_text=with_text), indent=2, ensure_ascii=False)
    assert manifest.to_json(with_text=with_text) == whole
    empty = dataclasses.replace(manifest, documents=())
    assert empty.to_json() == json.dumps(empty.to_contract(), indent=2, ensure_ascii=False)
    number = next(n for n, d in enumerate(manifest.documents) if d.labs)
    first = manifest.documents[number]  # a document of many results: spliced result by result
    many = first.labs * (model.SPLICED_LABS // len(first.labs) + 1)
    documents = list(manifest.documents)
    documents[number] = dataclasses.replace(first, labs=many)
    big = dataclasses.replace(manifest, documents=tuple(documents))
    whole = json.dumps(big.to_contract(with_text=with_text), indent=2, ensure_ascii=False)
    assert big.to_json(with_text=with_text) == whole
    pieces = list(model.document_json(big.documents[number], with_text=with_text))
    assert len(pieces) > model.SPLICED_LABS  # never the whole document's text at once
