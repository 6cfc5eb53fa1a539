"""A urinalysis section's rows: word results and unitless numbers under a urine heading.

A urine test strip's results are words ('Proteínas   NÃO CONTÉM', 'Nitritos   Negativo',
'Cor   AMARELA') or numbers without a unit (pH, density), which a result line elsewhere
could never be read from (a word or a bare number beside a name is prose or a code). Under a
heading naming urine ('URINA', 'ANÁLISE SUMÁRIA DA URINA', 'Urinalysis') they are read, but
only for the strip's own tests, only as the row's first cell after the test, and only where
the row holds nothing else than a unit and one earlier result. Where OCR lost the heading,
such rows are read only as a run of three word results or more (strip_rows).
"""

from __future__ import annotations

import re

from intake.model import LabResult
from intake.understand.vocabulary import fold

# a heading that opens a urine section (the whole line)
URINE_HEADING = re.compile(
    r"^\W*(?:urina|urine|urinalysis|urin[aá]lisis|urinanal[ií]zis|vizelet"
    r"|an[aá]lise\s+sum[aá]ria\s+d[ae]\s+urina|exame\s+(?:sum[aá]rio\s+)?d[ae]\s+urina"
    r"|urine\s+analysis|ex[aá]men\s+(?:general\s+)?de\s+orina|an[aá]lisis\s+de\s+orina"
    r"|elemental\s+y\s+sedimento)\W*$",
    re.IGNORECASE,
)

# a heading that opens another section (blood count, chemistry, blood gas, serology,
# hormones...): a urine section ends there
OTHER_SECTION = re.compile(
    r"^\W*(?:[^\W\d]+\s+){0,3}(?:ha?ematolog\w*|hemograma|h[ae]mogram\w*|blood\s+count|cbc"
    r"|v[ée]rk[ée]p|bio\s?qu[ií]mica|qu[ií]mica\s+cl[ií]nica|chemistry|klinikai\s+k[ée]mia"
    r"|gasometr\w*|blood\s+gas(?:es)?|gases?\s+(?:no\s+)?sangue|gases?\s+arteria\w*"
    r"|serolog\w*|imunolog\w*|inmunolog\w*|immunolog\w*|horm[oô]n\w*|endocrin\w*"
    r"|coagula\w*|hemost\w*|lipid\w*|marcadores)\b[^\d]{0,40}$",
    re.IGNORECASE,
)
# a heading of another specimen whose tests a strip's rows look like (stool: blood,
# leukocytes, pH; spinal fluid, effusions, semen: colour, aspect, protein, glucose): below
# it a strip's rows are not read, even as a run (strip_rows)
OTHER_SPECIMEN = re.compile(
    r"^\W*(?:[^\W\d]+\s+){0,3}(?:fezes|heces|stool|f[ae]eces|coprol\w*|parasitol\w*"
    r"|sz[ée]klet\w*|l[ií]quor|csf|cerebrospinal|cefalorraqu\w*|pleural|asc[ií]tico"
    r"|ascitic|sinovial|synovial|derrame|esperm\w*|s[ée]men)\b[^\d]{0,40}$",
    re.IGNORECASE,
)

# the strip's tests (accents folded, lower case), in the languages intake reads
_STRIP_TESTS = {
    "cor", "color", "colour", "aspecto", "aspect", "appearance", "clarity", "ph",
    "proteinas", "proteina", "protein", "proteins", "glicose", "glucose", "glucosa",
    "corpos cetonicos", "cetonas", "ketones", "cuerpos cetonicos", "bilirrubina",
    "bilirrubinas", "bilirubin", "urobilinogenio", "urobilinogen", "urobilinogeno",
    "nitritos", "nitrito", "nitrites", "nitrite", "leucocitos", "leukocytes",
    "leukocyte esterase", "sangue", "sangre", "blood", "hemoglobina", "hemoglobin",
}  # fmt: skip
_NUMBERED_TESTS = {"ph", "densidade", "densidad", "density", "specific gravity"}
# a urine strip's pH (4.5 to 9, at most one decimal: a blood gas prints two, '7.38') and
# density ('1.020', '1,005', '1020'); any other number is no strip's
_URINE_PH = re.compile(r"[4-9](?:[.,]\d)?")
_URINE_DENSITY = re.compile(r"1[.,]?0[0-6]\d")
# the words a strip's result is printed in
_WORD_RESULTS = {
    "negativo", "negativa", "negative", "neg", "neg.", "nao contem", "no contiene",
    "normal", "ausente", "ausentes", "presente", "presentes", "positivo", "positiva",
    "positive", "raras", "raros", "vestigios", "tracos", "trace", "amarela", "amarelo",
    "amarela clara", "amarelo claro", "amarillo", "yellow", "straw", "limpido", "limpida",
    "limpio", "clear", "turvo", "turva", "turbio", "cloudy",
}  # fmt: skip
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_UNIT = re.compile(r"[A-Za-zµ/%][\w/%µ.]*")


def _key(text: str) -> str:
    return " ".join(fold(text).lower().strip(" .:*-").split())


def urine_row(line: str) -> LabResult | None:
    """A row of a urinalysis section ('Proteinas   NAO CONTEM', 'pH   5.0', 'Proteínas
    Negativo   0'), or None: the test one of the strip's, its result a word a strip prints
    (or a number, for pH and density), then at most a unit and one earlier result."""
    cells = [
        cell.strip()
        for cell in re.split(r"\s{3,}|\t", line.strip())
        if re.search(r"\w", cell)  # a cell of OCR specks (':', '|') is no cell
    ]
    if len(cells) < 2:
        return None
    test, value, rest = cells[0], cells[1], cells[2:]
    key = _key(test)
    words = _key(value) in _WORD_RESULTS and key in _STRIP_TESTS
    numbered = key in _NUMBERED_TESTS and bool(
        (_URINE_PH if key == "ph" else _URINE_DENSITY).fullmatch(value)
    )
    if not (words or numbered):
        return None
    unit = None
    if rest and _UNIT.fullmatch(rest[0]) and "/" in rest[0]:  # mg/dL, /campo, cells/uL
        unit, rest = rest[0], rest[1:]
    if len(rest) > 1:
        return None
    if rest and not (_NUMBER.fullmatch(rest[0]) or _key(rest[0]) in _WORD_RESULTS):
        return None  # an unexplained cell: not a strip's row
    return LabResult(test=test, value=value, unit=unit, specimen="urine", raw=line.strip())


STRIP_ROWS = 3  # a strip's rows with word results, close together, that make a urinalysis
STRIP_GAP = 3  # rows between two of them at most


def strip_rows(found: list[tuple[int, LabResult]]) -> list[tuple[int, LabResult]]:
    """The rows of `found` (row number, urine_row's result) that stand among others like them
    where no urine heading was read (OCR lost it): a run of rows, each at most STRIP_GAP rows
    from the next, holding STRIP_ROWS word results or more ('Proteinas   NAO CONTEM',
    'Glicose   NAO CONTEM', ...). A lone 'Glicose   Negativo' elsewhere is not read."""
    kept: list[tuple[int, LabResult]] = []
    run: list[tuple[int, LabResult]] = []
    for row, result in [*found, (None, None)]:
        if run and (row is None or row - run[-1][0] > STRIP_GAP):
            if sum(not _NUMBER.fullmatch(r.value) for _, r in run) >= STRIP_ROWS:
                kept += run
            run = []
        if row is not None:
            run.append((row, result))
    return kept
