"""intake's own environment variables, read safely.

A service unit or a wrapper script may leave one empty (`INTAKE_FILE_TIME_LIMIT=`) or give
it a word or a negative number: that ended every run at import (an empty limit), or made
every file "take longer than -5 s". A value that is not a number in its range is not used:
the default is, and the run says so once (`refused`).
"""

from __future__ import annotations

import math
import os


def _number(name: str, default: float, low: float, high: float, integer: bool) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # (NaN is in no range)
        _refused[name] = (
            f"{name}={raw!r} is not a {'whole ' if integer else ''}number from {low:g} to "
            f"{high:g}: {default:g} is used"
        )
        return default
    return value


_refused: dict[str, str] = {}


def file_time_limit() -> float:
    """Seconds one file may take to read (INTAKE_FILE_TIME_LIMIT; 120)."""
    return _number("INTAKE_FILE_TIME_LIMIT", 120.0, 1.0, 7 * 86400.0, False)


def ocr_jobs() -> int:
    """Tesseract processes at once (INTAKE_OCR_JOBS): by default one per core this process
    may use, plus one, so no core waits while PDFium renders the next page or a Tesseract
    process starts (measured: 9% more pages per second than one per core on 2 cores)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        cores = os.cpu_count() or 1
    return int(_number("INTAKE_OCR_JOBS", cores + 1, 1, 256, True))


def refused() -> list[str]:
    """What was set but not used, and why (each once, for the run's log)."""
    file_time_limit()
    ocr_jobs()
    return [_refused[name] for name in sorted(_refused)]
