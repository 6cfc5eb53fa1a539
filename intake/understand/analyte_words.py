"""Words of Portuguese and Spanish test names, to undo OCR's damage to their accented
letters ('neutroéfilos', 'linfdécitos', 'Mondcitos' for neutrófilos, linfócitos, monócitos):
Tesseract's English model reads 'ó' as 'dé', 'é', '6é' or 'd'."""

from __future__ import annotations

import re
from functools import cache

from intake.understand.vocabulary import fold

_TEXT = """
eritrócitos leucócitos neutrófilos eosinófilos basófilos linfócitos monócitos reticulócitos
plaquetas plaquetário plaquetária hemoglobina hemoglobínica hematócrito hematies eritroblastos
granulócitos imaturos sedimentação velocidade glicose glucose glicémia glicemia creatinina ureia
colesterol triglicéridos triglicerídeos bilirrubina bilirrubinas proteínas albumina ferritina
transferrina ácido fólico metilmalónico úrico sódio potássio cálcio fósforo magnésio cloreto
cetónicos urobilinogénio nitritos densidade epiteliais células cilindros cristais leveduras
fosfatase alcalina tiroxina triiodotironina tireotrofina tirotrofina vitamina cobalamina
homocisteína proteína reactiva reativa fibrinogénio protrombina tromboplastina amilase lipase
desidrogenase láctica transaminase gama glutamiltransferase hemoglobinúria glicosúria
"""
WORDS = tuple(_TEXT.split())

# red cell indices as Portuguese labs abbreviate them; OCR reads their 'c' as 'e' ('vem', 'chem')
INDICES = frozenset({"vcm", "hcm", "chcm", "vgm", "hgm", "chgm", "cghm"})
# a word a report also prints as itself ('Hem': hemácias, red cells), read as an index only
# beside that index's unit
WORDS_NOT_INDICES = frozenset({"hem"})
# each index's units: a name read as an index beside another unit is not that index
INDEX_UNITS = {
    "vcm": ("fl", "µ3", "um3", "µm3"), "vgm": ("fl", "µ3", "um3", "µm3"),
    "hcm": ("pg",), "hgm": ("pg",),
    "chcm": ("g/dl", "g/l", "%"), "chgm": ("g/dl", "g/l", "%"), "cghm": ("g/dl", "g/l", "%"),
}  # fmt: skip

PREFIX, SUFFIX = 2, 3  # letters a repaired word keeps at each end: OCR damages the middle
SHORTEST = 6  # shorter words are left as read: too many near neighbours


def _fold(word: str) -> str:
    return fold(word.lower())


@cache
def _index() -> dict[str, str]:
    return {_fold(word): word for word in WORDS}


def repair_test_name(test: str, unit: str | None = None) -> str:
    """`test` with each word OCR damaged around an accented letter spelled as the
    vocabulary spells it: a word of six letters or more, unknown, within two edits of
    exactly one known word (one edit below eight letters), a word with an accent, that
    shares its first two and last three letters; a name that is one red cell index
    abbreviation but for an 'e' read for a 'c' ('vem'), when its `unit` is that index's (or
    none is known and the name is no word of its own: 'Hem' is read as 'hcm' only beside
    'pg'). Other words, and names already spelled right, are kept."""
    index = test.lower().replace("e", "c")
    whole = test.isalpha() and test.lower() not in INDICES and index in INDICES
    if unit:
        fits = unit.strip().lower() in INDEX_UNITS.get(index, ())
    else:
        fits = test.lower() not in WORDS_NOT_INDICES
    if whole and fits:
        return index.upper() if test.isupper() else index  # a whole name: 'vem' for 'vcm'
    return _WORD.sub(lambda match: _repaired(match.group()), test)


_WORD = re.compile(r"[^\W\d_][\w]*", re.UNICODE)


def _repaired(word: str) -> str:
    folded = _fold(word)
    index = _index()
    if len(word) < SHORTEST or folded in index:
        return word
    from rapidfuzz.distance import Levenshtein

    reach = 2 if len(folded) >= 8 else 1
    near = [
        known
        for key, known in index.items()
        if key[:PREFIX] == folded[:PREFIX]
        and key[-SUFFIX:] == folded[-SUFFIX:]
        and Levenshtein.distance(key, folded, score_cutoff=reach) <= reach
    ]
    if len(near) != 1 or _fold(near[0]) == near[0].lower():
        return word  # OCR damages accents: a word without one ('creatinina') is never the
    known = near[0]  # repair of another word ('creatina': creatine, another test)
    if word.isupper():
        return known.upper()
    return known[0].upper() + known[1:] if word[0].isupper() else known
