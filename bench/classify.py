#!/usr/bin/env python3
"""Classification accuracy on the committed labelled set, with a confusion matrix; identity checks.

    python bench/classify.py          (also part of `make bench`)
Target: accuracy >= 0.95 on kind and subtype together.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "samples"))

import make_samples  # noqa: E402

from intake import api  # noqa: E402

LABELLED = ROOT / "samples" / "labelled"


def label_of(document) -> str:
    return document.kind + (f".{document.subtype}" if document.subtype else "")


def classification() -> tuple[float, Counter]:
    manifest = api.scan_folder(LABELLED)
    pairs = Counter()
    for document in manifest.documents:
        truth = document.source.rsplit("-", 1)[0]
        pairs[(truth, label_of(document))] += 1
    right = sum(n for (truth, got), n in pairs.items() if truth == got)
    return right / sum(pairs.values()), pairs


def identity() -> tuple[bool, bool]:
    """(another patient's report is caught, no false alarm when names differ only in format)."""
    with tempfile.TemporaryDirectory() as temp:
        folder = make_samples.build(Path(temp))[0]
        clean = api.scan_folder(folder)
        alarm_free = not any(f.code == "other-patient" for f in clean.findings)
        make_samples.write_pdf(
            folder / "someone else.pdf",
            ["# Example Lab (fictional)", "LABORATORY REPORT",
             "Patient Name: OTHERPERSON, JOHN Q    DOB: 01/02/1970", "Collected: 10/01/2026",
             "WBC 5.0 x10E3/uL 3.4-10.8"],
        )  # fmt: skip
        slipped = api.scan_folder(folder)
        caught = any(
            f.code == "other-patient" and "someone else.pdf" in f.message for f in slipped.findings
        )
        shutil.rmtree(folder)
    return caught, alarm_free


def main() -> dict:
    accuracy, pairs = classification()
    labels = sorted({label for pair in pairs for label in pair})
    print(
        f"classification: {sum(pairs.values())} documents, accuracy {accuracy:.3f} (target >= 0.95)"
    )
    mistakes = {pair: n for pair, n in pairs.items() if pair[0] != pair[1]}
    print("confusion (truth -> read: count), mistakes only:" if mistakes else "no mistakes")
    for (truth, got), count in sorted(mistakes.items()):
        print(f"  {truth} -> {got}: {count}")
    width = max(len(label) for label in labels)
    print("\nconfusion matrix (rows truth, columns read, by label index):")
    print(" " * (width + 1) + " ".join(f"{i:>2}" for i in range(len(labels))))
    for i, truth in enumerate(labels):
        row = " ".join(f"{pairs.get((truth, got), 0) or '.':>2}" for got in labels)
        print(f"{truth:<{width}} {row}   [{i}]")
    caught, alarm_free = identity()
    print(f"\nidentity: other patient's report caught: {caught}; no false alarm: {alarm_free}")
    return {"accuracy": round(accuracy, 3), "documents": sum(pairs.values()),
            "other_patient_caught": caught, "no_false_alarm": alarm_free}  # fmt: skip


if __name__ == "__main__":
    main()
