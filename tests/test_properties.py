"""Property tests (hypothesis): the format-free parsers and the sniffer take any text or
bytes without raising, and never return values that are not in their input."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.sniff import sniff
from intake.understand.dates import document_date, find_dates, parse_date
from intake.understand.labs import parse_labs
from intake.understand.meds import DOSE_COUNT, parse_medications
from intake.understand.people import display_name, find_patient, name_matches

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# text that looks like records: lab and medication lines, dates, names, and noise between
WORDS = st.sampled_from(
    ["Hemoglobin", "WBC", "Glucose", "Metformin", "Lisinopril", "tablet", "daily", "PRN", "H",
     "L", "mg", "mg/dL", "g/dL", "x10E3/uL", "mL", "units", "Negative", "<", ">=", "-", "/",
     "Patient:", "DOB:", "Name:", "Testwell,", "MARGUERITE", "Collected:", "03/14/1961",
     "2026-10-14", "Oct", "14,", "2026", "twice", "by", "mouth"]
)  # fmt: skip
NUMBERS = st.one_of(
    st.integers(0, 99999).map(str),
    st.floats(0, 10000, allow_nan=False).map(lambda x: f"{x:.2f}"),
    st.integers(1, 999).map(lambda n: f"{n:,}000"),
)
TOKENS = st.one_of(WORDS, NUMBERS, st.text(max_size=6))
LINES = st.lists(TOKENS, max_size=12).map(" ".join)
RECORD_TEXT = st.one_of(st.text(max_size=400), st.lists(LINES, max_size=12).map("\n".join))


def squash(text: str) -> str:
    return " ".join(text.split()).lower()


@SETTINGS
@given(RECORD_TEXT)
def test_lab_parser_takes_anything_and_reads_only_what_is_there(text):
    for lab in parse_labs(text):
        assert lab.value and squash(lab.value) in squash(text)
        assert squash(lab.test) in squash(text)
        if lab.reference_range:
            digits = re.findall(r"\d+", lab.reference_range)
            assert all(d in text for d in digits)


@SETTINGS
@given(RECORD_TEXT)
def test_medication_parser_takes_anything_and_reads_only_what_is_there(text):
    for med in parse_medications(text):
        assert all(word.lower() in text.lower() for word in med.name.split())
        # a strength, or a European dose count beside the name ('Terbinafin napi 1x1 tbl')
        assert med.strength is not None or DOSE_COUNT.search(med.raw), med
        strength = med.strength or ""
        assert all(d in text for d in re.findall(r"\d+", strength.replace(",", "")))
        assert med.raw and med.raw in text


@SETTINGS
@given(RECORD_TEXT)
def test_dates_are_real_days_whose_numbers_are_in_the_text(text):
    found = [parse_date(text), document_date(text)] + [d for d, _, _ in find_dates(text)]
    for value in filter(None, found):
        day = date.fromisoformat(value)  # a real calendar day
        assert str(day.day) in text or f"{day.day:02d}" in text


@SETTINGS
@given(RECORD_TEXT)
def test_names_come_from_the_text(text):
    person = find_patient(text)
    if person.name:
        assert all(part.casefold() in text.casefold() for part in person.name.split())
    shown = display_name(text[:80])
    if shown:  # casefold: "µ" (micro sign) title-cases to Greek "Μ"
        assert all(part.casefold() in text[:80].casefold() for part in shown.split())
    assert name_matches(text[:40], text[:40]) is True  # any text, even no name, matches itself


KNOWN_TYPES = {
    "application/pdf", "application/dicom", "image/jpeg", "image/png", "image/tiff",
    "image/heic", "image/webp", "image/gif", "application/zip", "application/hl7-cda+xml",
    "application/xml", "application/fhir+json", "application/json", "text/html", "text/plain",
    "application/rtf", "application/x-ole-storage", "application/x-executable",
    "application/x-empty", "application/octet-stream",
}  # fmt: skip
MAGIC = st.sampled_from(
    [b"", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"PK\x03\x04", b"DICM",
     b"\x02\x00\x00\x00", b"\x08\x00\x05\x00CS", b"<?xml ", b"{\"resourceType\":", b"MZ",
     b"\xef\xbb\xbf", b"\xff\xfe", bytes(128) + b"DICM"]
)  # fmt: skip


@SETTINGS
@given(MAGIC, st.binary(max_size=2048))
def test_sniff_takes_any_bytes(magic, rest):
    assert sniff(magic + rest) in KNOWN_TYPES


# words the lab reports' fact labels are made of (lab_facts), in any case, with dates and
# the separators they are printed with: lines that may or may not hold a fact
FACT_WORDS = st.sampled_from(
    ["Date", "date/time", "collected", "Collection", "COLLECTED", "on", "Specimen", "drawn",
     "Reported", "report", "Report", "status", "Status:", "final", "FINAL", "resulted",
     "verified", "source", "Source:", "type", "Performing", "lab", "Laboratory", "site",
     "performed", "at", "by", "Ordering", "physician", "ordered", "requesting", "provider",
     "BMP", "CBC", "with", "diff", "Lab", "Results", "panel", "chemistry", "to", "colheita",
     "Mintavétel", "ideje", "Fecha", "de", "toma", "muestra", "Lelet", "készült", "sample",
     "taken", ":", "-", "07/16/17", "05:30", "2024-01-05", "Jan", "5,", "2024", "preliminary",
     "corrected", "amended", "of", "time", "Result"]
)  # fmt: skip
# each label as reports print it (lab_facts' patterns), so that every one is met whole
FACT_PHRASES = st.sampled_from(
    ["Date Collected:", "Collection Date", "Collected on", "Specimen Collected", "Drawn on",
     "Date of collection", "Sample taken", "Mintavétel ideje", "Data da colheita",
     "Fecha de toma", "Toma de muestra", "Date Reported", "Reported on", "Resulted on",
     "Result date", "Verified on", "Final report date", "Lelet készült", "Kiadás időpontja",
     "Specimen Type:", "Sample type:", "Source:", "Performing Lab:", "Performed at",
     "Testing site", "Ordering Physician:", "Ordered by:", "Requesting provider:",
     "Ordering:", "Report Status: Final", "Result status preliminary", "Status: corrected",
     "FINAL REPORT", "amended report", "BMP 07/16/17 05:30", "CBC with diff 07/16/17",
     "Lab Results 07/16/17 05:30 to 07/16/17 05:30", "Lipid panel: 1/2/24"]
)  # fmt: skip
FACT_LINES = st.lists(st.one_of(FACT_PHRASES, FACT_WORDS, st.text(max_size=4)), max_size=8).map(
    " ".join
)


@SETTINGS
@given(FACT_LINES)
def test_the_fact_screens_never_rule_out_a_line_or_row_holding_a_fact(line):
    """read_facts skips a line its one joined search finds nothing in, and column_facts a
    row holding none of the date labels' needles: neither may skip a line one label finds
    something in (the screens may let more through, never less)."""
    from intake.understand import lab_facts
    from intake.understand.needles import lowered, may_match

    labels = [*lab_facts._DATE_FACTS.values(), *lab_facts._TEXT_FACTS.values(),
              lab_facts._STATUS]  # fmt: skip
    if any(label.search(line) for label in labels) or lab_facts._PANEL_DATE.match(line):
        assert lab_facts._ANY_FACT.search(line)
    if any(label.search(line) for label in lab_facts._DATE_FACTS.values()):
        assert may_match(lab_facts._DATE_LABEL_NEEDLES, lowered(line))


def test_the_fact_screens_are_built():
    """A Python whose parser the screens cannot be built with only loses their speed; this
    one must build both (else the property above tests nothing)."""
    from intake.understand import lab_facts

    assert lab_facts._ANY_FACT is not None and lab_facts._DATE_LABEL_NEEDLES is not None


@SETTINGS
@given(st.one_of(st.text(max_size=40), LINES))
def test_the_lab_readers_quick_tests_say_what_the_slow_ones_said(text):
    """has_digit and _two_letters stand for `any(c.isdigit() ...)` and `sum(c.isalpha()
    ...) >= 2` on every line a report has: superscript digits ('²') and letters of any
    script included."""
    from intake.understand.labs import _two_letters, has_digit

    assert has_digit(text) == any(ch.isdigit() for ch in text)
    assert has_digit(text + "²") and has_digit("x" * len(text) + "٣")
    assert _two_letters(text) == (sum(ch.isalpha() for ch in text) >= 2)


# a record's plain values: what the contract's lists hold, and what a record may carry besides
PLAIN_VALUES = st.one_of(st.none(), st.text(max_size=8), st.integers(), st.floats(), st.booleans())
ODD_VALUES = st.one_of(
    PLAIN_VALUES, st.lists(st.text(max_size=3), max_size=2), st.tuples(st.text())
)


@SETTINGS
@given(st.data())
def test_the_contracts_quick_copy_of_a_record_is_what_asdict_gives(data):
    """model._flat (a file reference, medication, problem or allergy as the manifest prints
    it) equals dataclasses.asdict, for plain values and, through its fallback, for others."""
    from dataclasses import asdict, fields

    from intake.model import Allergy, FileRef, Medication, Problem, _flat

    cls = data.draw(st.sampled_from([FileRef, Medication, Problem, Allergy]))
    values = st.one_of(PLAIN_VALUES, ODD_VALUES)
    record = cls(**{f.name: data.draw(values) for f in fields(cls)})
    flat = _flat(record)
    assert flat == asdict(record)
    assert [type(v) for v in flat.values()] == [type(v) for v in asdict(record).values()]
