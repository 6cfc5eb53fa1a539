"""HEIC photos (iPhones): Pillow opens them once pillow-heif, an optional extra, registers.

Registered on first need, not at import: importing pillow-heif loads Pillow and libheif,
which `intake --help` and a warm run never use.
"""

from __future__ import annotations

from functools import cache


@cache
def heif_available() -> bool:
    """Register pillow-heif's opener with Pillow; False when pillow-heif is not installed."""
    try:
        import pillow_heif
    except ImportError:  # pragma: no cover - depends on the install
        return False
    pillow_heif.register_heif_opener()
    return True
