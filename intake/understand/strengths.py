"""Whether a strength read from a scan is one its drug is made in.

OCR misreads digits in a way no other check sees: 'Lasix 80 mg' read as '60 mg', 'triamcinolone
0.1%' as '0.7%', both times read the same way twice. Furosemide tablets are made in 20, 40
and 80 mg and triamcinolone creams in 0.025, 0.05, 0.1 and 0.5%, so such a strength is a
misreading or an unusual product: either way not one to show unchecked. The strengths come
from the FDA Orange Book (drug_strengths.tsv, built by tools/make_drug_strengths.py), by
route; a drug it does not list, a route with over-the-counter products (whose monograph
strengths it does not list), a combination or a strength per volume is never judged.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

ROUTE_WORDS = {"by mouth": "oral", "sublingual": "sublingual", "topical": "topical",
               "inhaled": "inhalation", "subcutaneous": "subcutaneous",
               "intramuscular": "intramuscular", "intravenous": "intravenous"}  # fmt: skip
FORM_ROUTES = {"tablet": "oral", "capsule": "oral", "cream": "topical", "ointment": "topical",
               "gel": "topical", "foam": "topical"}  # fmt: skip
_UNITS = {"mg": ("mg", 1.0), "mcg": ("mg", 0.001), "µg": ("mg", 0.001), "g": ("mg", 1000.0),
          "%": ("%", 1.0), "meq": ("meq", 1.0), "units": ("units", 1.0),
          "unit": ("units", 1.0), "iu": ("units", 1.0)}  # fmt: skip
_SIMPLE = re.compile(r"^(\d+(?:\.\d+)?)\s*(mg|mcg|µg|g|%|meq|units?|iu)$", re.IGNORECASE)
SALTS = frozenset(
    """hydrochloride hcl sodium potassium calcium magnesium sulfate maleate mesylate besylate
    tartrate bitartrate succinate fumarate acetate acetonide citrate phosphate bromide
    hydrobromide dihydrate monohydrate trihydrate hemihydrate anhydrous hyclate propionate
    dipropionate valerate disodium lactate gluconate chloride iodide fluoride oxide
    carbonate bicarbonate hydroxide""".split()  # noqa: SIM905
)  # words dropped from an ingredient's name: its salt, ester or hydrate


Made = dict[str, tuple[bool, frozenset[tuple[float, str]]]]  # route: (over the counter, strengths)


@cache
def _table() -> dict[str, Made]:
    made: dict[str, Made] = {}
    text = resources.files("intake.understand").joinpath("drug_strengths.tsv").read_text("utf-8")
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        ingredient, route, otc, strengths = (line.split("\t") + [""] * 4)[:4]
        values = frozenset(
            (float(value), unit)
            for value, unit in (s.split() for s in strengths.split(",") if s.strip())
        )
        made.setdefault(ingredient, {})[route] = (otc == "1", values)
    return made


def ingredient_key(name: str) -> str:
    """An ingredient as drug_strengths.tsv keys it: 'Sertraline hydrochloride' -> 'sertraline';
    'Potassium chloride' stays whole (every word of it a salt's)."""
    words = name.lower().split()
    return " ".join([word for word in words if word not in SALTS] or words)


def unmade_strength(generic: str, strength: str, route: str | None, form: str | None) -> bool:
    """True only when `strength` is certainly none the drug `generic` is made in by the route
    its directions or form name (any route when neither says), by the Orange Book."""
    simple = _SIMPLE.match(strength.strip())
    routes = _table().get(generic.lower()) or _table().get(ingredient_key(generic))
    if simple is None or routes is None or "/" in generic:
        return False
    wanted = ROUTE_WORDS.get(route or "") or FORM_ROUTES.get(form or "")
    chosen = [routes[wanted]] if wanted in routes else list(routes.values())
    if wanted and wanted not in routes:
        return False  # a route the Orange Book lists no product of: nothing to judge by
    if any(otc for otc, _ in chosen):
        return False
    known = frozenset().union(*(values for _, values in chosen))
    if not known:
        return False
    unit, factor = _UNITS[simple.group(2).lower()]
    value = float(simple.group(1)) * factor
    return not any(unit == other and abs(value - made) < 1e-9 for made, other in known)
