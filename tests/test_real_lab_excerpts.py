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
