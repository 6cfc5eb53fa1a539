"""Adversarial review of the session-8 reading rules (issue 16: urinalysis, OCR's looks,
units): inputs that must give nothing, or exactly the right value with the right test and
specimen. (The session-7 review is tests/test_reading_review.py.)"""

from __future__ import annotations

import pytest

from intake.understand.classify import classify
from intake.understand.labs import parse_lab_line, parse_labs
from intake.understand.people import find_name
from intake.understand.urinalysis import urine_row


def _read(text: str) -> list[tuple[str, str, str | None, str | None]]:
    return [(r.test, r.value, r.unit, r.specimen) for r in parse_labs(text)]


def test_a_urine_section_ends_at_the_next_sections_heading():
    text = """URINA
Cor          AMARELA
pH           6.0
Proteinas    NAO CONTEM
HEMATOLOGIA
Hemoglobina          14.2   g/dL   12.0-16.0
Leucocitos           Negativo
GASOMETRIA ARTERIAL
pH                   7.38
"""
    assert _read(text) == [
        ("Cor", "AMARELA", None, "urine"),
        ("pH", "6.0", None, "urine"),
        ("Proteinas", "NAO CONTEM", None, "urine"),
        ("Hemoglobina", "14.2", "g/dL", None),
    ]


def test_a_blood_gas_ph_is_no_urine_strips_ph():
    assert urine_row("pH           7.38") is None
    assert urine_row("pH           12") is None
    assert urine_row("Densidade    1.5") is None
    assert urine_row("pH           6,5").value == "6,5"  # type: ignore[union-attr]
    assert urine_row("Densidade    1.025").value == "1.025"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    [
        # a stool test under its heading, after a urine section's heading
        "URINA\nEXAME DE FEZES\nSangue   Ausente\nLeucocitos   Ausentes\n"
        "Hemoglobina   Negativo\npH   6.0\n",
        # a stool test's rows, as many as a strip's, with no urine heading
        "PARASITOLOGICO DE FEZES\nSangue   Ausente\nLeucocitos   Ausentes\n"
        "Hemoglobina   Negativo\n",
        # the strip's words printed under the range column, the result column left blank
        "Exame                 Resultado        Valores de referência\n"
        "Proteinas                              Negativo\n"
        "Glicose                                Negativo\n"
        "Nitritos                               Negativo\n"
        "Cetonas                                Negativo\n",
        # a glucose 'Negativo' in a note's prose
        "Patient reports glucose negativo at home. Glicose   Negativo\n",
    ],
)
def test_no_urine_result_is_read_from_other_sections_or_columns(text):
    assert _read(text) == []


def test_a_urine_word_in_a_longer_title_reopens_the_strip_after_another_section():
    text = """Klinikai kémia
Vizelet kémia
Proteinas   Negativo
Glicose   Negativo
Nitritos   Negativo
"""
    assert [r[:2] for r in _read(text)] == [
        ("Proteinas", "Negativo"),
        ("Glicose", "Negativo"),
        ("Nitritos", "Negativo"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Insulin 10 units/day 2",  # a dose, then a count
        "Heparin 5000 units/mL 2",
        "Dose 5 mg/kg 3",
        "Oxygen 2 L/min 3",  # a flow
        "Heart rate 72 /min 80",  # a vital sign and its target
    ],
)
def test_one_number_after_a_dose_or_rate_unit_leaves_the_line_unread(line):
    assert parse_lab_line(line) is None


@pytest.mark.parametrize(
    ("line", "unit"),
    [
        ("Colesterol total   180   mg/dL   200", "mg/dL"),  # '< 200' whose sign OCR lost
        ("Creatinina   86   µmol/L   90", "µmol/L"),
        ("Leucocitos   7.5   x10^9/L   6.1", "x10^9/L"),
        ("HbA1c   6.1   %   5.9", "%"),
    ],
)
def test_one_number_after_a_concentration_is_left_out(line, unit):
    result = parse_lab_line(line)
    assert result is not None
    assert (result.value, result.unit, result.reference_range) == (line.split()[-3], unit, None)


def test_a_day_and_month_is_no_locant_of_a_test_name():
    text = "Hemoglobin trend\n03-Mar   14.2 g/dL   12.0-16.0\n15-abr   13.1 g/dL   12.0-16.0\n"
    assert _read(text) == []
    assert parse_lab_line("25-OH-Vitamina D   30   ng/mL   30-100").test == "25-OH-Vitamina D"  # type: ignore[union-attr]
    assert parse_lab_line("17-OH progesterone   1.2   ng/mL").test == "17-OH progesterone"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    [
        "Médico Requisitante:   Episódio: 1234\nANTONIO MANUEL COSTA\nHemoglobina   14.2 g/dL\n",
        "Beküldő:   Dátum: 2023.03.01\nKOVÁCS PÉTER JÁNOS\nVércukor   5,2 mmol/L\n",
    ],
)
def test_a_name_below_a_doctors_label_is_no_lone_pages_patient(text):
    assert find_name(text) is None


def test_a_name_below_a_headers_plain_labels_is_the_patient():
    text = "Requisição: 916237   Data Colheita: 12/03/2019\nMARIA JOSE FERREIRA\nGlicose 95 mg/dL\n"
    assert find_name(text) == "Maria Jose Ferreira"


def test_a_unit_before_ocrs_question_mark_asks_nothing():
    text = "LABORATORIO\nHemoglobina 14.2 g/dL?\nGlicose 95 mg/dL?\nUreia 33 mg/dL?\n"
    assert classify(text, labs=3) != "questions"
    questions = "Surgery?\nChemotherapy first?\nWhat stage is it?\n"
    assert classify(questions) == "questions"


def test_a_strips_run_after_a_blood_chemistry_heading_is_still_read():
    # the 2001 report: OCR lost 'URINA' after 'BIOQUIMICA'; the strip's run stays readable
    text = """BIOQUIMICA   VALORES DE REFERENCIA
UREIA (mg/dl)   33   16   a 50
pH   5.0
Proteinas   NAO CONTEM
Glicose   NAO CONTEM
Sangue   NAO CONTEM
"""
    assert [r[:2] for r in _read(text)][1:] == [
        ("pH", "5.0"),
        ("Proteinas", "NAO CONTEM"),
        ("Glicose", "NAO CONTEM"),
        ("Sangue", "NAO CONTEM"),
    ]
