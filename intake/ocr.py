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
from typing import TYPE_CHECKING

from intake.errors import MissingDependency

if TYPE_CHECKING:  # Pillow, numpy and pytesseract are imported where used: slow to import
    from PIL import Image

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # inherited by every tesseract process

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
    line_skew: float = 0.0  # degrees of skew measured along Tesseract's lines (boxes of
    # printed pages are straightened by it)


@cache
def check_tesseract() -> str:
    """Return Tesseract's version, or raise MissingDependency with install advice."""
    import pytesseract

    try:
        version = pytesseract.get_tesseract_version()
    except (pytesseract.TesseractNotFoundError, OSError) as err:
        raise MissingDependency(f"Tesseract OCR is not installed: {INSTALL_HINT}") from err
    if (version.major, version.minor) < MIN_VERSION:
        wanted = ".".join(map(str, MIN_VERSION))
        raise MissingDependency(f"Tesseract {wanted}+ is needed, found {version}: {INSTALL_HINT}")
    return str(version)


def read_image(
    image: Image.Image | str, *, lang: str = "eng", timeout: float = 60.0, config: str = ""
) -> OcrText:
    """OCR one image (or image file); a timeout gives empty text and a warning, not an
    exception. Tesseract's defaults find blocks themselves, right for photos; printed pages
    pass PAGE_CONFIG."""
    import pytesseract
    from PIL import Image

    check_tesseract()
    if isinstance(image, Image.Image) and image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
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


def read_pages(images: list[Image.Image], *, timeout: float = 60.0) -> list[OcrText]:
    """OCR scanned printed pages as lines (psm 6) in one Tesseract process, which loads its
    model once (20% more pages per second than a process per page); each page's word boxes
    straightened, and a page Tesseract is unsure of tried again turned upright.

    `timeout` is per page: the run may take that times the pages; past it, each page is
    read alone under its own limit, so one hard page cannot cost the others their reading.
    Tesseract copes with a few degrees of skew itself; pages are not rotated (a full
    rotation costs more than it gains): the word boxes are turned by the skew measured
    along Tesseract's own lines, so rows line up for table reading. (Handing Tesseract a
    scan's own JPEG instead of PDFium's rendering was 13% faster but lost a decimal point
    on a sample page: pages are rendered.)"""
    import pytesseract

    if len(images) == 1:
        return [read_page(images[0], timeout=timeout)]
    check_tesseract()
    with tempfile.TemporaryDirectory(prefix="intake-ocr-") as folder:  # 0700, removed after
        paths = []
        for number, image in enumerate(images):
            path = os.path.join(folder, f"page{number:04d}.tif")
            image.save(path, format="TIFF")
            paths.append(path)
        listing = os.path.join(folder, "pages.txt")
        with open(listing, "w", encoding="utf-8") as handle:
            handle.write("\n".join(paths) + "\n")
        try:
            data = pytesseract.image_to_data(
                listing,
                timeout=timeout * len(images),
                config=PAGE_CONFIG,
                output_type=pytesseract.Output.DICT,
            )
        except RuntimeError:  # the time ran out: page by page, each under its own limit
            return [read_page(image, timeout=timeout) for image in images]
    by_page: list[dict[str, list]] = [{key: [] for key in data} for _ in images]
    for i, page_number in enumerate(data["page_num"]):
        if 1 <= page_number <= len(images):
            for key, values in data.items():
                by_page[page_number - 1][key].append(values[i])
    return [
        _settle(image, _assemble(page), timeout)
        for image, page in zip(images, by_page, strict=True)
    ]


def read_page(image: Image.Image, *, timeout: float = 60.0) -> OcrText:
    """OCR one scanned printed page (see read_pages)."""
    return _settle(image, _read_page_file(image, timeout), timeout)


def _settle(image: Image.Image, result: OcrText, timeout: float) -> OcrText:
    """Straighten a page's boxes; if Tesseract was unsure, try the page turned as OSD says."""
    _straighten(result, image.size)
    if (result.confidence or 0) >= PAGE_SURE and result.words >= 10:
        return result
    turn = _orientation(image, timeout)
    if turn:
        turned = image.rotate(turn, expand=True)
        again = _read_page_file(turned, timeout)
        _straighten(again, turned.size)
        if (again.confidence or 0) > (result.confidence or 0) + 10 and again.words >= 10:
            again.turned = turn
            return again
    return result


def _read_page_file(image: Image.Image, timeout: float) -> OcrText:
    """A printed page read through an uncompressed private file: pytesseract's own PNG
    encoding of a 300-dpi page costs a quarter of Tesseract's time."""
    with tempfile.NamedTemporaryFile(suffix=".tif", prefix="intake-") as handle:  # 0600
        image.save(handle, format="TIFF")
        handle.flush()
        return read_image(handle.name, timeout=timeout, config=PAGE_CONFIG)


def _straighten(result: OcrText, size: tuple[int, int]) -> None:
    """Turn the word boxes by the page's skew (result.line_skew, counter-clockwise) about
    the image centre, so the rows of a slightly skewed page line up."""
    angle = result.line_skew
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


def _orientation(image: Image.Image, timeout: float) -> int:
    """Degrees (counter-clockwise) that turn the page upright, by Tesseract OSD; 0 if unsure."""
    import pytesseract

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
    lines: dict[tuple[int, int, int], list[tuple[int, int, int, int, str]]] = {}
    confidences: list[float] = []
    boxes: list[Box] = []
    for i, word in enumerate(data["text"]):
        word = (word or "").strip()
        conf = float(data["conf"][i])
        if not word or conf < 0:
            continue
        confidences.append(conf)
        left, top, width, height = (data[k][i] for k in ("left", "top", "width", "height"))
        boxes.append((word, left, left + width, top, top + height))
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append((data["word_num"][i], left, width, height, word))
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
    result = OcrText("\n".join(out), confidence=mean, words=len(confidences), boxes=boxes)
    result.line_skew = line_skew(data)
    return result


def line_skew(data: dict[str, list]) -> float:
    """The page's skew (degrees, counter-clockwise to level it) from the lines Tesseract
    found: the median slope of word centres along each line of three or more words."""
    import numpy as np

    lines: dict[tuple[int, int, int], list[tuple[float, float]]] = {}
    for i, word in enumerate(data["text"]):
        if (word or "").strip() and float(data["conf"][i]) >= 0:
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            centre = (
                data["left"][i] + data["width"][i] / 2,
                data["top"][i] + data["height"][i] / 2,
            )
            lines.setdefault(key, []).append(centre)
    slopes = []
    for points in lines.values():
        xs = np.array([x for x, _ in points])
        if len(points) < 3 or np.ptp(xs) < 200:
            continue
        slopes.append(np.polyfit(xs, np.array([y for _, y in points]), 1)[0])
    return round(math.degrees(math.atan(float(np.median(slopes)))), 2) if slopes else 0.0
