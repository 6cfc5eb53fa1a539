"""Photos and scans (JPEG, PNG, TIFF, HEIC, WebP): upright them and OCR each frame."""

from __future__ import annotations

from typing import TYPE_CHECKING

from intake import ocr, ocr_missing
from intake.errors import workspace_full
from intake.extractor_versions import VERSIONS
from intake.extractors.base import ExtractionError, Extractor
from intake.extractors.paper import flattened
from intake.heif import heif_available
from intake.model import Document, Source
from intake.sniff import HEIC, IMAGE_TYPES

if TYPE_CHECKING:  # Pillow is imported where used: `intake --help` needs none of it
    from PIL import Image

MAX_SIDE = 4000  # larger photos are scaled down: Tesseract gains nothing and slows down
MIN_SIDE = 1000  # smaller ones are scaled up so text reaches a readable size
LOW_CONFIDENCE = 60.0
MAX_FRAMES = 50


class ImageExtractor(Extractor):
    """OCR text of a photographed or scanned page; tries the other orientations when unsure."""

    name = "image"
    version = VERSIONS["image"]
    priority = 0.0
    media_types = IMAGE_TYPES

    preload = ("PIL.Image", "intake.ocr")

    def extract(self, source: Source) -> list[Document]:
        if source.media_type == HEIC and not heif_available():
            raise ExtractionError("HEIC photo needs pillow-heif: pip install pillow-heif")
        from PIL import Image, ImageSequence, UnidentifiedImageError

        texts: list[str] = []
        warnings: list[str] = []
        confidences: list[float] = []
        try:
            ocr.check_tesseract()
            missing = None
        except ocr.TesseractMissing as err:  # the image is still opened: is it one?
            missing = err.reason
        try:
            with source.open() as handle, Image.open(handle) as image:
                if missing is not None:
                    return [_not_read(source, image, missing)]
                frames = 0
                for frame in ImageSequence.Iterator(image):
                    frames += 1
                    if frames > MAX_FRAMES:
                        warnings.append(f"only the first {MAX_FRAMES} pages were read")
                        break
                    result = read_upright(_prepare(frame, warnings))
                    texts.append(result.text)
                    warnings.extend(result.warnings)
                    if result.confidence is not None:
                        confidences.append(result.confidence)
        except Image.DecompressionBombError as err:
            raise ExtractionError(f"image too large to open safely ({err})") from err
        except UnidentifiedImageError as err:
            raise ExtractionError("not a readable image (damaged or unsupported)") from err
        except OSError as err:
            raise ExtractionError(workspace_full(err) or f"damaged image ({err})") from err
        confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
        if confidence is None or confidence < LOW_CONFIDENCE:
            shown = "no text found" if confidence is None else f"OCR confidence {confidence:.0f}%"
            warnings.append(f"check by hand: {shown}")
        return [
            Document.for_source(
                source,
                pages=frames,
                text="\n\f\n".join(texts).strip(),
                warnings=warnings,
                ocr_confidence=confidence,
            )
        ]


def _not_read(source: Source, image: Image.Image, reason: str) -> Document:
    """The photo or scan, its pages counted but not read: there is no usable Tesseract."""
    frames = min(getattr(image, "n_frames", 1), MAX_FRAMES)
    what = "the image" if frames == 1 else f"its {frames} pages"
    return Document.for_source(
        source, pages=frames, text="", warnings=[ocr_missing.warning(what, reason)]
    )


CONTRAST_TRY_BELOW = 85.0  # mean word confidence under which a contrast-stretched copy is tried


def read_upright(image: Image.Image) -> ocr.OcrText:
    """OCR `image`; if unsure, also try it turned 90/180/270 degrees and keep the best.

    A dim or washed-out photo is also read with its contrast stretched; that reading is kept
    only when Tesseract is surer of it. (Small skew is left to Tesseract's line finding.)
    A page in another language has its words read again in it (ocr.in_language)."""
    result, read = _upright(image)
    return ocr.in_language(read, result, timeout=OCR_TIMEOUT)


def _upright(image: Image.Image) -> tuple[ocr.OcrText, Image.Image]:
    """The best reading (read_upright) and the image it was read from (the photo's sheet
    flattened, when that reads better: paper.flattened)."""
    from PIL import ImageOps

    first, image = _first_reading(image)
    best, read = ocr.black_and_white_look(image, first, timeout=OCR_TIMEOUT)
    if (best.confidence or 0) < CONTRAST_TRY_BELOW and best.words:
        stretched_image = ImageOps.autocontrast(image, cutoff=1)
        stretched = ocr.read_image(stretched_image)
        if _quality(stretched) > _quality(best):
            best, read = stretched, stretched_image
    upright = image
    if (best.confidence or 0) < LOW_CONFIDENCE or best.words < 5:
        for angle in (90, 180, 270):
            turned_image = image.rotate(angle, expand=True)
            turned = ocr.read_image(turned_image)
            if _quality(turned) > _quality(best) * 1.2:
                best, upright, read = turned, turned_image, turned_image
    rows = _as_rows(upright, best)
    return rows, (upright if rows.config == ROWS_CONFIG else read)  # a second look reads upright


def _first_reading(image: Image.Image) -> tuple[ocr.OcrText, Image.Image]:
    """The photo's first reading and the image it was read from: the sheet flattened when the
    photo shows one lying at an angle on a darker ground (paper.flattened), read as the
    photo is only when the sheet reads poorly (and then the better of the two is kept)."""
    sheet = flattened(image, MAX_SIDE)
    if sheet is None:
        return ocr.read_image(image), image
    flat = ocr.read_image(sheet)
    if (flat.confidence or 0) >= CONTRAST_TRY_BELOW and flat.words >= 5:
        return flat, sheet
    plain = ocr.read_image(image)
    return (flat, sheet) if _quality(flat) > _quality(plain) else (plain, image)


OCR_TIMEOUT = 60.0
LOOSE_NUMBERS = 8  # lines of numbers alone that suggest a table read as separate blocks
ROWS_CONFIG = "--psm 6"  # one block of lines: a table's rows stay rows
# confidence points the rows' reading may lose: read as one block, a page's header band and
# specks come out as low-confidence words beside rows read well (a 2017 urinalysis: 78.0
# against 80.2, with its 10 rows where the first reading had 1)
ROWS_SLACK = 5.0


def _as_rows(image: Image.Image, best: ocr.OcrText) -> ocr.OcrText:
    """A photo whose table came apart (names in one block, values in others) is read again
    as one block of lines; that reading is kept when it gives more table rows (and
    Tesseract is about as sure of it). Numbers the two readings disagree on are left out."""
    loose = ocr.loose_numbers(best)
    if loose < LOOSE_NUMBERS or loose <= 2 * ocr.table_rows(best):
        return best
    return ocr.second_look(
        image,
        best,
        config=ROWS_CONFIG,
        timeout=OCR_TIMEOUT,
        prefer=lambda first, second: ocr.table_rows(second) > ocr.table_rows(first),
        slack=ROWS_SLACK,
    )


def _quality(result: ocr.OcrText) -> float:
    return (result.confidence or 0.0) * result.words


def _prepare(frame: Image.Image, warnings: list[str]) -> Image.Image:
    """Apply EXIF orientation, convert to grayscale, bring the size into Tesseract's range."""
    from PIL import ImageOps

    try:
        frame = ImageOps.exif_transpose(frame)
    except Exception:  # garbage EXIF: keep the pixels as stored
        warnings.append("EXIF orientation unreadable: used the image as stored")
    image = frame.convert("L")
    longest = max(image.size)
    if min(image.size) * MAX_SIDE < longest:  # made MAX_SIDE long, it would be 0 wide
        width, height = image.size
        raise ExtractionError(f"a picture {width}×{height} pixels: too thin to hold text")
    if longest > MAX_SIDE:
        image = ImageOps.contain(image, (MAX_SIDE, MAX_SIDE))
    elif longest < MIN_SIDE:
        scale = MIN_SIDE / max(longest, 1)
        image = image.resize((round(image.width * scale), round(image.height * scale)))
    return image
