"""Which specialty a set of records is about, to suggest the checklist that fits it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache

from intake.understand.needles import Needles, lowered, may_match, needles

SPECIALTIES: dict[str, list[str]] = {
    "oncology": [
        r"carcinoma|sarcoma|lymphoma|leuka?emia|melanoma|myeloma",
        r"\bcancer\b|malignan",
        r"chemotherapy|radiation\s+therapy|oncolog",
        r"metasta",
        r"\btumou?r\b",
    ],
    "cardiology": [
        r"heart\s+failure|cardiomyopathy",
        r"coronary|myocardial\s+infarction|angina",
        r"atrial\s+fibrillation|arrhythmia",
        r"echocardiogra|ejection\s+fraction",
        r"cardiolog|\bECG\b|\bEKG\b",
    ],
    "neurology": [
        r"seizure|epilep",
        r"\bstroke\b|transient\s+ischemic",
        r"multiple\s+sclerosis|neuropathy",
        r"parkinson|dementia|migraine",
        r"neurolog|\bEEG\b|MR\s+BRAIN|MRI\s+(?:of\s+the\s+)?brain",
    ],
    "orthopaedics": [
        r"fracture",
        r"\bACL\b|menisc|rotator\s+cuff|labr(?:um|al)",
        r"arthroplasty|joint\s+replacement",
        r"orthop(?:a)?edic",
        r"osteoarthritis|spinal\s+fusion",
    ],
}
_COMPILED = {
    name: [re.compile(p, re.I) for p in patterns] for name, patterns in SPECIALTIES.items()
}
MIN_EVIDENCE = 2  # distinct kinds of evidence before suggesting a specialty


@cache
def _needles() -> dict[str, list[Needles | None]]:
    """Each pattern's needles (see intake.understand.needles), made once."""
    return {name: [needles(p, re.I) for p in patterns] for name, patterns in SPECIALTIES.items()}


def suggest_specialty(texts: Iterable[str]) -> str | None:
    """The specialty whose vocabulary the records use most, or None when none stands out.

    The texts are searched together, in runs of up to CHUNK characters: a folder's text
    is never copied whole (a few large records would double the main process's memory)."""
    found: dict[str, set[int]] = {name: set() for name in _COMPILED}  # patterns seen
    for corpus in _chunks(texts, CHUNK):
        low = lowered(corpus)  # a pattern none of whose words is there is not searched
        for name, patterns in _COMPILED.items():
            seen = found[name]
            for index, (pattern, own) in enumerate(zip(patterns, _needles()[name], strict=True)):
                if index not in seen and may_match(own, low) and pattern.search(corpus):
                    seen.add(index)
    scores = {name: len(seen) for name, seen in found.items()}
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, score = ranked[0]
    if score < MIN_EVIDENCE or score == ranked[1][1]:
        return None
    return best


CHUNK = 8 * 2**20  # characters of the records' text searched at once


def _chunks(texts: Iterable[str], size: int) -> Iterator[str]:
    """The texts joined by line breaks, a run at a time of about `size` characters (a text
    longer than that alone)."""
    run: list[str] = []
    total = 0
    for text in texts:
        if run and total + len(text) > size:
            yield "\n".join(run)
            run, total = [], 0
        run.append(text)
        total += len(text) + 1
    if run:
        yield "\n".join(run)
