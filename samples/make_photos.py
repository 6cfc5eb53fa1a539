#!/usr/bin/env python3
"""Phone photos of medication lists and pharmacy labels, with the truth of what they say.

    python samples/make_photos.py OUT

Deterministic and offline; fictional patients and prescribers. Each photo varies what phones
do to paper: fonts (a sans, a serif, a handwriting-like script), rotation by EXIF and by
content, perspective, blur, JPEG noise, one HEIC. Two photos hold no medications (a drawing,
an insurance card): intake must say so, not invent drugs. `PHOTOS` is the truth the tests
and `bench/photos.py` score against.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

FONTS = {  # Debian: fonts-dejavu-core, fonts-liberation2, fonts-urw-base35 (.ci/run installs)
    "sans": ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"],
    "serif": [
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    ],
    "script": [  # URW Chancery (Z003): the handwriting-like one
        "/usr/share/fonts/opentype/urw-base35/Z003-MediumItalic.otf",
        "/usr/share/fonts/type1/urw-base35/Z003-MediumItalic.t1",
    ],
}


@dataclass(frozen=True)
class Truth:
    name: str  # generic name
    strength: str
    frequency: str | None = None


@dataclass(frozen=True)
class Photo:
    file: str
    lines: tuple[str, ...]
    truth: tuple[Truth, ...]
    group: str  # clean | rotated | hard | none
    font: str = "sans"
    exif_turn: int = 0  # 0, 90, 180, 270: stored turned, EXIF says how to show it
    content_turn: int = 0  # turned with no EXIF to say so (a photo taken sideways)
    tilt: float = 1.5
    perspective: float = 0.0  # 0..0.15 of the width
    shadow: float = 0.0  # 0..1: how much darker the photo's shaded side is (a hand's shadow)
    blur: float = 0.8
    quality: int = 85
    noise: int = 20
    extra: dict = field(default_factory=dict)


LIST = (
    "MEDICATION LIST",
    "Metformin 500 mg tablet twice daily",
    "Lisinopril 10 mg once daily",
    "Atorvastatin 20 mg at bedtime",
    "Ondansetron 8 mg every 8 hours as needed for nausea",
)
LIST_TRUTH = (
    Truth("Metformin", "500 mg", "twice daily"),
    Truth("Lisinopril", "10 mg", "daily"),
    Truth("Atorvastatin", "20 mg", "at bedtime"),
    Truth("Ondansetron", "8 mg", "every 8 hours, as needed for nausea"),
)
BRANDS = (
    "My medicines",
    "Keppra 500 mg twice a day",
    "Lipitor 40 mg at bedtime",
    "Aspirin 81 mg daily",
)
BRANDS_TRUTH = (
    Truth("Levetiracetam", "500 mg", "twice daily"),
    Truth("Atorvastatin", "40 mg", "at bedtime"),
    Truth("Aspirin", "81 mg", "daily"),
)
LABEL = (
    "RIVERSIDE PHARMACY   (555) 555-0142",
    "Rx# 5512077   Date Filled: 10/06/2026",
    "SAMPLETON, HAROLD",
    "LEVETIRACETAM 500 MG TAB",
    "TAKE 1 TABLET BY MOUTH TWICE DAILY",
    "QTY: 60    REFILLS: 3",
    "Dr. Example Neurowell",
)
LABEL_TRUTH = (Truth("Levetiracetam", "500 mg", "twice daily"),)
CARD = (
    "EXAMPLE HEALTH PLAN",
    "Member: HAROLD Q SAMPLETON",
    "Member ID: ZZX123456789",
    "Group: 00042   Plan: PPO",
    "Copay: Office $25 / ER $150",
)

PHOTOS = (
    Photo("list-clean.jpg", LIST, LIST_TRUTH, "clean"),
    Photo("list-serif.jpg", LIST, LIST_TRUTH, "clean", font="serif"),
    Photo("brands-clean.png", BRANDS, BRANDS_TRUTH, "clean", quality=0),
    Photo("label-clean.jpg", LABEL, LABEL_TRUTH, "clean"),
    Photo("list-exif-90.jpg", LIST, LIST_TRUTH, "rotated", exif_turn=90),
    Photo("label-exif-270.jpg", LABEL, LABEL_TRUTH, "rotated", exif_turn=270),
    Photo("brands-upside-down.jpg", BRANDS, BRANDS_TRUTH, "rotated", content_turn=180),
    Photo("list-sideways.jpg", LIST, LIST_TRUTH, "rotated", content_turn=90),
    Photo("list-perspective.jpg", LIST, LIST_TRUTH, "hard", perspective=0.08, tilt=3),
    Photo("list-blurred.jpg", LIST, LIST_TRUTH, "hard", blur=1.8),
    Photo("label-noisy.jpg", LABEL, LABEL_TRUTH, "hard", quality=30, noise=60),
    Photo("list-script.jpg", LIST, LIST_TRUTH, "hard", font="script"),
    Photo("list-tilted-15.jpg", LIST, LIST_TRUTH, "hard", tilt=15),
    Photo("list-shadow.jpg", LIST, LIST_TRUTH, "hard", shadow=0.55, tilt=2),
    Photo("brands.heic", BRANDS, BRANDS_TRUTH, "clean"),
    Photo("insurance-card.jpg", CARD, (), "none"),
    Photo("drawing.jpg", (), (), "none"),
)


def font(kind: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS[kind]:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def render(photo: Photo, path: Path, seed: int) -> None:
    """Write one photo: paper with the lines, on a table, through a phone."""
    rng = random.Random(seed)
    lines = photo.lines
    paper = Image.new("L", (1600, 260 + 100 * max(len(lines), 3)), 248)
    draw = ImageDraw.Draw(paper)
    if lines:
        body, title = font(photo.font, 54), font(photo.font, 64)
        draw.text((80, 70), lines[0], fill=20, font=title)
        for row, line in enumerate(lines[1:], start=1):
            draw.text((80, 110 + 100 * row), line, fill=25, font=body)
    else:  # a drawing: shapes, no text
        for _ in range(25):
            x, y = rng.randrange(1400), rng.randrange(paper.height - 100)
            draw.ellipse((x, y, x + rng.randrange(40, 200), y + rng.randrange(40, 200)),
                         outline=rng.randrange(0, 120), width=6)  # fmt: skip
    table = Image.new("L", (paper.width + 400, paper.height + 400), 92)
    table.paste(paper, (200, 200))
    image = table.rotate(photo.tilt, resample=Image.BICUBIC, fillcolor=92)
    if photo.perspective:
        w, h = image.size
        d = int(w * photo.perspective)
        quad = (d, 0, 0, h, w, h, w - d, 0)  # top edge narrower: paper seen from below
        image = image.transform(image.size, Image.QUAD, quad, resample=Image.BICUBIC,
                                fillcolor=92)  # fmt: skip
    if photo.shadow:  # darker towards the right, as under a hand or a phone held over it
        shade = Image.linear_gradient("L").rotate(90, expand=True).resize(image.size)
        shade = shade.point(lambda v: round(255 - photo.shadow * (255 - v)))
        image = ImageChops.multiply(image, shade)
    image = image.filter(ImageFilter.GaussianBlur(photo.blur))
    pixels = image.load()
    for _ in range(image.width * image.height // 250):
        x, y = rng.randrange(image.width), rng.randrange(image.height)
        pixels[x, y] = max(0, min(255, pixels[x, y] + rng.randint(-photo.noise, photo.noise)))
    image = image.convert("RGB")
    if photo.content_turn:
        image = image.rotate(photo.content_turn, expand=True)
    exif = Image.Exif()
    exif[0x010F] = "ExamplePhone"
    if photo.exif_turn:
        turned = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180,
                  270: Image.Transpose.ROTATE_270}[photo.exif_turn]  # fmt: skip
        image = image.transpose(turned)
        exif[0x0112] = {90: 6, 180: 3, 270: 8}[photo.exif_turn]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".heic":
        from pillow_heif import register_heif_opener

        register_heif_opener()
        image.save(path, "HEIF", quality=90)
    elif path.suffix == ".png":
        image.save(path, "PNG")
    else:
        image.save(path, "JPEG", quality=photo.quality, exif=exif)


def build(out: Path) -> list[Photo]:
    """Every photo under `out`; returns their truth."""
    for seed, photo in enumerate(PHOTOS):
        render(photo, out / photo.file, seed)
    return list(PHOTOS)


def main(argv: list[str] | None = None) -> int:
    out = Path((argv or sys.argv[1:])[0])
    for photo in build(out):
        print(f"{photo.group:8} {photo.file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
