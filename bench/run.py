#!/usr/bin/env python3
"""intake's benchmarks: each figure beside a baseline measured in the same run.

Targets are printed, never asserted: a slow machine must not fail the tests.
Results go to stdout as a table and to bench/results.json.

    python bench/run.py
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "samples"))

import make_samples  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import classify  # noqa: E402

from intake import api  # noqa: E402
from intake.containers import Workspace, open_containers  # noqa: E402
from intake.scan import identify, is_junk, scan  # noqa: E402

REPEAT = 3


def best_of(function, repeat: int = REPEAT) -> float:
    """The fastest of `repeat` runs, in seconds (the least disturbed by other work)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def hash_only(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                hashlib.file_digest(handle, "sha256")


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
    understanding = classify.main()
    (ROOT / "bench" / "results.json").write_text(
        json.dumps(
            {"machine": machine, "peak_rss_mb": round(peak_mb), "results": rows,
             "understanding": understanding},
            indent=2,
        )
    )  # fmt: skip


if __name__ == "__main__":
    main()
