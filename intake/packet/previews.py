"""One small preview image per series, for the packet's index (never used for indexing).

Decoded by pydicom with its pixel-data plugins (pylibjpeg: JPEG, JPEG-LS, JPEG 2000, RLE),
one frame only (the middle one of a multi-frame instance). Greyscale images go through the
modality LUT and the window (Window Center/Width or the VOI LUT), MONOCHROME1 is inverted,
and the result is scaled to 8 bits and a thumbnail. A series that cannot be decoded gets a
note saying why, never a failure.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import BinaryIO

import pydicom
from PIL import Image

PREVIEW_SIZE = 256
MAX_PIXELS = 64 * 2**20  # larger frames are not decoded for a thumbnail


class NoPreview(Exception):
    """Why a series has no preview; the message is shown."""


def render_preview(path: Path | BinaryIO, size: int = PREVIEW_SIZE) -> bytes:
    """PNG bytes of the middle frame of the DICOM instance at `path` (or in an open file)."""
    import numpy as np
    from pydicom.pixels import apply_modality_lut, apply_voi_lut, pixel_array

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
        except Exception as err:
            raise NoPreview(f"header unreadable ({type(err).__name__})") from err
        rows, columns = int(ds.get("Rows") or 0), int(ds.get("Columns") or 0)
        if not rows or not columns:
            raise NoPreview("not an image")
        if rows * columns > MAX_PIXELS:
            raise NoPreview(f"{columns}x{rows} is too large for a preview")
        frames = int(ds.get("NumberOfFrames") or 1)
        index = frames // 2 if frames > 1 else None
        if not isinstance(path, Path):
            path.seek(0)  # the pixels are read from the start again
        try:
            array = pixel_array(path, index=index)
        except Exception as err:
            meta = getattr(ds, "file_meta", None)
            syntax = meta.get("TransferSyntaxUID") if meta is not None else None
            name = getattr(syntax, "name", None) or "its compression"
            raise NoPreview(f"cannot decode {name} ({type(err).__name__})") from err
        photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
        if array.ndim == 2:
            array = apply_modality_lut(array, ds)
            windowed = apply_voi_lut(array, ds, index=index or 0)
            array = _to_8bit(np.asarray(windowed, dtype=np.float64))
            if photometric == "MONOCHROME1":
                array = 255 - array
            image = Image.fromarray(array)
        elif array.ndim == 3 and array.shape[-1] == 3:
            image = Image.fromarray(_to_8bit(np.asarray(array, dtype=np.float64)))
        else:
            raise NoPreview(f"pixel layout {array.shape} not shown")
    image.thumbnail((size, size))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _to_8bit(array):
    import numpy as np

    low, high = float(array.min()), float(array.max())
    if high <= low:
        return np.zeros(array.shape, dtype=np.uint8)
    return ((array - low) * (255.0 / (high - low))).clip(0, 255).astype(np.uint8)
