#!/usr/bin/env python3
"""Stopping runs at random moments (issue 19, points 6, 7 and 9): `intake scan`, `packet`,
`packet --zip`, `packet --force` over an earlier packet, and `batch`, each sent SIGTERM or
Ctrl-C (SIGINT) after a random delay (seeded: the same moments every run), then checked:

- stopped: exit 130/143 and one line, which says "nothing written" unless the packet was
  already put in place (then it says where); no packet appears otherwise;
- finished first: exit 0 or 5 (the samples lack checklist items), no traceback;
- always: nothing in TMPDIR, no hidden `.OUT.partial-*`/`.OUT.old-*` folder, no process of
  the run left alive, and `--force` never leaves OUT without a packet.

A count of problems, never an assertion: the moments a slow or fast machine hits differ.
Random stops found four faults the tests had missed (an empty folder left in TMPDIR by every
run over a disc, a stop between making the partial packet and keeping its name, one while
the packet was renamed into place, a Ctrl-C traceback while intake loads).

    python bench/stops.py            # 40 runs
    python bench/stops.py 200 7      # 200 runs, seed 7
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "samples"))

import make_samples  # noqa: E402

COMMANDS = ("scan", "packet", "packet --zip", "packet --force", "batch")
SETTLE = 1.0  # seconds for a stopped run's workers to be reaped before looking


def run_once(
    command: str, stop: signal.Signals, delay: float, samples: Path, earlier: Path, work: Path
) -> tuple[bool, list[str]]:
    """One run stopped after `delay` seconds: whether the stop ended it (else it had
    finished first), and what was wrong with how it ended."""
    shutil.rmtree(work, ignore_errors=True)
    temp = work / "tmp"
    temp.mkdir(parents=True)
    sample = samples / "oncology-testwell"
    out = work / ("packet.zip" if command == "packet --zip" else "packet")
    args = [sys.executable, "-m", "intake"]
    if command == "scan":
        args += ["scan", str(sample), "--json", "--no-cache"]
    elif command == "batch":
        args += ["batch", str(samples), "-o", str(work / "batch")]
    else:
        args += ["packet", str(sample), "-o", str(out), "-s", "--no-cache", *command.split()[1:]]
    if command == "packet --force":
        shutil.copytree(earlier, out)
    env = {**os.environ, "INTAKE_CACHE": "off", "PYTHONPATH": str(ROOT), "TMPDIR": str(temp)}
    process = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
    )  # fmt: skip
    time.sleep(delay)
    if process.poll() is None:
        process.send_signal(stop)
    try:
        _, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return True, ["still running 120 s after the stop"]
    time.sleep(SETTLE)
    stopped = process.returncode in (130, 143, -signal.SIGTERM, -signal.SIGINT)
    return stopped, _problems(command, process, stderr, out, work)


def _problems(command: str, process, stderr: str, out: Path, work: Path) -> list[str]:
    found = []
    alive = subprocess.run(["pgrep", "-s", str(process.pid)], capture_output=True, text=True)
    if alive.stdout.split():
        found.append(f"processes left: {alive.stdout.split()}")
    left = [p.name for p in (work / "tmp").iterdir()]
    left += [p.name for p in work.iterdir() if p.name.startswith(".")]
    if (work / "batch").exists():  # (the batch's own state file is no leftover)
        hidden = (work / "batch").rglob(".*")
        left += [str(p.relative_to(work)) for p in hidden if p.name != ".intake-batch.json"]
    if left:
        found.append(f"left behind: {left}")
    lines = stderr.strip().splitlines()
    if any("Traceback" in line or "Exception ignored" in line for line in lines):
        found.append("a traceback")
    code = process.returncode
    if code in (130, 143):
        written = bool(lines) and "already written" in lines[-1]
        if len(lines) != 1 or "intake: stopped" not in lines[0]:
            found.append(f"not one line: {lines[:3]}")
        made = out.exists() and command != "packet --force"
        if made and not written:
            found.append("a packet appeared, and the line says nothing was written")
    elif code in (-signal.SIGTERM, -signal.SIGINT) and not lines:
        pass  # the signal came before intake's handler was set or after it was put back
    elif code not in (0, 5):
        found.append(f"exit {code}: {lines[-3:]}")
    if command == "packet --force" and not (out / "INDEX.HTM").exists():
        found.append("--force left OUT without a packet")
    return found


def main(runs: int = 40, seed: int = 1) -> dict:
    # a command started in the background of a shell inherits SIGINT ignored, and so would
    # every run here: with a handler of its own, this process starts them with the default
    signal.signal(signal.SIGINT, signal.default_int_handler)
    chosen = random.Random(seed)
    problems: list[str] = []
    counts: dict[str, int] = {}
    stopped_runs = 0
    with tempfile.TemporaryDirectory(prefix="intake-stops-") as temp:
        base = Path(temp)
        make_samples.build(base / "samples")
        samples = base / "samples"
        earlier = base / "earlier"
        subprocess.run(
            [sys.executable, "-m", "intake", "packet", str(samples / "neurology-sampleton"),
             "-o", str(earlier), "-s", "--no-cache"],
            env={**os.environ, "INTAKE_CACHE": "off", "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        for number in range(runs):
            command = chosen.choice(COMMANDS)
            stop = chosen.choice((signal.SIGTERM, signal.SIGINT))
            delay = round(chosen.uniform(0.05, 3.0), 2)
            counts[command] = counts.get(command, 0) + 1
            stopped, found = run_once(command, stop, delay, samples, earlier, base / "run")
            stopped_runs += stopped
            for problem in found:
                problems.append(f"run {number}: {command}, {stop.name} at {delay} s: {problem}")
    each = ", ".join(f"{command} {count}" for command, count in counts.items())
    print(f"runs (seed {seed}): {runs}; {each}; ended by the stop {stopped_runs}, the rest first")
    print(f"problems: {len(problems)}")
    for problem in problems:
        print(f"  {problem}")
    return {"runs": runs, "seed": seed, "commands": counts, "stopped": stopped_runs,
            "problems": problems}  # fmt: skip


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
