"""The `intake` command: parse options, call the API, print. Errors map to exit codes here."""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import functools
import logging
import os
import re
import signal
import sys
import threading
import warnings
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import chain
from pathlib import Path

import click

from intake import __version__, api, ocr_missing, settings, warm
from intake.cache import no_default_reason, open_cache, storable
from intake.check import available_checklists
from intake.errors import (
    CannotWrite,
    ExitCode,
    IntakeError,
    Terminated,
    UsageError,
    Written,
    forget_stops,
    remember_stop,
    stop_line,
    stops_deferred,
    stops_held_now,
    write_reason,
)
from intake.model import Manifest, Person
from intake.output import ProgressDisplay, print_clinical_summary, print_summary, print_to_do
from intake.packet.summary import summarise
from intake.terminal import shown, shown_lines
from intake.understand.people import display_name

log = logging.getLogger("intake")


class TerminalFormatter(logging.Formatter):
    """Log lines name files: their control characters are shown escaped (terminal.shown)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return shown_lines(super().formatMessage(record))


def handle_errors(command):
    """Run a command; IntakeError becomes 'Error: ...' and its exit code, no traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        debug = ctx.find_root().params.get("debug", False)
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt as err:  # Ctrl-C or SIGTERM: the cleanups have run
            ctx.exit(_stopped(err, batch=ctx.command.name == "batch"))
        except IntakeError as err:
            _say_error(f"Error: {shown_lines(err)}")
            ctx.exit(err.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # `intake ... | head`: stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(ExitCode.ERROR)
        except Exception as err:
            if debug:
                raise
            _say_error(
                f"Error: unexpected {type(err).__name__}: {shown_lines(err)} "
                "(run with --debug for details)"
            )
            ctx.exit(ExitCode.ERROR)

    return wrapper


def _say_error(line: str) -> None:
    """The error's line on stderr; a stderr that cannot be written (2>/dev/full) leaves the
    exit code to say it."""
    with contextlib.suppress(OSError):
        click.echo(line, err=True)


def reading_options(command):
    """--checklist, --appointment, --patient, --birth-date: what the caregiver tells intake."""
    options = [
        click.option("--checklist", default=None, metavar="NAME|PATH",
                     help="Which what-to-bring list to check against (see `intake checklists`). "
                     "Default: the default list, plus a specialty's own items when the records "
                     "clearly fit one; `--checklist default` keeps only the default list."),
        click.option("--appointment", metavar="YYYY-MM-DD", callback=_parse_day,
                     help="Date of the second-opinion visit: recency is measured from it "
                     "(from today when not given)."),
        click.option("--patient", "patient_name", metavar="NAME",
                     help="Who the packet is for (default: the name most records give)."),
        click.option("--birth-date", metavar="DATE", callback=_parse_day,
                     help="The patient's birth date (default: the one most records give)."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
PLAUSIBLE_YEARS = (1850, 2200)  # a birth date or an appointment; 0026-03-14 is a typo


def _parse_day(ctx, param, value: str | None) -> date | None:
    """An ISO date (YYYY-MM-DD) only: "01/02/2026" is 1 February to some, 2 January to others."""
    if value is None:
        return None
    try:
        if not ISO_DAY.fullmatch(value.strip()):
            raise ValueError
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO date: write it as YYYY-MM-DD (for example 2026-03-14)"
        ) from None
    if not PLAUSIBLE_YEARS[0] <= day.year <= PLAUSIBLE_YEARS[1]:  # 0026 for 2026: a slip
        raise click.BadParameter(
            f"{value!r} is not a plausible date: a year from {PLAUSIBLE_YEARS[0]} to "
            f"{PLAUSIBLE_YEARS[1]}, please"
        )
    return day


def _options(checklist, appointment, patient_name, birth_date) -> api.Options:
    patient = None
    if patient_name or birth_date:
        patient = Person(
            name=display_name(patient_name) or patient_name if patient_name else None,
            birth_date=birth_date.isoformat() if birth_date else None,
        )
    return api.Options(checklist=checklist, appointment=appointment, patient=patient)


def runtime_options(command):
    """--cache/--no-cache, --executor, --scheduler, --jobs: how the work is carried out."""
    options = [
        click.option("--cache", "cache_path", metavar="PATH", envvar="INTAKE_CACHE",
                     help="Extraction cache file (default: a per-user cache folder; "
                          "env INTAKE_CACHE; 'off' for none)."),
        click.option("--no-cache", is_flag=True, help="Read every file afresh; store nothing."),
        click.option("--executor", type=click.Choice(["local", "serial", "dask"]),
                     default="local", show_default=True,
                     help="Where extraction runs: a process per core, this process, or a "
                          "Dask cluster (intake[dask])."),
        click.option("--scheduler", metavar="ADDRESS",
                     help="With --executor dask: the scheduler, e.g. tcp://10.0.0.5:8786."),
        click.option("--jobs", type=click.IntRange(min=1), metavar="N",
                     help="Worker processes reading files at once, in every command "
                          "(default: one per core; batch shares them among the clients)."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


@contextlib.contextmanager
def _runtime(cache_path, no_cache, executor, scheduler, jobs, *, with_cache: bool = True):
    """The Runtime the options ask for; closes the cache and the cluster client after.
    `--jobs` is the number of worker processes reading files at once, in every command."""
    from intake.executors import DaskExecutor, make_executor

    chosen = make_executor(executor, scheduler=scheduler)
    cache = None if no_cache or not with_cache else open_cache(cache_path)
    if not no_cache:
        _say_if_no_cache(cache_path)
    try:
        yield api.Runtime(jobs=jobs, executor=chosen, cache=cache)
    finally:
        if cache is not None:
            cache.close()
        if isinstance(chosen, DaskExecutor):
            chosen.close()


def _say_if_no_cache(cache_path: str | None) -> None:
    """Say once why there is no cache when none was asked for and the default has no place
    (e.g. HOME is not set for a service account)."""
    reason = no_default_reason() if cache_path is None else None
    if reason:
        click.echo(f"intake: no cache: {reason}; use --cache PATH", err=True)


def silent_option(command):
    return click.option("-s", "--silent", is_flag=True, help="No progress display on stderr.")(
        command
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="intake")
@click.option("--debug", is_flag=True, help="Show debug logging and full tracebacks.")
def cli(debug: bool) -> None:
    """Turn a folder of medical records into an indexed packet for a second opinion."""
    warnings.filterwarnings("ignore")  # libraries' warnings name no reason a caregiver can
    if debug:  # act on, and may quote a value they parse: with --debug, only intake's own
        warnings.filterwarnings("default", module=r"intake(\.|$)")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(TerminalFormatter("intake: %(levelname)s: %(message)s"))
    library_floor = logging.WARNING if debug else logging.ERROR
    handler.addFilter(functools.partial(shown_record, debug=debug))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    log.setLevel(logging.DEBUG if debug else logging.WARNING)
    # libraries' debug output quotes what they parse (names, dates, lab values): capped at
    # WARNING even with --debug (forked workers inherit this); without it, at ERROR. The
    # handler's filter holds the same floor: pydicom sets its logger back to WARNING when
    # it is imported, after this ran ("Invalid value for VR DA: '2024-01-15'" reached stderr)
    for library in LIBRARY_LOGGERS:
        logging.getLogger(library).setLevel(library_floor)
    for line in settings.refused():
        log.warning("%s", line)


LIBRARY_LOGGERS = ("pdfminer", "pdfplumber", "PIL", "pydicom", "pikepdf", "fontTools",
                   "reportlab", "fhir", "pydantic", "pytesseract", "markdown_it")  # fmt: skip


def shown_record(record: logging.LogRecord, *, debug: bool) -> bool:
    """intake's own lines (they name files and reasons, never record text) from its logger's
    level. A library's line is never shown as it is: its text and traceback quote what it
    parses ("Invalid value for VR DA: '2024-01-15'", pydicom's JPEG 2000 tracebacks), and
    what failed is intake's own finding on the file. With --debug, a library's warning or
    error is said without its text."""
    if record.name.split(".")[0] == "intake":
        return True
    if not debug or record.levelno < logging.WARNING:
        return False
    record.msg = (
        f"{record.name} reported a {record.levelname.lower()} "
        "(its text is not shown: it may quote the records)"
    )
    record.args, record.exc_info, record.exc_text, record.stack_info = (), None, None, None
    return True


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the manifest (intake.manifest/1).")
@click.option(
    "--with-text", is_flag=True, help="With --json: include the text read from each file."
)
@reading_options
@runtime_options
@silent_option
@handle_errors
def scan(folder: Path, as_json: bool, with_text: bool, silent: bool, **reading) -> None:
    """Say what each file in FOLDER is and what is missing.

    \b
    Example:
        intake scan ~/Downloads/moms-records
        intake scan ~/Downloads/moms-records --json > manifest.json
    """
    if with_text and not as_json:
        raise click.UsageError("--with-text goes with --json")
    if 1 in warm.CLOSED_STREAMS:  # what scan gives is what it prints: nothing is read
        raise CannotWrite("cannot write the manifest to standard output: it is closed")
    settings = _split_runtime(reading)
    with _runtime(**settings) as runtime, ProgressDisplay(enabled=not silent) as progress:
        manifest = api.scan_folder(folder, _options(**reading), progress=progress, runtime=runtime)
    if as_json:  # printed a document at a time: never the whole manifest's text at once
        printed = _printing(_joined(chain(manifest.json_pieces(with_text=with_text), ["\n"])))
        if runtime.cache is not None and _only_flags_given() and storable(manifest.documents):
            flags = ("--json", *(["--silent"] if silent else []), *(["--with-text"] * with_text))
            warm.remember(folder, flags, printed, _exit_code(manifest))
        else:
            for _ in printed:
                pass
    else:
        with _printed("the summary"):
            print_clinical_summary(summarise(manifest))
            print_summary(manifest)
    _exit_for(manifest)


@contextlib.contextmanager
def _printed(what: str, done: str = "") -> Iterator[None]:
    """Printing `what` to standard output: output that cannot be written (a full disk under
    `> summary.txt`, /dev/full) is CannotWrite (exit 6), saying what was `done` already; a
    closed pipe (`| head`) stays BrokenPipeError, which stops quietly."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as err:
        reason = write_reason(err)
        raise CannotWrite(f"cannot write {what} to standard output: {reason}{done}") from err


PRINTED_PIECE = 64 * 1024  # characters joined before a write: a manifest of 50,000 documents
# is a few hundred writes, not 50,000 (each a terminal check, a flush and a system call)


def _joined(pieces: Iterable[str], size: int = PRINTED_PIECE) -> Iterator[str]:
    """The same text in pieces of about `size` characters (each one larger alone as it is)."""
    held: list[str] = []
    length = 0
    for piece in pieces:
        held.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(held)
            held, length = [], 0
    if held:
        yield "".join(held)


def _printing(pieces: Iterable[str]) -> Iterator[str]:
    """Each piece printed to stdout as it is taken, then given on. Output that cannot be
    written (a full disk under `> manifest.json`) is CannotWrite; a closed pipe stays one."""
    for piece in pieces:
        with _printed("the manifest"):
            click.echo(piece, nl=False)
        yield piece


QUIET_SOURCES = (click.core.ParameterSource.DEFAULT, click.core.ParameterSource.ENVIRONMENT)


def _only_flags_given() -> bool:
    """True when every option of this command but the flags a re-run may carry is at its
    default or set by the environment the next run sees too (so the next identical command
    line can be answered from what this one printed)."""
    ctx = click.get_current_context()
    return all(
        name in ("folder", "as_json", "silent", "with_text")
        or ctx.get_parameter_source(name) in QUIET_SOURCES
        for name in ctx.params
    )


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Where to write the packet: a folder (must not exist, unless --force), or a file "
    "with --zip or --only-pdf.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace an earlier intake packet, zip or PDF at --out (nothing else).",
)
@click.option("--reason", metavar="TEXT", help="Why a second opinion is sought (on the cover).")
@click.option("--zip", "as_zip", is_flag=True, help="Write the packet as one zip file.")
@click.option("--only-pdf", is_flag=True, help="Write just PACKET.PDF to --out.")
@click.option("--open", "open_after", is_flag=True, help="Open the packet when it is written.")
@reading_options
@runtime_options
@silent_option
@handle_errors
def packet(
    folder: Path,
    out: Path,
    force: bool,
    reason: str | None,
    as_zip: bool,
    only_pdf: bool,
    open_after: bool,
    silent: bool,
    **reading,
) -> None:
    """Write the packet for FOLDER to OUT: INDEX.HTM, PACKET.PDF, copies, DICOM, metadata.

    \b
    Example:
        intake packet ~/Downloads/moms-records -o ~/Desktop/second-opinion
        intake packet records -o packet.zip --zip --reason "Confirm the staging"
        intake packet records -o records.pdf --only-pdf
    """
    if as_zip and only_pdf:
        raise UsageError("choose one of --zip and --only-pdf")
    layout = "zip" if as_zip else "pdf" if only_pdf else "folder"
    settings = _split_runtime(reading)
    options = dataclasses.replace(_options(**reading), reason=reason)
    with _runtime(**settings) as runtime, ProgressDisplay(enabled=not silent) as progress:
        manifest = api.build_packet(
            folder, out, options, force=force, progress=progress, layout=layout, runtime=runtime
        )
    summary = summarise(manifest)  # the view model the packet's INDEX.HTM and PDF render
    target = out / "INDEX.HTM" if layout == "folder" else out
    with _printed("the summary", f" (the packet is written: {shown(target)})"):
        print_clinical_summary(summary)
        print_summary(manifest, brief=True)
        print_to_do(summary)
        click.echo(f"Packet written to {shown(out)} (open {shown(target)})")
    if open_after:
        click.launch(str(target))  # the system's viewer; nothing leaves the machine
    _exit_for(manifest)


@cli.command()
@click.argument("parent", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the packets (one per client) and DASHBOARD.HTM.",
)
@click.option(
    "--changed-only",
    is_flag=True,
    help="Skip clients whose files did not change since their last packet.",
)
@click.option("--reason", metavar="TEXT", help="Reason for the second opinion, on every cover.")
@reading_options
@runtime_options
@silent_option
@handle_errors
def batch(parent: Path, out: Path, changed_only: bool, reason: str | None, silent: bool,
          **reading) -> None:  # fmt: skip
    """Build a packet for each client folder in PARENT, and a dashboard.

    \b
    Example:
        intake batch ~/Clients -o ~/Packets --changed-only
    """
    from intake.batch import run_batch

    settings = _split_runtime(reading)
    options = dataclasses.replace(_options(**reading), reason=reason)
    cache_path = "off" if settings["no_cache"] else settings["cache_path"]
    with (
        _runtime(**settings, with_cache=False) as runtime,  # each client opens the cache
        ProgressDisplay(enabled=not silent) as progress,
    ):
        result = run_batch(
            parent, out, options, runtime=runtime, changed_only=changed_only,
            cache_path=cache_path, progress=progress,
        )  # fmt: skip
    dashboard = shown(out / "DASHBOARD.HTM")
    with _printed("the clients", f" (the packets are written: {dashboard})"):
        for row in result.rows:
            missing = ", ".join(row.missing_items) or "-"
            reason = f"\t{shown(row.reason)}" if row.reason else ""
            click.echo(f"{shown(row.client)}\t{row.status}\t{row.documents} documents\t"
                       f"missing: {shown(missing)}{reason}")  # fmt: skip
        click.echo(f"Dashboard: {dashboard}")
    unread = sum(row.reason == ocr_missing.BATCH_REASON for row in result.rows)
    if unread:
        click.echo(ocr_missing.advice(unread), err=True)
        click.get_current_context().exit(ExitCode.MISSING_DEPENDENCY)
    if any(row.status in ("failed", "incomplete") for row in result.rows):
        click.get_current_context().exit(ExitCode.INCOMPLETE)


@cli.group("cache")
def cache_group() -> None:
    """Look at or empty the extraction cache."""


@cache_group.command("info")
@click.option("--cache", "cache_path", metavar="PATH", envvar="INTAKE_CACHE")
@handle_errors
def cache_info(cache_path: str | None) -> None:
    """Where the cache is and how much it holds.

    \b
    Example:
        intake cache info
    """
    cache = _open_cache_or_say(cache_path)
    if cache is None:
        return
    with cache:
        info = cache.info()
    click.echo(f"{shown(info.path)}\n{info.entries} entries for {info.files} files, "
               f"{info.bytes / 2**20:.1f} MB (owner-only)")  # fmt: skip


@cache_group.command("clear")
@click.option("--cache", "cache_path", metavar="PATH", envvar="INTAKE_CACHE")
@handle_errors
def cache_clear(cache_path: str | None) -> None:
    """Remove everything the cache holds.

    \b
    Example:
        intake cache clear
    """
    cache = _open_cache_or_say(cache_path)
    if cache is None:
        return
    with cache:
        removed = cache.clear()
    removed += warm.clear(Path(cache.path))
    click.echo(f"Removed {removed} entries from {shown(cache.path)}")


def _open_cache_or_say(cache_path: str | None):
    """The cache the option names, or None after saying it is off or cannot be opened."""
    cache = open_cache(cache_path)
    if cache is None:
        reason = no_default_reason() if not cache_path else None
        if reason:
            click.echo(f"There is no cache: {reason} (use --cache PATH).")
        else:
            click.echo("The cache is off (INTAKE_CACHE=off) or cannot be opened.")
    return cache


def _split_runtime(values: dict) -> dict:
    """Take the runtime options out of a command's keyword arguments."""
    keys = ("cache_path", "no_cache", "executor", "scheduler", "jobs")
    return {key: values.pop(key) for key in keys}


@cli.command("checklists")
@handle_errors
def checklists_command() -> None:
    """List the checklists intake ships with.

    \b
    Example:
        intake checklists
    """
    for checklist in available_checklists():
        click.echo(f"{checklist.name}\t{checklist.label}")
        for item in checklist.items:
            click.echo(f"  {item.id}\t{item.label}")


def _exit_for(manifest: Manifest) -> None:
    """Exit MISSING_DEPENDENCY when scanned pages or photos went unread for lack of
    Tesseract (saying once how to install it), else INCOMPLETE when items are missing or
    files unreadable, so scripts can tell."""
    unread = ocr_missing.unread(manifest)
    if unread:
        click.echo(ocr_missing.advice(unread), err=True)
    code = _exit_code(manifest)
    if code != ExitCode.OK:
        click.get_current_context().exit(code)


def _exit_code(manifest: Manifest) -> int:
    if ocr_missing.unread(manifest):
        return ExitCode.MISSING_DEPENDENCY
    return ExitCode.OK if manifest.complete else ExitCode.INCOMPLETE


PRIVATE_UMASK = 0o077  # every folder and file made during a run owner-only, whatever the
# user's umask: the folders made on the way to OUT or to the cache (~/.cache), and the files
# of libraries and programs intake runs (Tesseract's, pydicom's), which take no mode


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code. SIGTERM stops a run the way Ctrl-C
    does: the workers, the workspace and the partial packet are cleaned up (exit 143; 130)."""
    warm.open_closed_streams()  # (done already when started as `intake` or `python -m intake`)
    previous_umask = os.umask(PRIVATE_UMASK)  # what intake writes is health data (see below)
    previous = _on_stops()
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _quiet_about_stops(previous_hook)
    previous_import = builtins.__import__
    builtins.__import__ = _stops_held_over(previous_import)
    try:
        result = cli.main(args=argv, prog_name="intake", standalone_mode=False)
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except click.Abort as err:
        if isinstance(err.__cause__, KeyboardInterrupt):  # outside a command's own handling
            return _stopped(err.__cause__)
        click.echo("Aborted.", err=True)
        return ExitCode.ERROR
    except KeyboardInterrupt as err:
        return _stopped(err)
    finally:
        builtins.__import__ = previous_import
        sys.unraisablehook = previous_hook
        for number, handler in previous.items():
            signal.signal(number, handler)
        os.umask(previous_umask)
    return int(result) if isinstance(result, int) else ExitCode.OK


def _on_stops() -> dict[int, object]:
    """Make SIGTERM raise Terminated in the main thread (once: a second SIGTERM during the
    cleanup is ignored) and Ctrl-C raise KeyboardInterrupt as Python's own handler does,
    both held over a `stops_held` step; returns the handlers they replaced (none when it
    cannot: not the main thread)."""

    def terminated(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        Terminated.requested = True
        if not stops_held_now():  # else raised when the held step ends
            raise Terminated()

    def interrupted(signum, frame):
        if stops_held_now():
            remember_stop(KeyboardInterrupt())  # raised when the held step ends
            return
        raise KeyboardInterrupt()

    previous: dict[int, object] = {}
    try:
        previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, terminated)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            previous[signal.SIGINT] = signal.signal(signal.SIGINT, interrupted)
    except ValueError:
        return previous
    forget_stops()
    return previous


def _stops_held_over(imported):
    """`__import__` holding SIGTERM and Ctrl-C while the main thread loads a module (the
    stop is raised once the outermost import is done): a KeyboardInterrupt raised inside
    a compiled module's set-up aborted the process (pikepdf's nanobind: "Critical nanobind
    error", SIGABRT), or left CPython's mark of an unhandled interrupt, so that the run,
    its stop handled and said, still died of SIGINT. Found by bench/stops.py. Imports in
    other threads are not held (a stop is raised in the main thread only), nor in the
    worker processes forked from this one (their own handler unwinds a task at once)."""
    main, process, modules = threading.main_thread(), os.getpid(), sys.modules

    def held(name, globals=None, locals=None, fromlist=(), level=0):
        loaded = level == 0 and (module := modules.get(name)) is not None
        if (  # a module loaded already loads nothing: the import inside a function, run
            # once per file, costs no held block (it took 14% of a run of tiny notes)
            (loaded and all(hasattr(module, item) for item in fromlist or ()))
            or threading.current_thread() is not main
            or os.getpid() != process
        ):
            return imported(name, globals, locals, fromlist, level)
        with stops_deferred():
            return imported(name, globals, locals, fromlist, level)

    return held


def _quiet_about_stops(previous):
    """An unraisable-exception hook that says nothing of a SIGTERM or Ctrl-C raised while a
    finalizer ran (Python prints those as "Exception ignored in ..." and drops them); the stop
    is remembered instead, and the run's next checkpoint (`stop_if_requested`) raises it."""

    def hook(unraisable) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            remember_stop(unraisable.exc_value)
            return
        previous(unraisable)

    return hook


def _stopped(err: BaseException, *, batch: bool = False) -> ExitCode:
    """Say the run was stopped, and by what; the exit code for it (128 + the signal)."""
    terminated = isinstance(err, Terminated)
    kept = "packets finished before it are kept" if batch else "nothing written"
    written = getattr(err, "written", None) or Written.out  # came as or after it was put in place
    if not batch and written:
        kept = f"the packet was already written to {shown(written)}"
    click.echo(stop_line(err, kept), err=True)
    return ExitCode.TERMINATED if terminated else ExitCode.INTERRUPTED
