"""What a radiology report's text says it is about: the exam, its modality, the impression."""

from __future__ import annotations

import re

# labelled lines, "EXAM: MRI BRAIN WITHOUT CONTRAST"
_EXAM = re.compile(
    r"^\s*(?:exam(?:ination)?|procedure|study|exam\s+description|examination\s+performed)"
    r"\s*:\s*(?P<exam>\S.*)$",
    re.I | re.M,
)
_HEADINGS = re.compile(
    r"^\s*(?:findings|technique|comparison|history|indication|clinical\s+(?:history|information)"
    r"|recommendations?|electronically\s+signed|signed|dictated|transcribed|attestation"
    r"|bi-?rads|assessment|addendum|reading\s+physician|radiologist)\b",
    re.I,
)
_IMPRESSION = re.compile(r"^\s*(?:impression|conclusion|summary|final\s+impression)\s*:?\s*", re.I)
MODALITIES = [  # (DICOM modality, words that name it), most specific first
    ("PT", r"\bpet(?:/ct)?\b|positron"),
    ("MG", r"mammogra\w*|tomosynthesis|\bmammo\b"),
    ("MR", r"\bmri\b|\bmra\b|magnetic\s+resonance|\bmr\b"),
    ("CT", r"\bct\b|\bcta\b|computed\s+tomograph\w*|\bcat\s+scan"),
    ("US", r"ultrasound|sonogra\w*|\bus\b|doppler|echocardiogra\w*"),
    ("NM", r"nuclear|scintigra\w*|bone\s+scan|\bspect\b|\bmuga\b"),
    ("XA", r"angiogra\w*|fluoroscop\w*"),
    ("DX", r"x-?ray|radiograph\w*|\bcxr\b|\bxr\b|\bviews?\b"),
]
_MODALITY_RES = [(code, re.compile(pattern, re.I)) for code, pattern in MODALITIES]


def imaging_fields(text: str) -> dict[str, list[str]]:
    """{"exam": [...], "modality": [...], "impression": [...]} for the keys the text states."""
    fields: dict[str, list[str]] = {}
    exam = _EXAM.search(text)
    if exam:
        fields["exam"] = [exam.group("exam").strip()]
    modality = modality_of(exam.group("exam") if exam else _heading(text))
    if modality:
        fields["modality"] = [modality]
    impression = impression_lines(text)
    if impression:
        fields["impression"] = impression
    return fields


def modality_of(text: str) -> str | None:
    """The DICOM modality code a study description names (MR, CT, US, MG, PT, NM, XA, DX)."""
    for code, pattern in _MODALITY_RES:
        if pattern.search(text):
            return code
    return None


def impression_lines(text: str) -> list[str]:
    """The impression section's lines, up to the next heading or the end."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        heading = _IMPRESSION.match(line)
        if not heading:
            continue
        found = [line[heading.end() :].strip()] if line[heading.end() :].strip() else []
        for following in lines[index + 1 :]:
            if _HEADINGS.match(following) or (not following.strip() and found):
                break
            if following.strip():
                found.append(following.strip())
        return found
    return []


def _heading(text: str) -> str:
    return "\n".join(text.splitlines()[:12])
