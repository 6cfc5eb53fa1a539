"""Score intake on the real-world corpus: files nobody on this project wrote.

    python bench/real.py [CORPUS] [--only CATEGORY] [--show]

CORPUS holds `files/<category>/<unit>` (a file, or a folder for a disc) and
`expected/<category>/<unit>.json` (answers computed without intake: pdftotext read by eye,
lxml XPath, pydicom; see corpus/README.md). Without CORPUS: $INTAKE_CORPUS, else
../shared/corpus beside the checkout, else /work/realcorpus. Expectations committed in
corpus/expected/ are used where the corpus folder has none.

Each unit is copied into a private temporary folder and read by `scan_folder` through the
manifest contract (`Manifest.to_dict()`); nothing is read from intake's internals. Scores:
kind, patient name and birth date, lab test+value+unit recall and precision, flag and
reference-range agreement on matched results, medication recall and precision by
ingredient, DICOM studies and instances, invented values (a lab value or medication name
intake reports that the source's own text does not contain), seconds per unit.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TARGETS = {
    "kind": 0.95,
    "patient": 0.95,
    "lab_recall": 0.95,
    "lab_precision": 0.98,
    "flags": 0.95,
    "ranges": 0.90,
    "med_recall": 0.95,
    "med_strengths": 0.98,
}


def corpus_folder(given: str | None) -> Path | None:
    candidates = [given, os.environ.get("INTAKE_CORPUS"), REPO.parent / "shared" / "corpus",
                  "/work/realcorpus"]  # fmt: skip
    for candidate in candidates:
        if candidate and (Path(candidate) / "files").is_dir():
            return Path(candidate)
    return None


# --- comparing values independently of intake's own normalisation ---------------------------


def name_tokens(name: str | None) -> frozenset[str]:
    words = re.findall(r"[a-z\u00c0-\uffff]+", (name or "").lower())
    return frozenset(t for t in words if len(t) > 1)


def test_key(test: str) -> str:
    """Letters and digits only, accents folded ('LEUCÓCITOS' = 'LEUCOCITOS': OCR drops them)."""
    folded = unicodedata.normalize("NFKD", test.lower())
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in folded if not unicodedata.combining(c)))


# a section's name the expectations put before a row's test ('Urina pH', 'Sedimento
# LEUCOCITOS'), where the report prints the row's name under the section's heading
_SECTION_PREFIX = re.compile(r"^(?:urina|urine|sedimento|sediment)\s+", re.I)


def same_test(expected: str, found: str) -> bool:
    if _SECTION_PREFIX.match(expected) and _same_test(_SECTION_PREFIX.sub("", expected), found):
        return True
    return _same_test(expected, found)


def _same_test(expected: str, found: str) -> bool:
    a, b = test_key(expected), test_key(found)
    if not a or not b:
        return False
    if a == b or (len(a) >= 4 and a in b) or (len(b) >= 4 and b in a):
        return True
    if a.startswith(b) or b.startswith(a):  # 'pH' for 'pH of Urine by Test strip'
        return True
    ta, tb = name_tokens(expected), name_tokens(found)
    first_a = re.findall(r"[a-z]+", expected.lower())[:1]
    first_b = re.findall(r"[a-z]+", found.lower())[:1]
    same_first = first_a == first_b and first_a and len(first_a[0]) >= 4  # 'Glucose, Blood'
    return (bool(ta) and ta == tb) or bool(same_first)


def number(text: str) -> float | None:
    """A number as labs print it: '4,04' and '4.04' are 4.04 (a decimal comma), '1,574' and
    '9.480' keep their thousands reading only where both marks appear or the comma has
    three digits after it."""
    t = text.strip()
    if "," in t and "." in t:  # the last mark is the decimal one
        t = (
            t.replace(".", "").replace(",", ".")
            if t.rfind(",") > t.rfind(".")
            else t.replace(",", "")
        )
    elif re.fullmatch(r"[-+]?\d+,\d{1,2}|[-+]?\d+,\d{4,}", t):
        t = t.replace(",", ".")
    else:
        t = t.replace(",", "")
    try:
        return float(t)
    except ValueError:
        return None


def _entities_out(text: str) -> str:
    """Text a sender escaped more than once ('&amp;amp;amp;') as its words ('&')."""
    for _ in range(4):
        if "&" not in text or (plain := html.unescape(text)) == text:
            break
        text = plain
    return text


def same_value(expected: str, found: str) -> bool:
    expected, found = _entities_out(expected), _entities_out(found)
    a, b = re.sub(r"\s+", "", expected), re.sub(r"\s+", "", found)  # '< 0,5' = '<0,5'
    if a.lower() == b.lower():
        return True
    x, y = number(a), number(b)
    return x is not None and x == y


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def unit_key(unit: str | None) -> str:
    """Units compared as written, with UCUM's and labs' spellings of one unit made equal
    ('10*9/L' = 'x10E9/L' = '10⁹/L', 'K/uL' = '10^3/uL'); unitless ('1', '[pH]') is no unit."""
    key = (unit or "").lower().replace(" ", "").replace("µ", "u").replace("μ", "u")
    key = re.sub(r"10([⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: "10^" + m.group(1).translate(_SUPERSCRIPTS), key)
    key = key.replace("[", "").replace("]", "")
    key = re.sub(r"^(?:x?10[*^e])", "10^", key)
    key = {"k/ul": "10^3/ul", "thousand/ul": "10^3/ul", "m/ul": "10^6/ul",
           "million/ul": "10^6/ul", "1": "", "[ph]": "", "ph": ""}.get(key, key)  # fmt: skip
    return key


def range_key(text: str | None) -> str:
    """A reference range reduced to its comparator and numbers: '12.0 - 15.5 g/dL' ->
    '12.0-15.5'; 'Up to 40' -> '<=40'; '< 200' -> '<200'; words kept lower-case."""
    if not text:
        return ""
    t = text.lower().strip().strip("()[]")
    t = re.sub(r"\b(?:up\s*to|upto)\b", "<=", t)
    t = re.sub(r"\b(?:less\s+than|below)\b", "<", t)
    t = re.sub(r"\b(?:more|greater)\s+than\b|\babove\b", ">", t)
    t = t.replace("≤", "<=").replace("≥", ">=").replace("–", "-")
    t = re.sub(r"([<>])\s*or\s*=", r"\1=", t)
    numbers = re.findall(r"\d+(?:[.,]\d+)?(?::\d+)?", t)
    comparator = re.search(r"[<>]=?", t)
    if numbers:
        nums = [str(number(n) if ":" not in n else n) for n in numbers]
        if len(nums) >= 2 and not comparator:
            return f"{nums[0]}-{nums[1]}"
        return f"{comparator.group() if comparator else ''}{nums[0]}"
    return re.sub(r"\s+", " ", t)


def flag_key(flag: str | None) -> str:
    f = (flag or "").upper()
    return {"HIGH": "H", "LOW": "L", "CRITICAL": "HH", "AA": "A"}.get(f, f)


# --- the source's own text, read without intake -------------------------------------------------


def source_text(path: Path) -> str:
    """What the file says, by another tool: pdftotext for PDFs, the bytes for XML/JSON/text."""
    if path.is_dir():
        return ""
    head = path.read_bytes()[:5]
    if head.startswith(b"%PDF"):
        try:
            done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                                  timeout=120, check=False)  # fmt: skip
            return done.stdout.decode("utf-8", "replace")
        except (OSError, subprocess.TimeoutExpired):
            return ""
    if path.suffix.lower() in (".xml", ".json", ".ndjson", ".txt", ".htm", ".html", ".cda"):
        return path.read_text("utf-8", "replace")
    return ""


def in_source(value: str, text: str) -> bool:
    """Whether the source's text holds `value`, ignoring case, spacing and punctuation; XML
    text a sender escaped more than once ('&amp;amp;') is read as its words too."""
    wanted = re.sub(r"[\W_]+", "", value.lower())
    if wanted in re.sub(r"[\W_]+", "", text.lower()):
        return True
    if "&" not in text:
        return False
    return wanted in re.sub(r"[\W_]+", "", _entities_out(text).lower())


_THOUSANDS = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")


_MASS = {
    "mcg": 0.001,
    "µg": 0.001,
    "ug": 0.001,
    "g": 1000.0,
    "gm": 1000.0,
    "gram": 1000.0,
    "grams": 1000.0,
    "microgram": 0.001,
    "micrograms": 0.001,
    "mikrogramm": 0.001,
}


def strength_key(strength: str) -> list[float]:
    """A strength's numbers, in order of size: '5/325' and 'Oxycodone 5 MG / APAP 325 MG'
    alike, '50,000 intl units' as 50000, a decimal comma ('0,5 mg') as a point, a mass in
    milligrams ('500 mcg/mL' as 0.5, like '0.5 mg/ml')."""
    text = _THOUSANDS.sub(lambda m: m.group().replace(",", ""), strength).replace(",", ".")
    return sorted(
        round(float(number) * _MASS.get(unit.lower(), 1.0), 9)
        for number, unit in re.findall(r"(\d+(?:\.\d+)?)\s*([A-Za-zµ]*)", text)
    )


# --- scoring -------------------------------------------------------------------------------------


@dataclass
class Tally:
    units: int = 0
    kind_right: int = 0
    patients: int = 0
    patients_right: int = 0
    lab_expected: int = 0
    lab_found_of_expected: int = 0
    lab_reported: int = 0  # in units whose expected list is complete
    lab_reported_right: int = 0
    flags: int = 0
    flags_right: int = 0
    ranges: int = 0
    ranges_right: int = 0
    med_expected: int = 0
    med_found: int = 0
    med_reported: int = 0
    med_reported_right: int = 0
    strengths: int = 0  # medications found whose expected strength is known, with one read
    strengths_right: int = 0  # ... whose numbers are the expected ones
    dicom_units: int = 0
    dicom_right: int = 0
    invented_labs: int = 0
    invented_meds: int = 0
    checked_for_invention: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)


def read_unit(unit: Path) -> tuple[dict, float]:
    from intake.api import scan_folder

    with tempfile.TemporaryDirectory(prefix="intake-real-") as temp:
        folder = Path(temp) / "records"
        if unit.is_dir():
            shutil.copytree(unit, folder, symlinks=False)
        else:
            folder.mkdir()
            shutil.copy2(unit, folder / unit.name)
        start = time.perf_counter()
        manifest = scan_folder(folder)
        seconds = time.perf_counter() - start
    return manifest.to_dict(), seconds


def score_unit(expected: dict, manifest: dict, unit: Path, tally: Tally, show: bool) -> None:
    label = expected.get("unit", unit.name)
    documents = manifest["documents"]
    tally.units += 1
    want_kind = expected.get("kind")
    kinds = [d["kind"] for d in documents]
    if unit.is_dir():
        kind_ok = want_kind in kinds
    else:
        kind_ok = bool(kinds) and kinds[0] == want_kind if len(kinds) == 1 else want_kind in kinds
    tally.kind_right += kind_ok
    if not kind_ok:
        tally.misses.append(f"{label}: kind {kinds} != {want_kind}")
    person = expected.get("patient") or {}
    if person.get("name") or person.get("birth_date"):
        tally.patients += 1
        got = manifest["patient"]
        ok = True
        if person.get("name"):
            ok &= name_tokens(person["name"]) <= name_tokens(got.get("name")) or name_tokens(
                got.get("name")
            ) == name_tokens(person["name"])
        if person.get("birth_date"):
            ok &= got.get("birth_date") == person["birth_date"]
        tally.patients_right += bool(ok)
        if not ok:
            tally.misses.append(
                f"{label}: patient {got.get('name')!r} {got.get('birth_date')} "
                f"!= {person.get('name')!r} {person.get('birth_date')}"
            )
    labs = [lab for d in documents for lab in d.get("labs", [])]
    used: set[int] = set()
    for want in expected.get("labs") or []:
        if want.get("value") in (None, ""):
            continue  # the source states no value: nothing to find
        tally.lab_expected += 1
        match = next(
            (i for i, lab in enumerate(labs)
             if i not in used and same_test(want["test"], lab["test"])
             and same_value(str(want["value"]), lab["value"])
             and unit_key(want.get("unit")) == unit_key(lab.get("unit"))),
            None,
        )  # fmt: skip
        if match is None:
            if show:
                tally.misses.append(f"{label}: lab not found {want}")
            continue
        used.add(match)
        tally.lab_found_of_expected += 1
        found = labs[match]
        tally.flags += 1
        if flag_key(want.get("flag")) == flag_key(found.get("flag")):
            tally.flags_right += 1
        elif show:
            tally.misses.append(f"{label}: flag {found.get('flag')} != {want.get('flag')} "
                                f"for {want['test']}")  # fmt: skip
        if want.get("reference_range"):
            tally.ranges += 1
            if range_key(want["reference_range"]) == range_key(found.get("reference_range")):
                tally.ranges_right += 1
            elif show:
                tally.misses.append(f"{label}: range {found.get('reference_range')!r} != "
                                    f"{want['reference_range']!r} for {want['test']}")  # fmt: skip
    if expected.get("labs_complete"):
        tally.lab_reported += len(labs)
        tally.lab_reported_right += len(used)
        if show:
            for i, lab in enumerate(labs):
                if i not in used:
                    tally.misses.append(f"{label}: extra lab {lab['test']} {lab['value']} "
                                        f"{lab.get('unit')}")  # fmt: skip
    meds = [m for d in documents for m in d.get("medications", [])]
    wanted = [m["ingredient"].lower() for m in expected.get("medications") or []
              if m.get("ingredient")]  # fmt: skip

    def med_names(med: dict) -> str:
        return " ".join(filter(None, [med.get("generic"), med.get("name"), med.get("raw")])).lower()

    def names_drug(med: dict, ingredient: str) -> bool:
        """Whether one medication names `ingredient`; a combination ('amoxicillin /
        clavulanate') when it names every ingredient, wherever the source wrote the
        strengths ('Amoxicillin 250 MG / Clavulanate 125 MG')."""
        names = med_names(med)
        return all(part.strip() in names for part in ingredient.split(" / ") if part.strip())

    tally.med_expected += len(wanted)
    tally.med_found += sum(any(names_drug(m, w) for m in meds) for w in wanted)
    for want in expected.get("medications") or []:
        ingredient = (want.get("ingredient") or "").lower()
        read = [m.get("strength") for m in meds if m.get("strength") and names_drug(m, ingredient)]
        if not ingredient or not want.get("strength") or not read:
            continue  # no strength to compare (one left out is a recall miss, not a wrong one)
        tally.strengths += 1
        if any(strength_key(s) == strength_key(want["strength"]) for s in read):
            tally.strengths_right += 1
        elif show:
            tally.misses.append(
                f"{label}: strength {read} != {want['strength']!r} for {ingredient}"
            )
    if show:
        for w in wanted:
            if not any(names_drug(m, w) for m in meds):
                tally.misses.append(f"{label}: medication not found: {w}")
    complete = expected.get("medications_complete")
    if complete or (not wanted and expected.get("kind") != "medication_list"):
        tally.med_reported += len(meds)
        right = [m for m in meds if any(names_drug(m, w) for w in wanted)]
        tally.med_reported_right += len(right)
        for med in meds:
            if med not in right:
                tally.misses.append(
                    f"{label}: medication not expected: {med.get('name')} {med.get('strength')}"
                )
    if expected.get("dicom"):
        tally.dicom_units += 1
        studies = [s for d in documents for s in d.get("imaging", [])]
        instances = sum(s.get("instances", 0) for s in studies)
        reports = sum(1 for d in documents if d["kind"] == "imaging_report")
        want = expected["dicom"]
        ok = len(studies) + 0 == want.get("studies", len(studies)) or (
            len(studies) + reports == want.get("studies")
        )
        ok_instances = want.get("instances") is None or instances + reports == want["instances"]
        tally.dicom_right += bool(ok and ok_instances)
        if not (ok and ok_instances):
            tally.misses.append(f"{label}: dicom {len(studies)} studies/{instances} instances "
                                f"(+{reports} reports) != {want}")  # fmt: skip
    text = source_text(unit)
    if text.strip() and len(text.strip()) > 200:
        tally.checked_for_invention += 1
        for lab in labs:
            if not in_source(lab["value"], text):
                tally.invented_labs += 1
                tally.misses.append(f"{label}: INVENTED lab value {lab['test']} {lab['value']}")
        for med in meds:
            if not in_source(med["name"], text):
                tally.invented_meds += 1
                tally.misses.append(f"{label}: INVENTED medication {med['name']}")


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  -  "


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?")
    parser.add_argument("--only")
    parser.add_argument("--show", action="store_true", help="list every miss")
    parser.add_argument("--json", help="write per-unit figures to this file")
    args = parser.parse_args()
    corpus = corpus_folder(args.corpus)
    if corpus is None:
        print("no real-world corpus found: set INTAKE_CORPUS or pass its folder (see "
              "corpus/README.md)")  # fmt: skip
        return 0
    committed = REPO / "corpus" / "expected"
    tallies: dict[str, Tally] = defaultdict(Tally)
    files = corpus / "files"
    for category in sorted(p.name for p in files.iterdir() if p.is_dir()):
        if args.only and category != args.only:
            continue
        for unit in sorted((files / category).iterdir()):
            answer = corpus / "expected" / category / f"{unit.name}.json"
            if not answer.exists():
                answer = committed / category / f"{unit.name}.json"
            if not answer.exists():
                continue
            expected = json.loads(answer.read_text("utf-8"))
            try:
                manifest, seconds = read_unit(unit)
            except Exception as err:  # a crash is a result to report, not the end of the run
                tallies[category].units += 1
                tallies[category].misses.append(f"{category}/{unit.name}: CRASH {err!r}")
                continue
            tallies[category].seconds += seconds
            score_unit(expected, manifest, unit, tallies[category], args.show)
    total = Tally()
    for tally in tallies.values():
        for name in vars(total):
            value = getattr(tally, name)
            setattr(total, name, getattr(total, name) + value)
    rows = [*sorted(tallies.items()), ("ALL", total)]
    header = ("category", "units", "kind", "patient", "lab R", "lab P", "flags", "ranges",
              "med R", "med P", "med S", "dicom", "inv.lab", "inv.med", "s/unit")  # fmt: skip
    print(("{:<13}" + "{:>8}" * (len(header) - 1)).format(*header))
    for category, t in rows:
        print(("{:<13}" + "{:>8}" * (len(header) - 1)).format(
            category, t.units, ratio(t.kind_right, t.units), ratio(t.patients_right, t.patients),
            ratio(t.lab_found_of_expected, t.lab_expected),
            ratio(t.lab_reported_right, t.lab_reported), ratio(t.flags_right, t.flags),
            ratio(t.ranges_right, t.ranges), ratio(t.med_found, t.med_expected),
            ratio(t.med_reported_right, t.med_reported), ratio(t.strengths_right, t.strengths),
            ratio(t.dicom_right, t.dicom_units),
            t.invented_labs, t.invented_meds, f"{t.seconds / max(t.units, 1):.2f}",
        ))  # fmt: skip
    print(f"targets: {', '.join(f'{k} >= {v}' for k, v in TARGETS.items())}; invented: 0")
    print(f"labs expected {total.lab_expected}, medications expected {total.med_expected}, "
          f"units checked for invented values {total.checked_for_invention}")  # fmt: skip
    for miss in total.misses:
        print("  -", miss)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
