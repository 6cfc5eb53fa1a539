"""Exit codes and the run-level errors that map onto them.

A bad *file* is never an exception here: it becomes an `unreadable` document.
These errors are for problems with the whole run (a missing folder, a missing
program, a packet that would overwrite something).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from enum import IntEnum


class ExitCode(IntEnum):
    """What `intake` exits with; a navigator's script can tell a gap from a success."""

    OK = 0
    ERROR = 1
    USAGE = 2  # Click's own code for bad options
    MISSING_DEPENDENCY = 3
    INPUT_UNREADABLE = 4
    INCOMPLETE = 5  # done, but checklist items are missing/incomplete or files unreadable
    CANNOT_WRITE = 6  # the output could not be written (no space, read-only, gone): nothing left
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT): stopped, cleaned up, nothing written
    TERMINATED = 143  # SIGTERM (128 + SIGTERM): the same


class IntakeError(Exception):
    """A run-level problem; its message is shown to the user as is."""

    exit_code = ExitCode.ERROR


class UsageError(IntakeError):
    """The options given cannot work together (e.g. an output folder that exists)."""

    exit_code = ExitCode.USAGE


class InputUnreadable(IntakeError):
    """The folder to scan is missing, not a folder, or cannot be listed."""

    exit_code = ExitCode.INPUT_UNREADABLE


class CannotWrite(IntakeError):
    """The output could not be written (full, read-only, its folder gone); nothing partial
    is left behind."""

    exit_code = ExitCode.CANNOT_WRITE


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so the same cleanup as Ctrl-C runs.

    `requested` is set before the raise: Python ignores an exception raised while a
    finalizer runs (a temporary folder's cleanup), so the packet's last step asks again
    (`stop_if_requested`) rather than put a packet in place the user asked not to have."""

    requested = False


def stop_line(stop: BaseException, kept: str = "nothing written") -> str:
    """The one line a stopped run prints: what stopped it, and what it leaves."""
    return f"intake: stopped ({'SIGTERM' if isinstance(stop, Terminated) else 'Ctrl-C'}): {kept}"


class _Swallowed:
    """A Ctrl-C that a finalizer swallowed (SIGTERM has `Terminated.requested`)."""

    interrupted = False


class Written:
    """The packet this run has put in place (None before): a stop that comes after it, while
    the workspace is removed or the summary printed, must not say "nothing written"."""

    out: object = None  # a Path


def forget_stops() -> None:
    """A new run: no stop asked for yet, nothing written."""
    Terminated.requested = False
    _Swallowed.interrupted = False
    Written.out = None


def remember_stop(stop: KeyboardInterrupt) -> None:
    """Note a stop that Python dropped because it was raised while a finalizer ran."""
    if isinstance(stop, Terminated):
        Terminated.requested = True
    else:
        _Swallowed.interrupted = True


class _Held:
    """How many `stops_held` blocks are running (the main thread's only: signals land there)."""

    depth = 0


def stops_held_now() -> bool:
    """Whether a stop that arrives now must wait for the end of a `stops_held` block."""
    return _Held.depth > 0


@contextlib.contextmanager
def stops_held() -> Iterator[None]:
    """Hold SIGTERM and Ctrl-C over a step that must not be cut in two: a temporary folder
    made and its name kept for its removal. A stop that arrives meanwhile is raised when
    the block ends, where the caller's cleanup already covers what it made."""
    _Held.depth += 1
    try:
        yield
    finally:
        _Held.depth -= 1
    if not _Held.depth:
        stop_if_requested()


@contextlib.contextmanager
def stops_deferred() -> Iterator[None]:
    """Hold SIGTERM and Ctrl-C over a step a raise must not cut (a module loading: a
    compiled module's set-up aborts on it); one that arrives meanwhile is raised when the
    step ends. Unlike `stops_held`, a stop asked for before the step is not raised again:
    the run may be cleaning up after it, and a second raise would cut the cleanup short."""
    before = _pending()
    _Held.depth += 1
    try:
        yield
    finally:
        _Held.depth -= 1
    if not _Held.depth and _pending() != before:
        stop_if_requested()


def _pending() -> tuple[bool, bool]:
    return Terminated.requested, _Swallowed.interrupted


def stop_if_requested() -> None:
    """Raise Terminated when SIGTERM arrived, even if its first raise was swallowed; raise
    KeyboardInterrupt for a Ctrl-C that a finalizer swallowed."""
    if Terminated.requested:
        raise Terminated()
    if _Swallowed.interrupted:
        _Swallowed.interrupted = False
        raise KeyboardInterrupt()


class MissingDependency(IntakeError):
    """A program or optional package intake needs is not installed."""

    exit_code = ExitCode.MISSING_DEPENDENCY


def write_reason(err: OSError) -> str:
    """Why writing failed, as the end of a "cannot write ...: " line ("no space left on
    device", "permission denied")."""
    text = os.strerror(err.errno) if err.errno else str(err)
    return text[:1].lower() + text[1:]


NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
WORKSPACE_FULL = (
    "the temporary folder is full (no space left on device): not the file's fault; free "
    "space where TMPDIR points and run again"
)


def workspace_full(err: BaseException) -> str | None:
    """WORKSPACE_FULL when `err`, or what it came from, is a disk running out of space
    (while a file was read: its pages, photos or archive members are unpacked there)."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in NO_SPACE:
            return WORKSPACE_FULL
        current = current.__cause__ or current.__context__
    return None
