"""OCR in the page's language: a page clearly in another language has its words read again
with that language's Tesseract model; numbers stay the English reading's; English pages
are read once.

The images in tests/excerpts/ are small crops of real-world corpus files (corpus/SOURCES.tsv):
- pt_labmed_porto_header.png: the letterhead of photo/tsilva_labmed_porto_2014_hemogram_page.png
  (tsilva/parselabs, MIT, Copyright (c) 2024 Tiago Silva), the laboratory's name and address
  only (no patient data);
- en_christianacare_exam.png: the 'Review of Systems' and vitals lines of page 1 of
  clinical_pdf/jsl_christianacare_h_and_p_scanned.pdf (JohnSnowLabs/visual-nlp-workshop,
  Apache-2.0), rendered at 150 dpi.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from intake import ocr
from intake.page_language import page_language
from tests.layouts import tesseract_line

EXCERPTS = Path(__file__).resolve().parent / "excerpts"
PT_HEADER = EXCERPTS / "pt_labmed_porto_header.png"
EN_EXAM = EXCERPTS / "en_christianacare_exam.png"


def _needs(model: str) -> None:
    try:
        ocr.check_tesseract()
    except ocr.TesseractMissing:
        pytest.skip("Tesseract is not installed")
    if model not in ocr.installed_models():
        pytest.skip(f"Tesseract's '{model}' model is not installed (tesseract-ocr-{model})")


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d[\d.,/-]*", text)


# photo/tsilva_labmed_porto_2014_hemogram_page.png read with the English model
PT_READ_IN_ENGLISH = """Este boletim foi enviado por e-mail.
A impressao é da responsabilidade do utente.
ANALISES RESULTADO ACTUAL UNIDADES VALORES DE REFERENCIA RESULTADOS ANTERIORES
HEMATOLOGIA
HEMOGRAMA
eritrdocitos 4,04 1012/L 4,30 - 5,70
leucdécitos 52 109/L 4,0 - 10,0"""
# lab_pdf/hu_synlab_budapest_2024_cbc_chem.pdf (its letterhead and table heading)
HU_PAGE = """Laboratóriumi lelet                Azonosító:
Központi ügyfélszolgálat: +36 1 588 8500     Kémiai és Immunológiai Laboratóriuma
Mintavétel:      2024.02.29 Rögzítés: 2024.02.29 14:33
Vizsgálat       Eredmény       Minősítés       Referencia*       Mértékegység
Fehérvérsejtszám     5.1     4.4 - 11.3       Giga/L"""
# clinical_pdf/jsl_christianacare_h_and_p_scanned.pdf, page 1
EN_PAGE = """Review of Systems
A 10 system review of systems was completed and negative except as documented in HPI.
Physical Exam
Pulse Ox: 100 % Oxygen: 2 Limin via Nasal Cannula
Acute on chronic diastolic CHF (congestive heart failure)
Permanent atrial fibrillation. Rates bradycardic in the 50s. Continue atenolol with hold"""


def test_a_page_clearly_in_a_language_is_told_from_its_words():
    assert page_language(PT_READ_IN_ENGLISH) == "pt"
    assert page_language(HU_PAGE) == "hu"


def test_english_and_scant_pages_are_in_no_other_language():
    assert page_language(EN_PAGE) is None
    assert page_language("HEMOGRAMA\neritrdocitos 4,04 1012/L 4,30 - 5,70") is None  # too few
    assert page_language("") is None


def test_a_mix_is_no_language():
    # two languages' words on one page: neither clearly
    assert page_language(PT_READ_IN_ENGLISH + "\n" + HU_PAGE) is None


def test_accented_words_read_with_portuguese_and_not_with_english_only():
    _needs("por")
    english = ocr.read_image(str(PT_HEADER), config=ocr.PAGE_CONFIG)
    assert "Clínica" not in english.text and "França" not in english.text
    again = ocr.read_again_in(str(PT_HEADER), english, "por", timeout=60)
    assert "Clínica Laboratorial Dr. Mário Moreira" in again.text
    assert "França" in again.text
    assert _numbers(again.text) == _numbers(english.text)  # '434', '4050-277' as read before
    assert [box[1:] for box in again.boxes] == [box[1:] for box in english.boxes]


def test_a_number_is_never_taken_from_the_second_reading():
    first = _columns([("Franga,", 91), ("434", 40), ("Indico", 96)])
    again = _columns([("França,", 96), ("484", 99), ("Indíco", 90)])
    taken = ocr._take_words(first, again)
    assert taken is not None
    assert taken["text"] == ["França,", "434", "Indico"]  # a less sure word is not taken


def test_digits_between_letters_are_damage_and_the_word_is_read_again():
    first = _columns([("bas6é6filos", 19), ("0,2", 90)])
    again = _columns([("basófilos", 90), ("0,2", 90)])
    assert ocr._take_words(first, again)["text"] == ["basófilos", "0,2"]


def test_another_word_at_the_place_is_not_taken():
    # photo/tsilva_hluz_synlab_arrabida_2022_lipids_page.png: 'Mét.: Colorimetria (HK) |
    # Amostra: Soro' read with por+eng gave '(HK)' a box reaching over 'Amostra:'
    first = _columns([("Amostra:", 92)])
    again = _columns([("(HK)", 96), ("Amostra:", 96)])
    again["left"], again["width"] = [-60, 0], [140, 80]
    assert ocr._take_words(first, again) is None
    wide = _columns([("(HK)", 96)])
    wide["left"], wide["width"] = [-60], [140]
    assert ocr._take_words(first, wide) is None  # the same place, but another word


def test_nothing_better_read_again_keeps_the_first_reading():
    first = _columns([("Clínica", 96)])
    assert ocr._take_words(first, _columns([("Clinica", 93)])) is None


def test_an_english_page_is_read_once(monkeypatch):
    _needs("eng")
    from PIL import Image

    calls: list[list[str]] = []
    real = ocr.run_tesseract

    def counted(arguments: list[str], *, timeout: float | None) -> str:
        calls.append(arguments)
        return real(arguments, timeout=timeout)

    monkeypatch.setattr(ocr, "run_tesseract", counted)
    with Image.open(EN_EXAM) as image:
        result = ocr.read_page(image.convert("L"))
    assert "Review of Systems" in result.text
    assert len(calls) == 1


def test_a_missing_model_leaves_the_english_reading(monkeypatch):
    _needs("eng")
    monkeypatch.setattr(ocr, "installed_models", lambda: frozenset({"eng", "osd"}))
    first = ocr.read_image(str(PT_HEADER), config=ocr.PAGE_CONFIG)
    first.text = PT_READ_IN_ENGLISH  # clearly Portuguese, but no 'por' model
    assert ocr.in_language(str(PT_HEADER), first, timeout=60) is first


def _columns(words: list[tuple[str, int]]) -> dict[str, list]:
    """Words on one line, 100 pixels apart: (word, confidence)."""
    return tesseract_line([(word, 100 * i, 80, conf) for i, (word, conf) in enumerate(words)])
