#!/usr/bin/env python3
"""Records changed under a running intake (issue 19, point 9): at a seeded random moment
(0.05-2.5 s) of an `intake scan --json --with-text` or `intake packet` over a copy of the
oncology sample, one of its files is deleted, truncated, appended to, or replaced by a
folder, a FIFO or a link to a file outside the folder, or its subfolder is swapped for a
link to another folder. Each run is checked: it ends (no hang), with exit 0 or 5 and no
traceback, and the outside file's text is nowhere in what it printed or wrote.

A count of problems, never an assertion (the moment each change lands differs by machine).

    python bench/changes.py            # 40 runs
    python bench/changes.py 100 7      # 100 runs, seed 7
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "samples"))

import make_samples  # noqa: E402

CHANGES = ("delete", "truncate", "append", "folder", "fifo", "link", "folder link")
OUTSIDE = b"OUTSIDE-THE-FOLDER-0451"  # what the outside file holds


def change(target: Path, how: str, folder: Path, outside: Path, aside: Path) -> None:
    """Change `target` (a file under `folder`) the way `how` says."""
    if how == "truncate":
        os.truncate(target, 10)
    elif how == "append":
        with target.open("ab") as handle:
            handle.write(b"\nappended line\n")
    elif how == "folder link" and target.parent != folder:
        shutil.move(target.parent, aside)
        target.parent.symlink_to(outside.parent)
    else:
        target.unlink()
        if how == "folder":
            target.mkdir()
        elif how == "fifo":
            os.mkfifo(target)
        elif how == "link":
            target.symlink_to(outside)


def run_once(rng: random.Random, sample: Path, outside: Path, work: Path) -> tuple[str, list[str]]:
    shutil.rmtree(work, ignore_errors=True)
    folder = work / "records"
    shutil.copytree(sample, folder)
    target = rng.choice(sorted(p for p in folder.rglob("*") if p.is_file()))
    how, delay = rng.choice(CHANGES), rng.uniform(0.05, 2.5)
    command = rng.choice(("scan", "packet"))
    out = work / "packet"
    args = [sys.executable, "-m", "intake"]
    if command == "scan":
        args += ["scan", str(folder), "--json", "--with-text", "--no-cache"]
    else:
        args += ["packet", str(folder), "-o", str(out), "-s", "--no-cache"]
    env = {**os.environ, "INTAKE_CACHE": "off", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=delay)
    with contextlib.suppress(OSError):  # (a run that ended first has nothing changed under it)
        change(target, how, folder, outside, work / "aside")
    what = f"{command}, {target.relative_to(folder)} {how} at {delay:.2f} s"
    try:
        printed, said = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return what, ["still running 120 s after the change"]
    found = []
    if process.returncode not in (0, 5):
        found.append(f"exit {process.returncode}: {said.decode(errors='replace')[-300:]}")
    if b"Traceback" in said:
        found.append("a traceback")
    if OUTSIDE in printed:
        found.append("the outside file's text was printed")
    if out.exists() and any(
        p.is_file() and OUTSIDE in p.read_bytes() for p in out.rglob("*") if not p.is_symlink()
    ):
        found.append("the outside file's text is in the packet")
    return what, found


def main(runs: int = 40, seed: int = 1) -> dict:
    rng = random.Random(seed)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="intake-changes-") as temp:
        base = Path(temp)
        make_samples.build(base / "samples")
        outside = base / "outside" / "secret.txt"
        outside.parent.mkdir()
        outside.write_bytes(OUTSIDE + b"\n")
        for number in range(runs):
            sample = base / "samples" / "oncology-testwell"
            what, found = run_once(rng, sample, outside, base / "run")
            problems += [f"run {number}: {what}: {problem}" for problem in found]
    print(f"runs with a file changed under them (seed {seed}): {runs}")
    print(f"problems: {len(problems)}")
    for problem in problems:
        print(f"  {problem}")
    return {"runs": runs, "seed": seed, "problems": problems}


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
