"""Preview images of a series, for the packet's index and series pages (never for indexing).

Decoded by pydicom with its pixel-data plugins (pylibjpeg: JPEG, JPEG-LS, JPEG 2000, RLE),
one frame only (the middle one of a multi-frame instance). A file without the DICOM
preamble and file meta (as some discs and PACS exports hold) is read with `force=True`,
its transfer syntax taken from how its header is encoded. Greyscale images go through the
modality LUT and the window (Window Center/Width or the VOI LUT), MONOCHROME1 is inverted,
and the result is scaled to 8 bits and to `size` pixels on its longer side (small images
are enlarged so the doctor can see them). A series that cannot be shown gets a note in
plain words saying why, never a failure.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import BinaryIO

import pydicom
from PIL import Image

PREVIEW_SIZE = 256
MAX_PIXELS = 64 * 2**20  # larger frames are not decoded for a preview


class NoPreview(Exception):
    """Why a series has no preview, in plain words; the message is shown to the reader."""


def render_preview(path: Path | BinaryIO, size: int = PREVIEW_SIZE) -> bytes:
    """PNG bytes of the middle frame of the DICOM instance at `path` (or in an open file),
    `size` pixels on its longer side. NoPreview says why there is none."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
        except Exception as err:
            raise NoPreview("its header could not be read") from err
        rows, columns = int(ds.get("Rows") or 0), int(ds.get("Columns") or 0)
        if not rows or not columns:
            raise NoPreview("it holds no image")
        if rows * columns > MAX_PIXELS:
            raise NoPreview(f"its {columns}x{rows} image is too large for a preview")
        frames = int(ds.get("NumberOfFrames") or 1)
        index = frames // 2 if frames > 1 else None
        if not isinstance(path, Path):
            path.seek(0)  # the pixels are read from the start again
        array = _pixels(path, ds, index)
        try:
            image = _image(array, ds, index, size)
        except NoPreview:
            raise
        except Exception as err:
            raise NoPreview("its image could not be drawn") from err
    return _png(image)


def _pixels(path: Path | BinaryIO, ds, index: int | None):
    """The frame's pixel array; the transfer syntax is inferred for a file without file
    meta (no preamble), as pydicom needs it named then."""
    from pydicom.pixels import pixel_array
    from pydicom.uid import (
        DeflatedExplicitVRLittleEndian,
        ExplicitVRBigEndian,
        ExplicitVRLittleEndian,
        ImplicitVRLittleEndian,
    )

    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    extra = {}
    if not syntax:
        implicit, little = getattr(ds, "original_encoding", (None, None))
        if implicit is not None:
            syntax = (
                ImplicitVRLittleEndian
                if implicit
                else (ExplicitVRLittleEndian if little else ExplicitVRBigEndian)
            )
            extra["transfer_syntax_uid"] = syntax
    try:
        return pixel_array(path, index=index, **extra)
    except Exception as err:
        plain = syntax in (
            ImplicitVRLittleEndian,
            ExplicitVRLittleEndian,
            ExplicitVRBigEndian,
            DeflatedExplicitVRLittleEndian,
        )
        name = getattr(syntax, "name", None)
        if name and not plain:
            raise NoPreview(
                f"its images are compressed as {name}, which could not be decoded"
            ) from err
        raise NoPreview("its image data could not be read (damaged or cut short)") from err


def _image(array, ds, index: int | None, size: int) -> Image.Image:
    """The frame as an 8-bit image `size` pixels on its longer side (MONOCHROME1 inverted
    after sizing, so it is the exact negative of the same image as MONOCHROME2)."""
    import numpy as np
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
    if array.ndim == 2:
        array = apply_modality_lut(array, ds)
        windowed = apply_voi_lut(array, ds, index=index or 0)
        image = _sized(Image.fromarray(_to_8bit(np.asarray(windowed, dtype=np.float64))), size)
        if photometric == "MONOCHROME1":
            image = Image.fromarray(255 - np.asarray(image))
        return image
    if array.ndim == 3 and array.shape[-1] == 3:
        return _sized(Image.fromarray(_to_8bit(np.asarray(array, dtype=np.float64))), size)
    raise NoPreview("its pixels are laid out in a way intake does not show")


def _sized(image: Image.Image, size: int) -> Image.Image:
    """`size` pixels on the longer side: larger images reduced, small ones enlarged."""
    longer = max(image.size)
    if longer == size:
        return image
    scale = size / longer
    target = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(target, Image.Resampling.LANCZOS)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _to_8bit(array):
    import numpy as np

    low, high = float(array.min()), float(array.max())
    if high <= low:
        return np.zeros(array.shape, dtype=np.uint8)
    return ((array - low) * (255.0 / (high - low))).clip(0, 255).astype(np.uint8)
