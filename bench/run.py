#!/usr/bin/env python3
"""intake's benchmarks: each figure beside a baseline measured in the same run.

Targets are printed, never asserted: a slow machine must not fail the tests.
Results go to stdout as a table and to bench/results.json.

    python bench/run.py
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "samples"))

import make_samples  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import changes  # noqa: E402
import classify  # noqa: E402
import limits  # noqa: E402
import make_disc  # noqa: E402
import pdfs  # noqa: E402
import photos  # noqa: E402
import pydicom  # noqa: E402
import stops  # noqa: E402
from timing import best_of  # noqa: E402

from intake import api  # noqa: E402
from intake.cache import ExtractionCache  # noqa: E402
from intake.containers import Workspace, open_containers  # noqa: E402
from intake.errors import ExitCode  # noqa: E402
from intake.extractors import combine, dicom  # noqa: E402
from intake.packet.writer import write_packet  # noqa: E402
from intake.runtime import Runtime  # noqa: E402
from intake.scan import identify, is_junk, scan  # noqa: E402


def hash_only(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                hashlib.file_digest(handle, "sha256")


def hash_records(folder: Path) -> None:
    """SHA-256 of every file, and of every member of the zips among them."""
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        with open(path, "rb") as handle:
            hashlib.file_digest(handle, "sha256")
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        with archive.open(info) as member:
                            hashlib.file_digest(member, "sha256")


def zip_row(tree: Path, temp: Path) -> dict:
    """Opening a portal-sized zip in the workspace (limits counted, every member hashed and
    sniffed) against the plain way: zipfile.extractall, then hashing what it wrote. Zips inside
    the tree are left out, so both sides do the same work (extractall does not open them)."""
    archive = temp / "download.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as writer:
        for path in sorted(tree.rglob("*")):
            if path.is_file() and path.suffix.lower() != ".zip":
                writer.write(path, path.relative_to(tree).as_posix())
    members = len(zipfile.ZipFile(archive).infolist())

    def plain() -> None:
        with tempfile.TemporaryDirectory(dir=temp) as out:
            zipfile.ZipFile(archive).extractall(out)
            hash_only(Path(out))

    def ours() -> None:
        with Workspace() as workspace:
            open_containers([identify(archive, "download.zip")], workspace, is_junk=is_junk)

    baseline, elapsed = best_of(plain), best_of(ours)
    return {
        "benchmark": "open zip: stream members + limits + sniff + SHA-256",
        "files": members,
        "MB": round(archive.stat().st_size / 2**20, 1),
        "seconds": round(elapsed, 3),
        "baseline": "zipfile.extractall + hashlib.file_digest",
        "baseline_seconds": round(baseline, 3),
        "ratio": round(baseline / elapsed, 2),
        "target": ">= 0.8",
    }


DISC_SCRIPT = """
import json, re, sys, time
from pathlib import Path
from intake import api
start = time.perf_counter()
manifest = api.scan_folder(sys.argv[1])
elapsed = time.perf_counter() - start
status = Path("/proc/self/status").read_text()  # VmHWM: this process's own peak, not inherited
peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) / 1024
print(json.dumps({"seconds": elapsed, "peak_mb": peak,
                  "studies": sum(d.kind == "imaging_study" for d in manifest.documents)}))
"""


def read_header(path: str) -> object:
    """The floor's work for one file: pydicom reading the header, as the issue defines it."""
    with open(path, "rb") as handle:
        ds = pydicom.dcmread(
            handle, stop_before_pixels=True, force=True, specific_tags=dicom.HEADER_TAGS
        )
    return ds.get("StudyInstanceUID")


def disc_rows(temp: Path) -> list[dict]:
    """A generated 2,000-file disc: DICOM indexing (header reading in a process per core,
    studies merged) against the floor of pydicom reading the same headers in as many
    processes; the whole run (hashing included); peak memory at two image sizes."""
    rows = []
    peaks = {}
    for size in (256, 64):
        disc = temp / f"disc{size}"
        make_disc.write_disc(disc, per_series=333, size=size, dicomdir=False, viewer=False)
        result = scan(disc)
        paths = [str(s.path) for s in result.sources]
        megabytes = sum(s.size for s in result.sources) / 2**20
        if size == 256:
            cores = os.cpu_count() or 1
            context = multiprocessing.get_context("fork")

            def floor(paths=paths, cores=cores, context=context) -> None:
                with ProcessPoolExecutor(cores, mp_context=context) as pool:
                    list(pool.map(read_header, paths, chunksize=64))

            def index(sources=result.sources) -> None:
                readings = Runtime().read_all(sources)
                combine([d for reading in readings for d in reading.documents])

            floor_seconds, index_seconds = best_of(floor, 5), best_of(index, 5)
            rows.append(
                {
                    "benchmark": f"DICOM indexing: {cores} processes, studies merged",
                    "files": len(paths),
                    "MB": round(megabytes, 1),
                    "seconds": round(index_seconds, 3),
                    "baseline": f"pydicom dcmread, stop_before_pixels, {cores} processes",
                    "baseline_seconds": round(floor_seconds, 3),
                    "ratio": round(floor_seconds / index_seconds, 2),
                    "target": ">= 0.8",
                }
            )
        done = subprocess.run(
            [sys.executable, "-c", DISC_SCRIPT, str(disc)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        run = json.loads(done.stdout)
        peaks[size] = run["peak_mb"]
        rows.append(
            {
                "benchmark": f"DICOM disc, whole run (walk, SHA-256, index, check), {size}x{size}",
                "files": len(paths),
                "MB": round(megabytes, 1),
                "seconds": round(run["seconds"], 3),
                "baseline": "",
                "baseline_seconds": "",
                "ratio": "",
                "target": f"peak RSS {run['peak_mb']:.0f} MB (< 500 MB)",
            }
        )
    rows[-1]["ratio"] = f"RSS {peaks[256] / peaks[64]:.2f}x at 16x the pixel data"
    return rows


def packet_rows(folders: list[Path], temp: Path) -> list[dict]:
    """Writing the packet (copies, DICOM file-set, previews, PACKET.PDF, metadata) against
    merely copying the folder's files; the reading is timed apart."""
    fifty = temp / "fifty"
    fifty.mkdir()
    for path in sorted((ROOT / "samples" / "labelled").iterdir())[:50]:
        shutil.copyfile(path, fifty / path.name)
    rows = []
    for folder in [*folders, fifty]:
        out = temp / f"packet-{folder.name}"
        copies = temp / f"copy-{folder.name}"
        start = time.perf_counter()
        with api.open_folder(folder) as reading:
            read = time.perf_counter() - start
            start = time.perf_counter()
            write_packet(reading.manifest, reading.sources, out)
            write = time.perf_counter() - start
        start = time.perf_counter()
        shutil.copytree(folder, copies)
        copy = time.perf_counter() - start
        rows.append(
            {
                "benchmark": f"packet: write {folder.name} (reading took {read:.2f} s)",
                "files": sum(1 for p in folder.rglob("*") if p.is_file()),
                "seconds": round(write, 3),
                "baseline": "shutil.copytree of the folder",
                "baseline_seconds": round(copy, 4),
                "ratio": round(write / copy, 1),
                "target": "(figure only)",
            }
        )
    return rows


def warm_rows(folders: list[Path], temp: Path) -> list[dict]:
    """Re-running an unchanged folder with the cache: against hashing its files alone (the
    records inside a portal zip included: any tool must read those to know they did not
    change), and against the cold run."""
    rows = []
    for folder in folders:
        with ExtractionCache(temp / f"warm-{folder.name}.sqlite") as cache:
            runtime = api.Runtime(cache=cache)
            start = time.perf_counter()
            api.scan_folder(folder, runtime=runtime)
            cold = time.perf_counter() - start
            warm = best_of(lambda folder=folder, r=runtime: api.scan_folder(folder, runtime=r), 30)
        hashing = best_of(lambda folder=folder: hash_records(folder), 30)
        rows.append(
            {
                "benchmark": f"warm re-run of {folder.name} (cold run {cold:.3f} s, "
                f"{cold / warm:.0f}x slower)",
                "files": sum(1 for p in folder.rglob("*") if p.is_file()),
                "seconds": round(warm, 4),
                "baseline": "hashing its files (and zip members)",
                "baseline_seconds": round(hashing, 4),
                "ratio": round(warm / hashing, 2),
                "target": "<= 1.5",
            }
        )
    return rows


def intake_command() -> list[str]:
    """The `intake` console script beside this Python, else the same code through `-c`."""
    script = Path(sys.executable).with_name("intake")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from intake.warm import main; sys.exit(main())"]


def startup_rows(folders: list[Path], temp: Path) -> list[dict]:
    """A fresh process each time: `intake --help` against `python -c pass`, and `intake scan
    FOLDER --json` of an unchanged folder (its manifest served by the run cache) against
    `python -c pass` plus hashing the folder's files. What is left over is start-up: the
    modules the command imports. Every process reads compiled bytecode (kept in a private
    folder, filled by a first untimed run), as an installed intake does."""
    env = {**os.environ, "INTAKE_CACHE": str(temp / "cli-cache.sqlite"),
           "PYTHONPYCACHEPREFIX": str(temp / "pycache")}  # fmt: skip
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    intake = intake_command()

    def run(command: list[str], ok: tuple[int, ...] = (ExitCode.OK,)) -> None:
        done = subprocess.run(command, env=env, capture_output=True, check=False)
        if done.returncode not in ok:
            raise RuntimeError(f"{command} exited {done.returncode}: {done.stderr.decode()}")

    python = [sys.executable, "-c", "pass"]
    run(python)
    run([*intake, "--help"])  # untimed: compiles the bytecode
    bare = best_of(lambda: run(python), 20)
    helped = best_of(lambda: run([*intake, "--help"]), 20)
    rows = [
        {
            "benchmark": f"intake --help, a fresh process ({(helped - bare) * 1000:.0f} ms "
            "more than bare Python)",
            "seconds": round(helped, 3),
            "baseline": "python -c pass",
            "baseline_seconds": round(bare, 3),
            "ratio": round(helped / bare, 2),
            "target": "<= 0.3 s",
        }
    ]
    done = (ExitCode.OK, ExitCode.INCOMPLETE)  # the samples lack checklist items
    for folder in folders:
        scan_command = [*intake, "scan", str(folder), "--json", "--silent"]
        run(scan_command, done)  # cold: fills the cache
        warm = best_of(lambda command=scan_command: run(command, done), 10)
        hashing = best_of(lambda folder=folder: hash_only(folder), 10)
        rows.append(
            {
                "benchmark": f"intake scan {folder.name} --json, unchanged (run cache): "
                f"{(warm - bare - hashing) * 1000:.0f} ms beyond the baseline",
                "files": sum(1 for p in folder.rglob("*") if p.is_file()),
                "seconds": round(warm, 3),
                "baseline": "python -c pass + hashlib SHA-256 of its files",
                "baseline_seconds": round(bare + hashing, 3),
                "ratio": round(warm / (bare + hashing), 2),
                "target": "<= 1.5",
            }
        )
    return rows


BATCH_SCRIPT = """
import json, re, sys, time
from pathlib import Path
from intake.batch import run_batch
from intake.runtime import Runtime
start = time.perf_counter()
run_batch(sys.argv[1], sys.argv[2], runtime=Runtime(jobs=int(sys.argv[3])), cache_path="off")
elapsed = time.perf_counter() - start
status = Path("/proc/self/status").read_text()
peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) / 1024
import resource
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "peak_mb": peak, "worker_mb": workers}))
"""


def batch_rows(folders: list[Path], temp: Path) -> list[dict]:
    """A batch of 20 client folders (the samples, ten copies each) with 1 and 2 workers."""
    parent = temp / "clients"
    for copy in range(10):
        for folder in folders:
            shutil.copytree(folder, parent / f"{folder.name}-{copy:02d}")
    runs = {}
    for jobs in (1, 2):
        done = subprocess.run(
            [sys.executable, "-c", BATCH_SCRIPT, str(parent), str(temp / f"batch{jobs}"),
             str(jobs)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        runs[jobs] = json.loads(done.stdout)
    return [
        {
            "benchmark": "batch of 20 clients, 2 workers (packets written, no cache)",
            "files": sum(1 for p in parent.rglob("*") if p.is_file()),
            "seconds": round(runs[2]["seconds"], 2),
            "baseline": "the same batch with 1 worker",
            "baseline_seconds": round(runs[1]["seconds"], 2),
            "ratio": f"{runs[1]['seconds'] / runs[2]['seconds']:.2f}x speed-up",
            "target": f">= 1.7x; peak RSS {runs[2]['peak_mb']:.0f} MB, largest worker "
            f"{runs[2]['worker_mb']:.0f} MB (< 500 MB)",
        }
    ]


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as temp:
        temp_path = Path(temp)
        folders = make_samples.build(temp_path / "samples")
        many = temp_path / "many"
        for copy in range(20):  # a bigger tree for the walk: 20 copies of both patients
            for folder in folders:
                shutil.copytree(folder, many / f"{folder.name}-{copy:02d}")
        files = sum(1 for p in many.rglob("*") if p.is_file())
        megabytes = sum(p.stat().st_size for p in many.rglob("*") if p.is_file()) / 2**20

        baseline = best_of(lambda: hash_only(many))
        walk = best_of(lambda: scan(many))
        rows.append(
            {
                "benchmark": "scan: walk + sniff + SHA-256",
                "files": files,
                "MB": round(megabytes, 1),
                "seconds": round(walk, 3),
                "baseline": "hashlib.file_digest alone",
                "baseline_seconds": round(baseline, 3),
                "ratio": round(baseline / walk, 2),
                "target": ">= 0.8",
            }
        )
        rows.append(zip_row(many, temp_path))
        rows.extend(disc_rows(temp_path))
        rows.extend(packet_rows(folders, temp_path))
        rows.extend(warm_rows([*folders, temp_path / "disc256"], temp_path))
        rows.extend(startup_rows([*folders, temp_path / "disc256"], temp_path))
        rows.extend(batch_rows(folders, temp_path))
        for folder in folders:
            elapsed = best_of(lambda folder=folder: api.scan_folder(folder), repeat=1)
            copy = best_of(lambda folder=folder: hash_only(folder), repeat=1)
            count = sum(1 for p in folder.rglob("*") if p.is_file())
            rows.append(
                {
                    "benchmark": f"read folder: {folder.name} (cold, OCR included)",
                    "files": count,
                    "seconds": round(elapsed, 2),
                    "baseline": "hashing its files",
                    "baseline_seconds": round(copy, 4),
                    "ratio": round(elapsed / copy, 1),
                    "target": "(figure only)",
                }
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    python = f"{platform.python_implementation()} {platform.python_version()}"
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {python}"
    print(f"intake benchmarks on {machine}; peak RSS {peak_mb:.0f} MB\n")
    header = ["benchmark", "files", "seconds", "baseline_seconds", "ratio", "target"]
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(str(row.get(key, "")) for key in header))
    print()
    big_inputs = limits.main()
    print()
    understanding = classify.main()
    print()
    photo_results = photos.main()
    print()
    pdf_results = pdfs.main()
    print()
    stop_results = stops.main()
    print()
    change_results = changes.main()
    (ROOT / "bench" / "results.json").write_text(
        json.dumps(
            {"machine": machine, "peak_rss_mb": round(peak_mb), "results": rows,
             "big_inputs": big_inputs, "understanding": understanding, "photos": photo_results,
             "pdfs": pdf_results, "stops": stop_results, "changes": change_results},
            indent=2,
        )
    )  # fmt: skip


if __name__ == "__main__":
    main()
