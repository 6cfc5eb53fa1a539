"""Brand and generic drug names to one generic name, offline.

The dictionary is the `drug-named-entity-recognition` package's bundled data (about 100,000
names and synonyms for 20,000 drugs; its network helpers are never called). A name matches
exactly first (the whole name, then each word); OCR-damaged single words fall back to
rapidfuzz under a conservative threshold, and the score is kept. Words that are part of
directions (take, twice, daily, tablet, with food...) never become drugs; unknown names are
kept as read.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

FUZZY_THRESHOLD = 90.0  # ratio 0-100; "Metforrnin" scores 90+, "Metoprolol" vs "Metformin" not
MIN_FUZZY_LENGTH = 6
DIRECTION_WORDS = frozenset(
    """take takes taking tablet tablets tab tabs capsule capsules cap caps daily twice once
    three four times day days week weekly nightly bedtime morning evening night with food
    water meals mouth by oral orally po bid tid qid prn as needed for pain nausea sleep apply
    inhale inject injection solution cream patch drops spray mg mcg ml units unit refill
    refills qty quantity dr doctor pharmacy rx sig use every hours hour each and or the of
    to in on at a an before after empty stomach list medication medications name dose
    strength start date left right eye ear nose skin extended release er xr sr hcl""".split()  # noqa: SIM905
)  # fmt: skip
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-']+")


@dataclass(frozen=True)
class DrugMatch:
    """The generic name a written name stands for, and how sure the match is."""

    generic: str
    score: float  # 100 for an exact match


OCR_FIXES = (("rn", "m"), ("1", "l"), ("0", "o"), ("|", "l"), ("vv", "w"), ("5", "s"))


@functools.lru_cache(maxsize=1)
def _dictionary() -> tuple[dict[str, str], list[str]]:
    """{written name: generic name} and the one-word names fuzzy matching may pick from.

    Loading the package's compressed data takes over a second, so a plain copy of the two
    columns intake uses is kept in the cache folder (drug names only, no health data)."""
    copy = _copy_path()
    if copy is not None:
        try:
            names = json.loads(copy.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            names = None
        if isinstance(names, dict) and names:
            return names, _singles(names)
    from drug_named_entity_recognition import drugs_finder

    canonical = drugs_finder.drug_canonical_to_data
    names = {
        variant: canonical.get(keys[0], {}).get("name") or keys[0].title()
        for variant, keys in drugs_finder.drug_variant_to_canonical.items()
        if keys
    }
    if copy is not None:
        with contextlib.suppress(OSError):
            copy.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            temp = copy.with_name(f".{copy.name}.{os.getpid()}")
            temp.write_text(json.dumps(names), encoding="utf-8")
            os.chmod(temp, 0o600)
            os.replace(temp, copy)
    return names, _singles(names)


def _singles(names: dict[str, str]) -> list[str]:
    return [n for n in names if " " not in n and len(n) >= MIN_FUZZY_LENGTH]


def _copy_path() -> Path | None:
    import importlib.metadata

    from intake.cache import default_path

    cache = default_path()
    if cache is None:
        return None
    try:
        version = importlib.metadata.version("drug-named-entity-recognition")
    except importlib.metadata.PackageNotFoundError:
        return None
    return cache.parent / f"drug-names-{version}.json"


def normalise(name: str, *, fuzzy: bool = True) -> DrugMatch | None:
    """The generic drug `name` stands for, or None when the dictionary does not know it.

    Without `fuzzy` only exact names count (text that was typed, not OCR-read)."""
    names, singles = _dictionary()
    cleaned = " ".join(name.lower().split())
    if not cleaned:
        return None
    if cleaned in names:
        return DrugMatch(names[cleaned], 100.0)
    words = [w.lower() for w in _WORD.findall(name.replace("1", "l").replace("|", "l"))]
    words = [w for w in words if w not in DIRECTION_WORDS]
    for word in words:
        if word in names:
            return DrugMatch(names[word], 100.0)
    if not fuzzy:
        return None
    for word in words:  # OCR's usual confusions, then a close spelling
        fixed = word
        for wrong, right in OCR_FIXES:
            fixed = fixed.replace(wrong, right)
        if fixed in names:
            return DrugMatch(names[fixed], 99.0)
        if len(word) < MIN_FUZZY_LENGTH:
            continue
        from rapidfuzz import fuzz, process

        best = process.extractOne(word, singles, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
        if best:
            return DrugMatch(names[best[0]], round(best[1], 1))
    return None
