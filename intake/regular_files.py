"""Opening a file intake was pointed at (a checklist, the cache's files, its own state) only
when it is a regular file.

A FIFO at that name would block the open until someone writes to it (the run hangs), and a
device reads without end (/dev/zero) or is changed by what intake does to its files (a
chmod of /dev/null). The open never waits (O_NONBLOCK) and what was opened is checked
before a byte is read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class NotRegular(OSError):
    """The name holds a FIFO, a device, a socket or a folder."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(errno.EINVAL, "not a regular file", os.fspath(path))


def open_regular(path: Path | str, *, follow: bool = True) -> BinaryIO:
    """`path` open for reading in binary; NotRegular (an OSError) unless it is a regular file.
    `follow=False` refuses a symbolic link too (ELOOP)."""
    fd = os.open(path, os.O_RDONLY | _NONBLOCK | (0 if follow else _NOFOLLOW))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(path)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")
