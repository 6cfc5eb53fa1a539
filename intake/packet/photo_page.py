"""A photo's or scan's page in PACKET.PDF, drawn where its pixels cannot swell the main
process: a picture that decodes to more than MAIN_PROCESS_PIXELS (after JPEG's reduced
decoding) is drawn in a worker process, under the extraction workers' time and memory limits.
A 9000 x 9000 PNG decodes to 324 MB (Pillow keeps RGB as four bytes a pixel); the main
process stays under 500 MB whatever the folder holds (issue 19)."""

from __future__ import annotations

from typing import BinaryIO

from intake.executors import FILE_TIME_LIMIT, WORKER_MEMORY, LocalExecutor
from intake.extractors.base import ExtractionError
from intake.heif import heif_available
from intake.model import Document, Source
from intake.packet.pdf_pages import PHOTO_SIDE, image_page

MAIN_PROCESS_PIXELS = 30_000_000  # 120 MB decoded: a 600 dpi Letter scan (34 MP) goes out


def photo_page(source: Source, document: Document) -> bytes:
    """The page for the picture `source` holds (SourceChanged if it is not the file walked)."""
    with source.open() as handle:
        if decoded_pixels(handle) <= MAIN_PROCESS_PIXELS:
            handle.seek(0)
            return image_page(handle, document)
    executor = LocalExecutor(workers=1, timeout=FILE_TIME_LIMIT, memory_limit=WORKER_MEMORY)
    (page,) = executor.map(_page_in_worker, [(source, document)], on_timeout=_stopped)
    if isinstance(page, BaseException):
        raise page
    return page


def decoded_pixels(handle: BinaryIO) -> int:
    """How many pixels Pillow would decode to draw the page (a JPEG decodes at 1/2 to 1/8
    of its size when that still covers PHOTO_SIDE); only the header is read."""
    from PIL import Image

    heif_available()
    with Image.open(handle) as picture:
        picture.draft("RGB", (PHOTO_SIDE, PHOTO_SIDE))
        width, height = picture.size
    return width * height


def _page_in_worker(item: tuple[Source, Document]) -> bytes:
    source, document = item
    with source.open() as handle:
        return image_page(handle, document)


def _stopped(item: tuple[Source, Document], error: BaseException) -> ExtractionError:
    reason = "too large to draw" if isinstance(error, MemoryError) else "took too long to draw"
    return ExtractionError(f"the picture {reason} (limit {FILE_TIME_LIMIT:.0f} s)")
