"""Where pydicom's FileSets stage their copies: a private folder of the run's, removed after.

A FileSet (pydicom.fileset) copies every instance it is given into a TemporaryDirectory of
its own, made in the system temp folder and removed only by its finalizer, which never runs
in a worker ended with os._exit: health data and folders left outside the run's private
folder. Both the DICOMDIR check (a worker reading a disc) and the packet's DICOM file-set
make FileSets inside `staged_in`."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pydicom.fileset

STAGING_PREFIX = ".dicom-staging-"
_STAGING = threading.Lock()  # one file-set at a time per process: the swap below is global


@contextmanager
def staged_in(folder: Path) -> Iterator[Path]:
    """While open, pydicom's FileSets stage instances in a new private folder in `folder`
    (yielded), which is removed on the way out, also on Ctrl-C/SIGTERM.

    A FileSet copies every instance it is given into a TemporaryDirectory of its own, made
    in the system temp folder (FileSet.__init__, and again in .clear() from .load() after
    each write) and removed only by its finalizer: health data outside the run's private
    folder, and a SIGTERM landing in that finalizer left the folder behind. pydicom 3.0
    calls `TemporaryDirectory` by its name in pydicom.fileset; that name is swapped for one
    making the folders here. Should a later pydicom not have that name, tempfile.tempdir
    (the process's temp folder) points here instead for as long as this is open."""
    with _STAGING:
        yield from _swapped_staging(folder)


def _swapped_staging(folder: Path) -> Iterator[Path]:
    stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))
    made: list[tempfile.TemporaryDirectory] = []

    def private_folder(*args, **kwargs) -> tempfile.TemporaryDirectory:
        kwargs["dir"] = stage
        kwargs.setdefault("ignore_cleanup_errors", True)
        made.append(tempfile.TemporaryDirectory(*args, **kwargs))
        return made[-1]

    module = pydicom.fileset
    swap = hasattr(module, "TemporaryDirectory")
    saved = module.TemporaryDirectory if swap else tempfile.tempdir
    try:
        os.chmod(stage, 0o700)
        if swap:
            module.TemporaryDirectory = private_folder
        else:  # pydicom changed: the process-wide temp folder is ours meanwhile
            tempfile.tempdir = str(stage)
        yield stage
    finally:
        if swap:
            module.TemporaryDirectory = saved
        else:
            tempfile.tempdir = saved
        for folder_made in made:
            folder_made.cleanup()  # detaches its finalizer: nothing left to run later
        shutil.rmtree(stage, ignore_errors=True)
