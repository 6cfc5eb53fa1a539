"""Which specialty a set of records is about, to suggest the checklist that fits it."""

from __future__ import annotations

import re
from collections.abc import Iterable
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
    """The specialty whose vocabulary the records use most, or None when none stands out."""
    corpus = "\n".join(texts)
    low = lowered(corpus)  # a pattern none of whose words is there is not searched
    scores = {
        name: sum(
            1
            for pattern, found in zip(patterns, _needles()[name], strict=True)
            if may_match(found, low) and pattern.search(corpus)
        )
        for name, patterns in _COMPILED.items()
    }
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, score = ranked[0]
    if score < MIN_EVIDENCE or score == ranked[1][1]:
        return None
    return best
