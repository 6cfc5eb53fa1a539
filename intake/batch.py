"""Many client folders at once: one packet per subfolder, and a dashboard for the navigator.

Clients run in parallel (a process each, or on a Dask cluster), and each client's files run
in worker processes under the same per-file time and memory limits as in `scan`: `--jobs N`
is the number of worker processes reading files at once, shared among the clients running
together. A client that fails is a row saying why, never the end of the batch.
`changed_only` skips clients whose files (paths, sizes, modification times) are as they
were at their last packet. The state of each run is
kept in OUT/.intake-batch.json (no record contents: names of folders and fingerprints).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from intake import __version__, ocr_missing
from intake.cache import open_cache
from intake.csv_cells import csv_text
from intake.errors import CannotWrite, InputUnreadable, IntakeError, write_reason
from intake.executors import Executor, LocalExecutor, SerialExecutor
from intake.packet.render import environment
from intake.packet.writer import PrivateFiles
from intake.regular_files import open_regular
from intake.runtime import FileLimits, Runtime
from intake.scan import as_text, is_junk, is_packet

STATE_FILE = ".intake-batch.json"
MAX_STATE_BYTES = 64 * 2**20  # a row is a few hundred bytes: far more clients than a navigator has
DASHBOARD = "DASHBOARD.HTM"
DASHBOARD_CSV = "dashboard.csv"
CSV_COLUMNS = ["client", "status", "documents", "missing_items", "errors", "warnings", "infos",
               "unreadable_files", "packet", "last_run", "fingerprint", "reason"]  # fmt: skip


@dataclass
class ClientRow:
    """One client's line on the dashboard."""

    client: str
    status: str  # complete | incomplete | failed
    documents: int = 0
    missing_items: list[str] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    unreadable_files: int = 0
    packet: str = ""  # relative to OUT
    last_run: str = ""
    fingerprint: str = ""
    reason: str = ""  # why it failed, or what was skipped


@dataclass(frozen=True)
class ClientJob:
    """What a worker needs to build one client's packet (picklable)."""

    folder: Path
    out: Path
    options: object  # api.Options
    cache_path: str | None
    fingerprint: str
    files: int
    extractors: tuple = ()  # the runtime's registry (empty: the default one)
    limits: FileLimits = field(default_factory=FileLimits)
    file_workers: int = 1  # worker processes reading this client's files
    in_process: bool = False  # read files in the client's process, without limits (serial)


@dataclass
class BatchResult:
    rows: list[ClientRow]
    out: Path


def client_folders(parent: Path, out: Path) -> tuple[list[Path], list[Path]]:
    """The subfolders of `parent` that are clients (not hidden, not junk, not packets, not
    OUT), and the links to folders among them: not read, as the walk reads no link, but
    named on the dashboard, not silently absent."""
    try:
        if not parent.is_dir():
            raise InputUnreadable(f"{parent}: is not a folder")
        entries = sorted(os.scandir(parent), key=lambda entry: entry.name)
    except OSError as err:  # inside a folder the user cannot enter
        raise InputUnreadable(f"{parent}: cannot be listed ({err.strerror})") from None
    excluded = out.resolve()
    candidates = [
        entry
        for entry in entries
        if (entry.is_dir(follow_symlinks=False) or entry.is_symlink())
        and not entry.name.startswith(".")
        and not is_junk(entry.name)
        and Path(entry.path).resolve() != excluded  # (a link that is OUT: packets on a USB disk)
        and not is_packet(Path(entry.path))
    ]
    folders = [Path(e.path) for e in candidates if e.is_dir(follow_symlinks=False)]
    links = [Path(e.path) for e in candidates if e.is_symlink() and os.path.isdir(e.path)]
    return folders, links


LINK_REASON = "a link to a folder elsewhere: not followed (copy or move the folder itself here)"


def fingerprint(folder: Path) -> tuple[str, int]:
    """Paths, sizes and modification times of every file below `folder`, hashed; and how many
    files there are."""
    digest = hashlib.sha256()
    count = 0
    for current, folders, files in os.walk(folder):
        folders.sort()
        for name in sorted(files):
            path = Path(current) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            relative = os.fsencode(path.relative_to(folder))
            digest.update(relative + b"\0" + f"{info.st_size}:{info.st_mtime_ns}\n".encode())
            count += 1
    return digest.hexdigest(), count


def run_batch(
    parent: Path | str,
    out: Path | str,
    options=None,
    *,
    runtime: Runtime | None = None,
    changed_only: bool = False,
    cache_path: str | None = None,
    progress: Callable[[str, int, int | None, str], None] | None = None,
) -> BatchResult:
    """Build a packet for every client folder of `parent` under `out`, then the dashboard.

    `runtime` says how files are read (registry, limits, `jobs`); its executor, when given,
    runs the clients (serial: one after another, files in process; Dask: on the cluster).
    Each client opens the cache at `cache_path` itself ("off": none)."""
    from intake.api import Options

    parent, out = Path(parent), Path(out)
    options = options or Options()
    runtime = runtime or Runtime()
    clients, linked_clients = client_folders(parent, out)
    _make_out(out)
    state = _load_state(out)
    rows: dict[str, ClientRow] = {}
    todo: list[ClientJob] = []
    names = packet_names(clients)
    for folder, name in zip(clients, names, strict=True):
        mark, files = fingerprint(folder)
        earlier = state.get(name)
        if (
            changed_only
            and earlier
            and earlier.fingerprint == mark
            and earlier.packet
            and (out / earlier.packet).exists()
            and earlier.reason != ocr_missing.BATCH_REASON  # read again: OCR now?
        ):
            earlier.reason = f"unchanged since its packet of {earlier.last_run}: not rebuilt"
            rows[name] = earlier
            continue
        todo.append(ClientJob(folder, out / name, options, cache_path, mark, files))
    for linked in linked_clients:  # said on the dashboard, never followed
        shown = as_text(linked.name)
        rows[shown] = ClientRow(shown, "failed", reason=LINK_REASON)
        names.append(shown)
    runner, todo = _plan(runtime, todo)
    total_files = sum(job.files for job in todo)
    files_done = 0
    for done, (job, row) in enumerate(zip(todo, runner.map(build_client, todo), strict=True), 1):
        rows[row.client] = row
        files_done += job.files
        if progress:
            progress("clients", done, len(todo), row.client)
            progress("files", files_done, total_files, row.client)
    ordered = [rows[name] for name in names if name in rows]
    _save_state(out, ordered)
    _write_dashboard(out, ordered)
    return BatchResult(ordered, out)


def _plan(runtime: Runtime, todo: list[ClientJob]) -> tuple[Executor, list[ClientJob]]:
    """What runs the clients, and each client's share of the file workers: up to `jobs`
    clients at once, the `jobs` worker processes divided among them."""
    extractors = runtime.extractors or ()  # empty: the shipped registry
    if isinstance(runtime.executor, SerialExecutor):
        planned = [replace(j, extractors=extractors, in_process=True) for j in todo]
        return runtime.executor, planned
    jobs = runtime.jobs or os.cpu_count() or 1
    at_once = max(1, min(len(todo), jobs))
    planned = [
        replace(
            j, extractors=extractors, limits=runtime.limits, file_workers=max(1, jobs // at_once)
        )
        for j in todo
    ]
    return runtime.executor or LocalExecutor(at_once, min_items=2), planned


def build_client(job: ClientJob) -> ClientRow:
    """One client's packet (in a worker), made owner-only whatever the worker's umask and
    the umask put back after; any failure becomes the row's reason."""
    umask = os.umask(0o077)  # a worker of another program (Dask) may have any umask
    try:
        return _build_client(job)
    finally:
        os.umask(umask)


def _build_client(job: ClientJob) -> ClientRow:
    from intake import api

    started = datetime.now().isoformat(timespec="seconds")
    name = job.out.name
    cache = open_cache(job.cache_path) if job.cache_path != "off" else None
    try:
        runtime = api.Runtime(
            extractors=job.extractors or None,
            limits=job.limits,
            jobs=job.file_workers,
            executor=SerialExecutor() if job.in_process else None,
            cache=cache,
        )
        manifest = api.build_packet(job.folder, job.out, job.options, force=True, runtime=runtime)
    except IntakeError as err:
        return ClientRow(name, "failed", last_run=started, fingerprint=job.fingerprint,
                         reason=str(err))  # fmt: skip
    except Exception as err:  # a bug must not stop the other clients; the reason names it
        last = traceback.extract_tb(err.__traceback__)[-1]
        reason = f"{type(err).__name__} in {Path(last.filename).name}:{last.lineno}"
        return ClientRow(name, "failed", last_run=started, fingerprint=job.fingerprint,
                         reason=reason)  # fmt: skip
    finally:
        if cache is not None:
            cache.close()
    severities = [f.severity for f in manifest.findings]
    unread = ocr_missing.unread(manifest)
    return ClientRow(
        client=name,
        status="complete" if manifest.complete and not unread else "incomplete",
        documents=len(manifest.documents),
        missing_items=[i.id for i in manifest.checklist if i.status != "present"],
        errors=severities.count("error"),
        warnings=severities.count("warning"),
        infos=severities.count("info"),
        unreadable_files=sum(d.kind == "unreadable" for d in manifest.documents),
        packet=f"{name}/INDEX.HTM",
        last_run=started,
        fingerprint=job.fingerprint,
        reason=ocr_missing.BATCH_REASON if unread else "",
    )


def _make_out(out: Path) -> None:
    """OUT made owner-only (a folder the navigator already had keeps its mode); CannotWrite
    when it cannot be (inside a folder the user cannot enter, a read-only disk)."""
    try:
        if not out.is_dir():
            out.mkdir(parents=True, mode=0o700)
            os.chmod(out, 0o700)
    except OSError as err:
        raise CannotWrite(f"cannot write the packets to {out}: {write_reason(err)}") from None


def packet_names(clients: list[Path]) -> list[str]:
    """Each client's packet folder under OUT, which is also its name on the dashboard: the
    folder's name as text (a byte that is not UTF-8 written as \\xff); one named like
    batch's own files (DASHBOARD.HTM, dashboard.csv), or like an earlier client once case
    is ignored (an exFAT disk ignores it), gets " (client)" or " (2)" added."""
    taken = {DASHBOARD.casefold(), DASHBOARD_CSV.casefold(), STATE_FILE.casefold()}
    names = []
    for folder in clients:
        shown = as_text(folder.name)
        name = f"{shown} (client)" if shown.casefold() in taken else shown
        count = 1
        while name.casefold() in taken:
            count += 1
            name = f"{shown} ({count})"
        taken.add(name.casefold())
        names.append(name)
    return names


def _load_state(out: Path) -> dict[str, ClientRow]:
    """The rows of the last run, by client; a row of another shape (hand-edited, another
    version) is left out, so that client is built again."""
    try:
        with open_regular(out / STATE_FILE, follow=False) as handle:  # never a FIFO's wait
            data = json.loads(handle.read(MAX_STATE_BYTES).decode("utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: a damaged file nested deep
        return {}
    saved = data.get("clients") if isinstance(data, dict) else None
    rows = (_saved_row(row) for row in saved) if isinstance(saved, list) else ()
    return {row.client: row for row in rows if row is not None}


def _saved_row(saved: object) -> ClientRow | None:
    if not isinstance(saved, dict):
        return None
    fields = {k: v for k, v in saved.items() if k in ClientRow.__annotations__}
    try:
        row = ClientRow(**fields)
    except TypeError:  # client or status missing
        return None
    plain = ClientRow(client="", status="")
    for name, value in asdict(row).items():
        expected = type(getattr(plain, name))
        if type(value) is not expected or (
            expected is list and not all(isinstance(item, str) for item in value)
        ):
            return None
    return row


def _save_state(out: Path, rows: list[ClientRow]) -> None:
    state = {"tool": __version__, "saved": time.time(), "clients": [asdict(r) for r in rows]}
    _replace_private(out / STATE_FILE, json.dumps(state, indent=1))


def _write_dashboard(out: Path, rows: list[ClientRow]) -> None:
    table = []
    for row in rows:
        values = asdict(row)
        values["missing_items"] = " ".join(row.missing_items)
        table.append([values[column] for column in CSV_COLUMNS])
    _replace_private(out / DASHBOARD_CSV, csv_text(CSV_COLUMNS, table))
    attention = sorted(rows, key=lambda r: (r.status != "failed", -len(r.missing_items),
                                            -r.errors, -r.warnings, r.client))  # fmt: skip
    html = (
        environment()
        .get_template("DASHBOARD.HTM.j2")
        .render(
            rows=attention,
            made=datetime.now().isoformat(timespec="minutes"),
            version=__version__,
        )
    )
    _replace_private(out / DASHBOARD, html)


def _replace_private(path: Path, text: str) -> None:
    """Write `path` owner-only and atomically (a temporary file renamed over it)."""
    temp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    temp.unlink(missing_ok=True)
    PrivateFiles(temp.parent).write_text(temp.name, text)
    os.replace(temp, path)
