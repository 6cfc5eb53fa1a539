"""Opening a PDF file with pikepdf whatever its name.

pikepdf hands the path to qpdf as text, which fails (TypeError) for a name holding a byte
that is not UTF-8 (Linux names are bytes: a folder copied from an old Latin-1 disk). Such a
PDF is opened from a file handle instead, closed with the caller's ExitStack.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pikepdf


def open_pdf(pdf: Path | bytes, handles: contextlib.ExitStack, **options) -> pikepdf.Pdf:
    """`pdf` (a file, or a PDF's bytes) opened by pikepdf; a file opened for it is closed
    when `handles` closes."""
    if isinstance(pdf, bytes):
        return pikepdf.Pdf.open(io.BytesIO(pdf), **options)
    try:
        os.fsdecode(pdf).encode("utf-8")
    except UnicodeEncodeError:
        return pikepdf.Pdf.open(handles.enter_context(open(pdf, "rb")), **options)
    return pikepdf.Pdf.open(pdf, **options)


@contextlib.contextmanager
def opened_pdf(path: Path | bytes, **options) -> Iterator[pikepdf.Pdf]:
    """`path` (or a PDF's bytes) opened by pikepdf for a `with` block; all closed after it."""
    with contextlib.ExitStack() as handles:
        pdf = open_pdf(path, handles, **options)
        handles.callback(pdf.close)
        yield pdf
