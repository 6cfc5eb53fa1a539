"""Phone photos of medication lists and labels (committed generator, known truth), read by
real Tesseract: names and strengths found whatever the font, rotation, perspective or blur."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from intake import api
from tests.conftest import APPOINTMENT, ROOT


def _load():
    spec = importlib.util.spec_from_file_location(
        "make_photos", ROOT / "samples" / "make_photos.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_photos"] = module
    spec.loader.exec_module(module)
    return module


make_photos = _load()


@pytest.fixture(scope="module")
def read_photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    photos = make_photos.build(folder)
    manifest = api.scan_folder(folder, api.Options(appointment=APPOINTMENT))
    return photos, {d.source: d for d in manifest.documents}


def found(document) -> set[tuple[str, str]]:
    return {((m.generic or m.name).lower(), m.strength) for m in document.medications}


def truth(photo) -> set[tuple[str, str]]:
    return {(t.name.lower(), t.strength) for t in photo.truth}


@pytest.mark.parametrize("group", ["clean", "rotated"])
def test_names_and_strengths_are_read_from_clean_and_rotated_photos(read_photos, group):
    photos, documents = read_photos
    wanted = hits = 0
    for photo in (p for p in photos if p.group == group):
        document = documents[photo.file]
        assert not found(document) - truth(photo), photo.file  # nothing invented
        wanted += len(truth(photo))
        hits += len(found(document) & truth(photo))
    assert hits / wanted >= 0.9


def test_frequencies_of_a_clean_list(read_photos):
    photos, documents = read_photos
    photo = next(p for p in photos if p.file == "list-clean.jpg")
    frequencies = {(m.generic or m.name): m.frequency for m in documents[photo.file].medications}
    assert frequencies == {t.name: t.frequency for t in photo.truth}


def test_photos_without_medications_give_none_and_say_so(read_photos):
    _, documents = read_photos
    card = documents["insurance-card.jpg"]
    assert card.kind == "insurance" and card.medications == []
    drawing = documents["drawing.jpg"]
    assert drawing.medications == [] and any("check by hand" in w for w in drawing.warnings)


def test_heic_and_label_photos(read_photos):
    photos, documents = read_photos
    assert found(documents["brands.heic"]) == truth(
        next(p for p in photos if p.file == "brands.heic")
    )
    (label,) = documents["label-exif-270.jpg"].medications
    assert (label.generic, label.strength, label.frequency, label.refills) == (
        "Levetiracetam", "500 mg", "twice daily", "3"
    )  # fmt: skip
