"""The one place intake calls Tesseract (through pytesseract).

Each call runs one Tesseract process limited to one thread (parallelism comes
from running several processes), with a timeout, and keeps word confidences.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache

from PIL import Image

from intake.errors import MissingDependency

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # inherited by every tesseract process

import pytesseract

MIN_VERSION = (4, 1)
INSTALL_HINT = (
    "install Tesseract OCR: 'sudo apt-get install tesseract-ocr' (Debian/Ubuntu), "
    "'brew install tesseract' (macOS)"
)


@dataclass
class OcrText:
    """Text read from one image, with the mean confidence of its words (0-100)."""

    text: str
    confidence: float | None = None
    words: int = 0
    warnings: list[str] = field(default_factory=list)


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


def read_image(image: Image.Image, *, lang: str = "eng", timeout: float = 60.0) -> OcrText:
    """OCR one image; a timeout gives empty text and a warning, not an exception."""
    check_tesseract()
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    try:
        data = pytesseract.image_to_data(
            image, lang=lang, timeout=timeout, output_type=pytesseract.Output.DICT
        )
    except pytesseract.TesseractError:
        raise
    except RuntimeError:  # pytesseract's way of saying the timeout struck
        return OcrText("", warnings=[f"OCR gave up after {timeout:g}s"])
    return _assemble(data)


def _assemble(data: dict[str, list]) -> OcrText:
    """Rebuild lines from Tesseract's word boxes; wide gaps between words become 3 spaces."""
    lines: dict[tuple[int, int, int], list[tuple[int, int, int, str]]] = {}
    confidences: list[float] = []
    for i, word in enumerate(data["text"]):
        word = (word or "").strip()
        conf = float(data["conf"][i])
        if not word or conf < 0:
            continue
        confidences.append(conf)
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
    return OcrText("\n".join(out), confidence=mean, words=len(confidences))
