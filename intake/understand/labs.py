"""Lab result lines ("WBC  11.2  H  x10E3/uL  3.4-10.8") into LabResult, from any text source."""

from __future__ import annotations

import functools
import re

from intake.model import LabResult
from intake.understand.analyte_words import repair_test_name
from intake.understand.dates import find_dates
from intake.understand.lab_facts import (
    Fact,
    FactIndex,
    column_facts,
    heading_lab,
    read_facts,
)
from intake.understand.lab_table import (
    Column,
    Row,
    cells,
    centred_cells,
    header_columns,
    is_biomarker_table,
    row_text,
    words_from_text,
)
from intake.understand.labelled_results import labelled_block
from intake.understand.needles import lowered, may_match, needles
from intake.understand.urinalysis import (
    OTHER_SECTION,
    OTHER_SPECIMEN,
    URINE_HEADING,
    strip_rows,
    urine_row,
)

FLAGS = {
    "H": "H",
    "L": "L",
    "HH": "HH",
    "LL": "LL",
    "A": "A",
    "AA": "AA",
    "HIGH": "H",
    "LOW": "L",
    "ABNORMAL": "A",
    "ABN": "A",
    "CRIT": "critical",
    "CRITICAL": "critical",
    "H*": "HH",
    "L*": "LL",
    "MAGAS": "H",  # Hungarian: high, low
    "ALACSONY": "L",
}
# what OCR makes of a lone flag letter in its own column
OCR_FLAGS = {"I": "L", "l": "L", "|": "L", "I:": "L", "L:": "L", "i": "L", "H:": "H", "#": "H"}
NEGATIVE = frozenset({"negative", "not detected", "non reactive", "non-reactive", "nonreactive",
                      "none detected", "none seen", "not reactive"})  # fmt: skip
POSITIVE = frozenset({"positive", "detected", "reactive"})
QUALITATIVE = NEGATIVE | POSITIVE | {"normal", "abnormal", "trace"}
# the words naming the parts of a range printed over several lines
RANGE_LABELS = QUALITATIVE | {"borderline", "equivocal", "indeterminate", "weak", "weakly"}
# word results as Hungarian, Portuguese and Spanish labs print them: read only in a table's
# result column (a header names it), never from a line of prose
TABLE_NEGATIVE = frozenset({"neg", "neg.", "negatív", "negativ", "negativo", "negativa",
                            "não contém", "nao contem", "não contem", "ausente", "ausentes",
                            "não reactivo", "nao reactivo", "no reactivo"})  # fmt: skip
TABLE_POSITIVE = frozenset({"pos", "pos.", "pozitív", "pozitiv", "positivo", "positiva",
                            "presente", "presentes", "reactivo"})  # fmt: skip
TABLE_WORDS = TABLE_NEGATIVE | TABLE_POSITIVE | {"normál", "normális", "normal", "raras", "raros"}
# 1,250 and 1,250.5 (thousands), 13.8, and the decimal comma most of the world prints
# (13,8; never three digits after it, which would be a thousands group)
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+,\d{1,2}(?![\d,])|\d+(?:\.\d+)?"
VALUE_RE = re.compile(rf"^(?P<cmp>[<>]=?|≤|≥)?\s*(?:(?P<num>{_NUMBER})|(?P<titer>1:\d{{1,5}}))$")
RANGE_RE = re.compile(
    rf"^(?:(?P<lo>{_NUMBER})\s*[-–]\s*(?P<hi>{_NUMBER})"
    rf"|(?P<cmp>[<>]=?|≤|≥)\s*(?P<lim>{_NUMBER}|1:\d{{1,5}}))$"
)
UNIT_RE = re.compile(
    r"^(?=.*[A-Za-zµ%])[A-Za-zµ%][\w/%^.*µ²³]*$|^x?10[Ee^]\d+/\w+$|^%$|^/[A-Za-zµ]+$"
)
KNOWN_UNITS = (
    "mg/dL",
    "g/dL",
    "g/L",
    "mg/L",
    "ug/dL",
    "ug/L",
    "ug/mL",
    "ng/mL",
    "ng/dL",
    "pg/mL",
    "mmol/L",
    "umol/L",
    "nmol/L",
    "pmol/L",
    "mEq/L",
    "U/L",
    "IU/L",
    "mIU/mL",
    "mIU/L",
    "mg/g",
    "/HPF",
    "/LPF",
    "Thousand/uL",
    "Million/uL",
    "uIU/mL",
    "IU/mL",
    "U/mL",
    "x10E3/uL",
    "x10E6/uL",
    "x10E9/L",
    "x10E12/L",
    "K/uL",
    "M/uL",
    "fL",
    "pg",
    "%",
    "mL/min/1.73",
    "mL/min/1.73m2",
    "sec",
    "ratio",
    "mm/hr",
    "cells/uL",
    "copies/mL",
    "mOsm/kg",
    "Eq/L",
    "UI/mL",  # Portuguese, Spanish, French: IU
    "UI/L",
    "mUI/mL",
    "mUI/L",
    "µUI/mL",
)
TEST_STRIP = " .:*|—-‘’'\"°"  # leaders, OCR specks and quotes around a test name
_OCR_CONFUSIONS = str.maketrans({"l": "i", "0": "o", "|": "i", "1": "i"})


# UCUM spellings (C-CDA, FHIR) as lab reports print them
UCUM_UNITS = {
    "10*3/uL": "x10E3/uL", "10*6/uL": "x10E6/uL", "10*9/L": "x10E9/L", "10*12/L": "x10E12/L",
    "10*3/mm3": "x10E3/uL", "mm[Hg]": "mmHg", "[in_i]": "in", "[lb_av]": "lb", "Cel": "°C",
    "[degF]": "°F", "[iU]/L": "IU/L", "m[IU]/mL": "mIU/mL", "u[IU]/mL": "uIU/mL",
    "[IU]/mL": "IU/mL", "meq/L": "mEq/L", "mL/min/{1.73_m2}": "mL/min/1.73m2",
    "{beats}/min": "/min", "/min": "/min",
}  # fmt: skip


# OCR reads a count's caret as a 4 or a 7 ('x10^9/L' as 'x1049/L', 'x10^12/L' as
# 'x10712/L'): 10 to the 49th is no unit
_CARET_AS_FOUR = re.compile(r"^([xX×])10[47](3|6|9|12)/(?=[µup]?L\b|mm3\b)")
# and a micro sign as a p: a count per picolitre is no unit ('x10*3/pL' for 'x10*3/µL')
_PICO_COUNT = re.compile(r"^([xX×]?10[*^](?:3|6|9|12)/)p(?=L$)")


_MANY_TIMES = re.compile(r"^[xX×]{2,}")


@functools.lru_cache(maxsize=4096)  # the same few units and words, line after line
def canonical_unit(unit: str) -> str:
    """A unit as labs print it: UCUM spellings translated, OCR's l/I and 0/O confusions undone
    for known units."""
    unit = UCUM_UNITS.get(unit, unit)
    unit = _CARET_AS_FOUR.sub(r"\g<1>10^\g<2>/", unit)
    unit = _PICO_COUNT.sub(r"\g<1>µ", unit)
    return _UNIT_KEYS.get(_unit_key(_MANY_TIMES.sub("x", unit)), unit)


def _unit_key(unit: str) -> str:
    return unit.lower().translate(_OCR_CONFUSIONS)


_UNIT_KEYS = {_unit_key(unit): unit for unit in KNOWN_UNITS}
_NOT_TESTS = re.compile(
    r"^(?:(?:very\s+)?(?:high|low|moderate|severe|mild)(?:\s+risk)?$|desirable|undesirable|optimal|near\s+optimal|borderline|very\s+high|high\s+risk"
    r"|low\s+risk|moderate\s+risk|average\s+risk|risk|deficien|insufficien|sufficien|toxic"
    r"|pre-?diabet|diabet|non-?diabet|normal\b|abnormal\b|elevated|target|goal|recommended"
    r"|negat\w*|posit\w*|pozit\w*|weakly\b|gyeng\w*|equivocal|indeterminate"
    r"|adults?\b|child(?:ren)?\b|males?\b|females?\b|men\b|women\b|pregnan|trimester"
    r"|infants?\b|newborns?\b|stage\b|grade\b|category\b|interpretation|note\b|comments?\b"
    r"|method|remarks?|ages?\b|\d+\s*(?:-|to)\s*\d+\s*(?:years?|yrs?)"
    r"|page|phone|fax|dob|date|age|mrn|id|npi|account|acct|patient|collected|received|"
    r"reported|printed|specimen|ordered|ordering|performing|performed|time|zip|suite|room|bed"
    r"|laboratory\s+director|director|result\s+status|report\s+status|smok\w*|tobacco|cigar\w*)\b",
    re.IGNORECASE,
)


def parse_labs(text: str, *, collected: str | None = None) -> list[LabResult]:
    """Every lab result in plain text (columns found by character position)."""
    return read_lab_rows(words_from_text(text), collected=collected)


def read_lab_rows(rows: list[Row], *, collected: str | None = None) -> list[LabResult]:
    """Every lab result in rows of positioned words (PDF text layer, OCR or plain text)."""
    reader = LabReader()
    reader.read(rows)
    return reader.finish(collected=collected)


class LabReader:
    """Reads lab results page by page, so a long document's word boxes need not all be held.

    Rows under a header ("Tests Ordered / Result / Flag / Units / Reference Interval",
    "Component / Your Value / Standard Range", a cumulative report's dates) are cut into
    cells by its columns (a header carries over to the next page); other rows are read as
    one-result-per-line. At the end each result takes the report's facts (collected,
    reported, specimen, lab, orderer, status) nearest it.
    """

    def __init__(self) -> None:
        self.rows_read = 0
        self.facts: list[Fact] = []
        self.heading: Fact | None = None
        self.found: list[tuple[int, LabResult]] = []
        self.columns: list[Column] | None = None
        self.pending = ""  # a test name wrapped onto the row above its values
        self.range_rows: set[int] = set()  # rows read as part of a range over several lines
        self.history = False  # the report prints earlier results after the range
        self.pair_units: tuple[str, ...] | None = None  # a units row over two value columns
        self.urine = False  # under a urinalysis heading: a strip's word results are read
        self.elsewhere = False  # under another specimen's heading (stool...): no strip's rows

    def read(self, rows: list[Row]) -> None:
        """Read one page's (or text's) rows."""
        lines = [row_text(row) for row in rows]
        strips: list[tuple[int, LabResult]] = []  # a strip's rows with no urine heading seen
        if not self.rows_read:
            self.heading = heading_lab(lines)
        self.facts += read_facts(lines, self.rows_read) + column_facts(rows, self.rows_read)
        passed = 0  # lines up to here belong to a labelled block read whole
        for number, row in enumerate(rows):
            if number < passed:
                continue
            if block := labelled_block(lines, number):
                result, passed = block
                self.found += [(self.rows_read + number, result)] if result else []
                continue
            header = header_columns(row)
            if header:
                self.columns, self.pending = header, ""
                continue
            if self.pair_units:
                split = parse_split_row(lines[number], self.pair_units, history=self.history)
                self.pair_units = self.pair_units if split else None
                self.found += [(self.rows_read + number, result) for result in split]
                if split:
                    continue
            if units := units_row(lines[number]):
                self.pair_units = units
                continue
            results: list[LabResult] = []
            if self.columns and is_biomarker_table(self.columns):
                biomarker = biomarker_result(centred_cells(row, self.columns))
                if biomarker:
                    self.found.append((self.rows_read + number, biomarker))
                continue  # a biomarker table's other rows are interpretation, not results
            if self.columns:
                row_cells = cells(row, self.columns)
                if self._range_lines(row_cells, self.rows_read + number):
                    continue
                results = results_from_cells(row_cells, pending=self.pending)
                only_test = [c.role for c, _ in row_cells] == ["test"]
                self.pending = row_cells[0][1] if only_test and len(row) <= 6 else ""
            if not results and self._unit_below(lines[number], self.rows_read + number):
                continue
            if HISTORY_HEADER.search(lines[number]) and not results:
                self.history = True
            if not results:
                line = parse_lab_line(lines[number], history=self.history)
                results = [line] if line else parse_paired_line(lines[number])
            if not results and self._range_below(lines[number], self.rows_read + number):
                continue
            if URINE_HEADING.match(lines[number]):
                self.urine, self.elsewhere = True, False
            elif not results and _section_heading(lines[number]):
                self.urine = False  # blood, a blood gas, stool...: no urine's rows below
                self.elsewhere = bool(OTHER_SPECIMEN.match(lines[number]))
            elif (
                not results
                and not self.elsewhere
                and (strip := urine_row(lines[number]))
                and self._in_result_column(row, strip.value)
            ):
                if not self.urine:  # kept only among others like it (strip_rows)
                    strips.append((self.rows_read + number, strip))
                    continue
                results = [strip]
            self.found += [(self.rows_read + number, result) for result in results]
        if kept := strip_rows(strips):
            self.found = sorted(self.found + kept, key=lambda found: found[0])
        self.rows_read += len(rows)

    def _in_result_column(self, row: Row, value: str) -> bool:
        """Whether a strip's result stands in the result column, where a header names one:
        'Proteinas   Negativo' whose word sits under 'Valores de referência' is the range
        of a result left blank, not a result."""
        if not self.columns or not any(c.role in ("value", "out") for c in self.columns):
            return True
        return any(
            column.role in ("value", "out") and value in text
            for column, text in cells(row, self.columns)
        )

    def _range_lines(self, row_cells: list[tuple[Column, str]], row: int) -> bool:
        """A table's reference interval printed over several lines under its result
        ('Negative <1:80' / 'Borderline 1:80' / 'Positive >1:80'): each line alone in the
        range column joins the result's range with '; '; True when it did."""
        roles = [column.role for column, _ in row_cells]
        if roles not in (["range"], ["unit", "range"]) or not self.found:
            return False  # a range's label may start left of the range column
        last_row, result = self.found[-1]
        text = " ".join(tidy_ocr(" ".join(cell for _, cell in row_cells)).split())
        tokens = _tokens(text)
        readable = tokens and all(
            RANGE_RE.match(t) or VALUE_RE.match(t) or t.lower() in RANGE_LABELS for t in tokens
        )
        if last_row != row - 1 or not readable or not any(not t.isalpha() for t in tokens):
            return False
        if result.reference_range and row - 1 not in self.range_rows:
            return False
        joined = [result.reference_range] if result.reference_range else []
        result.reference_range = "; ".join([*joined, text])
        if result.flag_derived:
            result.flag, result.flag_derived = None, False  # a range of several parts
        self.found[-1] = (row, result)
        self.range_rows.add(row)
        return True

    def _unit_below(self, line: str, row: int) -> bool:
        """An eGFR unit's 'm2' wrapped alone onto the line below its result ('ml/perc/1.73'
        over 'm2') completes that result's unit; True when it did."""
        if line.strip() not in ("m2", "m²") or not self.found or self.found[-1][0] != row - 1:
            return False
        result = self.found[-1][1]
        if not (result.unit and re.search(r"/1[.,]73$", result.unit)):
            return False
        result.unit = f"{result.unit} {line.strip()}"
        return True

    def _range_below(self, line: str, row: int) -> bool:
        """A reference range printed alone on the line below its result ('(12.0-15.5)')
        completes that result; True when it did."""
        if not self.found or self.found[-1][0] != row - 1 or self.found[-1][1].reference_range:
            return False
        reference, unit = split_range(line)
        if not reference or not (RANGE_RE.match(reference) or _is_qualitative(reference)):
            return False
        result = self.found[-1][1]
        if unit and result.unit and canonical_unit(unit) != result.unit:
            return False
        result.reference_range, result.unit = reference, result.unit or unit
        if result.flag is None or result.flag_derived:
            result.flag, result.flag_derived = settle_flag(None, False, result.value, reference)
        return True

    def finish(self, *, collected: str | None = None) -> list[LabResult]:
        """The results read, each with its facts; `collected` where the report gives none."""
        facts = self.facts
        if self.heading and not any(f.name == "performing_lab" for f in facts):
            facts = [*facts, self.heading]
        index = FactIndex(facts)
        for row, result in self.found:
            _apply_facts(result, index.at(row), collected)
            _unit_from_name(result)
            result.test = repair_test_name(result.test, result.unit)  # OCR's damage
        return [result for _, result in self.found if not _damaged_named_unit(result)]


def _section_heading(line: str) -> bool:
    """A line naming a section that is not the urine's, with no digit: its first cell
    another section's or specimen's name (OTHER_SECTION, OTHER_SPECIMEN: 'HEMATOLOGIA',
    'BIOQUIMICA   VALORES DE REFERENCIA'), or one cell mentioning urine in a longer title
    ('Vizelet kémia', 'Urine culture'), which clears another specimen's section."""
    text = line.strip()
    if not text or re.search(r"\d", text):
        return False
    first = re.split(r"\s{3,}|\t", text)[0]
    if OTHER_SECTION.match(first) or OTHER_SPECIMEN.match(first):
        return True
    return first == text and bool(_URINE_WORD.search(text))


_URINE_WORD = re.compile(r"\b(?:urin\w*|vizelet\w*|orina)\b", re.IGNORECASE)


_NAMED_UNIT = re.compile(r"^(?P<test>.*\S)\s*[(\[](?P<unit>[^()\[\]]{1,20})[)\]]$")


def _unit_from_name(result: LabResult) -> None:
    """'GLICOSE (mg/dl)' with no unit of its own: the unit its name prints."""
    match = _NAMED_UNIT.match(result.test)
    if result.unit or not match or not VALUE_RE.match(result.value):
        return  # a word result ('Negative') has no unit: 'EGFR (SNVs/Indels)' is a name
    unit = match.group("unit").strip()
    if UNIT_RE.match(unit) and (unit in ("%",) or "/" in unit or _unit_key(unit) in _UNIT_KEYS):
        result.test, result.unit = match.group("test").strip(TEST_STRIP), canonical_unit(unit)


def _damaged_named_unit(result: LabResult) -> bool:
    """A unit printed in the test's name that cannot be read ('Eritrocitos (x10 712/L)', OCR
    of x10^12/L): the result's scale is unknown, so it is left out."""
    match = _NAMED_UNIT.match(result.test)
    if result.unit or not match or not VALUE_RE.match(result.value):
        return False
    unit = match.group("unit").strip()
    return "/" in unit and bool(re.search(r"\d", unit))


def _apply_facts(result: LabResult, facts: dict[str, str], collected: str | None) -> None:
    result.collected = result.collected or facts.get("collected") or collected
    result.reported = result.reported or facts.get("reported")
    result.specimen = result.specimen or facts.get("specimen")
    result.performing_lab = result.performing_lab or facts.get("performing_lab")
    result.ordering_provider = result.ordering_provider or facts.get("ordering_provider")
    result.status = result.status or facts.get("status")


def results_from_cells(row: list[tuple[Column, str]], *, pending: str = "") -> list[LabResult]:
    """The results one table row holds: one, or one per date column (cumulative report)."""
    row = [(column, tidy_ocr(text)) for column, text in row]
    by_role = {column.role: text for column, text in row if column.role != "date"}
    test = (by_role.get("test") or pending).strip(TEST_STRIP)
    if not _is_test_name(test):
        return []
    unit = canonical_unit(by_role["unit"]) if by_role.get("unit") else None
    range_cell = by_role.get("range", "")
    if not range_cell and by_role.get("low") and by_role.get("high"):
        range_cell = f"{by_role['low']} {by_role['high']}"  # 'Min / Max' columns
    reference, range_unit = split_range(range_cell, columns=True)
    code = re.fullmatch(r"(?:\d{1,3}\s+)?(\d{1,7}-\d)", by_role.get("code", "").strip())
    stated_flag = flag_word(by_role.get("flag", ""))
    raw = "   ".join(text for _, text in row)
    dated = [(column.date, text) for column, text in row if column.role == "date"]
    if not dated:
        dated = [(None, by_role.get("value") or by_role.get("out") or "")]
    results = []
    for date, cell in dated:
        parsed = parse_value_cell(cell, table=True)
        if parsed is None:
            continue
        value, cell_flag, cell_unit = parsed
        flag = cell_flag or stated_flag
        result = LabResult(
            test=test,
            value=value,
            unit=unit or cell_unit or range_unit,
            reference_range=reference,
            flag=flag,
            collected=date,
            raw=raw,
            code=code.group(1) if code else None,
        )
        if not (result.unit or reference or flag or _is_qualitative(value, table=True)):
            continue  # a bare number in a table row (an address, an ID): not a result
        result.flag, result.flag_derived = settle_flag(flag, flag is not None, value, reference)
        results.append(result)
    earlier = _previous_result(by_role.get("previous", ""), results[0] if results else None)
    return results + ([earlier] if earlier else [])


# a biomarker's result as molecular reports print it: a call, after a variant when one is
# named ('p.G12C Detected'), a percentage ('65%'), a burden ('12 mut/Mb'), a status
_BIOMARKER_VALUE = re.compile(
    r"^(?:(?:[pc]\.[A-Za-z0-9_>*+-]+|exon\s+\d+\s+\w+)\s+)?"
    r"(?:not\s+detected|detected|negative|positive|equivocal|indeterminate|amplified"
    r"|not\s+amplified|stable(?:\s+\(mss\))?|unstable|msi-h(?:igh)?|mss|high|low|intact"
    r"|deficient|proficient|loss|retained|wild[\s-]?type)"
    r"|^\d+(?:\.\d+)?\s?%|^\d+(?:\.\d+)?\s+mut/mb$",
    re.I,
)


def biomarker_result(row: list[tuple[Column, str]]) -> LabResult | None:
    """One row of a biomarker table ('KRAS  NGS  p.G12C Detected  Actionable ...') as a
    result whose value is the result cell as printed; None unless that cell is a call
    molecular reports make (OCR's misreadings of one are left out)."""
    by_role = {column.role: " ".join(text.split()) for column, text in row}
    test = by_role.get("test", "").strip(TEST_STRIP)
    value = by_role.get("value", "")
    match = _BIOMARKER_VALUE.match(value)
    if not (_is_test_name(test) and match and match.end() == len(value)):
        return None
    return LabResult(test=test, value=value, unit=None, reference_range=None, flag=None,
                     raw="   ".join(text for _, text in row))  # fmt: skip


def _previous_result(cell: str, current: LabResult | None) -> LabResult | None:
    """The earlier result a 'Previous Result and Date' column prints ('5.5  01/05/2020'),
    as a result of its own with that date; None without a current result or a date."""
    if current is None or not cell.strip():
        return None
    dates = find_dates(cell)
    if len(dates) != 1:
        return None
    when, start, end = dates[0]
    parsed = parse_value_cell(cell[:start] + " " + cell[end:])
    if parsed is None:
        return None
    value, flag, unit = parsed
    if unit and current.unit and unit != current.unit:
        return None
    reference = current.reference_range
    flag, derived = settle_flag(flag, flag is not None, value, reference)
    return LabResult(
        test=current.test,
        value=value,
        unit=unit or current.unit,
        reference_range=reference,
        flag=flag,
        collected=when,
        flag_derived=derived,
        raw=cell.strip(),
    )


def parse_value_cell(
    cell: str, *, table: bool = False
) -> tuple[str, str | None, str | None] | None:
    """(value, flag, unit) from a result cell: '11.2', '11.2 H', '<0.01', '1,250 High',
    '140 mmol/L', 'Not Detected'; None when the cell holds no value. `table`: the cell
    sits in a table's result column, so other languages' word results ('negatív',
    'NAO CONTEM') are read too."""
    if table and " ".join(cell.split()).lower() in TABLE_WORDS:
        return " ".join(cell.split()), None, None
    tokens = [
        t.replace(":", ".") if re.fullmatch(r"[02-9]\d{0,2}:\d{1,3}", t) else t  # OCR's ':'
        for t in _tokens(cell.strip())  # for '.'; a titer (1:160) is kept as written
    ]
    if not tokens:
        return None
    start = next(
        (i for i, t in enumerate(tokens) if VALUE_RE.match(t) or _is_qualitative(t, table=table)),
        None,
    )
    if start is None or start > 1:
        return None
    flag = flag_word(tokens[0]) if start == 1 else None
    if start == 1 and flag is None:
        return None
    value = tokens[start]
    unit = None
    for token in tokens[start + 1 :]:
        word_flag = flag_word(token)
        if flag is None and word_flag:
            flag = word_flag
        elif unit is None and UNIT_RE.match(token):
            unit = canonical_unit(token)
        else:
            return None
    return value, flag, unit


def flag_word(text: str) -> str | None:
    """A printed flag ('H', 'High', '(L)', 'Abnormal', 'H*', 'Critical') as H/L/HH/LL/A/critical."""
    bare = text.strip().strip("()[]")
    if bare in ("a", "aa"):
        return None  # a word ('4,5 a 5,5') or OCR's reading of a smudge, never a flag
    return FLAGS.get(bare.upper())


def split_range(cell: str, *, columns: bool = False) -> tuple[str | None, str | None]:
    """(range, unit) from a reference cell: '135 - 145 mmol/L' → ('135-145', 'mmol/L'),
    '> OR = 50 mg/dL' → ('>=50', 'mg/dL'), 'Negative' → ('Negative', None). `columns`: the
    cell is a table's range column, where two numbers, lower then upper, are the limits
    printed in two columns with no dash ('4,4   11,3' → '4,4-11,3'), and dashes alone
    ('---  ---') are no range."""
    text = cell.strip().strip("()[]")
    if not text or (columns and re.fullmatch(r"[-–—_\s]+", text)):
        return None, None
    text = _or_equal(text)
    text = re.sub(r"^(?:ref(?:erence)?(?:\s+range)?|normal)\s*:?\s*", "", text, flags=re.I)
    tokens = _tokens(text)
    if columns and len(tokens) >= 2 and _two_limits(tokens[0], tokens[1]):
        tokens = [f"{tokens[0]}-{tokens[1]}", *tokens[2:]]
    if tokens and RANGE_RE.match(tokens[0]):
        unit = " ".join(tokens[1:]) or None
        return tokens[0], canonical_unit(unit) if unit and UNIT_RE.match(unit) else None
    return text, None


_DOT_LEADERS = re.compile(r"\s\.{2,}\s?|\.{3,}")
_BRACKETED = re.compile(  # compiled once: a folder of 50,000 notes reads 100,000 lines
    r"[(\[]\s*(?:ref(?:erence)?\.?(?:\s+range)?\s*:?\s*)?([^()\[\]]+?)\s*[)\]]", re.I
)


def _two_limits(low: str, high: str) -> bool:
    """Two plain numbers, the first below the second: a lower and an upper limit."""
    if not (_plain_number(low) and _plain_number(high)):
        return False
    readings = [(_number(low, thousands=t), _number(high, thousands=t)) for t in (False, True)]
    return all(lo is not None and hi is not None and lo < hi for lo, hi in readings)


def parse_lab_line(
    line: str, *, collected: str | None = None, history: bool = False
) -> LabResult | None:
    """One line as a LabResult, or None when it is not a result line.

    Dot leaders, bracketed ranges ('(70-99)', '[ref 4.0-5.6]') and flags as words
    ('High') are read; a word the line cannot explain means prose, not a result.
    """
    raw = line.strip()
    text = _DOT_LEADERS.sub("   ", tidy_ocr(raw))
    text = _BRACKETED.sub(lambda m: m.group(1) if _is_range_text(m.group(1)) else m.group(0), text)
    tokens = _tokens(text)
    if len(tokens) < 2 or len(tokens) > 14:
        return None
    start, table = _value_index(tokens), False
    if start is None:  # a word result in another language ('Negativo'): only in a column
        start = _value_index(tokens, table=True)
        table = start is not None and _after_gap(raw, tokens[start])
        if not table:
            return None
    test = " ".join(tokens[:start]).strip(TEST_STRIP)
    if not _is_test_name(test) or any(RANGE_RE.match(t) for t in tokens[1:start]):
        return None  # a range before the value: the line is not test-value-range
    value, rest = _value(tokens, start)
    flag = unit = reference = None
    unit_at = -1
    for position, token in enumerate(rest):
        upper = token.upper()
        if flag is None and flag_word(token):
            flag = flag_word(token)
        elif flag is None and position == 0 and token in OCR_FLAGS:
            flag = OCR_FLAGS[token]
        elif reference is None and (RANGE_RE.match(token) or _is_qualitative(token, table=table)):
            reference = token
        elif unit is None and is_unit_word(token) and upper not in FLAGS:
            unit, unit_at = canonical_unit(token), position
        elif reference and rest[position - 1] == reference and is_unit_word(token):
            unit = unit or canonical_unit(token)  # the range's own unit: '12.0-16.0 gms%'
        elif history and _earlier_results(rest[position:], reference, unit, flag):
            break  # a cumulative report's earlier results, after the range: not read
        elif reference and position == len(rest) - 1 and _plain_number(token):
            break  # one number after the range: the earlier result a column holds
        elif (
            unit
            and not reference
            and position == len(rest) - 1 == unit_at + 1
            and _plain_number(token)
            and _is_concentration(unit)  # a lab's concentration, not a dose or a rate
        ):
            break  # one number after the unit: an earlier result, or a range whose sign OCR
            # lost ('< 200' as '200'): left out, never taken as a range ('500 mg 2': a dose)
        else:
            return None  # an unexplained word: prose, not a result line
    if not (unit or reference or flag):
        return None
    flag, derived = settle_flag(flag, flag is not None, value, reference)
    return LabResult(
        test=test,
        value=value,
        unit=unit,
        reference_range=reference,
        flag=flag,
        collected=collected,
        flag_derived=derived,
        raw=raw,
    )


# a count's unit ('x10^9/L', 'x10E3/uL', '10*3/µL', 'x10*3/µL')
_COUNT_UNIT = re.compile(r"[xX×]?10(?:\^|\*|E|e)(?:3|6|9|12)/(?:[µu]L|L|mm3)")
# a rate's or a dose's denominator: per minute, hour, day, kilogram, dose
_RATE = re.compile(r"/(?:min|h|hr|hrs|hour|d|day|24h|kg|dose)\b", re.IGNORECASE)


def _is_concentration(unit: str) -> bool:
    """A unit only a lab result is printed in: a known concentration ('mg/dL', 'mmol/L',
    'µmol/L'), a count ('x10^9/L'), '%', 'fL' or 'pg'; never a dose's or a rate's
    ('units/day', 'mg/kg', 'L/min', '/min')."""
    if _RATE.search(unit):
        return False
    known = _UNIT_KEYS.get(_unit_key(unit.replace("µ", "u")))
    return bool(_COUNT_UNIT.fullmatch(unit)) or (
        known is not None and ("/" in known or known in ("%", "fL", "pg"))
    )


def _earlier_results(
    rest: list[str], reference: str | None, unit: str | None, flag: str | None
) -> bool:
    """Whether the numbers left on a cumulative report's line are earlier results: after
    the range, or after the unit with no range read (then where the range should be may
    stand one whose dash OCR lost, '35 55': it is left out, not guessed)."""
    if not all(_plain_number(token) for token in rest):
        return False
    return bool(reference) or (bool(unit) and flag is None)


def parse_paired_line(line: str) -> list[LabResult]:
    """A line printing one test's two results, each with its range and unit, as a
    differential count does ('Neutrófilos  77,7  7.366  40,0 a 80,0 %  1.800 a 7.800 /µL'):
    a relative and an absolute result. Both ranges and both units must be printed, and
    differ, so each value is paired by the line itself; otherwise nothing."""
    tokens = _tokens(tidy_ocr(line.strip()))
    start = _value_index(tokens)
    if start is None or len(tokens) != start + 6:
        return []
    test = " ".join(tokens[:start]).strip(TEST_STRIP)
    first, second, range1, unit1, range2, unit2 = tokens[start:]
    numeric = all(VALUE_RE.match(t) and VALUE_RE.match(t).group("num") for t in (first, second))  # type: ignore[union-attr]
    ranges = RANGE_RE.match(range2) and (RANGE_RE.match(range1) or VALUE_RE.match(range1))
    units = is_unit_word(unit1) and is_unit_word(unit2) and unit1 != unit2
    if not (_is_test_name(test) and numeric and ranges and units):
        return []
    results = []
    for value, reference, unit in ((first, range1, unit1), (second, range2, unit2)):
        flag, derived = settle_flag(None, False, value, reference)
        results.append(
            LabResult(
                test=test,
                value=value,
                unit=canonical_unit(unit),
                reference_range=reference,
                flag=flag,
                flag_derived=derived,
                raw=line.strip(),
            )
        )
    return results


DIGIT = re.compile(r"\d")


def units_row(line: str) -> tuple[str, ...] | None:
    """The units a row prints over a table's two value columns, as a differential count
    heads its relative and absolute results ('FORMULA LEUCOCITARIA   %   10^9/L   10^9/L',
    '%   x10^9/L'): two different units, then maybe the range column's unit (one of them),
    after words only; None for any other row."""
    if "$" in line:
        line = _DOLLAR_PERCENT.sub("%", line)  # a typewriter's '%' that OCR reads as '$'
    tokens = _tokens(tidy_ocr(line.strip()))
    run = len(tokens)
    while run and is_unit_word(tokens[run - 1]):
        run -= 1
    if len(tokens) - run not in (2, 3) or any(DIGIT.search(token) for token in tokens[:run]):
        return None  # (the count checked first: most rows end in no unit)
    units = tuple(canonical_unit(token) for token in tokens[run:])
    if units[0] == units[1] or (len(units) == 3 and units[2] not in units[:2]):
        return None
    return units


_DOLLAR_PERCENT = re.compile(r"(?<=\s)\$(?=\s)")


# the cells a count prints both as a share and as an absolute number (neutrophils, their
# bands and immature forms, lymphocytes, monocytes, eosinophils, basophils, blasts,
# erythroblasts, reticulocytes), in the languages and abbreviations labs print
COUNTED_CELLS = re.compile(
    r"\W*(?:neu|ne\b|ly(?:m|\b)|l[iy]nf|limf|mo(?:n|\b)|eo(?:s|z|\b)|ba(?:s|z|\b)|band|bast"
    r"|stab|seg|gran|blast|bl[aá]st|mi?elo|myel|metam|prom[iy]el|imat|immat|ig\b|luc\b"
    r"|at[iíy]p|plasm|eritrobl|erythrobl|normobl|nrbc|retic)",
    re.IGNORECASE,
)


def parse_split_row(line: str, units: tuple[str, ...], *, history: bool = False) -> list[LabResult]:
    """A row under a units row (units_row): a test, its two results in the units' order
    ('Neutrófilos  66.9  =  3.800  %  1.560-6.450  3.570'), then maybe a unit the row
    repeats, a range and (`history`) earlier results. The range goes to the result the
    units row names as the range's, else to the one whose decimal places it prints (and
    not the other's); a percentage above 100 means the row is not read so."""
    tokens = _tokens(tidy_ocr(line.strip()))
    start = _value_index(tokens)
    if start is None or len(tokens) < start + 2:
        return []
    test = " ".join(tokens[:start]).strip(TEST_STRIP)
    values = tokens[start : start + 2]
    if not _is_test_name(test) or not all(_plain_number(value) for value in values):
        return []
    if not COUNTED_CELLS.match(test):
        return []  # 'Glicose  95  88' after the count: a result and an earlier one
    reference = None
    for position, token in enumerate(rest := tokens[start + 2 :]):
        if reference is None and is_unit_word(token) and canonical_unit(token) in units[:2]:
            continue  # the row's unit column repeating one of the units
        if reference is None and RANGE_RE.match(token):
            reference = token
        elif history and reference and all(_plain_number(t) for t in rest[position:]):
            break
        elif reference and position == len(rest) - 1 and _plain_number(token):
            break  # one number after the range: the earlier result a column holds
        else:
            return []
    numbers = [_number(value) for value in values]
    if any(unit == "%" and (n is None or n > 100) for unit, n in zip(units, numbers, strict=False)):
        return []
    owner = _range_owner(values, units, reference)
    results = []
    for index, value in enumerate(values):
        limits = reference if index == owner else None
        flag, derived = settle_flag(None, False, value, limits)
        results.append(
            LabResult(
                test=test,
                value=value,
                unit=units[index],
                reference_range=limits,
                flag=flag,
                flag_derived=derived,
                raw=line.strip(),
            )
        )
    return results


def _range_owner(values: list[str], units: tuple[str, ...], reference: str | None) -> int | None:
    """Which of two values (0, 1) a range belongs to, or None when the row cannot say."""
    if reference is None:
        return None
    if len(units) == 3:
        return units.index(units[2])
    places = {_places(bound) for bound in re.findall(_NUMBER, reference)}
    if len(places) != 1:
        return None
    owners = [index for index, value in enumerate(values) if _places(value) in places]
    if len(owners) != 1 or not _within_reach(values[owners[0]], reference):
        return None
    return owners[0]


def _within_reach(value: str, reference: str) -> bool:
    """Whether `value` lies within five times its range's limits (an absolute count's range
    is no percentage's)."""
    number = _number(value)
    limits = [_number(bound) for bound in re.findall(_NUMBER, reference)]
    if number is None or not limits or None in limits:
        return False
    return min(limits) / 5 <= number <= max(limits) * 5  # type: ignore[type-var,operator]


def _places(number: str) -> int:
    match = re.search(r"[.,](\d+)$", number)
    return len(match.group(1)) if match else 0


def lost_separator(value: str, reference: str | None, *, decimals_seen: bool) -> bool:
    """Whether OCR probably dropped a value's decimal separator ('5,2' read '52'): the
    value is a whole number of two digits or more, both limits of its range print the
    same decimal places (one or two), the page prints decimal values elsewhere
    (`decimals_seen`), the value lies beyond five times the upper limit, and with the
    separator put back where the range's places say, it lies within the range's reach."""
    if not reference or not re.fullmatch(r"\d{2,}", value) or not decimals_seen:
        return False
    match = RANGE_RE.match(_without_trailing_unit(reference.strip()).replace(" ", ""))
    if not match or not match.group("lo"):
        return False
    places = {len(m.group(1)) if (m := re.search(r"[.,](\d{1,2})$", bound)) else 0
              for bound in (match.group("lo"), match.group("hi"))}  # fmt: skip
    low, high = _number(match.group("lo")), _number(match.group("hi"))
    if len(places) != 1 or 0 in places or low is None or not high or high <= low:
        return False
    number = int(value)
    restored = number / 10 ** places.pop()
    return number > 5 * high and low / 5 <= restored <= high * 5


def _plain_number(token: str) -> bool:
    match = VALUE_RE.match(token)
    return bool(match and match.group("num") and not match.group("cmp"))


# a page that prints earlier results beside the current ones (a cumulative report)
HISTORY_HEADER = re.compile(
    r"\b(?:hist[oó]r[il1]c[oa]s?|previous\s+results?|prior\s+results?|resultados?\s+anteriores?"
    r"|cumulative|kumulativ|vorbefund|ant[ée]rieurs?)\b",
    re.I,
)


BARE_UNITS = frozenset(
    [
        "fl",
        "pg",
        "sec",
        "s",
        "min",
        "h",
        "hr",
        "mm",
        "cm",
        "m",
        "kg",
        "g",
        "mg",
        "mcg",
        "ug",
        "ng",
        "l",
        "dl",
        "ml",
        "u",
        "iu",
        "mu",
        "meq",
        "mmol",
        "umol",
        "mol",
        "ratio",
        "index",
        "cells",
        "copies",
        "titer",
        "mmhg",
        "bpm",
        "gms",
        "gm",
        "gm%",
        "gms%",
        "mosm",
    ]
)


@functools.lru_cache(maxsize=4096)
def is_unit_word(token: str) -> bool:
    """A word a result line prints as its unit: a known unit, one with '/', '%' or '^' in it
    ('mg/dL', 'x10E3/uL'), or a bare unit ('fL', 'sec'). Prose words ('MAX', 'to') are not."""
    if not (UNIT_RE.match(token) or UNIT_RE.match(canonical_unit(token))):
        return False  # (a UCUM count, '10*9/L', is one once translated)
    known = _unit_key(canonical_unit(token)) in _UNIT_KEYS
    return known or bool(re.search(r"[/%^]", token)) or token.lower() in BARE_UNITS


def _or_equal(text: str) -> str:
    """'> OR = 50' (as some labs print it) → '>=50'; 'Up to 40' → '<=40', 'Less than 5.7'
    → '<5.7', 'More than 60' → '>60'."""
    if "=" in text:
        text = _OR_EQUAL.sub(r"\1=", text)
    if has_digit(text):  # each word is replaced only before a number
        low = lowered(text)
        for pattern, sign, found in _RANGE_WORDS:
            if may_match(found, low):  # its words are in the text (needles.py)
                text = pattern.sub(sign, text)
                low = lowered(text)
    return text


RANGE_WORDS = (
    (r"up\s*to|upto|less\s+than\s+or\s+equal\s+to|not\s+more\s+than", "<="),
    (r"less\s+than|below|under", "<"),
    (r"greater\s+than\s+or\s+equal\s+to|at\s+least", ">="),
    (r"more\s+than|greater\s+than|above|over", ">"),
)
# compiled once: every line of every document passes here (re.sub's cache lookup per call
# was a tenth of a folder of 50,000 notes)
_OR_EQUAL = re.compile(r"([<>])\s*or\s*=\s*", re.I)
_RANGE_WORDS = tuple(
    (re.compile(pattern, re.I), sign, needles(pattern, re.I))
    for words, sign in RANGE_WORDS
    if (pattern := rf"\b(?:{words})\s*[:-]?\s*(?=\d|\.\d)")
)


def _is_range_text(text: str) -> bool:
    core = _or_equal(text.strip())
    return bool(RANGE_RE.match(core.replace(" ", ""))) or _is_qualitative(core)


def settle_flag(
    stated: str | None,
    interpreted: bool,
    value: str,
    reference: str | None,
    *,
    said_normal: bool = False,
) -> tuple[str | None, bool]:
    """(flag, derived): the flag a coded source states when it gives an interpretation,
    otherwise the one its reference range implies, marked as derived. Only a result the
    source calls normal ("N") yet outside its own range takes the range's flag; another
    interpretation ("NEG", "IND", a susceptibility) is the source's word and stays."""
    if interpreted:
        if stated is None and said_normal and reference:  # the range is shown, so the
            flag = derive_flag(value, reference)  # flag follows it
            if flag in ("H", "L"):
                return flag, True
        return stated, False
    if reference:
        flag = derive_flag(value, reference)
        return flag, flag is not None
    return None, False


def range_text(low: str | None, high: str | None) -> str | None:
    """A reference range from its bounds as labs print it: '3.5-5.0', '>=60', '<=200'."""
    if low and high:
        return f"{low}-{high}"
    if low:
        return f">={low}"
    if high:
        return f"<={high}"
    return None


# a unit at the end of a range ("3.5-5.0 g/dL"), matched on the reversed text from its end:
# one start position, so linear however long the text (a search for it was quadratic)
_TRAILING_UNIT_REVERSED = re.compile(r"[\w/%^.*µ²³\[\]]*[A-Za-zµ%]\s*")


def _without_trailing_unit(text: str) -> str:
    match = _TRAILING_UNIT_REVERSED.match(text[::-1])
    return text[: len(text) - match.end()] if match else text


def derive_flag(value: str, reference: str) -> str | None:
    """H or L when a numeric value falls outside a numeric range; A when a positive result's
    range is negative; None when inside or unknown. A point before three digits ('1.000')
    may be a decimal point or a thousands point (Brazil, Portugal): a flag is given only
    when both readings agree."""
    positive, negative = POSITIVE | TABLE_POSITIVE, NEGATIVE | TABLE_NEGATIVE
    if value.lower() in positive and reference.strip().lower() in negative:
        return "A"
    flags = {_flag_read(value, reference, thousands) for thousands in (False, True)}
    return flags.pop() if len(flags) == 1 else None


def _flag_read(value: str, reference: str, thousands: bool) -> str | None:
    number = _number(value, thousands=thousands)
    core = _without_trailing_unit(reference.strip())
    match = RANGE_RE.match(core.replace(" ", ""))
    if number is None or not match or VALUE_RE.match(value).group("cmp"):  # type: ignore[union-attr]
        return None
    if match.group("lo"):
        low = _number(match.group("lo"), thousands=thousands)
        high = _number(match.group("hi"), thousands=thousands)
        return "L" if number < low else "H" if number > high else None  # type: ignore[operator]
    limit = _number(match.group("lim"), thousands=thousands)
    if match.group("cmp") in ("<", "≤", "<="):
        return "H" if number > limit or (match.group("cmp") == "<" and number == limit) else None  # type: ignore[operator]
    return "L" if number < limit or (match.group("cmp") == ">" and number == limit) else None  # type: ignore[operator]


_ASCII_DIGIT = re.compile(r"[0-9]")


def has_digit(text: str) -> bool:
    """Whether a character of `text` is a digit (str.isdigit: '²' too), at C speed where the
    text is ASCII (there, the digits are 0-9)."""
    if _ASCII_DIGIT.search(text):
        return True
    return not text.isascii() and any(ch.isdigit() for ch in text)


def _tokens(line: str) -> list[str]:
    """Whitespace tokens, with '3.5 - 5.0' and '< 200' joined into one token each, and a
    flag OCR glued to its value ('212H', '6.1.H') split off."""
    return list(_line_tokens(line))


@functools.lru_cache(maxsize=16)  # a line is read as one result, then as a pair: once
def _line_tokens(line: str) -> tuple[str, ...]:
    line = _or_equal(line)
    if has_digit(line):  # the joins below all need a number
        if "H" in line or "L" in line:  # (the flag's own letters)
            line = _GLUED_FLAG.sub(r"\1 \2", line)
        if may_match(_SPACED_RANGE_NEEDLES, lowered(line)):  # a dash, 'a', 'to'...
            line = _SPACED_RANGE.sub(r"\1-\2", line)
    if "L" in line:  # (each pattern below is tried only where its literal text is)
        line = _SPACED_MICRO_LITRE.sub(r"\1L", line)  # '10^6/µ L': one unit, never a flag
    if "10" in line:  # 'x10 3/uL', 'x103/uL': a superscript flattened; other exponents stay
        line = _FLAT_EXPONENT.sub(  # apart
            lambda m: (
                f"{m.group(1) or m.group(4)}10^{m.group(2) or m.group(5)}/{m.group(3) or 'L'}"
            ),
            line,
        )
    if any(sign in line for sign in "<>≤≥"):
        line = _SPACED_COMPARISON.sub(r"\1\2", line)
    if "no" in line.lower():  # only 'n' and 'o' match 'n' and 'o' case-blind
        line = _NOT_DETECTED.sub(lambda m: _SPACES.sub("\ue000", m.group(0)), line)
    tokens = []
    for token in line.split():
        token = token.replace("\ue000", " ")
        bare = token.rstrip(".:,;")
        if bare != token and (VALUE_RE.match(bare) or RANGE_RE.match(bare) or "/" in bare):
            token = bare  # OCR's trailing speck: "1.1." "mmol/L."
        glued = _GLUED_UNIT.match(token)
        if glued and len(glued.group(2)) > 1 and is_unit_word(glued.group(2)):
            tokens += glued.groups()  # '>90ml/perc/1.73': a value and its unit, no space
        elif _NOT_SPECK.search(token):  # a lone mark (":", "—") is a speck
            tokens.append(token)
    return tuple(tokens)


_GLUED_FLAG = re.compile(rf"(?<!\S)([<>]?(?:{_NUMBER}))\.?(HH|LL|H|L)(?!\S)")
_SPACED_RANGE = re.compile(  # '4,5 - 5,5', '40 a 129', OCR's '53- 167' (never '5 -3': a minus)
    rf"(?<![\d,.-])({_NUMBER})(?:\s+(?:[-–]|a|to|até|bis)|[-–])\s+({_NUMBER})"
)
_SPACED_RANGE_NEEDLES = needles(_SPACED_RANGE.pattern)
_SPACED_MICRO_LITRE = re.compile(r"([µu])\s+L\b")
_GLUED_UNIT = re.compile(rf"^((?:[<>]=?)?(?:{_NUMBER}))([a-zA-Zµ%][\w/.^%µ]*)$")
_FLAT_EXPONENT = re.compile(
    r"(?<!\S)([xX×]?)10\s?(3|6)\s?/\s?([µu]L)\b|(?<!\S)([xX×]?)10\s?(9|12)\s?/\s?L\b"
)
_SPACED_COMPARISON = re.compile(rf"(?<![\w.])([<>]=?|≤|≥)\s+({_NUMBER})")
_NOT_DETECTED = re.compile(r"\b(?:not|non|none)\s+(?:detected|reactive|seen)\b", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_NOT_SPECK = re.compile(r"[\w<>%/]")


_OCR_MARKS = str.maketrans({"°": " ", "¢": " ", "“": " ", "”": " ", "‘": " ", "’": " "})


@functools.lru_cache(maxsize=64)  # a line is tidied for each way it is read: once
def tidy_ocr(text: str) -> str:
    """Undo OCR's usual damage to a result line: stray marks, '5:2' for '5.2' inside a
    bracketed range, 'A1c' read as 'Alc'."""
    text = _POWER_MARK.sub(r"\1^\2", text)
    text = text.translate(_OCR_MARKS)
    text = _A1C.sub("A1c", text)
    text = _GLUED_A.sub(r"\1 a \2", text)
    return _COLON_DECIMAL.sub(".", text) if "(" in text else text


_A1C = re.compile(r"\bA[lI|]c\b")
# a count's unit whose caret OCR read as a degree sign: '10°9/L' (before the sign is a mark)
_POWER_MARK = re.compile(
    r"(?<![\d.,])((?:x|×)?10)[°º](3|6|9|12)(?=\s?/\s?(?:[µu]?[lL]|mm3|mm³)(?![^\W\d_]))"
)
# a Portuguese or Spanish range 'x a y' that OCR glued ('2.1a7.6', '2.1 a7.6'): one side a
# decimal number, both sides whole numbers (not part of a code or a word)
_GLUED_A = re.compile(
    r"(?<![\w.,])(\d+[.,]\d+|\d+(?=\s?a\s?\d+[.,]\d))"  # a decimal, or before one
    r"(?: a(?=\d)|a ?(?=\d))"  # 'a' glued to one side at least
    r"(\d+(?:[.,]\d+)?)(?![\w.,])"
)
_COLON_DECIMAL = re.compile(r"(?<=\d):(?=\d(?![\d:]{0,8}\s{0,3}(?:am|pm)\b))", re.I)


def _value_index(tokens: list[str], *, table: bool = False) -> int | None:
    for i, token in enumerate(tokens[1:], start=1):
        if VALUE_RE.match(token) or _is_qualitative(token, table=table):
            return i
    return None


def _after_gap(line: str, token: str) -> bool:
    """Whether `token` follows a column's gap (three spaces or a tab) in `line`: a table row's
    result cell, not a word of prose."""
    return bool(re.search(rf"\S(?: {{3,}}|\t)\s*{re.escape(token)}(?!\S)", line))


def _value(tokens: list[str], start: int) -> tuple[str, list[str]]:
    return tokens[start], tokens[start + 1 :]


# a chemical name's locants before its letters: '25-OH-Vitamina D', '17-OH progesterone',
# '1,25-dihydroxy vitamin D', '5-HIAA'
# a day and a month ('03-Mar', '15-abr', '2-máj') are a date, never a locant
_MONTH_WORDS = (
    r"(?:jan|fe[bv]|mar|m[áa]r|apr|abr|[áa]pr|ma[iy]|m[áa]j|jun|j[úu]n|jul|j[úu]l|aug|ago"
    r"|sep|set|sze|oct|out|okt|nov|dec|dez|dic|ene)[^\W\d_]*(?![^\W\d_])"
)
_LOCANT = re.compile(
    r"\d{1,2}(?:,\d{1,2})?-(?!_MONTHS)[^\W\d_]{2}".replace("_MONTHS", _MONTH_WORDS), re.I
)


@functools.lru_cache(maxsize=1024)  # a report's test names recur, and a line is read twice
def _is_test_name(test: str) -> bool:
    labelled = _LABELLED.search(test)  # "Performing Lab: ..." is a label, not a test
    return (
        _two_letters(test)
        and (test[:1].isalpha() or bool(_LOCANT.match(test)))
        and not labelled
        and not _NOT_TESTS.match(test)
        and len(test) <= 60
        and sum(word.isalpha() and word.islower() for word in test.split()) < 4  # prose
        and not _GOAL_OR_DOSE.search(test)
        and not _form_field_or_prose(test)
    )


def _form_field_or_prose(test: str) -> bool:
    words = test.lower().split()
    last = words[-1] if words else ""
    return " ".join(words) in FIELD_LABELS or last in FIELD_ENDS or last in PROSE_ENDS


# a name ending in such a word is a sentence wrapped before its number ('EF visually' /
# 'estimated to be 25%.'), not a test
PROSE_ENDS = frozenset(
    "be is was were are to of and or the with at by for from than as in on".split()  # noqa: SIM905
)


# a form's field labels, never a test's name: 'Result: 13.2 Low' under 'Test Name:', a drug's
# 'Strength: 81mg', a vital sign's 'Measurement: 98 %', a food diary's 'Quantity: 1' (the VA's
# Blue Button download prints every record so); nor a vaccine's or a diary's 'Influenza Dose:
# 0.5 ml', 'Food/Beverage Item: 3 eggs/cheese'
FIELD_LABELS = frozenset(
    {"result", "results", "value", "values", "strength", "measurement", "measurements", "dose",
     "dosage", "quantity", "amount", "serving size", "item", "reading"}
)  # fmt: skip
FIELD_ENDS = frozenset({"dose", "dosage", "item"})


def _two_letters(text: str) -> bool:
    """Whether `text` holds two letters at least (counted only that far)."""
    letters = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            if letters == 2:
                return True
    return False


# a name holding one of these words states a goal or a treatment, not a test
# ('LDL target <100 mg/dL', 'K was replaced 40 mEq', 'Sodium restriction 2 g')
_GOAL_OR_DOSE = re.compile(
    r"\b(?:target|goal|restriction|restricted|replaced|repleted?|given|threshold)\b", re.IGNORECASE
)


_LABELLED = re.compile(r"[A-Za-z]:\s")


def _is_qualitative(token: str, *, table: bool = False) -> bool:
    return token.lower() in QUALITATIVE or (table and token.lower() in TABLE_WORDS)


def _number(value: str, *, thousands: bool = False) -> float | None:
    """A value's number: '1,250' 1250, '13,8' 13.8 (decimal comma), '9.480' 9.48, or
    9480 when `thousands` (a point before exactly three digits read as a thousands point)."""
    match = VALUE_RE.match(value.replace(" ", ""))
    if not (match and match.group("num")):
        return None
    number = match.group("num")
    if re.fullmatch(r"\d+,\d{1,2}", number):
        return float(number.replace(",", "."))
    if thousands and re.fullmatch(r"[1-9]\d{0,2}(?:\.\d{3})+", number):
        return float(number.replace(".", ""))
    return float(number.replace(",", ""))
