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
    assert card.kind == "insurance" and card.medications == ()
    drawing = documents["drawing.jpg"]
    assert drawing.medications == () and any("check by hand" in w for w in drawing.warnings)


def test_heic_and_label_photos(read_photos):
    photos, documents = read_photos
    assert found(documents["brands.heic"]) == truth(
        next(p for p in photos if p.file == "brands.heic")
    )
    (label,) = documents["label-exif-270.jpg"].medications
    assert (label.generic, label.strength, label.frequency, label.refills) == (
        "Levetiracetam", "500 mg", "twice daily", "3"
    )  # fmt: skip


def test_a_heic_photo_without_pillow_heif_names_what_is_missing(read_photos, monkeypatch, tmp_path):
    from intake.extractors import extract
    from intake.scan import identify

    monkeypatch.setattr("intake.extractors.image.heif_available", lambda: False)
    photos, _ = read_photos
    folder = tmp_path / "p"
    make_photos.render(next(p for p in photos if p.file == "brands.heic"), folder / "x.heic", 1)
    (document,) = extract(identify(folder / "x.heic", "x.heic"))
    assert document.kind == "unreadable" and "needs pillow-heif" in document.warnings[0]


def test_a_100_megapixel_photo_is_scaled_and_read(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (12000, 8400), 250)  # 100.8 million pixels
    draw = ImageDraw.Draw(image)
    draw.text((500, 900), "Metformin 500 mg twice daily", fill=0,
              font=ImageFont.load_default(size=220))  # fmt: skip
    image.save(tmp_path / "huge.jpg", quality=70)
    manifest = api.scan_folder(tmp_path, api.Options(appointment=APPOINTMENT))
    (document,) = manifest.documents
    assert [(m.generic, m.strength) for m in document.medications] == [("Metformin", "500 mg")]
