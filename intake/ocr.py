"""The one place intake calls Tesseract (through pytesseract).

Each call runs one Tesseract process limited to one thread (parallelism comes
from running several processes), with a timeout, and keeps word confidences.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from PIL import Image

from intake.errors import MissingDependency

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # inherited by every tesseract process

import pytesseract

MIN_VERSION = (4, 1)
INSTALL_HINT = (
    "install Tesseract OCR: 'sudo apt-get install tesseract-ocr' (Debian/Ubuntu), "
    "'brew install tesseract' (macOS)"
)


Box = tuple[str, int, int, int, int]  # word, left, right, top, bottom (pixels)


@dataclass
class OcrText:
    """Text read from one image, with the mean confidence of its words (0-100) and,
    for each word, its box in the image as read (after any turn or deskew)."""

    text: str
    confidence: float | None = None
    words: int = 0
    warnings: list[str] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    turned: int = 0  # degrees the image was turned (counter-clockwise) to read it upright
    deskewed: float = 0.0  # degrees of skew corrected before reading


@cache
def check_tesseract() -> str:
    """Return Tesseract's version, or raise MissingDependency with install advice."""
    try:
        version = pytesseract.get_tesseract_version()
    except (pytesseract.TesseractNotFoundError, OSError) as err:
        raise MissingDependency(f"Tesseract OCR is not installed: {INSTALL_HINT}") from err
    if (version.major, version.minor) < MIN_VERSION:
        wanted = ".".join(map(str, MIN_VERSION))
        raise MissingDependency(f"Tesseract {wanted}+ is needed, found {version}: {INSTALL_HINT}")
    return str(version)


def read_image(
    image: Image.Image | str, *, lang: str = "eng", timeout: float = 60.0, psm: int | None = None
) -> OcrText:
    """OCR one image; a timeout gives empty text and a warning, not an exception.

    `psm` 6 reads the image as one block of lines: right for a printed page, where rows
    must stay rows; the default (3) finds blocks itself, right for photos."""
    check_tesseract()
    if isinstance(image, Image.Image) and image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    config = PAGE_CONFIG if psm == 6 else ""
    try:
        data = pytesseract.image_to_data(
            image, lang=lang, timeout=timeout, config=config, output_type=pytesseract.Output.DICT
        )
    except pytesseract.TesseractError:
        raise
    except RuntimeError:  # pytesseract's way of saying the timeout struck
        return OcrText("", warnings=[f"OCR gave up after {timeout:g}s"])
    return _assemble(data)


# one uniform block of lines; no second pass for white-on-black text (printed pages have none)
PAGE_CONFIG = "--psm 6 -c tessedit_do_invert=0"
PAGE_SURE = 60.0  # mean word confidence under which a page is also tried turned (OSD)
MAX_SKEW = 4.0  # degrees searched either way when straightening a scanned page


def read_page(image: Image.Image, *, timeout: float = 60.0) -> OcrText:
    """OCR a scanned printed page as lines (psm 6), its word boxes straightened, turned
    upright first when Tesseract's orientation detection says it lies sideways or upside down.

    Tesseract copes with a degree or two of skew itself; the page is not rotated (a full
    rotation costs more than it gains): the boxes are, so rows line up for table reading.
    (Handing Tesseract a scan's own JPEG instead of PDFium's rendering was 13% faster but
    lost a decimal point on a sample page: pages are rendered.)"""
    angle = skew_angle(image)
    result = _read_page_file(image, timeout)
    _straighten(result, angle, image.size)
    if (result.confidence or 0) >= PAGE_SURE and result.words >= 10:
        return result
    turn = _orientation(image, timeout)
    if turn:
        turned = image.rotate(turn, expand=True)
        again = _read_page_file(turned, timeout)
        _straighten(again, skew_angle(turned), turned.size)
        if (again.confidence or 0) > (result.confidence or 0) + 10 and again.words >= 10:
            again.turned = turn
            return again
    return result


def _read_page_file(image: Image.Image, timeout: float) -> OcrText:
    """read_image(psm=6) through an uncompressed private file: pytesseract's own PNG
    encoding of a 300-dpi page costs a quarter of Tesseract's time."""
    with tempfile.NamedTemporaryFile(suffix=".tif", prefix="intake-") as handle:  # 0600
        image.save(handle, format="TIFF")
        handle.flush()
        return read_image(handle.name, timeout=timeout, psm=6)


def _straighten(result: OcrText, angle: float, size: tuple[int, int]) -> None:
    """Turn word boxes by `angle` degrees (counter-clockwise) about the image centre."""
    result.deskewed = angle
    if not angle:
        return
    cx, cy = size[0] / 2, size[1] / 2
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    boxes = []
    for word, left, right, top, bottom in result.boxes:
        dx, dy = (left + right) / 2 - cx, (top + bottom) / 2 - cy
        x, y = cx + dx * cos + dy * sin, cy - dx * sin + dy * cos
        half_w, half_h = (right - left) / 2, (bottom - top) / 2
        boxes.append(
            (word, round(x - half_w), round(x + half_w), round(y - half_h), round(y + half_h))
        )
    result.boxes = boxes


def skew_angle(image: Image.Image) -> float:
    """The small rotation (degrees, counter-clockwise) that makes a page's text lines level:
    the angle whose row profile of a reduced copy is sharpest (projection profile)."""
    small = image.convert("L")
    small.thumbnail((700, 700), Image.BILINEAR)
    ink = small.point(lambda v: 255 if v < 140 else 0)
    best, best_score = 0.0, -1.0
    for step in (0.5, 0.1):
        centre = best
        for tenths in range(-int(MAX_SKEW * 10), int(MAX_SKEW * 10) + 1, int(step * 10)):
            angle = centre + tenths / 10 if step < 0.5 else tenths / 10
            if step < 0.5 and abs(angle - centre) > 0.5:
                continue
            rows = np.asarray(ink.rotate(angle, Image.NEAREST), dtype=np.float32).sum(axis=1)
            score = float(np.square(np.diff(rows)).sum())
            if score > best_score:
                best, best_score = angle, score
    return round(best, 1)


def _orientation(image: Image.Image, timeout: float) -> int:
    """Degrees (counter-clockwise) that turn the page upright, by Tesseract OSD; 0 if unsure."""
    try:
        osd = pytesseract.image_to_osd(
            image, config="--psm 0", timeout=timeout, output_type=pytesseract.Output.DICT
        )
    except (pytesseract.TesseractError, RuntimeError):  # too little text to tell
        return 0
    if float(osd.get("orientation_conf", 0)) < 1.0:
        return 0
    return (360 - int(osd.get("rotate", 0))) % 360


def _assemble(data: dict[str, list]) -> OcrText:
    """Rebuild lines from Tesseract's word boxes; wide gaps between words become 3 spaces."""
    lines: dict[tuple[int, int, int], list[tuple[int, int, int, str]]] = {}
    confidences: list[float] = []
    boxes: list[Box] = []
    for i, word in enumerate(data["text"]):
        word = (word or "").strip()
        conf = float(data["conf"][i])
        if not word or conf < 0:
            continue
        confidences.append(conf)
        left, top = data["left"][i], data["top"][i]
        boxes.append((word, left, left + data["width"][i], top, top + data["height"][i]))
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append(
            (data["word_num"][i], data["left"][i], data["width"][i], data["height"][i], word)
        )
    out: list[str] = []
    previous_block = None
    for key in sorted(lines):
        if previous_block is not None and key[0] != previous_block:
            out.append("")
        previous_block = key[0]
        parts: list[str] = []
        right = None
        for _, left, width, height, word in sorted(lines[key]):  # Tesseract's reading order
            if right is not None:
                wide = left - right > max(height, 8) * 1.2
                parts.append("   " if wide else " ")
            parts.append(word)
            right = left + width
        out.append("".join(parts))
    mean = round(sum(confidences) / len(confidences), 1) if confidences else None
    return OcrText("\n".join(out), confidence=mean, words=len(confidences), boxes=boxes)
