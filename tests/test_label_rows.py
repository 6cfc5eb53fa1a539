"""Label rows over value rows (a US lab report's patient grid) read by word position."""

from intake.understand.dates import birth_date
from intake.understand.label_rows import labelled_line, page_lines
from intake.understand.people import find_name
from tests.layouts import word_row

# hl7_labcorp_ana_multiple_ranges.pdf, page 1: the fasting cell is empty, the age comes first
AGE_ROW = word_row(100, (25, "Age (Y/M/D)"), (185, "Date of Birth"), (295, "Sex"), (380, "Fasting"))
AGE_VALUES = word_row(112, (10, "26/05/21"), (180, "01/23/90"), (300, "M"))


def test_a_birth_date_under_its_label_is_read_and_the_age_beside_it_is_not():
    line = labelled_line(AGE_ROW, AGE_VALUES)
    assert line == "Age (Y/M/D): 26/05/21   Date of Birth: 01/23/90   Sex: M   Fasting"
    assert birth_date(line) == "1990-01-23"


def test_a_surname_under_its_label_is_the_patients():
    labels = word_row(100, (210, "Patient Last Name"), (540, "Account Address"))
    values = word_row(112, (10, "DOE"), (520, "LabCorp Test Master"))
    line = labelled_line(labels, values)
    assert line == "Patient Last Name: DOE   Account Address: LabCorp Test Master"


def test_rows_without_an_identity_label_stay_as_printed():
    labels = word_row(100, (50, "Specimen Number"), (300, "Patient ID"), (500, "Control Number"))
    values = word_row(112, (10, "197-996-9513-0"), (460, "90000999"))
    assert labelled_line(labels, values) is None
    assert page_lines([labels, values]) == [
        "Specimen Number   Patient ID   Control Number",
        "197-996-9513-0   90000999",
    ]


def test_two_values_under_one_label_are_not_a_grid():
    values = word_row(112, (170, "01/23/90"), (230, "12:00"))
    assert labelled_line(AGE_ROW, values) is None


def test_a_far_row_is_not_the_labels_values():
    far = word_row(200, (10, "26/05/21"), (180, "01/23/90"), (300, "M"))
    assert labelled_line(AGE_ROW, far) is None


def test_an_age_label_is_never_a_birth_date():
    assert birth_date("Age (Y/M/D): 26/05/21   Sex: M") is None


def test_a_patient_last_name_label_names_the_patient():
    assert find_name("Patient Last Name: GARCIA LOPEZ   Account Address: Test Account") == (
        "Garcia Lopez"
    )


def test_a_label_alone_over_a_label_is_left_to_the_name_reader():
    # tsilva_chporto_2023_cumulative_adobescan.pdf: 'Doente' above 'Amostra', the name lower
    labels = word_row(100, (300, "Doente"))
    below = word_row(112, (10, "Amostra"))
    assert labelled_line(labels, below) is None
