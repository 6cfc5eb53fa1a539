"""Lab-result accuracy on the generated report layouts: field-level precision and recall.

    python bench/lab_accuracy.py [--verbose]

Generates the layouts (samples/make_lab_pdfs.py) into a temporary folder, reads each
PDF with intake's PDF reader and compares every result with the generator's truth,
field by field: test, value, unit, reference range, flag, date (collected).
Targets (issue 4): >= 0.98 on born-digital files, >= 0.90 on the 300-dpi scans.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "samples"))

from make_lab_pdfs import Report, Truth, build  # noqa: E402

from intake.extractors.pdf import read_pdf  # noqa: E402
from intake.model import LabResult  # noqa: E402

FIELDS = ("test", "value", "unit", "reference_range", "flag", "collected")
TARGETS = {"born-digital": 0.98, "scan 300 dpi": 0.90}


def group_of(name: str, report: Report) -> str:
    """born-digital, scan 300 dpi or scan 200 dpi."""
    return f"scan {report.scanned_dpi} dpi" if report.scanned_dpi else "born-digital"


def normal(field: str, value: str | None) -> str | None:
    """A field as compared: case, spacing and thousands separators do not count."""
    if value is None:
        return None
    value = re.sub(r"\s+", " ", str(value)).strip().casefold()
    if field in ("value", "reference_range"):
        value = value.replace(",", "").replace(" ", "")
    return value or None


def score(results: list[LabResult], truth: list[Truth]) -> tuple[Counter, Counter, Counter]:
    """Per field: correct values, values intake gave, values the truth holds."""
    correct, given, expected = Counter(), Counter(), Counter()
    for item in truth:
        for field in FIELDS:
            expected[field] += getattr(item, field) is not None
    for result in results:
        for field in FIELDS:
            given[field] += getattr(result, field) is not None
    remaining = list(truth)
    for result in results:
        match = _pair(result, remaining)
        if match is None:
            continue
        remaining.remove(match)
        for field in FIELDS:
            mine, theirs = (
                normal(field, getattr(result, field)),
                normal(field, getattr(match, field)),
            )
            correct[field] += mine is not None and mine == theirs
    return correct, given, expected


def _pair(result: LabResult, truth: list[Truth]) -> Truth | None:
    """The truth row this result stands for: same date, closest test name (score >= 80)."""
    candidates = [t for t in truth if t.collected == result.collected] or truth
    best = max(candidates, key=lambda t: fuzz.ratio(t.test.casefold(), result.test.casefold()),
               default=None)  # fmt: skip
    if best is None or fuzz.ratio(best.test.casefold(), result.test.casefold()) < 80:
        return None
    return best


def measure(folder: Path, *, verbose: bool = False) -> dict[str, dict[str, tuple[float, float]]]:
    """{group: {field: (precision, recall)}} over every generated file in `folder`."""
    totals: dict[str, tuple[Counter, Counter, Counter]] = {}
    truth = build(folder)
    for name, report in truth.items():
        started = time.perf_counter()
        read = read_pdf(folder / name)
        correct, given, expected = score(read.labs, report.results)
        group = group_of(name, report)
        sums = totals.setdefault(group, (Counter(), Counter(), Counter()))
        for total, part in zip(sums, (correct, given, expected), strict=True):
            total.update(part)
        if verbose:
            seconds = time.perf_counter() - started
            fields = f"{sum(correct.values())}/{sum(expected.values())} fields"
            print(f"  {name:34} {len(read.labs):3}/{len(report.results):3} results  {fields}  "
                  f"{seconds:.1f}s")  # fmt: skip
    return {
        group: {
            field: (
                correct[field] / given[field] if given[field] else 1.0,
                correct[field] / expected[field] if expected[field] else 1.0,
            )
            for field in FIELDS
        }
        for group, (correct, given, expected) in totals.items()
    }


def main() -> int:
    verbose = "--verbose" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        figures = measure(Path(tmp), verbose=verbose)
    return 0 if print_table(figures) else 1


def print_table(figures: dict[str, dict[str, tuple[float, float]]]) -> bool:
    """Print precision and recall per group and field; True when every target is met."""
    print(f"{'lab fields':14}" + "".join(f"{field:>18}" for field in FIELDS))
    met = True
    for group, fields in figures.items():
        cells = "".join(f"{f'P {p:.3f} R {r:.3f}':>18}" for p, r in fields.values())
        target = TARGETS.get(group)
        low = min(min(p, r) for p, r in fields.values())
        mark = (
            ""
            if target is None
            else (f" ok (>= {target})" if low >= target else f" BELOW {target}")
        )
        met = met and (target is None or low >= target)
        print(f"{group:14}{cells}  min {low:.3f}{mark}")
    return met


if __name__ == "__main__":
    sys.exit(main())
