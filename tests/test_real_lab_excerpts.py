"""Lab lines and headers as real reports print them (excerpts from the real corpus)."""

from intake.understand.labs import parse_labs
from intake.understand.people import find_name


def test_a_value_glued_to_its_unit_and_a_wrapped_body_surface_unit():
    # hu_synlab_szentjanos_2023_03_cbc_urine_chem_hba1c.pdf: 'm2' wrapped to the next line
    text = " eGFR-EPI       >90ml/perc/1.73       > 90\n                      m2\n"
    found = {lab.test: lab for lab in parse_labs(text)}
    assert (found["eGFR-EPI"].value, found["eGFR-EPI"].unit) == (">90", "ml/perc/1.73 m2")
    assert found["eGFR-EPI"].reference_range == ">90"


def test_words_glued_to_numbers_are_not_split_into_values():
    assert parse_labs("Vitamin B12 taken 3x daily since 10am") == []


def test_an_institution_misread_by_ocr_is_not_the_patient():
    # tsilva_chporto_2023_cumulative_adobescan.pdf, page 2 (Adobe Scan's text layer)
    text = "Departamento de Patologla Laboratorlal\nServlço Qulmlca Clinlca\nDoente\n"
    assert find_name(text) is None


# tsilva_chporto_2023_cumulative_adobescan.pdf, page 2 (Adobe Scan's text layer): earlier
# results follow the range; OCR lost some ranges' dashes ('35 55') and spaced others ('0- 160')
CUMULATIVE = """Relatório Final   Resultado/ Unidades   Valores de Referéncla   Histórlco
06-04-2021   16-07-2019
HDL COLESTEROL   48 mg/dL   35 55
NÃO-HDL cOLESTEROL   117 mg/dL   0- 160
VITAMINA B12   368 pg/mL   191 663   531
FOSFATASEALCALINA   57 U/L a 37   40 129   61
"""


def test_a_cumulative_line_whose_range_lost_its_dash_keeps_its_value_not_a_guessed_range():
    found = {lab.test: lab for lab in parse_labs(CUMULATIVE)}
    hdl, b12 = found["HDL COLESTEROL"], found["VITAMINA B12"]
    assert (hdl.value, hdl.unit, hdl.reference_range) == ("48", "mg/dL", None)
    assert (b12.value, b12.unit, b12.reference_range) == ("368", "pg/mL", None)
    assert found["NÃO-HDL cOLESTEROL"].reference_range == "0-160"
    assert "FOSFATASEALCALINA" not in found  # a stray 'a' is no flag to read it by


def test_a_minus_sign_is_not_a_range_dash():
    from intake.understand.labs import _tokens

    assert _tokens("FERRO 155 53- 167") == ["FERRO", "155", "53-167"]
    assert _tokens("BE 1,5 -3 -2,0 -1,5") == ["BE", "1,5", "-3", "-2,0", "-1,5"]


def test_an_ocr_misread_range_header_marks_a_lab_page():
    from intake.extractors.pdf import LAB_HINTS

    assert LAB_HINTS.search("Resultado/ Unidades   Valores de Referéncla   Histórlco")
