"""Portuguese lab pages photographed or scanned (corpus category `photo`, units named in each
test): OCR's text lines, as intake's image extractor gives them, read for results."""

from __future__ import annotations

from intake.understand.analyte_words import repair_test_name
from intake.understand.labs import flag_word, parse_lab_line, parse_labs

# photo/tsilva_unilabs_espinho_2024_cumulative_page.png: a units row over two value columns
UNILABS = """\
Leucocitos   5.680   x1049/L   3.400-9.600   5.170
%   x1049/L
Neutrofilos   66.9   =   3.800   %   1.560-6.450   3.570
Mondcitos   6.9   =   0.390   %   0.260-0.810   0.340
PLAQUETAS
Numero   335   x1049/L   135-317   283
"""

# photo/tsilva_labmed_porto_2014_hemogram_page.png: the range column's unit named too
LABMED = """\
FORMULA LEUCOCITARIA   %   109/L   109/L
neutroéfilos   62,4   3,23   1,90   -   6,60
bas6éfilos   0,2   0,01   < 0,10
monécitos   7,8   0,40   0,20-   1,00
MORFOLOGIA CELULAR:
"""


def _rows(labs):
    return [(lab.test, lab.value, lab.unit, lab.reference_range) for lab in labs]


def test_a_units_row_pairs_each_value_of_a_differential_with_its_unit():
    rows = _rows(parse_labs(UNILABS))
    assert ("Neutrofilos", "66.9", "%", None) in rows
    assert ("Neutrofilos", "3.800", "x10^9/L", "1.560-6.450") in rows
    assert ("Monócitos", "0.390", "x10^9/L", "0.260-0.810") in rows
    assert not any(value in ("3.570", "0.340", "283") for _, value, _, _ in rows)


def test_the_range_goes_to_the_value_the_units_row_names_and_ocr_names_are_repaired():
    rows = _rows(parse_labs(LABMED))
    assert rows == [
        ("neutrófilos", "62,4", "%", None),
        ("neutrófilos", "3,23", "10^9/L", "1,90-6,60"),
        ("basófilos", "0,2", "%", None),
        ("basófilos", "0,01", "10^9/L", "<0,10"),
        ("monócitos", "7,8", "%", None),
        ("monócitos", "0,40", "10^9/L", "0,20-1,00"),
    ]


def test_a_percentage_over_100_is_no_differential_row():
    assert parse_labs("%   109/L\nneutrofilos   162,4   3,23   1,90 - 6,60\n") == []


def test_a_range_the_row_cannot_place_is_given_to_neither_value():
    same_places = _rows(parse_labs("%   109/L\nneutrofilos   62,4   3,2   1,9 - 6,6\n"))
    assert [reference for *_, reference in same_places] == [None, None]
    out_of_reach = _rows(parse_labs("%   109/L\nneutrofilos   62,4   3,23   1,9 - 6,6\n"))
    assert [reference for *_, reference in out_of_reach] == [None, None]


def test_word_results_in_a_column_and_an_earlier_result_after_the_range():
    # photo/tsilva_germanodesousa_espinho_2025_urine_rf_page.png (no history header read)
    lab = parse_lab_line("Proteinas   Negativo   mg/dL   Neg.")
    assert (lab.value, lab.unit, lab.reference_range, lab.flag) == (
        "Negativo",
        "mg/dL",
        "Neg.",
        None,
    )
    lab = parse_lab_line("Tiroxina Livre (FT4)   1.31 ng/dl   0.80 - 1.76   1.18")
    assert (lab.value, lab.unit, lab.reference_range) == ("1.31", "ng/dL", "0.80-1.76")
    # a smudge read 'aa)' where 'Neg.' is printed is no flag: the row is not read
    assert parse_lab_line("Urobilinogénio   Negativo   mg/dL   aa)") is None
    assert flag_word("aa)") is None and flag_word("A") == "A"


def test_word_results_are_not_read_from_prose():
    assert parse_lab_line("Nitritos negativo nesta amostra") is None
    assert parse_lab_line("Resultado negativo") is None


def test_repair_only_near_one_known_word():
    assert repair_test_name("linfdécitos") == "linfócitos"
    assert repair_test_name("Eritrécitos") == "Eritrócitos"
    assert repair_test_name("LEUCOCITOS") == "LEUCOCITOS"  # known, accent aside
    # photo/tsilva_labmed_porto_2014_hemogram_page.png: OCR's 'e' for 'c' in an index
    assert [repair_test_name(name) for name in ("vem", "chem", "VEM")] == ["vcm", "chcm", "VCM"]
    assert [repair_test_name(name) for name in ("vcm", "hemo", "ret")] == ["vcm", "hemo", "ret"]
    assert repair_test_name("Ferritine") == "Ferritine"  # its ending differs
