"""Records in other languages: titles, name and birth-date labels, dotted dates, medication
sections. Excerpts are a few lines of real corpus files (unit named in a comment) with the
people's names replaced by fictional ones."""

from __future__ import annotations

import pytest

from intake.understand.classify import classify
from intake.understand.dates import birth_date, parse_date
from intake.understand.drugs import normalise
from intake.understand.meds import parse_medications
from intake.understand.people import find_name, find_patient

# clinical_pdf/hu_irgalmas_2026_knee_mri_report.pdf (pdfplumber's single spaces)
HU_MRI = """Budai Irgalmasrendi Kórház
LELET
MR DIAGNOSZTIKA
Beteg neve: Kovács Anna Éva Teljes. AZ.: 134000000
Születési dátum: 1980.02.29 TAJ: 100000000
Anyja neve: Szabó Ilona Vizsgálat 2026.01.07
Jobb térd MR vizsgálata:
Vélemény: Kezdődő, minimális patella ín enthesopathia jele."""

# clinical_pdf/hu_szentjanos_2023_tonsil_histology.pdf
HU_HISTOLOGY = """Pathologiai szakrendelés - Hisztológia
Kórszövettani lelet
Beteg neve: Kovács Anna Éva TAJ száma: 100000000
Születési ideje: 1980.02.29. Vizsgálat ideje: 2023.12.06. 11:37
Makroszkópos leírás:
I. 2x1,5x1 cm-es lobulált felszínű tonsilla. M/3 - 1 blokkban
Mikroszkópos leírás:
Kórszövettani dg.: Tonsillitis chronica."""

# clinical_pdf/hu_szentjanos_2023_tonsillectomy_operative_note.pdf
HU_OPERATIVE = """Műtéti lap
2023.12.06.
Műtét neve: Tonsillectomia, residuum kimetszés
Operatőr orvos: Dr. Példa Béla
Műtét leírása: Idült mandulagyulladás miatt vettük fel.
nap fizikai kímélet, sz.esetén 2x1 Flector-R feloldva javallt. Kontrollt kérjük."""

# clinical_pdf/hu_szentjanos_2025_internal_medicine_allergy_visit.pdf
HU_VISIT = """Új Szent János Kórház és Szakrendelő
AMBULÁNS LAP
Név: Kovács Anna Éva Személyazonosító: 100 000 000
Születési név: Kovács Anna Éva Naplósorszám: 001004388
Anyja neve: Szabó Ilona Beküldő orvos: Dr. Példa Béla
Születési dátum: 1980.02.29. (45 éves) Beutaló munkahely: 010620105
Anamnézis :
terbinafint szed, emiatt van a májfunkcióban az a minimális eltérés."""

# clinical_pdf/hu_taroczymed_2024_dermatology_visit_prescriptions.pdf
HU_PRESCRIPTIONS = """AMBULÁNS KEZELŐLAP
Páciens neve: KOVÁCS ANNA ÉVA TAJ: 100 000 000
Születési hely, dátum: Budapest, 1980.02.29 Naplósorszám: 08031004
Terápia:
Terbinafin napi 1x1 tbl (3 hónapra ellátva)
Terbinafin körömlakk
Vélemény:



RECEPTEK



TERBINAFIN HEXAL 250 MG TABLETTA 30x
buborékcsomagolásban (Naponta 1x1 tbl)
ENSTILAR 50 MIKROGRAMM/0,5 MG/G
KÜLSŐLEGES HAB 1x60g al tartályban (Naponta 1x
ELOCOM 0,1% KENŐCS 1x15g al tubusban
FUCIDIN H 20 MG/G+10 MG/G KRÉM 1x15g
tubusban (Naponta 1x panasz esetén)"""

# lab_pdf/hu_synlab_szentjanos_2023_12_preop_cbc_coag_psa.pdf
HU_LAB = """SYNLAB BUDAPEST
LABORATÓRIUMI LELET
Név: Kovács Anna Éva Napi sorszám: 190 / 2023.12.01.
Szül. idő: 1980.02.29. ( 43 éves ) Mintavétel: 2023.12.01. 10:25"""

# photo/tsilva_har_2017_urinalysis_scanned_page.png (OCR lost the accents)
PT_URINE = """Analises
Data Colheita
ANALISE SUMARIA DA URINA
Densidade
Proteinas"""

# photo/tsilva_unilabs_espinho_2024_cumulative_page.png
PT_CUMULATIVE = """MEDICINA LABORATORIAL
Episodio Matricula Data de Colheita Relatorio
ANALISES
SANGUE
HEMOGRAMA
Medico Assistente
Utente
Exmo. Senhor
Rui Exemplo Costa
Rua 23, 4500-276 ESPINHO
VALORES DE REFERENCIA"""


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (HU_MRI, "imaging_report"),
        (HU_HISTOLOGY, "pathology_report"),
        (HU_OPERATIVE, "operative_note"),
        (HU_VISIT, "visit_summary"),
        (HU_PRESCRIPTIONS, "visit_summary"),
        (HU_LAB, "lab_report"),
        (PT_URINE, "lab_report"),
        (PT_CUMULATIVE, "lab_report"),
        ("Zárójelentés\nFelvétel dátuma: 2024.01.02.", "discharge_summary"),
        ("Compte-rendu opératoire\nChirurgien: X", "operative_note"),
        ("Lettera di dimissione\nData di ricovero: 01/02/2024", "discharge_summary"),
        ("Informe de anatomía patológica\nDescripción macroscópica:", "pathology_report"),
        ("Radiologischer Befund\nBeurteilung: unauffällig", "imaging_report"),
    ],
)
def test_titles_in_other_languages_name_the_kind(text, kind):
    assert classify(text) == kind


@pytest.mark.parametrize("text", [HU_MRI, HU_HISTOLOGY, HU_VISIT, HU_PRESCRIPTIONS, HU_LAB])
def test_hungarian_name_and_birth_labels(text):
    patient = find_patient(text)
    assert patient.name == "Kovács Anna Éva"  # not the mother's ('Anyja neve'), not 'TAJ'
    assert patient.birth_date == "1980-02-29"


def test_a_portuguese_name_under_its_label_skips_the_salutation():
    assert find_name(PT_CUMULATIVE) == "Rui Exemplo Costa"


def test_a_mothers_name_is_never_the_patient():
    assert find_name("Anyja neve: Szabó Ilona\nLakcím: 1125 Budapest") is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("1999.06.08", "1999-06-08"),
        ("1999.06.08.", "1999-06-08"),
        ("1999. 06. 08.", "1999-06-08"),  # Hungarian, spaced
        ("08.06.1999", "1999-06-08"),  # dotted day first: European
        ("06/08/1999", "1999-06-08"),  # slashes keep the month first
        ("25.12.2020", "2020-12-25"),
        ("1999.13.08", None),
    ],
)
def test_dotted_dates(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    "line",
    [
        "Születési ideje: 1999.06.25.",
        "Szül. idő: 1999.06.25. ( 24 éves )",
        "Data de nascimento: 25-06-1999",
        "Date de naissance : 25/06/1999",
        "Data di nascita: 25/06/1999",
    ],
)
def test_birth_labels_in_other_languages(line):
    assert birth_date(line) == "1999-06-25"


def test_hungarian_prescriptions_and_plan():
    meds = parse_medications(HU_PRESCRIPTIONS)
    by_generic = {m.generic: m for m in meds}
    assert set(by_generic) == {
        "Terbinafine",
        "Calcipotriol/betamethasone dipropionate",
        "Mometasone",
        "Fusidic acid",
    }
    strengths = {m.strength for m in meds}
    assert {"250 mg", "50 mcg/0.5 mg/g", "0.1 %", "20 mg/g+10 mg/g"} <= strengths
    assert all("körömlakk" not in m.raw for m in meds)  # no dose, no strength


def test_a_drug_beside_a_dose_count_in_prose():
    meds = parse_medications(HU_OPERATIVE)
    assert [(m.name, m.generic) for m in meds] == [("Flector-R", "Diclofenac Patch")]


def test_a_drug_the_note_says_the_patient_takes():
    """'terbinafint szed' (takes terbinafine): the drug without a strength, as the note
    states it; 'nem szed' (does not take) is no medication."""
    meds = parse_medications(HU_VISIT)
    assert [(m.generic, m.strength) for m in meds] == [("Terbinafine", None)]
    assert parse_medications(HU_VISIT.replace("terbinafint szed", "terbinafint nem szed")) == []


@pytest.mark.parametrize(
    "text",
    [
        HU_HISTOLOGY,  # '2x1,5x1 cm' is a size
        "Inzulin, 30 perc 50.5 mIU/L",
        "Terápia:\nAlbumin 30 mg/g kreatinin",  # a ratio, not a cream's strength
        "Terápia:\n1x15g tubusban",
    ],
)
def test_no_medication_where_none_is_prescribed(text):
    assert parse_medications(text) == []


def test_national_spellings_of_generics_need_a_strength_or_dose():
    assert normalise("Terbinafin", fuzzy=False) is None
    assert normalise("Terbinafin", fuzzy=False, spelling=True).generic == "Terbinafine"
    assert normalise("sinvastatina", fuzzy=False, spelling=True).generic == "Simvastatin"
    assert normalise("Diklofenák", fuzzy=False, spelling=True).generic == "Diclofenac"
    assert normalise("pancreas", fuzzy=False, spelling=True) is None  # not a brand's +e
