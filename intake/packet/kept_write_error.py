"""A file qpdf writes through (pikepdf's `save` into a Python stream): a write error (a full
disk) raised inside qpdf's write aborted the whole process ("terminate called after throwing
an instance of 'QPDFSystemError'", SIGABRT), so it is kept and raised once qpdf is done."""

from __future__ import annotations

import io
from typing import BinaryIO


class KeptWriteError(io.RawIOBase):
    """`handle` for qpdf to write into; `check()` once it is done raises the write error."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.error: OSError | None = None

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.error is None:
            try:
                self.handle.write(data)
            except OSError as err:
                self.error = err
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self.handle.seek(offset, whence)

    def tell(self) -> int:
        return self.handle.tell()

    def truncate(self, size: int | None = None) -> int:
        return self.handle.truncate(size)

    def check(self) -> None:
        """Flush what is written; the write error, if one came."""
        if self.error is None:
            try:
                self.handle.flush()
            except OSError as err:
                self.error = err
        if self.error is not None:
            raise self.error
