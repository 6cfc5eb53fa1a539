"""A strength read from a scan that its drug is not made in is left out, with a warning.

tests/excerpts/en_christianacare_home_medications.png is the 'Home Medications' column of
page 1 of clinical_pdf/jsl_christianacare_h_and_p_scanned.pdf (JohnSnowLabs/visual-nlp-
workshop, Apache-2.0; a de-identified scan), as intake renders the page for OCR (300 dpi,
grey). Tesseract reads its 'Lasix 80 mg' as '60 mg' (twice, so the two readings agree), and
on the whole page 'triamcinolone 0.1%' as '0.7%': a furosemide tablet of 60 mg or a
triamcinolone cream of 0.7% does not exist (the FDA Orange Book lists 20, 40 and 80 mg;
0.025, 0.05, 0.1 and 0.5%). The strengths below are read off the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from intake import ocr
from intake.api import scan_folder

EXCERPT = Path(__file__).resolve().parent / "excerpts" / "en_christianacare_home_medications.png"
# as the page prints each drug (by generic name, lower case)
PRINTED = {
    "allopurinol": ["300 mg"],
    "atenolol": ["25 mg"],
    "chlorthalidone": ["25 mg"],
    "brimonidine/timolol": ["0.2%-0.5%"],
    "apixaban": ["5 mg"],
    "ferrous sulfate": ["325 mg", "65 mg"],
    "furosemide": ["80 mg"],
    "omeprazole": ["20 mg"],
    "acetaminophen/oxycodone": ["5/325"],
    "potassium chloride": ["20 mEq"],
    "sertraline": ["50 mg"],
    "triamcinolone": ["0.1%"],
}


def _numbers(strength: str) -> list[float]:
    return sorted(float(n) for n in re.findall(r"\d+(?:\.\d+)?", strength.replace(",", "")))


def test_the_orange_books_strengths_judge_only_what_they_list():
    from intake.understand.strengths import unmade_strength

    assert unmade_strength("Furosemide", "60 mg", "by mouth", "tablet")
    assert not unmade_strength("Furosemide", "80 mg", "by mouth", "tablet")
    assert unmade_strength("Triamcinolone", "0.7 %", "topical", "cream")
    assert not unmade_strength("Triamcinolone", "0.1 %", "topical", "cream")
    assert not unmade_strength("Sertraline", "50 mg", None, None)  # 'EQ 50MG BASE'
    assert not unmade_strength("Levothyroxine", "88 mcg", None, "tablet")  # 0.088MG
    assert unmade_strength("Levothyroxine", "80 mcg", None, "tablet")
    assert not unmade_strength("Potassium chloride", "20 mEq", "by mouth", "tablet")
    # never judged: over-the-counter products by that route (monograph strengths are not
    # listed), a drug or route it does not list, a combination, a strength per volume
    assert not unmade_strength("Acetaminophen", "500 mg", "by mouth", "tablet")
    assert not unmade_strength("Ferrous sulfate", "325 mg", None, None)
    assert not unmade_strength("Furosemide", "60 mg", "sublingual", None)
    assert not unmade_strength("Acetaminophen/Oxycodone", "325 mg", None, None)
    assert not unmade_strength("Furosemide", "10 mg/mL", None, None)


def test_no_strength_read_from_the_scan_is_one_the_page_does_not_print(tmp_path):
    try:
        ocr.check_tesseract()
    except ocr.TesseractMissing:
        pytest.skip("Tesseract is not installed")
    folder = tmp_path / "records"
    folder.mkdir()
    Image.open(EXCERPT).save(folder / "home_medications.pdf", "PDF", resolution=300)
    (document,) = scan_folder(folder).documents
    read = [(m.generic or m.name, m.strength) for m in document.medications]
    assert len(read) >= 6  # the column is read, most of it
    for generic, strength in read:
        if strength is None:
            continue
        printed = PRINTED.get(generic.lower())
        assert printed is not None, f"{generic} is not on the page"
        assert any(_numbers(strength) == _numbers(p) for p in printed), (generic, strength)
    for warning in document.warnings:
        assert "Lasix 80" not in warning  # a strength read right is never doubted
