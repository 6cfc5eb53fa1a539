# ruff: noqa: E501
"""Lab layouts from real Hungarian and Portuguese reports and a US portal (corpus units named
in each test), in short excerpts with fictional people: a range printed as two columns,
the EESZT portal's LOINC table, word results and curve points in a table, collection
dates by their labels, and OCR's lost decimal separator."""

from __future__ import annotations

from intake.model import LabResult
from intake.understand.dates import birth_date, document_date
from intake.understand.enrich import _without_lost_separators
from intake.understand.labs import canonical_unit, lost_separator, parse_labs

# lab_pdf/hu_synlab_szentjanos_2023_03_cbc_urine_chem_hba1c.pdf, name changed, columns placed
# as pdfplumber's word positions place them (pdftotext -layout squeezes the header)
SZENT_JANOS = """\
Név:        Kovács Péter                   Napi sorszám:  146 / 2023.03.31.
Szül. idő:  1988.02.14. ( 35 éves )        Mintavétel:    2023.03.31. 09:39
 Megnevezés                  Érték  M.e.       Megjegyzés  Eltérés  Referencia értékek
Hematológia
 Fehérvérsejtszám            6,9    10*9/L                          4,4      11,3
  Monocita %                 8,7    %                      +        2,0      8,0
  Bazofil granulocita %      0,3    %                                        < 1,0
 Vizelet fehérje             Neg    g/L                             ---      ---
 Vizelet urobilinogén        normál umol/L                          ---      ---
 Vizelet fajsúly             1,025                                  1,005    1,030
"""


def _by_test(labs: list[LabResult]) -> dict[str, LabResult]:
    return {lab.test: lab for lab in labs}


def test_a_range_in_two_columns_under_a_reference_header_is_read():
    labs = _by_test(parse_labs(SZENT_JANOS))
    wbc = labs["Fehérvérsejtszám"]
    assert (wbc.value, wbc.reference_range, wbc.flag) == ("6,9", "4,4-11,3", None)
    assert labs["Monocita %"].reference_range == "2,0-8,0"
    assert labs["Monocita %"].flag == "H"  # 8,7 above 8,0
    assert labs["Bazofil granulocita %"].reference_range == "<1,0"
    assert labs["Vizelet fajsúly"].reference_range == "1,005-1,030"


def test_dashes_for_a_range_are_no_range_and_word_results_in_a_table_are_read():
    labs = _by_test(parse_labs(SZENT_JANOS))
    protein = labs["Vizelet fehérje"]
    assert (protein.value, protein.unit, protein.reference_range) == ("Neg", "g/L", None)
    assert labs["Vizelet urobilinogén"].value == "normál"


def test_two_numbers_after_a_unit_are_no_range_without_a_table_header():
    text = " Fehérvérsejtszám        6,9    10*9/L        4,4            11,3\n"
    assert parse_labs(text) == []


def test_two_numbers_in_a_range_column_high_before_low_are_no_range():
    text = SZENT_JANOS.replace(
        "4,4            11,3", "11,3            4,4"
    )  # not a lower then an upper limit
    wbc = _by_test(parse_labs(text))["Fehérvérsejtszám"]
    assert wbc.reference_range != "11,3-4,4" and wbc.flag is None


# lab_pdf/hu_eeszt_synlab_2025_cbc_chem_allergy_panel.pdf (EESZT portal rendering)
EESZT = """\
      LOINC       Vizsgálat                           Eredmény                            *    Referenciatartomány                                Státusz
       kód                                                                                                                                       (Validáló)
 1    6690-2      Fehérvérsejtszám                    5.8 Giga/L                               4.4 - 11.3 Giga/L                                VALIDÁLT (1)

15    5905-5      Monocita %                          8.4 %                           magas    2.0 - 8.0 %                                      VALIDÁLT (1)

27   62238-1      eGFR-EPI                            88 mL/min/1.73m2             alacsony    > 90 mL/min/1.73m2                               VALIDÁLT (3)
"""


def test_a_loinc_table_is_read_with_its_codes_and_flags():
    labs = _by_test(parse_labs(EESZT))
    wbc = labs["Fehérvérsejtszám"]
    assert (wbc.value, wbc.unit, wbc.code) == ("5.8", "Giga/L", "6690-2")
    assert wbc.reference_range == "4.4-11.3"
    assert labs["Monocita %"].flag == "H"  # 'magas'
    assert labs["eGFR-EPI"].flag == "L"  # 'alacsony'
    assert labs["eGFR-EPI"].code == "62238-1"


# lab_pdf/hu_synlab_budapest_2023_cbc_ogtt_chem_urine.pdf
BUDAPEST = """\
Vizsgálat                        Eredmény  Minősítés  Referencia*  Mértékegység
Glükóz, 60 perc - plazma         6.0                               mmol/L
Inzulin, 120 perc                13.2                              mIU/L
Fehérje                          negatív              negatív
Urobilinogén (UBG)               normális             normális
"""


def test_curve_points_and_word_results_under_a_header_are_read():
    labs = _by_test(parse_labs(BUDAPEST))
    assert labs["Glükóz, 60 perc - plazma"].value == "6.0"
    assert labs["Glükóz, 60 perc - plazma"].unit == "mmol/L"
    assert labs["Inzulin, 120 perc"].value == "13.2"
    protein = labs["Fehérje"]
    assert (protein.value, protein.reference_range, protein.flag) == ("negatív", "negatív", None)
    assert labs["Urobilinogén (UBG)"].value == "normális"


def test_word_results_in_another_language_are_not_read_from_prose():
    text = (
        "Cukor   negatív\nA vizelet fehérje negatív volt, a cukor negatív.\nProteinas NAO CONTEM\n"
    )
    assert parse_labs(text) == []


# lab_pdf/hu_synlab_budapest_2024_cbc_chem.pdf header; photo/tsilva_* Portuguese headers
def test_collection_date_from_its_label_never_the_birth_date():
    hungarian = (
        "Név:             KOVÁCS PÉTER\n"
        "Születési idő:   1988.02.14                    Orvos: Dr. Minta Anna\n"
        "Mintavétel:      2024.02.29 Rögzítés: 2024.02.29 14:33\n"
    )
    assert document_date(hungarian) == "2024-02-29"
    assert birth_date(hungarian) == "1988-02-14"
    portuguese = "Data de nascimento: 16/10/1984\nData da colheita: 08/04/2022\n"
    assert document_date(portuguese) == "2022-04-08"
    assert birth_date(portuguese) == "1984-10-16"


# lab_pdf/hl7_labcorp_ana_multiple_ranges.pdf: labels on one row, values under them
LABCORP = """\
  Age (Y/M/D)                     Date of Birth             Sex
  26/05/21                        01/23/90                  M
   Date and Time Collected               Date Entered            Date and Time Reported
  07/14/16 00:00                        07/15/16
  TESTS                          RESULT          FLAG       UNITS        REFERENCE INTERVAL
  Glucose                        99                         mg/dL        65-99
"""


def test_a_collected_label_above_its_value_dates_the_results_not_an_age():
    (glucose,) = parse_labs(LABCORP)
    assert glucose.collected == "2016-07-14"


# clinical_pdf/jsl_christianacare_h_and_p_scanned.pdf (OCR text of an H&P)
def test_a_panel_heading_with_a_date_dates_its_results_in_a_note():
    text = (
        "Past surgical history: colonoscopy (12/10/2013), egd (12/09/2013)\n"
        "CBC with diff 07/16/17\n"
        "05:30\n"
        "HGB 10.1 G/DL\n"
    )
    (hgb,) = parse_labs(text, collected="2013-12-10")
    assert hgb.collected == "2017-07-16"


# photo/tsilva_labmed_porto_2014_hemogram_page.png: OCR read 'leucócitos 5,2' as '52'
def test_a_lost_decimal_separator_is_left_out_with_a_warning():
    assert lost_separator("52", "4,0 - 10,0", decimals_seen=True)
    assert not lost_separator("52", "4,0 - 10,0", decimals_seen=False)
    assert not lost_separator("5,2", "4,0 - 10,0", decimals_seen=True)
    assert not lost_separator("12", "4,0 - 10,0", decimals_seen=True)  # high, not misread
    assert not lost_separator("520", "40 - 100", decimals_seen=True)  # range prints no decimals
    assert not lost_separator("938", "<200", decimals_seen=True)
    labs = [
        LabResult("leucócitos", "52", "10^9/L", "4,0 - 10,0"),
        LabResult("hemoglobina", "13,0", "g/dL", "13,0 - 17,0"),
    ]
    kept, warnings = _without_lost_separators(labs)
    assert [lab.test for lab in kept] == ["hemoglobina"]
    assert len(warnings) == 1 and "leucócitos" in warnings[0]


# photo/tsilva_germanodesousa_espinho_2025_urine_rf_page.png: 'UI/ml' OCR'd 'Ul/ml'
def test_ocr_l_for_i_in_a_portuguese_iu_unit_is_undone():
    assert canonical_unit("Ul/ml") == "UI/mL"
    assert canonical_unit("UI/L") == "UI/L"
    assert canonical_unit("U/L") == "U/L"


# photo/tsilva_unilabs_espinho_2024_cumulative_page.png (Tesseract with a single-block layout)
def test_a_plural_history_header_keeps_earlier_results_out_and_a_caret_read_as_4():
    text = (
        "ANALISES RESULTADOS ATUAIS VALORES DE REFERENCIA RESULTADOS HISTORICOS\n"
        "Hemoglobina (Hgb) 13.7 g/dL 13.2-16.6 13.2\n"
        "Numero 335 x1049/L 135-317 283\n"
    )
    labs = _by_test(parse_labs(text))
    assert labs["Hemoglobina (Hgb)"].value == "13.7"
    assert labs["Numero"].unit == "x10^9/L" and labs["Numero"].flag == "H"
    assert canonical_unit("x104/L") == "x104/L"  # no count exponent after the 4: kept


# lab_pdf/tsilva_ordem_trindade_porto_2001_scanned.pdf (a typewritten 2001 report), as
# Tesseract reads its black-and-white page
def test_a_typewriters_count_units_and_glued_ranges_are_read():
    text = (
        "Eritrocitos (x10712/L)   4.21   4.5   a 5.9\nLeucocitos (x10°9/L)   5.9   3.9   a 10.9\n"
    )
    labs = _by_test(parse_labs(text))
    assert (labs["Eritrocitos"].unit, labs["Eritrocitos"].reference_range) == (
        "x10^12/L",
        "4.5-5.9",
    )
    assert (labs["Leucocitos"].unit, labs["Leucocitos"].reference_range) == ("x10^9/L", "3.9-10.9")
    assert canonical_unit("x10712/L") == "x10^12/L"
    assert canonical_unit("x10712/mg") == "x10712/mg"  # no count unit after it: kept


def test_a_percent_read_as_a_dollar_heads_a_differential():
    from intake.understand.labs import parse_split_row, units_row

    units = units_row("FORMULA LEUCOCITARIA   $   10°9/L   10°9/L")
    assert units == ("%", "10^9/L", "10^9/L")
    read = [
        (r.value, r.unit, r.reference_range)
        for r in parse_split_row("Neutrofilos   73.0   4.307   2.1 a7.6", units)
    ]
    assert read == [("73.0", "%", None), ("4.307", "10^9/L", "2.1-7.6")]
    assert units_row("Total   $   120") is None  # a price, not a units row


def test_only_a_range_glued_to_its_a_is_split():
    from intake.understand.labs import tidy_ocr

    assert tidy_ocr("0.1a0.8") == "0.1 a 0.8"
    assert tidy_ocr("2.1 a7.6") == "2.1 a 7.6"
    assert tidy_ocr("12a34") == "12a34"  # no decimal number: a code, left alone
    assert tidy_ocr("x2.1a7.6") == "x2.1a7.6"  # part of a word


# photo/tsilva_germanodesousa_espinho_2025_urine_rf_page.png: its 'Resultados Anteriores'
# header OCR'd as '20 sutados a 4', so no history column is known
def test_one_number_after_a_range_is_an_earlier_result_even_without_a_unit():
    labs = _by_test(parse_labs("Densidade   1.014   1.010   - 1.025   1.013\n"))
    assert (labs["Densidade"].value, labs["Densidade"].reference_range) == ("1.014", "1.010-1.025")
    assert parse_labs("Densidade   1.014   1.010 - 1.025   1.013   1.012\n") == []  # two: unknown
