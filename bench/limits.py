#!/usr/bin/env python3
"""Big inputs (issue 19, point 8): a PDF of blank pages and a folder of tiny files, each
`intake scan` timed with its peak memory beside a baseline run in the same process setup
(a fresh Python doing the least the input needs). Figures, never assertions.

The folder of tiny files is measured twice: warm (its files just written, in the page cache)
and cold (before each command, baseline and intake alike, the page cache is dropped where
this process may, else each file's cached data is evicted with posix_fadvise): a folder a
user points intake at is on disk, not always in memory; both figures are printed.

    python bench/limits.py            # 50,000 tiny files (the issue's folder)
    python bench/limits.py 20000      # another count of tiny files

Then the same folder scanned with a cache three times: the first run filling it, a re-run
with one file changed (every other file's reading and meaning from the cache), and an
unchanged re-run (the remembered answer).

Then one huge file at a time (a 48 MP photo, an 81 MP PNG, a C-CDA of 100,000 sections, a
FHIR bundle of 200,000 results) is scanned or packed for the main process's peak memory.

Last, a folder of more files than one run reads (Limits.max_run_files, plus a tenth) is
scanned and packed once each for its peak memory: the limit is what bounds a run's memory
whatever the folder holds.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLANK_PAGES = 2_000
TINY_FILES = int(sys.argv[1]) if __name__ == "__main__" and len(sys.argv) > 1 else 50_000
# the tiny folder's timed rows run this many times, each beside its own baseline run: the
# ratio printed is the median of those pairs (a shared machine's noise moves one run by
# a quarter), with their range
REPEATS = int(os.environ.get("INTAKE_BENCH_REPEATS", "3"))

WALK_AND_HASH = """
import hashlib, os, sys
for base, folders, files in os.walk(sys.argv[1]):
    for name in files:
        with open(os.path.join(base, name), "rb") as handle:
            hashlib.file_digest(handle, "sha256")
"""
COPY = """
import shutil, sys
shutil.copytree(sys.argv[1], sys.argv[2])
"""
PDF_TEXT = """
import sys, pypdfium2
document = pypdfium2.PdfDocument(sys.argv[1])
for index in range(len(document)):
    page = document[index]
    page.get_textpage().get_text_range()
"""


def blank_pdf(path: Path, pages: int = BLANK_PAGES) -> Path:
    """A letter-size PDF of `pages` empty pages."""
    from reportlab.pdfgen import canvas

    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path), pagesize=(612, 792))
    for _ in range(pages):
        pdf.showPage()
    pdf.save()
    return path


def tiny_files(folder: Path, count: int = TINY_FILES) -> Path:
    """`count` two-line text notes, a thousand to a subfolder."""
    for number in range(count):
        sub = folder / f"d{number // 1000:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"note{number:06d}.txt").write_text(
            f"Note {number}\nA short note, number {number}, about nothing.\n"
        )
    return folder


# Linux starts a forked child's peak RSS at its parent's (a benchmark process of hundreds
# of MB would floor every figure), so a small launcher forks the command and reports its peak
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[3], sys.argv[3:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)
"""
# runs `python -m MODULE ARGS` or `python -c CODE ARGS` in this process, then writes the
# process's own peak (RUSAGE_SELF: not its workers', which exit without running this)
OWN_PEAK = """
import resource, runpy, sys
out, mode, target = sys.argv[1:4]
sys.argv = [target if mode == "-m" else "-c", *sys.argv[4:]]
try:
    if mode == "-m":
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})
finally:
    with open(out, "w") as peak:
        peak.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Seconds, the peak resident MB of the process running `command` (`python -m ...` or
    `python -c ...`) and the highest peak of it and its workers (wait4's, in a launcher)."""
    python, mode, target, *args = command
    with tempfile.NamedTemporaryFile(prefix="intake-peak-") as tree, \
            tempfile.NamedTemporaryFile(prefix="intake-peak-") as own:  # fmt: skip
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", LAUNCHER, tree.name, "-", python, "-c", OWN_PEAK, own.name,
             mode, target, *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - start
        own_kb = int(Path(own.name).read_text() or 0)
        tree_kb = int(Path(tree.name).read_text() or 0)
    return elapsed, own_kb / 1024, tree_kb / 1024  # kB on Linux


def big_inputs(temp: Path) -> list[tuple[str, list[str]]]:
    """One huge file per folder (tests/faults/make_faults.py makes them), scanned or packed
    for the main process's peak memory: a 48 MP phone photo, an 81 MP PNG, a C-CDA of
    100,000 sections, a 200 MB DICOM image, a 200 MB PDF, a FHIR bundle of 200,000 results."""
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("make_faults", ROOT / "tests/faults/make_faults.py")
    faults = module_from_spec(spec)
    sys.modules["make_faults"] = faults  # its dataclasses look themselves up there
    spec.loader.exec_module(faults)
    inputs = [
        ("48 MP phone photo (JPEG)", "phone.jpg", faults.phone_photo, ("packet",)),
        ("81 MP PNG scan", "scan.png", faults.huge_png, ("packet",)),
        ("C-CDA of 100,000 sections", "visit.xml", faults.many_sections_ccda, ("packet",)),
        ("200 MB DICOM image (10,000 x 10,000)", "ct.dcm", faults.big_dicom, ("packet",)),
        ("200 MB PDF (30 text pages, each with a noise image)", "scan.pdf", faults.big_pdf,
         ("packet",)),
        ("FHIR bundle of 200,000 results", "bundle.json", faults.many_observations_fhir,
         ("scan", "packet")),
    ]  # fmt: skip
    found = []
    for number, (label, name, make, commands) in enumerate(inputs):
        folder = temp / "big" / f"{number}-{Path(name).stem}"
        folder.mkdir(parents=True)
        (folder / name).write_bytes(make())
        for command in commands:
            run = intake_scan(folder) if command == "scan" else intake_packet(folder)
            found.append((f"{command}: {label}", run))
    return found


def run_limit() -> int:
    """How many files one run reads (past it, files are named as left out, not read)."""
    from intake.containers import Limits

    return Limits().max_run_files


def evict(folder: Path) -> str:
    """Take `folder` out of memory before a cold measurement; how it was done."""
    os.sync()
    try:  # every cache (file data, folders, inodes): needs root
        with open("/proc/sys/vm/drop_caches", "w") as control:
            control.write("3\n")
        return "page cache dropped"
    except OSError:
        pass
    for base, _, names in os.walk(folder):
        for name in names:
            descriptor = os.open(os.path.join(base, name), os.O_RDONLY)
            try:
                os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(descriptor)
    return "files' cached data evicted (posix_fadvise)"


def intake_scan(folder: Path) -> list[str]:
    return [sys.executable, "-m", "intake", "scan", "--no-cache", "--json", str(folder)]


def intake_packet(folder: Path) -> list[str]:
    out = folder.parent / f"{folder.name}-packet"
    return [sys.executable, "-m", "intake", "packet", "--no-cache", str(folder), "-o", str(out)]


def rows(temp: Path) -> list[dict]:
    env = {**os.environ, "INTAKE_CACHE": "off", "PYTHONPATH": str(ROOT)}
    pdf = blank_pdf(temp / "blank" / "blank.pdf")
    tiny = tiny_files(temp / "tiny")
    walk = [sys.executable, "-c", WALK_AND_HASH, str(tiny)]
    cases = [
        (f"scan: PDF of {BLANK_PAGES:,} blank pages", intake_scan(pdf.parent), 1,
         [sys.executable, "-c", PDF_TEXT, str(pdf)], "PDFium text of every page", "(figure only)",
         None),
    ]  # fmt: skip
    for cold in (False, True):
        state = "cold" if cold else "warm"
        cases += [
            (f"scan: {TINY_FILES:,} tiny text files, {state}", intake_scan(tiny), TINY_FILES,
             walk, f"walk + SHA-256, {state}", "<= 3", tiny if cold else None),
            (f"packet: {TINY_FILES:,} tiny text files, {state}", intake_packet(tiny), TINY_FILES,
             walk, f"walk + SHA-256, {state}", "<= 10", tiny if cold else None),
        ]  # fmt: skip
    cached = temp / "cache" / "cache.sqlite"  # the re-runs: a cache filled by the first
    rescan = [sys.executable, "-m", "intake", "scan", "--json", "--silent", str(tiny)]
    changed = tiny / "d000" / "note000000.txt"
    for name, rerun in (  # each a fresh process, the cache kept between them
        ("scan: 50,000 tiny text files, first run filling a cache, warm", "first"),
        ("scan: the same folder again, one file changed (cache warm)", "one changed"),
        ("scan: the same folder again, unchanged (cache warm)", "unchanged"),
    ):
        cases.append((name.replace("50,000", f"{TINY_FILES:,}"), rescan, TINY_FILES, walk,
                      "walk + SHA-256, warm", "(figure only)", None, rerun))  # fmt: skip
    copied = temp / "tiny-copy"  # what a packet's copies alone cost (its floor here)
    cases.append(
        (f"copy: {TINY_FILES:,} tiny text files (shutil.copytree), warm",
         [sys.executable, "-c", COPY, str(tiny), str(copied)], TINY_FILES, walk,
         "walk + SHA-256, warm", "(figure only)", None)
    )  # fmt: skip
    for name, command in big_inputs(temp):  # the main process's peak: one file, huge
        cases.append((name, command, 1, None, "(memory only)", "<= 500 MB", None))
    over = tiny_files(temp / "over", run_limit() + run_limit() // 10)
    for command in (intake_scan(over), intake_packet(over)):
        name = f"{command[3]}: {run_limit() + run_limit() // 10:,} tiny files (over the limit)"
        cases.append((name, command, run_limit(), None, "(memory only)", "<= 500 MB", None))
    found = []
    how = ""
    for name, command, files, baseline, what, target, cold, *rerun in cases:
        pairs = []  # (baseline, intake) measured back to back: both see the same machine
        if rerun == ["one changed"]:
            changed.write_text(changed.read_text() + "Changed since the first run.\n")
        run_env = {**env, "INTAKE_CACHE": str(cached)} if rerun else env  # else none
        for _ in range(REPEATS if target in ("<= 3", "<= 10") else 1):
            shutil.rmtree(tiny.parent / f"{tiny.name}-packet", ignore_errors=True)
            shutil.rmtree(copied, ignore_errors=True)
            how = evict(cold) if cold else how
            base = measure(baseline, env) if baseline else (0.0, 0.0, 0.0)
            if cold:
                evict(cold)
            pairs.append((base, measure(command, run_env)))
        (base_seconds, base_mb, _), (seconds, peak_mb, tree_mb) = _summary(pairs)
        ratios = sorted(run[0] / pair[0] for pair, run in pairs if pair[0])
        found.append(
            {
                "benchmark": name,
                "files": files,
                "seconds": round(seconds, 2),
                "peak_mb": round(peak_mb),
                "workers_peak_mb": round(tree_mb),
                "baseline": what,
                "baseline_seconds": round(base_seconds, 2),
                "baseline_peak_mb": round(base_mb),
                "ratio": round(statistics.median(ratios), 1) if ratios else "-",
                "ratios": "-".join(f"{r:.1f}" for r in (ratios[0], ratios[-1]))
                if len(ratios) > 1 else "-",
                "target": target,
                **({"cold": how} if cold else {}),
            }
        )  # fmt: skip
    return found


def _summary(pairs: list) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """(baseline, intake), each as its median seconds and its highest peaks (own, with its
    workers) in MB over the repeated measurements (a memory bound holds for every run)."""
    return tuple(  # type: ignore[return-value]
        (statistics.median(pair[side][0] for pair in pairs),
         max(pair[side][1] for pair in pairs), max(pair[side][2] for pair in pairs))
        for side in (0, 1)
    )  # fmt: skip


def main() -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="intake-limits-") as temp:
        found = rows(Path(temp))
    header = ["benchmark", "seconds", "peak_mb", "workers_peak_mb", "baseline_seconds",
              "baseline_peak_mb", "ratio", "ratios", "target"]  # fmt: skip
    print(
        "big inputs (intake scan/packet --no-cache, a fresh process each; peak_mb: the main "
        "process's own, the target's; workers_peak_mb: the highest of it and its workers)"
    )
    print(" | ".join(header))
    for row in found:
        print(" | ".join(str(row[key]) for key in header))
    cold = {row["cold"] for row in found if "cold" in row}
    if cold:
        print(f"cold: before each cold command, {cold.pop()}")
    return found


if __name__ == "__main__":
    main()
