"""Which C-CDA section is which: by LOINC code first, then by templateId (R1.1 and R2.1)."""

from __future__ import annotations

SECTION_BY_LOINC = {
    "10160-0": "medications", "10183-2": "medications", "42346-7": "medications",
    "29549-3": "medications", "30954-2": "results", "11450-4": "problems",
    "11348-0": "problems", "48765-2": "allergies", "18776-5": "plan", "61146-7": "plan",
    "46240-8": "encounters", "47519-4": "procedures", "8716-3": "vital_signs",
    "11369-6": "immunizations", "29762-2": "social_history", "10157-6": "family_history",
    "11535-2": "diagnoses", "46241-6": "diagnoses", "29548-5": "diagnoses",
    "8648-8": "hospital_course", "51848-0": "assessment", "51847-2": "assessment",
    "10164-2": "history", "42349-1": "reason", "29299-5": "reason", "46239-0": "reason",
    "29545-1": "physical_exam", "85847-2": "care_team", "18748-4": "imaging",
}  # fmt: skip

_BASE = "2.16.840.1.113883.10.20.22.2."
SECTION_BY_TEMPLATE = {
    _BASE + suffix: kind
    for suffix, kind in {
        "1": "medications", "1.1": "medications", "11": "medications", "11.1": "medications",
        "38": "medications", "44": "medications", "3": "results", "3.1": "results",
        "5": "problems", "5.1": "problems", "20": "problems", "6": "allergies",
        "6.1": "allergies", "10": "plan", "7": "procedures", "7.1": "procedures",
        "22": "encounters", "22.1": "encounters", "4": "vital_signs", "4.1": "vital_signs",
        "2": "immunizations", "2.1": "immunizations", "17": "social_history",
        "15": "family_history", "24": "diagnoses", "43": "diagnoses", "9": "assessment",
        "8": "assessment", "12": "reason", "13": "reason", "14": "functional_status",
    }.items()
}  # fmt: skip

TITLES = {
    "medications": "Medications",
    "results": "Results",
    "problems": "Problems",
    "allergies": "Allergies",
    "plan": "Plan of treatment",
    "procedures": "Procedures",
    "encounters": "Encounters",
    "vital_signs": "Vital signs",
    "immunizations": "Immunizations",
    "diagnoses": "Diagnoses",
}


def section_kind(loinc: str | None, templates: set[str]) -> str:
    """The section's kind ("medications", "results"...), or "other" when unknown."""
    if loinc and loinc in SECTION_BY_LOINC:
        return SECTION_BY_LOINC[loinc]
    for template in sorted(templates):
        if template in SECTION_BY_TEMPLATE:
            return SECTION_BY_TEMPLATE[template]
    return "other"
