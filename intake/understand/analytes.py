"""Which analyte a lab result measures: its LOINC when the source codes it, else its name
normalised through a small alias table ('Hgb' = 'Hemoglobin', 'CA 27.29' = 'CA 27-29').

Joins are exact (no prefix or fuzzy matching), so 'Free T4' never joins 'T4', 'LDL' never
'HDL', and 'Hemoglobin A1c' never 'Hemoglobin'. Results of one analyte in different units are
kept apart by the trends, not here."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Analyte:
    """One entry of the alias table: the name shown, its LOINC codes (the first is its key),
    and the other names laboratories print for it."""

    name: str
    loinc: tuple[str, ...]
    aliases: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"loinc:{self.loinc[0]}"


# fmt: off
ANALYTES = (
    Analyte("Hemoglobin", ("718-7",), ("Haemoglobin", "Hgb", "Hb", "HGB")),
    Analyte("Hematocrit", ("4544-3",), ("Haematocrit", "Hct")),
    Analyte("WBC", ("6690-2",), ("White blood cells", "White blood cell count", "WBC count",
                                 "Leukocytes", "Leucocytes", "White cell count")),
    Analyte("RBC", ("789-8",), ("Red blood cells", "Red blood cell count", "RBC count",
                                "Erythrocytes")),
    Analyte("Platelets", ("777-3",), ("PLT", "Platelet count", "Platelet")),
    Analyte("Neutrophils (absolute)", ("751-8",), ("Absolute neutrophils", "Neutrophils absolute",
                                                   "Absolute neutrophil count", "ANC",
                                                   "Neutrophils #")),
    Analyte("Neutrophils %", ("770-8",), ("% Neutrophils", "Neutrophils percent")),
    Analyte("Creatinine", ("2160-0",), ("Creat", "Creatinine, serum", "Serum creatinine")),
    Analyte("BUN", ("3094-0",), ("Urea nitrogen", "Blood urea nitrogen")),
    Analyte("eGFR", ("33914-3",), ("Estimated GFR",)),
    Analyte("Glucose", ("2345-7",), ("Glu", "Glucose, serum", "Serum glucose")),
    Analyte("Sodium", ("2951-2",), ("Na",)),
    Analyte("Potassium", ("2823-3",), ("K",)),
    Analyte("Chloride", ("2075-0",), ("Cl",)),
    Analyte("Calcium", ("17861-6",)),  # never "Ca": CA 125, CA 27.29 are tumour markers
    Analyte("Albumin", ("1751-7",)),
    Analyte("Alkaline phosphatase", ("6768-6",), ("Alk phos", "ALP")),
    Analyte("ALT", ("1742-6",), ("SGPT", "ALT (SGPT)", "Alanine aminotransferase")),
    Analyte("AST", ("1920-8",), ("SGOT", "AST (SGOT)", "Aspartate aminotransferase")),
    Analyte("TSH", ("3016-3",), ("Thyrotropin", "Thyroid stimulating hormone")),
    Analyte("Free T4", ("3024-7",), ("FT4", "T4, free", "Free thyroxine", "Thyroxine, free")),
    Analyte("T4", ("3026-2",), ("Total T4", "T4, total", "Thyroxine")),
    Analyte("HbA1c", ("4548-4",), ("A1c", "Hemoglobin A1c", "Hgb A1c", "Glycated hemoglobin",
                                   "Glycohemoglobin")),
    Analyte("PSA", ("2857-1",), ("Prostate specific antigen", "PSA, total")),
    Analyte("CEA", ("2039-6",), ("Carcinoembryonic antigen",)),
    Analyte("CA-125", ("10334-1",), ("CA 125", "CA125", "Cancer antigen 125")),
    Analyte("CA 27.29", ("17842-6",), ("CA 27-29", "CA27.29", "CA27-29", "Cancer antigen 27.29",
                                       "Cancer antigen (CA) 27.29")),
    Analyte("CA 15-3", ("6875-9",), ("CA 15.3", "CA15-3", "Cancer antigen 15-3")),
    Analyte("CA 19-9", ("24108-3",), ("CA19-9", "Cancer antigen 19-9")),
    Analyte("LDL cholesterol", ("13457-7", "2089-1"), ("LDL", "LDL-C", "LDL chol calc",
                                                      "Cholesterol, LDL")),
    Analyte("HDL cholesterol", ("2085-9",), ("HDL", "HDL-C", "Cholesterol, HDL")),
    Analyte("Cholesterol", ("2093-3",), ("Total cholesterol", "Cholesterol, total")),
    Analyte("Triglycerides", ("2571-8",), ("Triglyceride", "TG")),
    Analyte("Vitamin B12", ("2132-9",), ("B12", "Cobalamin")),
    # what notes state most after a panel (held-out review 4, MTSamples): coagulation,
    # cardiac, liver and the rest of a metabolic panel; never a bare 'PT' (physical therapy),
    # 'Mg' (milligrams) or 'Troponin' (I and T are different assays)
    Analyte("INR", ("6301-6",), ("International normalized ratio", "PT/INR")),
    Analyte("Prothrombin time", ("5902-2",), ("Protime",)),
    Analyte("aPTT", ("3173-2",), ("PTT", "Partial thromboplastin time")),
    Analyte("Magnesium", ("19123-9",)),
    Analyte("Phosphorus", ("2777-1",), ("Phosphate",)),
    Analyte("Total bilirubin", ("1975-2",), ("Bilirubin, total", "Bilirubin total", "T bili")),
    Analyte("Direct bilirubin", ("1968-7",), ("Bilirubin, direct", "Conjugated bilirubin")),
    Analyte("Bicarbonate", ("1963-8",), ("HCO3", "Bicarb")),
    Analyte("Carbon dioxide", ("2028-9",), ("CO2", "Total CO2", "Carbon dioxide, total")),
    Analyte("BNP", ("30934-4",), ("B-type natriuretic peptide", "Brain natriuretic peptide")),
    Analyte("NT-proBNP", ("33762-6",), ("NT proBNP", "proBNP")),
    Analyte("CK", ("2157-6",), ("CPK", "Creatine kinase", "Creatine phosphokinase")),
    Analyte("Troponin I", ("10839-9",), ("TnI", "Troponin-I")),
    Analyte("Troponin T", ("6598-7",), ("TnT", "Troponin-T")),
    Analyte("Lipase", ("3040-3",)),
    Analyte("Ferritin", ("2276-4",)),
    Analyte("Total protein", ("2885-2",), ("Protein, total",)),
    Analyte("Uric acid", ("3084-1",), ("Urate",)),
    Analyte("Lactate", ("2524-7",), ("Lactic acid",)),
)
# fmt: on


def normalise(name: str) -> str:
    """A test name compared loosely: case, punctuation and spacing ignored, letters and
    digits apart ('CA27.29', 'CA 27-29' and 'ca 27 29' are one); '%' and '#' kept, since
    they tell a percentage or count from the value it is of."""
    text = name.casefold().replace("%", " % ").replace("#", " # ")
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)
    return " ".join(re.findall(r"[a-z0-9µ]+|[%#]", text))


def _index() -> tuple[dict[str, Analyte], dict[str, Analyte]]:
    """The table by normalised name and by LOINC; a name listed under two analytes is an
    error in the table."""
    by_name: dict[str, Analyte] = {}
    by_loinc: dict[str, Analyte] = {}
    for analyte in ANALYTES:
        for name in (analyte.name, *analyte.aliases):
            if by_name.setdefault(normalise(name), analyte) is not analyte:
                raise ValueError(f"{name!r} names two analytes")
        for code in analyte.loinc:
            if by_loinc.setdefault(code, analyte) is not analyte:
                raise ValueError(f"LOINC {code} is under two analytes")
    return by_name, by_loinc


BY_NAME, BY_LOINC = _index()


def analyte_of(test: str, code: str | None = None) -> Analyte | None:
    """The table's analyte for a result: by its LOINC when the source codes it, else by name."""
    if code:
        return BY_LOINC.get(code.strip())
    return BY_NAME.get(normalise(test))


def analyte_key(test: str, code: str | None = None) -> str:
    """The key results of one analyte share: 'loinc:<code>' (the table's first code for a
    known analyte, else the code given), or 'name:<normalised name>' for an uncoded test
    the table does not know."""
    known = analyte_of(test, code)
    if known is not None:
        return known.key
    if code and code.strip():
        return f"loinc:{code.strip()}"
    return f"name:{normalise(test)}"
