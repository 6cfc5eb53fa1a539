"""Where intake's cache lives ($INTAKE_CACHE, else the per-user cache folder).

Kept apart from the cache itself so that a re-run answered before anything heavy is
imported (intake/warm.py) finds it too: plain os.path strings here (pathlib alone costs that
path a few milliseconds), Path for everyone else."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing itself costs the warm path milliseconds
if TYPE_CHECKING:
    from pathlib import Path

ENV_PATH = "INTAKE_CACHE"  # a path, or "off"
OFF_WORDS = frozenset({"off", "0", "no", "none", "false"})
FILE_NAME = "extraction-cache.sqlite"


def default_path() -> Path | None:
    """Where the cache lives: $INTAKE_CACHE, else the per-user cache folder; None when off or
    when there is no per-user folder to use (no_default_reason() says why)."""
    from pathlib import Path

    where = default_location()[0]
    return Path(where) if where else None


def no_default_reason() -> str | None:
    """Why default_path() is None ("HOME is not set", "INTAKE_CACHE=off"); None when it is
    not."""
    return default_location()[1]


def default_location() -> tuple[str | None, str | None]:
    """The default cache file, or None and the reason. HOME is read, never guessed: a
    service account without one gets no cache rather than a folder somewhere else."""
    configured = os.environ.get(ENV_PATH)
    if configured:
        if configured.lower() in OFF_WORDS:
            return None, f"{ENV_PATH}={configured}"
        return configured, None
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA")
        if not base:
            return None, "LOCALAPPDATA is not set"
        return os.path.join(base, "intake", FILE_NAME), None
    home = os.environ.get("HOME")
    xdg = os.environ.get("XDG_CACHE_HOME")
    if sys.platform != "darwin" and xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "intake", FILE_NAME), None
    if not home:
        return None, "HOME is not set"
    caches = ("Library", "Caches") if sys.platform == "darwin" else (".cache",)
    return os.path.join(home, *caches, "intake", FILE_NAME), None
