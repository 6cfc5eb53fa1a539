"""Many client folders at once: one packet per subfolder, and a dashboard for the navigator.

Clients run in parallel (a process each, or on a Dask cluster); a client that fails is a row
saying why, never the end of the batch. `changed_only` skips clients whose files (paths,
sizes, modification times) are as they were at their last packet. The state of each run is
kept in OUT/.intake-batch.json (no record contents: names of folders and fingerprints).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from intake import __version__
from intake.cache import open_cache
from intake.csv_cells import csv_text
from intake.errors import IntakeError
from intake.executors import Executor, LocalExecutor, SerialExecutor
from intake.packet.render import environment
from intake.packet.writer import PrivateFiles
from intake.scan import is_junk, is_packet

STATE_FILE = ".intake-batch.json"
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


@dataclass
class BatchResult:
    rows: list[ClientRow]
    out: Path


def client_folders(parent: Path, out: Path) -> list[Path]:
    """The subfolders of `parent` that are clients (not hidden, not junk, not packets, not OUT)."""
    if not parent.is_dir():
        raise IntakeError(f"{parent}: is not a folder")
    excluded = out.resolve()
    return sorted(
        path
        for path in parent.iterdir()
        if path.is_dir()
        and not path.is_symlink()
        and not path.name.startswith(".")
        and not is_junk(path.name)
        and path.resolve() != excluded
        and not is_packet(path)
    )


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
    jobs: int | None = None,
    changed_only: bool = False,
    cache_path: str | None = None,
    executor: Executor | None = None,
    progress: Callable[[str, int, int | None, str], None] | None = None,
) -> BatchResult:
    """Build a packet for every client folder of `parent` under `out`, then the dashboard."""
    from intake.api import Options

    parent, out = Path(parent), Path(out)
    options = options or Options()
    if not out.exists():  # made owner-only; a folder the navigator already had keeps its mode
        out.mkdir(parents=True, mode=0o700)
        os.chmod(out, 0o700)
    state = _load_state(out)
    clients = client_folders(parent, out)
    rows: dict[str, ClientRow] = {}
    todo: list[ClientJob] = []
    for folder in clients:
        print_name = folder.name
        mark, files = fingerprint(folder)
        earlier = state.get(print_name)
        if (
            changed_only
            and earlier
            and earlier.get("fingerprint") == mark
            and (out / earlier.get("packet", "\0")).exists()
        ):
            row = ClientRow(**{k: v for k, v in earlier.items() if k in ClientRow.__annotations__})
            row.reason = f"unchanged since its packet of {row.last_run}: not rebuilt"
            rows[print_name] = row
            continue
        todo.append(ClientJob(folder, out / print_name, options, cache_path, mark, files))
    runner = executor or (
        LocalExecutor(jobs, min_items=2) if (jobs or 0) != 1 else SerialExecutor()
    )
    total_files = sum(job.files for job in todo)
    files_done = 0
    for done, (job, row) in enumerate(zip(todo, runner.map(build_client, todo), strict=True), 1):
        rows[row.client] = row
        files_done += job.files
        if progress:
            progress("clients", done, len(todo), row.client)
            progress("files", files_done, total_files, row.client)
    ordered = [rows[folder.name] for folder in clients if folder.name in rows]
    _save_state(out, ordered)
    _write_dashboard(out, ordered)
    return BatchResult(ordered, out)


def build_client(job: ClientJob) -> ClientRow:
    """One client's packet (in a worker); any failure becomes the row's reason."""
    from intake import api
    from intake.executors import SerialExecutor

    started = datetime.now().isoformat(timespec="seconds")
    name = job.folder.name
    cache = open_cache(job.cache_path) if job.cache_path != "off" else None
    try:
        runtime = api.Runtime(executor=SerialExecutor(), cache=cache)
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
    return ClientRow(
        client=name,
        status="complete" if manifest.complete else "incomplete",
        documents=len(manifest.documents),
        missing_items=[i.id for i in manifest.checklist if i.status != "present"],
        errors=severities.count("error"),
        warnings=severities.count("warning"),
        infos=severities.count("info"),
        unreadable_files=sum(d.kind == "unreadable" for d in manifest.documents),
        packet=f"{name}/INDEX.HTM",
        last_run=started,
        fingerprint=job.fingerprint,
    )


def _load_state(out: Path) -> dict[str, dict]:
    try:
        data = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {row["client"]: row for row in data.get("clients", []) if "client" in row}


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
