"""A urinalysis section's word results and unitless numbers, read only under a urine heading.

Excerpts: lab_pdf/tsilva_ordem_trindade_porto_2001_scanned.pdf, page 2 (its black-and-white
OCR reading), and photo/tsilva_har_2017_urinalysis_scanned_page.png read as rows; the
expected values typed from the pages.
"""

from __future__ import annotations

from intake.understand.labs import parse_labs
from intake.understand.urinalysis import urine_row

PORTO_URINE = """\
UREIA (mg/dl)   33   16   a 50
URINA
<   TIPO II   >
Cor   AMARELA
pH   5.0
Elementos anormais
Proteinas   NAO CONTEM
Glicose   NAO CONTEM
Urobilinogenio   NORMAL
EXAME MICROSCOPICO DO SEDIMENTO
CELULAS EPITELIAIS   - 1   a 2/campo
"""


def _read(text: str) -> list[tuple[str, str, str | None, str | None]]:
    return [(r.test, r.value, r.unit, r.reference_range) for r in parse_labs(text)]


def test_a_strips_word_results_under_a_urine_heading():
    assert _read(PORTO_URINE) == [
        ("UREIA", "33", "mg/dL", "16-50"),
        ("Cor", "AMARELA", None, None),
        ("pH", "5.0", None, None),
        ("Proteinas", "NAO CONTEM", None, None),
        ("Glicose", "NAO CONTEM", None, None),
        ("Urobilinogenio", "NORMAL", None, None),
    ]


def test_without_a_urine_heading_only_a_run_of_a_strips_rows_is_read():
    # OCR lost the heading (as one reading of the 2001 page did): the strip's rows together
    # still say what they are
    body = PORTO_URINE.replace("URINA\n", "")
    assert _read(body) == _read(PORTO_URINE)
    lone = "UREIA (mg/dl)   33   16   a 50\nGlicose   NAO CONTEM\nTotal   12\n"
    assert _read(lone) == [("UREIA", "33", "mg/dL", "16-50")]  # one row alone: not read
    two = (
        "Proteinas   Negativo\nnotes\nnotes\nnotes\nnotes\nGlicose   Negativo\nSangue   Negativo\n"
    )
    assert [r[0] for r in _read(two)] == []  # three, but not together
    assert all(r.specimen == "urine" for r in parse_labs(body) if r.test != "UREIA")


def test_a_strips_row_with_an_earlier_result():
    # har_2017 read as rows: the result, then the earlier one (a column whose header is lost)
    assert urine_row("Proteinas   Negativo   0").value == "Negativo"
    assert urine_row("Densidade   1,027   1,015").value == "1,027"
    assert urine_row("Glicose   Negativo   mg/dL   Neg.").unit == "mg/dL"


def test_what_a_strips_row_is_not():
    assert urine_row("Glicose   95") is None  # a number for a test a strip gives in words
    assert urine_row("Hemoglobina   14.2   13.2   a 16.9") is None  # blood, not the strip
    assert urine_row("Proteinas   NAO CONTEM   em   excesso") is None  # more than a result
    assert urine_row("Colesterol   Negativo") is None  # not a strip's test
    assert urine_row("pH   alto") is None  # not a strip's word
    assert urine_row("Nitritos") is None


def test_one_number_after_a_concentration_unit_is_left_out_not_a_range():
    assert _read("Urobilinogénio   4,0 mg/dl   3.0\n") == [("Urobilinogénio", "4,0", "mg/dL", None)]
    assert _read("Colesterol total   169 mg/dL   200\n") == [
        ("Colesterol total", "169", "mg/dL", None)
    ]
    assert _read("Metformin   500 mg   2\n") == []  # a dose and a count: no result
