"""Which code read a document's meaning: the key under which the cache keeps meanings.

A cached meaning is used only when the code that would read it again is the very code that
read it: any change to intake's modules, or another drug dictionary, reads meaning afresh.
Hashing the code (not a version number someone must remember to bump) makes a stale
meaning impossible to serve.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from functools import cache
from pathlib import Path

import intake
from intake.understand.drugs import PACKAGE as DRUG_PACKAGE


@cache
def meaning_version() -> str:
    """A digest of intake's own files (every one: what reads meaning imports widely) and of
    the drug dictionary's version."""
    digest = hashlib.sha256()
    package = Path(intake.__file__).resolve().parent
    files = (p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in sorted(files):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    try:
        drugs = importlib.metadata.version(DRUG_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        drugs = "none"
    digest.update(f"{intake.__version__}\0{drugs}".encode())
    return digest.hexdigest()[:32]
