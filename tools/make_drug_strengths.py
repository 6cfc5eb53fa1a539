#!/usr/bin/env python3
"""Build intake/understand/drug_strengths.tsv, the strengths each drug is made in, from the
FDA Orange Book's products.txt (Approved Drug Products with Therapeutic Equivalence
Evaluations: a US government work, public domain; the EOBZIP download's tilde-delimited
file, discontinued products included).

    python tools/make_drug_strengths.py products.txt > intake/understand/drug_strengths.tsv

Each line: an ingredient (lower case, salt words dropped: 'sertraline' for SERTRALINE
HYDROCHLORIDE), a route (oral, topical, ophthalmic...), 1 when the Orange Book lists an
over-the-counter product of it by that route (its monograph strengths are not listed, so
none is checked), and its single-ingredient strengths as 'number unit' (mg, %, meq, units;
grams and micrograms as mg). Combinations and strengths per volume are left out.
"""

from __future__ import annotations

import collections
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from intake.understand.strengths import ingredient_key  # the key intake looks drugs up by

UNITS = {"MG": ("mg", 1.0), "MCG": ("mg", 0.001), "GM": ("mg", 1000.0), "G": ("mg", 1000.0),
         "%": ("%", 1.0), "MEQ": ("meq", 1.0), "UNITS": ("units", 1.0), "UNIT": ("units", 1.0),
         "IU": ("units", 1.0)}  # fmt: skip
STRENGTH = re.compile(r"^(?:EQ\s+)?(\d+(?:\.\d+)?)\s*(MG|MCG|GM|G|%|MEQ|UNITS?|IU)(?:\s+BASE)?$")


def number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def main(path: str) -> None:
    with open(path, encoding="latin-1") as handle:
        lines = handle.read().splitlines()
    header = lines[0].split("~")
    strengths: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    otc: set[tuple[str, str]] = set()
    for line in lines[1:]:
        row = dict(zip(header, line.split("~"), strict=False))
        ingredient = row.get("Ingredient", "")
        if ";" in ingredient or not ingredient:
            continue  # a combination
        route = row.get("DF;Route", "").rpartition(";")[2].strip().lower() or "unknown"
        key = (ingredient_key(ingredient.replace(",", " ")), route)  # as intake looks it up
        if row.get("Type") == "OTC":
            otc.add(key)
        strength = row.get("Strength", "").split("**")[0].strip()
        match = STRENGTH.match(strength)
        if match:
            unit, factor = UNITS[match.group(2)]
            strengths[key].add(f"{number(float(match.group(1)) * factor)} {unit}")
        else:
            strengths.setdefault(key, set())
    print("# ingredient\troute\tover_the_counter\tstrengths (tools/make_drug_strengths.py,")
    print("# from the FDA Orange Book's products.txt, November 2024 edition; public domain)")
    for (ingredient, route), found in sorted(strengths.items()):
        made = ",".join(sorted(found, key=lambda s: (s.split()[1], float(s.split()[0]))))
        print(f"{ingredient}\t{route}\t{int((ingredient, route) in otc)}\t{made}")


if __name__ == "__main__":
    main(sys.argv[1])
