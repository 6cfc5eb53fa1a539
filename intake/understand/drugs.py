"""Brand and generic drug names to one generic name, offline.

The dictionary is the `drug-named-entity-recognition` package's bundled data (about 100,000
names and synonyms for 20,000 drugs), read from its data file without importing the package
(whose import reads and writes files in the home folder and takes over a second; its network
helpers are never called). A name matches exactly first (the whole name, then each word);
OCR-damaged single words fall back to rapidfuzz under a conservative threshold, and the
score is kept. Words that are part of directions (take, twice, daily, tablet, with food...)
never become drugs; unknown names are kept as read.

A plain copy of the two columns intake uses may be kept in a folder the caller names with
`names_copy()` (the cache's folder); none is read or written otherwise. The copy is checked
before use (see `_read_copy`).
"""

from __future__ import annotations

import bz2
import contextlib
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import pickle
import re
import tempfile
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from intake.regular_files import open_regular

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
# salts and elements that name no drug alone: never matched to a drug by a close spelling
SALT_WORDS = frozenset(
    """chloride chlorides sulfate sulphate sulfates hydrochloride hydrobromide bromide
    acetate citrate phosphate carbonate bicarbonate oxide hydroxide gluconate lactate
    succinate tartrate maleate mesylate besylate fumarate sodium potassium calcium
    magnesium elemental iron ferrous ferric zinc""".split()  # noqa: SIM905
)  # fmt: skip
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-']+")


# words by which a brand names a product of more ingredients than its own ('Tylenol PM',
# 'Mucinex DM', 'Losartan HCT', 'Sudafed PE', 'Advil Cold and Sinus'): a name holding one
# (not the dictionary's whole entry) gets no generic, never its first ingredient's alone
COMBINATION_MARKS = frozenset({"pm", "dm", "hct", "pe", "cold", "sinus", "flu"})


@dataclass(frozen=True)
class DrugMatch:
    """The generic name a written name stands for, and how sure the match is."""

    generic: str
    score: float  # 100 for an exact match


OCR_FIXES = (("rn", "m"), ("1", "l"), ("0", "o"), ("|", "l"), ("vv", "w"), ("5", "s"))


PACKAGE = "drug-named-entity-recognition"
DATA_FILE = "drug_ner_dictionary.pkl.bz2"  # in the package's folder
COPY_FORMAT = "intake.drug-names/1"
_copy_folder: ContextVar[Path | None] = ContextVar("intake_drug_names_copy", default=None)


@contextlib.contextmanager
def names_copy(path: Path | str | None) -> Iterator[None]:
    """While the block runs, keep a plain copy of the dictionary in the folder `path` and
    read it from there (None: no copy is read or written; the package data is loaded).

    The folder is given, never derived from HOME: the caller passes the cache's folder, or
    None when nothing may be stored (--no-cache). A context variable holds it, so threads and
    nested blocks see their own; enter it in each worker process too."""
    token = _copy_folder.set(Path(path) if path is not None else None)
    try:
        yield
    finally:
        _copy_folder.reset(token)


def load_dictionary() -> None:
    """Load the dictionary now (in a parent process, so the workers forked after it share
    it instead of each loading its own: about a second each)."""
    _dictionary()


def _dictionary() -> tuple[dict[str, str], list[str]]:
    """{written name: generic name} and the one-word names fuzzy matching may pick from."""
    return _load(_copy_folder.get())


@functools.lru_cache(maxsize=1)
def _load(folder: Path | None) -> tuple[dict[str, str], list[str]]:
    """The dictionary, from a verified copy in `folder` when there is one, else from the
    package data (then copied into `folder`, when given). Loaded once per process and
    folder."""
    data = _package_data()
    names = _read_copy(folder / data.copy_name, data) if folder is not None else None
    if names is None:
        names = data.names()
        if folder is not None:
            _write_copy(folder, data, names)
    return names, _singles(names)


@dataclass(frozen=True)
class _PackageData:
    """The package's data file: where it is, its version and the SHA-256 of its bytes."""

    path: Path
    version: str
    sha256: str
    raw: bytes

    @property
    def copy_name(self) -> str:
        return f"drug-names-{self.version}.json"

    def names(self) -> dict[str, str]:
        """{every written variant: its generic name}, as the package's finder reads them."""
        data = pickle.loads(bz2.decompress(self.raw))  # the installed package's own data
        canonical = data["drug_canonical_to_data"]
        return {
            variant: canonical.get(keys[0], {}).get("name") or keys[0].title()
            for variant, keys in data["drug_variant_to_canonical"].items()
            if keys
        }


def _package_data() -> _PackageData:
    """The installed package's data file, found without importing the package."""
    spec = importlib.util.find_spec("drug_named_entity_recognition")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{PACKAGE} is not installed: pip install {PACKAGE}")
    path = Path(next(iter(spec.submodule_search_locations))) / DATA_FILE
    raw = path.read_bytes()
    version = importlib.metadata.version(PACKAGE)
    return _PackageData(path, version, hashlib.sha256(raw).hexdigest(), raw)


def _read_copy(path: Path, data: _PackageData) -> dict[str, str] | None:
    """The names in the copy at `path`, or None when it is missing or cannot be trusted.

    The copy is one line of envelope (format, the package's version, the SHA-256 of the
    package's data file it was made from, the SHA-256 of the names that follow) and the
    names as JSON. It is used only when it is a regular file of this user's that no one
    else may write, made from the very data file installed now, and its names hash to the
    digest: an edited, truncated or stale copy is ignored (and rewritten). Comparing a sample
    of names with the package would mean loading the package data, the cost the copy
    avoids; the digests tie the copy to it instead."""
    try:  # (a FIFO or a link at its name: refused, never waited on)
        with open_regular(path, follow=False) as handle:
            info = os.fstat(handle.fileno())
            mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
            if not mine or info.st_mode & 0o022:
                return None
            raw = handle.read()
    except OSError:
        return None
    header, newline, payload = raw.partition(b"\n")
    try:
        envelope = json.loads(header)
    except ValueError:
        return None
    if not newline or envelope != _envelope(data, payload):
        return None
    try:
        names = json.loads(payload)
    except ValueError:
        return None
    return names if isinstance(names, dict) and names else None


def _envelope(data: _PackageData, payload: bytes) -> dict[str, str]:
    """The copy's header: what it was made from, and the digest of the names it holds."""
    return {
        "format": COPY_FORMAT,
        "package": PACKAGE,
        "package_version": data.version,
        "source_sha256": data.sha256,
        "sha256": hashlib.sha256(payload).hexdigest(),
    }


def _write_copy(folder: Path, data: _PackageData, names: dict[str, str]) -> None:
    """Write the copy owner-only and atomically (a private temporary file renamed into
    place) in `folder`, made 0700 if intake creates it; copies of other versions go. A
    folder that cannot be written just means no copy."""
    payload = json.dumps(names, ensure_ascii=False, separators=(",", ":")).encode()
    envelope = _envelope(data, payload)
    temp = None
    try:
        if not folder.exists():
            folder.mkdir(parents=True, mode=0o700)
            os.chmod(folder, 0o700)
        fd, temp = tempfile.mkstemp(prefix=".drug-names-", suffix=".partial", dir=folder)
        with os.fdopen(fd, "wb") as handle:  # mkstemp made it 0600
            handle.write(json.dumps(envelope).encode() + b"\n" + payload)
        os.replace(temp, folder / data.copy_name)
        temp = None
        for old in folder.glob("drug-names-*.json"):
            if old.name != data.copy_name:
                old.unlink(missing_ok=True)
    except OSError:
        pass
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


@functools.lru_cache(maxsize=1)
def _phrases(folder: Path | None) -> list[str]:
    """The dictionary's names of two to four words, for reading an OCR-damaged one whole."""
    return [n for n in _load(folder)[0] if 1 <= n.count(" ") <= 3]


def _singles(names: dict[str, str]) -> list[str]:
    return [n for n in names if " " not in n and len(n) >= MIN_FUZZY_LENGTH]


# brands sold in Europe under names the (US-centred) dictionary lacks: brand -> generic,
# spelled as the dictionary spells its generics
NATIONAL_BRANDS = {
    "elocom": "Mometasone", "cataflam": "Diclofenac", "diclac": "Diclofenac",
    "augmentin": "Amoxicillin / clavulanate", "controloc": "Pantoprazole",
    "nolpaza": "Pantoprazole", "quamatel": "Famotidine", "letrox": "Thyroxine",
    "ben-u-ron": "Acetaminophen", "efferalgan": "Acetaminophen", "doliprane": "Acetaminophen",
    "tachipirina": "Acetaminophen", "no-spa": "Drotaverine", "xeter": "Rosuvastatin",
    "sumetrolim": "Sulfamethoxazole / trimethoprim", "aulin": "Nimesulide",
    "klacid": "Clarithromycin",
}  # fmt: skip
NATIONAL_SPELLING_SCORE = 97.0  # a regular national spelling of a known name, not a guess
MIN_SPELLING_LENGTH = 6


def national_spellings(word: str) -> list[str]:
    """The spellings a generic name takes in other languages, turned back to the
    dictionary's: 'terbinafin' (hu, de) -> 'terbinafine', 'sinvastatina' (pt, es) ->
    'simvastatin', 'diklofenák' (hu) -> 'diclofenac'. Regular endings and letters only."""
    from intake.understand.vocabulary import fold

    base = fold(word.lower())
    stems = {base, base.replace("k", "c"), base.replace("sinv", "simv"), base.replace("z", "s")}
    found = []
    for stem in stems:
        found += [stem, stem + "e"]
        if stem[-1:] in ("a", "o", "e"):
            found += [stem[:-1], stem[:-1] + "e"]
    return [w for w in dict.fromkeys(found) if w != word.lower()]


# the dictionary's international names where US and UK records print another generic name
PREFERRED_GENERICS = {"acetylsalicylic acid": "Aspirin"}


def normalise(name: str, *, fuzzy: bool = True, spelling: bool = False) -> DrugMatch | None:
    """`_normalise`, each ingredient by the name records print (PREFERRED_GENERICS:
    'Acetylsalicylic acid/dipyridamole' is 'Aspirin/dipyridamole')."""
    match = _combination(name, spelling=spelling) or _normalise(
        name, fuzzy=fuzzy, spelling=spelling
    )
    if match is None or not any(key in match.generic.lower() for key in PREFERRED_GENERICS):
        return match
    parts = [PREFERRED_GENERICS.get(p.strip().lower(), p) for p in match.generic.split("/")]
    return DrugMatch("/".join(parts), match.score)


# how a combination product's name parts its ingredients ('Acetaminophen / codeine
# phosphate', 'Acetaminophen and codeine phosphate')
_INGREDIENTS = re.compile(
    r"\s+/\s+|\s+(?:and|with)\s+|\s*\+\s*|(?<=[A-Za-z]{3})-(?=[A-Za-z]{3})"
    r"|(?<=[A-Za-z0-9])/(?=[A-Za-z]{3})",  # 'HCTZ 25/TRIAMTERENE', 'ALBUTEROL/IPRATROPIUM'
    re.IGNORECASE,
)


def _combination(name: str, *, spelling: bool) -> DrugMatch | None:
    """A combination product's generic ('Acetaminophen/Codeine'), when its name parts two or
    more ingredients the dictionary knows exactly and the whole name is no entry of its
    own; else None (the first ingredient alone would hide the others)."""
    parts = [part for part in _INGREDIENTS.split(name) if part.strip()]
    if len(parts) < 2 or " ".join(name.lower().split()) in _dictionary()[0]:
        return None
    matches = [_normalise(part, fuzzy=False, spelling=spelling) for part in parts]
    if any(match is None for match in matches):
        return None
    generics = list(dict.fromkeys(match.generic for match in matches))  # type: ignore[union-attr]
    if len(generics) < 2:
        return None
    return DrugMatch("/".join(generics), min(match.score for match in matches))  # type: ignore[union-attr]


def _normalise(name: str, *, fuzzy: bool = True, spelling: bool = False) -> DrugMatch | None:
    """The generic drug `name` stands for, or None when the dictionary does not know it.

    Without `fuzzy` only exact names count (text that was typed, not OCR-read). With
    `spelling` (the caller saw a strength or dose beside the name) a word may also be a
    national spelling of a known name ('Terbinafin')."""
    names, singles = _dictionary()
    cleaned = " ".join(name.lower().split())
    if not cleaned:
        return None
    if cleaned in names:
        return DrugMatch(names[cleaned], 100.0)
    words = [w.lower() for w in _WORD.findall(name.replace("1", "l").replace("|", "l"))]
    words = [w for w in words if w not in DIRECTION_WORDS]
    if any(word in COMBINATION_MARKS for word in words):
        return None  # 'Tylenol PM' is not acetaminophen alone, 'Sudafed PE' no pseudoephedrine
    for word in words:
        if word in names:
            return DrugMatch(names[word], 100.0)
        if word in NATIONAL_BRANDS:
            return DrugMatch(NATIONAL_BRANDS[word], 100.0)
        head, dash, tail = word.partition("-")  # 'Flector-R', 'Voltaren-K': a brand's variant
        if tail in COMBINATION_MARKS | {"d"}:
            return None  # 'Claritin-D', 'Zyrtec-D': with a decongestant
        if dash and len(tail) <= 2 and (head in names or head in NATIONAL_BRANDS):
            return DrugMatch(names.get(head) or NATIONAL_BRANDS[head], 100.0)
    if spelling:
        from intake.understand.vocabulary import fold

        for word in (w.lower() for w in _WORD.findall(fold(name))):
            if word in DIRECTION_WORDS:
                continue
            if len(word) < MIN_SPELLING_LENGTH:
                continue
            for variant in national_spellings(word):  # of a generic (INN), not a brand
                if variant in names and names[variant].lower() == variant:
                    return DrugMatch(names[variant], NATIONAL_SPELLING_SCORE)
    if not fuzzy:
        return None
    if len(words) > 1:  # a two-word drug read closely ("patassium chloride") as a whole,
        # before its words alone ("chloride" is close to the brand Chlotride)
        from rapidfuzz import fuzz, process

        phrase = " ".join(words)
        best = process.extractOne(
            phrase, _phrases(_copy_folder.get()), scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD
        )
        if best:
            return DrugMatch(names[best[0]], round(best[1], 1))
    for word in words:  # OCR's usual confusions, then a close spelling
        fixed = word
        for wrong, right in OCR_FIXES:
            fixed = fixed.replace(wrong, right)
        if fixed in names:
            return DrugMatch(names[fixed], 99.0)
        if len(word) < MIN_FUZZY_LENGTH or word in SALT_WORDS:
            continue
        from rapidfuzz import fuzz, process

        best = process.extractOne(word, singles, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
        if best:
            return DrugMatch(names[best[0]], round(best[1], 1))
    return None
