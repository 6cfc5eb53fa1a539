"""The one place intake calls Tesseract.

Each call runs one Tesseract process limited to one thread (parallelism comes from running
several processes), with a timeout, and keeps word confidences. The thread limit is given
to each Tesseract process's own environment: importing or using this module never changes
the environment of intake's process. (pytesseract cannot pass an environment to the
process, so Tesseract is run here directly; its TSV and OSD output are read the same way.)
"""

from __future__ import annotations

import math
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from intake.errors import MissingDependency
from intake.ocr_missing import INSTALL_HINT, NOT_INSTALLED

if TYPE_CHECKING:  # Pillow and numpy are imported where used: slow to import
    from PIL import Image

TESSERACT = "tesseract"  # found on PATH
MIN_VERSION = (4, 1)
PROCESS_ENV = {"OMP_THREAD_LIMIT": "1"}  # one thread per Tesseract process, unless set
TSV_COLUMNS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num", "left",
               "top", "width", "height", "conf", "text")  # fmt: skip


class TesseractMissing(MissingDependency):
    """No usable Tesseract; `reason` says why in a few words (its text adds the install
    command)."""

    @property
    def reason(self) -> str:
        return str(self.args[0]) if self.args else NOT_INSTALLED

    def __str__(self) -> str:
        return f"{self.reason}: {INSTALL_HINT}"


class TesseractFailed(RuntimeError):
    """Tesseract ran and failed (its exit status and message)."""


class OcrTimeout(Exception):
    """Tesseract was stopped at its time limit."""


Box = tuple[str, int, int, int, int]  # word, left, right, top, bottom (pixels)
Rival = Callable[[str, float, float], bool]  # (their word, their confidence, kept confidence)


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
    overlaps: int = 0  # pairs of lines read over each other (a big line cut in two)
    config: str = ""  # the Tesseract options it was read with (a reading again uses them)
    doubtful: frozenset[int] = frozenset()  # words (by index in `data`) shown as '?'
    data: dict[str, list] | None = field(default=None, repr=False)  # Tesseract's TSV columns


_process_env: ContextVar[dict[str, str]] = ContextVar("intake_ocr_env", default=PROCESS_ENV)
_temp_folder: ContextVar[str | None] = ContextVar("intake_ocr_temp", default=None)


@contextmanager
def environment(settings: dict[str, str], temp_folder: str | None = None) -> Iterator[None]:
    """While the block runs, Tesseract processes get `settings` (the Runtime's OCR
    environment) where the user did not set those variables, and page images go into
    `temp_folder` (the run's private folder, removed when the run ends, whatever stops it);
    nothing process-wide."""
    env_token = _process_env.set(dict(settings))
    temp_token = _temp_folder.set(temp_folder)
    try:
        yield
    finally:
        _process_env.reset(env_token)
        _temp_folder.reset(temp_token)


def private_temp_folder() -> str | None:
    """The run's private folder for temporary files where this work runs (None: the
    system's, outside a run)."""
    return _temp_folder.get()


def _private_folder() -> tempfile.TemporaryDirectory:
    """A folder for page images (0700, removed after), inside the run's private folder."""
    return tempfile.TemporaryDirectory(prefix="intake-ocr-", dir=_temp_folder.get())


def _private_file(suffix: str):
    """A file for one page image (0600, removed after), inside the run's private folder."""
    return tempfile.NamedTemporaryFile(suffix=suffix, prefix="intake-", dir=_temp_folder.get())


def process_env() -> dict[str, str]:
    """The environment a Tesseract process runs with: intake's, plus the OCR settings in
    force (PROCESS_ENV unless a Runtime gave others) where the user did not set them."""
    return {**_process_env.get(), **os.environ}


def run_tesseract(arguments: list[str], *, timeout: float | None) -> str:
    """Run `tesseract ARGUMENTS` (output to stdout) and return what it printed.

    MissingDependency if there is no Tesseract, OcrTimeout when it was stopped at
    `timeout` seconds, TesseractFailed when it failed."""
    try:
        done = subprocess.run(
            [TESSERACT, *arguments],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=process_env(),
            timeout=timeout or None,
            check=False,
        )
    except FileNotFoundError as err:
        raise TesseractMissing(NOT_INSTALLED) from err
    except subprocess.TimeoutExpired as err:  # subprocess.run has killed it
        raise OcrTimeout(f"Tesseract stopped after {timeout:g}s") from err
    if done.returncode:
        message = " ".join(done.stderr.decode("utf-8", "replace").split())
        raise TesseractFailed(f"Tesseract failed ({done.returncode}): {message}")
    return done.stdout.decode("utf-8", "replace")


@cache
def check_tesseract() -> str:
    """Return Tesseract's version, or raise TesseractMissing (a MissingDependency) with
    install advice."""
    try:
        printed = run_tesseract(["--version"], timeout=30)
    except (OSError, OcrTimeout, TesseractFailed) as err:
        raise TesseractMissing(f"Tesseract OCR does not run ({err})") from err
    found = re.search(r"tesseract\s+v?(\d+)\.(\d+)(\S*)", printed)
    if found is None:
        raise TesseractMissing("Tesseract OCR gave no version: is it installed properly?")
    major, minor = int(found[1]), int(found[2])
    version = f"{major}.{minor}{found[3]}"
    if (major, minor) < MIN_VERSION:
        wanted = ".".join(map(str, MIN_VERSION))
        raise TesseractMissing(f"Tesseract {wanted}+ is needed, found {version}")
    return version


def image_to_data(
    image: Image.Image | str, *, lang: str | None = None, config: str = "", timeout: float
) -> dict[str, list]:
    """Tesseract's word boxes for an image (a PIL image, an image file, or a file listing
    image files): its TSV as columns (numbers as int, as pytesseract gave them)."""
    from PIL import Image

    if isinstance(image, Image.Image):
        with tempfile.TemporaryDirectory(
            prefix="intake-ocr-", dir=_temp_folder.get()
        ) as folder:  # 0700, removed after
            path = os.path.join(folder, "image.png")
            image.save(path, format="PNG")
            return image_to_data(path, lang=lang, config=config, timeout=timeout)
    arguments = [image, "stdout", *(["-l", lang] if lang else [])]
    arguments += ["-c", "tessedit_create_tsv=1", *shlex.split(config)]
    return _tsv_columns(run_tesseract(arguments, timeout=timeout))


def _tsv_columns(tsv: str) -> dict[str, list]:
    """Tesseract's TSV as {column: values}; the last column (the word) stays text."""
    rows = [line.split("\t") for line in tsv.strip("\n").split("\n")]
    if len(rows) < 2:
        return {name: [] for name in TSV_COLUMNS}
    header, rows = rows[0], rows[1:]
    columns: dict[str, list] = {name: [] for name in header}
    last = len(header) - 1
    for row in rows:
        row = row + [""] * (len(header) - len(row))  # an empty last word loses its cell
        for i, name in enumerate(header):
            if i == last:
                columns[name].append(row[i])
                continue
            try:
                columns[name].append(int(float(row[i])))
            except ValueError:
                columns[name].append(row[i])
    return columns


def read_image(
    image: Image.Image | str, *, lang: str = "eng", timeout: float = 60.0, config: str = ""
) -> OcrText:
    """OCR one image (or image file); a timeout gives empty text and a warning, not an
    exception. Tesseract's defaults find blocks themselves, right for photos; printed pages
    pass PAGE_CONFIG."""
    from PIL import Image

    check_tesseract()
    if isinstance(image, Image.Image) and image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    try:
        data = image_to_data(image, lang=lang, timeout=timeout, config=config)
    except OcrTimeout:
        return OcrText("", warnings=[f"OCR gave up after {timeout:g}s"])
    result = _assemble(data)
    result.config = config
    return result


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
    if len(images) == 1:
        return [read_page(images[0], timeout=timeout)]
    check_tesseract()
    with tempfile.TemporaryDirectory(
        prefix="intake-ocr-", dir=_temp_folder.get()
    ) as folder:  # 0700, removed after
        paths = []
        for number, image in enumerate(images):
            path = os.path.join(folder, f"page{number:04d}.tif")
            image.save(path, format="TIFF")
            paths.append(path)
        listing = os.path.join(folder, "pages.txt")
        with open(listing, "w", encoding="utf-8") as handle:
            handle.write("\n".join(paths) + "\n")
        try:
            data = image_to_data(listing, timeout=timeout * len(images), config=PAGE_CONFIG)
        except (OcrTimeout, TesseractFailed):  # page by page, each under its own limit
            return [read_page(image, timeout=timeout) for image in images]
    by_page: list[dict[str, list]] = [{key: [] for key in data} for _ in images]
    for i, page_number in enumerate(data["page_num"]):
        if 1 <= page_number <= len(images):
            for key, values in data.items():
                by_page[page_number - 1][key].append(values[i])
    pages = [_assemble(page) for page in by_page]
    for page in pages:
        page.config = PAGE_CONFIG
    return [_settle(image, page, timeout) for image, page in zip(images, pages, strict=True)]


def read_page(image: Image.Image, *, timeout: float = 60.0) -> OcrText:
    """OCR one scanned printed page (see read_pages)."""
    return _settle(image, _read_page_file(image, timeout), timeout)


# A second reading of a printed page, as columns of lines of any size (psm 4), only where
# the first looks scrambled: it costs a page's reading again.
COLUMNS_CONFIG = "--psm 4 -c tessedit_do_invert=0"
PROSE_SIDE_WORDS = 3  # words of letters on each side of a wide gap: two columns of prose
PROSE_ROWS = 5  # lines read across two columns of prose that make a page multi-column


def looks_scrambled(result: OcrText) -> bool:
    """Whether a page read as one block (psm 6) may have been read across its layout: lines
    read over each other (a large name line cut into its top and bottom), or several lines
    that join two columns of prose at a wide gap. Table rows (a name, then numbers) are
    neither, so typical lab reports are read once."""
    if result.overlaps:
        return True
    across = 0
    for line in result.text.splitlines():
        sides = [part for part in line.split("   ") if part.strip()]
        prose = [part for part in sides if len(_WORDS.findall(part)) >= PROSE_SIDE_WORDS]
        across += len(prose) >= 2
    return across >= PROSE_ROWS


GARBLED_ROWS = 3  # lines Tesseract mostly could not read: the page is read again unruled
GARBLED_WORDS = 3  # words a line needs to count (specks and rules are not text)
GARBLED_CONFIDENCE = 50.0  # a word under this is a guess


def garbled_lines(result: OcrText) -> int:
    """Lines of at least three words, half of them or more guessed (confidence under 50):
    a table whose cells are ruled (a grid) comes out as such noise ('BAF «dS | Wamtve'),
    while the same page read with its rulings removed is clean."""
    data = result.data
    if data is None:
        return 0
    lines: dict[tuple[int, int, int], list[float]] = {}
    for i, word in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if (word or "").strip() and conf >= 0:
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            lines.setdefault(key, []).append(conf)
    return sum(
        len(confs) >= GARBLED_WORDS and sum(c < GARBLED_CONFIDENCE for c in confs) * 2 >= len(confs)
        for confs in lines.values()
    )


_WORDS = re.compile(r"\b[^\W\d_]{2,}\b")
_NUMBER_ROW = re.compile(r"[^\W\d_]{2,}.*?\s{3}\S*\d")  # a name, a wide gap, then a number


def loose_numbers(result: OcrText) -> int:
    """Lines of numbers alone (no word of three letters): a table's columns read as
    separate blocks, their values apart from their names."""
    return sum(
        bool(re.search(r"\d", line)) and not _LONG_WORD.search(line)
        for line in result.text.splitlines()
    )


_LONG_WORD = re.compile(r"[^\W\d_]{3,}")


def table_rows(result: OcrText) -> int:
    """Lines shaped like a table row: words, a wide gap, then a number."""
    return sum(bool(_NUMBER_ROW.search(line)) for line in result.text.splitlines())


def second_look(
    image: Image.Image | str,
    first: OcrText,
    *,
    config: str,
    timeout: float,
    prefer: Callable[[OcrText, OcrText], bool] = lambda first, second: True,
    slack: float = 2.0,
) -> OcrText:
    """Read `image` again with `config` and keep the better reading: the second one if
    `prefer(first, second)` (the caller's measure) and Tesseract is about as sure of it (mean word
    confidence at most `slack` points lower) and it keeps at least 90% of the first's table rows.
    A number the two readings put at the same place but read differently ('925' and '325')
    is left out of the kept text (shown as '?') with a warning: neither reading is trusted."""
    try:
        data = image_to_data(image, timeout=timeout, config=config)
    except (OcrTimeout, TesseractFailed):
        return first
    second = _assemble(data)
    second.config = config
    take = (
        prefer(first, second)
        and (second.confidence or 0) >= (first.confidence or 0) - slack
        and table_rows(second) >= 0.9 * table_rows(first)
    )
    return _keep(second, first) if take else _keep(first, second)


def _keep(keep: OcrText, other: OcrText, rival: Rival | None = None) -> OcrText:
    """`keep`, with the numbers `other` read differently at the same place shown as '?' and
    a warning (only the rivals `rival` accepts, when given: see _disagreements)."""
    if keep.data is None or other.data is None:
        return keep
    doubtful = _disagreements(keep.data, other.data, rival)
    if not doubtful:
        return keep
    redone = _assemble(keep.data, doubtful=set(doubtful))
    redone.config = keep.config
    shown = ", ".join(f"'{a}' or '{b}'" for a, b in list(doubtful.values())[:3])
    redone.warnings = [
        *keep.warnings,
        f"OCR read {len(doubtful)} number(s) two ways ({shown}): left out, check by hand",
    ]
    return redone


# A page whose numbers Tesseract could not read surely (a tinted table column, show-through
# from the back of the sheet, a grey photocopy) is read again in black and white (binarized):
# the 2001 lab report whose shaded reference column came out '2 425 4 559' for '4.21 4.5 a 5.9'
# reads cleanly once the tint is gone.
UNSURE_NUMBERS = 5  # numbers read under GARBLED_CONFIDENCE that call for it
SURE_NUMBER = 80.0  # confidence of a number counted as surely read
_NUMBER = re.compile(r"[(<>=*]*[-+]?\d+(?:[.,:/-]\d+)*[%)*;,.]*")  # a number, as printed


def _numbers(result: OcrText) -> list[tuple[str, float]]:
    """The words holding a digit, with Tesseract's confidence in each."""
    data = result.data
    if data is None:
        return []
    return [
        (word.strip(), float(conf))
        for word, conf in zip(data["text"], data["conf"], strict=True)
        if float(conf) >= 0 and re.search(r"\d", word or "")
    ]


def unsure_numbers(result: OcrText) -> int:
    """Words holding digits that Tesseract guessed (confidence under 50: '3o9-a', '2-5'):
    numbers it could not read. (A word of digits and letters it was sure of is a unit, a
    code or a flag glued to its value: 'x10E3/uL', 'CO2', '3.1L'.)"""
    return sum(conf < GARBLED_CONFIDENCE for _, conf in _numbers(result))


def sure_numbers(result: OcrText) -> int:
    """Words shaped like a number that Tesseract read with confidence SURE_NUMBER or more."""
    return sum(
        conf >= SURE_NUMBER and bool(_NUMBER.fullmatch(word)) for word, conf in _numbers(result)
    )


def _net_numbers(result: OcrText) -> int:
    """Numbers read surely, less the numbers that could not be read."""
    return sure_numbers(result) - unsure_numbers(result)


TINTED_SHARE = 0.05  # of a page's pixels in mid grey: a tint, a shadow or show-through
INK_GREY, PAPER_MARGIN = 90, 25  # darker is ink; within this of the paper's grey is paper


def tinted(image: Image.Image) -> bool:
    """Whether a page is not plain paper and ink: TINTED_SHARE of its pixels or more lie
    between ink and paper (the paper's grey is the 90th percentile). A clean scan or a
    born-digital rendering has about 1-3% there (the letters' edges); the 2001 report with
    its shaded column and the back of the sheet showing through has 13-14%."""
    import numpy as np

    sample = np.asarray(image.convert("L"))[::4, ::4]  # every 4th pixel both ways: enough
    paper = float(np.percentile(sample, 90))
    middle = (sample > INK_GREY) & (sample < paper - PAPER_MARGIN)
    return float(middle.mean()) >= TINTED_SHARE


def binarized(image: Image.Image) -> Image.Image:
    """A black-and-white copy of a page: grey levels split at Otsu's threshold (the one that
    best separates ink from paper), so a tinted column or the show-through of the back of the
    sheet becomes white paper."""
    import numpy as np
    from PIL import Image

    grey = np.asarray(image.convert("L"))
    return Image.fromarray(np.where(grey > otsu_threshold(grey), 255, 0).astype(np.uint8))


def otsu_threshold(grey) -> int:
    """The grey level (of a uint8 array) that best splits its pixels in two (Otsu's: the
    largest variance between the darker and the lighter ones)."""
    import numpy as np

    counts = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    share = counts / max(counts.sum(), 1.0)
    below = np.cumsum(share)  # share of pixels at or under each level
    mass = np.cumsum(share * np.arange(256))
    between = (mass[-1] * below - mass) ** 2 / np.maximum(below * (1.0 - below), 1e-12)
    return int(np.argmax(between))


def black_and_white_look(
    image: Image.Image, first: OcrText, *, timeout: float
) -> tuple[OcrText, Image.Image]:
    """`first`, or the page read again binarized when Tesseract guessed UNSURE_NUMBERS of its
    numbers or more on a tinted page (tinted); the second reading is kept when it reads more
    numbers surely, less those it guessed (a letterhead's phone numbers count as much as a
    table's), keeps 90% of the table rows and reads no more lines as noise. A number the
    first reading put at the same place that differs from the kept one makes it '?' when
    Tesseract was about as sure of it (_sure_rival): a reading of the tinted page it was sure
    of is not overruled. Returns the reading kept and the image it was read from."""
    if unsure_numbers(first) < UNSURE_NUMBERS or not tinted(image):
        return first, image
    clean = binarized(image)
    try:
        data = image_to_data(clean, timeout=timeout, config=first.config)
    except (OcrTimeout, TesseractFailed):
        return first, image
    second = _assemble(data)
    second.config = first.config
    if (
        _net_numbers(second) <= _net_numbers(first)
        or table_rows(second) < 0.9 * table_rows(first)
        or garbled_lines(second) > garbled_lines(first)  # a ruled grid read as noise
    ):
        return first, image
    return _keep(second, first, rival=_sure_rival), clean


RIVAL_MARGIN = 10.0  # a rival reading this much less sure than the kept one does not count


def _sure_rival(word: str, confidence: float, kept_confidence: float) -> bool:
    """A number of the tinted page's reading that overrules the black-and-white one's: shaped
    like a number, and Tesseract about as sure of it and not guessing, or the kept word a
    guess itself (two readings that disagree, neither sure, leave the number unknown)."""
    guessed = kept_confidence < GARBLED_CONFIDENCE
    sure = confidence >= max(GARBLED_CONFIDENCE, kept_confidence - RIVAL_MARGIN)
    return (guessed or sure) and bool(_NUMBER.fullmatch(word.strip()))


RULE_INCHES = (0.6, 0.3)  # a dark run this long (horizontal, vertical) is a table's ruling
RULE_DARK = 160  # grey level under which a pixel is ink


def unruled(image: Image.Image, dpi: int = 300) -> Image.Image:
    """A grey copy of a page with its table rulings (dark runs longer than any letter:
    0.6 inch across, 0.3 inch down) painted white. Tesseract reads a grid's cells as
    noise; without the lines it reads the same cells as words."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(image.convert("L")).copy()
    dark = pixels < RULE_DARK
    across = _long_runs(dark, round(RULE_INCHES[0] * dpi))
    down = _long_runs(dark.T, round(RULE_INCHES[1] * dpi)).T
    pixels[across | down] = 255
    return Image.fromarray(pixels)


def _long_runs(mask, length: int):
    """The pixels of `mask` (a 2-D bool array) in a run of at least `length` along a row."""
    import numpy as np

    if length < 2 or mask.shape[1] < length:
        return np.zeros_like(mask)
    sums = np.cumsum(mask, axis=1, dtype=np.int32)
    sums = np.pad(sums, ((0, 0), (1, 0)))
    full = (sums[:, length:] - sums[:, :-length]) == length  # a window starting here is all ink
    starts = np.cumsum(np.pad(full, ((0, 0), (0, length - 1))), axis=1, dtype=np.int32)
    starts = np.pad(starts, ((0, 0), (length, 0)))
    covered = starts[:, length:] - starts[:, :-length]  # windows covering each pixel
    return covered > 0


def _less_noise(first: OcrText, second: OcrText) -> bool:
    return garbled_lines(second) < garbled_lines(first)


# Tesseract's model for each language intake knows the words of (apt: tesseract-ocr-por...)
LANGUAGE_MODELS = {"hu": "hun", "pt": "por", "es": "spa", "de": "deu", "fr": "fra", "it": "ita"}


@cache
def installed_models() -> frozenset[str]:
    """The language models Tesseract has (asked once per process); none if it cannot say."""
    try:
        printed = run_tesseract(["--list-langs"], timeout=30)
    except (OSError, OcrTimeout, TesseractFailed, TesseractMissing):
        return frozenset()
    return frozenset(line.strip() for line in printed.splitlines()[1:] if line.strip())


def in_language(image: Image.Image | str, first: OcrText, *, timeout: float) -> OcrText:
    """`first` (read with the English model), with its words read again in the page's own
    language (read_again_in) when the page is clearly in another language (page_language)
    and Tesseract has that language's model: 'Clínica' for 'Clinica', 'leucócitos' for
    'leucdcitos'. An English page, or one in doubt, is not read again; a missing model
    leaves the English reading."""
    from intake.page_language import page_language

    if first.data is None or not first.words:
        return first
    model = LANGUAGE_MODELS.get(page_language(first.text) or "")
    if model is None or model not in installed_models():
        return first
    return read_again_in(image, first, model, timeout=timeout)


def read_again_in(
    image: Image.Image | str, first: OcrText, model: str, *, timeout: float
) -> OcrText:
    """Read `image` again with `model`+eng (`first`'s options) and take its words into
    `first` where better; used only when Tesseract is at least as sure of that reading
    (mean word confidence), and then word by word: a word of `first` holding no number
    takes the word read at its place (each box covering half the other) when that one
    holds no digit and Tesseract is at least as sure of it. Numbers, lines and word boxes
    stay `first`'s: a value is never read anew."""
    if first.data is None:
        return first
    try:
        data = image_to_data(image, lang=f"{model}+eng", config=first.config, timeout=timeout)
    except (OcrTimeout, TesseractFailed):
        return first
    if _letters_confidence(data) < _letters_confidence(first.data):
        return first
    merged = _take_words(first.data, data)
    if merged is None:
        return first
    result = _assemble(merged, doubtful=set(first.doubtful))
    result.warnings, result.turned, result.config = first.warnings, first.turned, first.config
    return result


_LETTERS_AROUND_DIGITS = re.compile(r"(?<=[^\W\d_])\d+(?=[^\W\d_])")


def _letters_confidence(data: dict[str, list]) -> float:
    """Mean confidence of the words holding no digit: the words a reading again may give."""
    confidences = [
        float(conf)
        for word, conf in zip(data["text"], data["conf"], strict=True)
        if (word or "").strip() and float(conf) >= 0 and not re.search(r"\d", word)
    ]
    return sum(confidences) / len(confidences) if confidences else 0.0


def _take_words(first: dict[str, list], again: dict[str, list]) -> dict[str, list] | None:
    """A copy of `first`'s columns with words of letters replaced by the ones `again` read
    at the same place (see in_language), or None when no word changes. The word of `again`
    at a place is the one whose box matches best (overlap over union at least SAME_PLACE),
    and it must be the same word read better (letters alike, SAME_WORD), not another one.
    A word's digits between letters ('bas6é6filos') are OCR damage, not a number."""
    theirs = [
        (word.strip(), float(again["conf"][j]), _box(again, j))
        for j, word in enumerate(again["text"])
        if (word or "").strip() and float(again["conf"][j]) >= 0
    ]
    texts, confs = list(first["text"]), list(first["conf"])
    changed = False
    for i, word in enumerate(first["text"]):
        word = (word or "").strip()
        conf = float(first["conf"][i])
        if not word or conf < 0 or re.search(r"\d", _LETTERS_AROUND_DIGITS.sub("", word)):
            continue
        box = _box(first, i)
        match, their_word, their_conf = max(
            ((_same_place(box, their_box), their_word, their_conf)
             for their_word, their_conf, their_box in theirs),
            default=(0.0, "", 0.0),
        )  # fmt: skip
        if (
            match >= SAME_PLACE
            and their_word != word
            and their_conf >= conf
            and not re.search(r"\d", their_word)
            and _alike(word, their_word) >= SAME_WORD
        ):
            texts[i], confs[i], changed = their_word, their_conf, True
    return {**first, "text": texts, "conf": confs} if changed else None


SAME_PLACE = 0.5  # boxes' overlap over their union: one word read twice
SAME_WORD = 0.5  # letters alike (without accents, case): 'Franga'/'França', not 'Amostra'/'(HK)'


def _same_place(box: tuple[int, int, int, int], other: tuple[int, int, int, int]) -> float:
    """Overlap of two boxes (left, top, right, bottom) over their union, 0 to 1."""
    width = min(box[2], other[2]) - max(box[0], other[0])
    height = min(box[3], other[3]) - max(box[1], other[1])
    if width <= 0 or height <= 0:
        return 0.0
    area = (box[2] - box[0]) * (box[3] - box[1]) + (other[2] - other[0]) * (other[3] - other[1])
    return width * height / max(area - width * height, 1)


def _alike(word: str, other: str) -> float:
    """How alike two readings of a word are, accents and case aside (0 to 1)."""
    from difflib import SequenceMatcher

    from intake.understand.vocabulary import fold

    return SequenceMatcher(None, fold(word).lower(), fold(other).lower()).ratio()


def _digits(word: str) -> str:
    return re.sub(r"[^\d.,]", "", word).strip(".,")


def _disagreements(
    keep: dict[str, list],
    other: dict[str, list],
    rival: Rival | None = None,
) -> dict[int, tuple[str, str]]:
    """Words of `keep` holding digits where `other` read different digits at the same place
    (boxes overlapping by half the smaller one), counting only the words of `other` that
    `rival(their word, their confidence, the kept word's confidence)` accepts when given:
    {word index: (kept word, other word)}."""
    others = []
    for j, word in enumerate(other["text"]):
        digits = _digits(word or "")
        conf = float(other["conf"][j])
        if digits and conf >= 0:
            others.append((digits, word, conf, *_box(other, j)))
    found: dict[int, tuple[str, str]] = {}
    for i, word in enumerate(keep["text"]):
        digits = _digits(word or "")
        kept_conf = float(keep["conf"][i])
        if not digits or kept_conf < 0 or _UNIT_NOTE.fullmatch(word.strip()):
            continue
        left, top, right, bottom = _box(keep, i)
        same_place = []
        for their_digits, their_word, their_conf, o_left, o_top, o_right, o_bottom in others:
            if rival is not None and not rival(their_word, their_conf, kept_conf):
                continue
            width = min(right, o_right) - max(left, o_left)
            height = min(bottom, o_bottom) - max(top, o_top)
            smaller = min((right - left) * (bottom - top), (o_right - o_left) * (o_bottom - o_top))
            if width > 0 and height > 0 and width * height >= 0.5 * max(smaller, 1):
                same_place.append((their_digits, their_word))
        if same_place and all(d != digits for d, _ in same_place):
            found[i] = (word.strip(), same_place[0][1].strip())
    return found


_UNIT_NOTE = re.compile(r"\(\S*[^\W\d_]\S*\)")  # '(x10^9/L)', '(f1)': a unit, not a value


def _box(data: dict[str, list], i: int) -> tuple[int, int, int, int]:
    left, top = data["left"][i], data["top"][i]
    return left, top, left + data["width"][i], top + data["height"][i]


def _settle(image: Image.Image, result: OcrText, timeout: float) -> OcrText:
    """Read a page with lines of noise again without its table rulings, and one that looks
    scrambled again as columns (second_look); straighten its boxes; if Tesseract was
    unsure, try the page turned as OSD says. A page whose numbers Tesseract could not read
    surely is first read again in black and white (black_and_white_look); the later
    looks read the page it was kept from."""
    result, image = black_and_white_look(image, result, timeout=timeout)
    if looks_scrambled(result):
        result = second_look(image, result, config=COLUMNS_CONFIG, timeout=timeout)
    if garbled_lines(result) >= GARBLED_ROWS:  # a ruled table read as noise: rulings removed
        result = second_look(
            unruled(image), result, config=PAGE_CONFIG, timeout=timeout, prefer=_less_noise
        )
    result = in_language(image, result, timeout=timeout)
    result.data = None
    _straighten(result, image.size)
    if (result.confidence or 0) >= PAGE_SURE and result.words >= 10:
        return result
    turn = _orientation(image, timeout)
    if turn:
        turned = image.rotate(turn, expand=True)
        again = in_language(turned, _read_page_file(turned, timeout), timeout=timeout)
        again.data = None
        _straighten(again, turned.size)
        if (again.confidence or 0) > (result.confidence or 0) + 10 and again.words >= 10:
            again.turned = turn
            return again
    return result


def _read_page_file(image: Image.Image, timeout: float) -> OcrText:
    """A printed page read through an uncompressed private file: encoding a 300-dpi page
    as PNG costs a quarter of Tesseract's time."""
    with tempfile.NamedTemporaryFile(
        suffix=".tif", prefix="intake-", dir=_temp_folder.get()
    ) as handle:  # 0600
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
    with tempfile.TemporaryDirectory(
        prefix="intake-ocr-", dir=_temp_folder.get()
    ) as folder:  # 0700, removed after
        path = os.path.join(folder, "page.png")
        image.save(path, format="PNG")
        try:
            printed = run_tesseract([path, "stdout", "-l", "osd", "--psm", "0"], timeout=timeout)
        except (OcrTimeout, TesseractFailed):  # too little text to tell
            return 0
    osd = dict(line.split(": ", 1) for line in printed.splitlines() if ": " in line)
    try:
        sure, rotate = float(osd.get("Orientation confidence", 0)), int(osd.get("Rotate", 0))
    except ValueError:
        return 0
    if sure < 1.0:
        return 0
    return (360 - rotate) % 360


def _assemble(data: dict[str, list], doubtful: set[int] = frozenset()) -> OcrText:
    """Rebuild lines from Tesseract's word boxes; wide gaps between words become 3 spaces;
    the `doubtful` words (by index) are shown as '?'."""
    lines: dict[tuple[int, int, int], list[tuple[int, int, int, int, str]]] = {}
    extents: dict[tuple[int, int, int], list[int]] = {}
    confidences: list[float] = []
    boxes: list[Box] = []
    for i, word in enumerate(data["text"]):
        word = (word or "").strip()
        conf = float(data["conf"][i])
        if not word or conf < 0:
            continue
        confidences.append(conf)
        left, top, width, height = (data[k][i] for k in ("left", "top", "width", "height"))
        shown = "?" if i in doubtful else word  # in the text and the boxes alike
        boxes.append((shown, left, left + width, top, top + height))
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append((data["word_num"][i], left, width, height, shown))
        extent = extents.setdefault(key, [left, top, left + width, top + height])
        extent[:] = (min(extent[0], left), min(extent[1], top),
                     max(extent[2], left + width), max(extent[3], top + height))  # fmt: skip
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
    result.doubtful = frozenset(doubtful)
    result.line_skew = line_skew(data)
    result.overlaps = _overlapping(list(extents.values()))
    result.data = data
    return result


def _overlapping(extents: list[list[int]]) -> int:
    """Pairs of lines (left, top, right, bottom) that share columns and more than half the
    height of the shorter: one line read as two."""
    extents = sorted(extents, key=lambda e: e[1])
    pairs = 0
    for n, (left, top, right, bottom) in enumerate(extents):
        for o_left, o_top, o_right, o_bottom in extents[n + 1 :]:
            if o_top >= bottom:
                break
            shared = min(bottom, o_bottom) - max(top, o_top)
            if shared > 0.5 * min(bottom - top, o_bottom - o_top) and min(right, o_right) > max(
                left, o_left
            ):
                pairs += 1
    return pairs


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
