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


def test_hard_photos_read_as_well_as_clean_ones(read_photos):
    # perspective, blur, noise, a script font: every name and strength, nothing invented
    # (the perspective photo's first line was split in two before its sheet was flattened)
    photos, documents = read_photos
    for photo in (p for p in photos if p.group == "hard" and p.truth):
        assert found(documents[photo.file]) == truth(photo), photo.file


def test_a_sheet_at_an_angle_is_flattened_and_a_square_page_is_not(read_photos, tmp_path):
    from PIL import Image

    from intake.extractors.paper import flattened, sheet_corners

    photos, _ = read_photos
    perspective = next(p for p in photos if p.file == "list-perspective.jpg")
    make_photos.render(perspective, tmp_path / "p.jpg", 1)
    image = Image.open(tmp_path / "p.jpg").convert("L")
    corners = sheet_corners(image)
    assert corners is not None
    top_left, top_right, bottom_right, bottom_left = corners
    assert top_left[0] < top_right[0] and bottom_left[0] < bottom_right[0]
    assert top_left[1] < bottom_left[1] and top_right[1] < bottom_right[1]
    sheet = flattened(image)
    assert sheet is not None and sheet.width > sheet.height
    page = Image.new("L", (1200, 1600), 250)  # a scan: the page fills the image
    assert sheet_corners(page) is None
    square = Image.new("L", (1600, 1200), 60)
    square.paste(250, (200, 150, 1400, 1050))  # a sheet lying square on a dark table
    assert sheet_corners(square) is None
