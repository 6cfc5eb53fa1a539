"""A medication printed as a record of labelled lines, one field to a line.

Patient portals' text downloads (the VA's My HealtheVet Blue Button) print each drug as

    Medication: IBUPROFEN 600MG TAB
    Instructions: TAKE ONE TABLET BY MOUTH FOUR TIMES A DAY WITH FOOD AS NEEDED
    Status: Active
    Refills Remaining: 3

or, for what the patient entered, 'Drug Name: Aspirin EC' with 'Strength: 81mg', 'Dose:',
'Frequency:', 'Start Date:' and 'Stop Date:' lines. The fields below the drug's line belong
to it: its status (a discontinued or expired prescription is not a current drug), how often
it is taken, its dates.
"""

from __future__ import annotations

import re

from intake.model import Medication

DRUG_LINE = re.compile(
    r"^\s*(?:drug\s+name|medication(?:\s+name)?)\s*:\s*(?P<name>\S.*?)\s*$", re.IGNORECASE
)
_FIELD = re.compile(
    r"^(?P<label>status|instructions|sig|strength|dose|frequency|start\s+date|stop\s+date"
    r"|initially\s+ordered\s+on|refills\s+remaining|quantity|pharmacy(?:\s+name)?)\s*:\s*"
    r"(?P<value>.*?)\s*$",
    re.IGNORECASE,
)
REACH = 24  # lines a record's fields run below its drug's line
_RULE = re.compile(r"^\s*[-=*]{5,}\s*$")
# a record's status as the source words it, as intake's statuses (summary.STOPPED)
STATUSES = {
    "active": "active",
    "refill in process": "active",
    "active: refill in process": "active",
    "discontinued": "discontinued",
    "expired": "expired",
    "suspended": "suspended",
    "hold": "on-hold",
    "on hold": "on-hold",
    "inactive": "inactive",
    "completed": "completed",
    "stopped": "stopped",
    "pending": "pending",
}


def drug_fields(lines: list[str], index: int) -> dict[str, str] | None:
    """The labelled fields printed below a 'Medication: ...' or 'Drug Name: ...' line (up
    to the next drug, a rule or two blank lines), by lower-case label; None for another
    line."""
    if not DRUG_LINE.match(lines[index]):
        return None
    fields: dict[str, str] = {}
    blank = False
    for line in lines[index + 1 : index + 1 + REACH]:
        if DRUG_LINE.match(line) or _RULE.match(line) or (blank and not line.strip()):
            break  # the next record, a rule, two blank lines (Medicare prints a blank line
        blank = not line.strip()  # between each of a record's fields)
        for cell in re.split(r"\s{3,}|\t", line.strip()):  # 'Start Date: x    Stop Date: y'
            if field := _FIELD.match(cell):
                label = " ".join(field.group("label").lower().split())
                fields.setdefault(label, field.group("value"))
    return fields


def drug_line(line: str, fields: dict[str, str]) -> str:
    """The drug's line with the strength its record prints on a line of its own ('Drug
    Name: Aspirin EC' and 'Strength: 81mg': 'Aspirin EC 81mg')."""
    named = DRUG_LINE.match(line)
    strength = fields.get("strength", "").strip()
    return f"{named.group('name')} {strength}" if named and strength else line


def named_drug(line: str) -> Medication | None:
    """A record's drug printed without a strength ('Drug Name: CARVEDILOL' in Medicare's
    Part D claims, 'Drug Name: Aspirin' self-entered), when its name holds a drug the
    dictionary knows as written (no close spelling): the label says it is a drug, nothing
    says more."""
    from intake.understand.drugs import normalise

    named = DRUG_LINE.match(line)
    name = " ".join(named.group("name").split()) if named else ""
    match = normalise(name, fuzzy=False) if name else None
    if match is None or not any(ch.isalpha() for ch in name):
        return None
    return Medication(name=name, raw=line.strip(), generic=match.generic, match_score=match.score)


def complete(med: Medication, fields: dict[str, str]) -> None:
    """Fill in what the record's fields say of the drug (what its own line said stays)."""
    from intake.understand.dates import parse_date
    from intake.understand.meds import sig_frequency

    status = " ".join(fields.get("status", "").lower().split())
    med.status = med.status or STATUSES.get(status)
    how_often = fields.get("frequency") or fields.get("instructions") or fields.get("sig") or ""
    med.frequency = med.frequency or sig_frequency(how_often)
    med.dose = med.dose or (fields.get("dose") or "").strip() or None
    started = fields.get("start date") or fields.get("initially ordered on") or ""
    med.start = parse_date(started) or med.start  # (never the line's 'Last Filled On')
    med.end = med.end or parse_date(fields.get("stop date") or "")
    refills = (fields.get("refills remaining") or "").strip()
    med.refills = med.refills or (refills if refills.isdigit() else None)
    quantity = (fields.get("quantity") or "").strip()
    med.quantity = med.quantity or (quantity if re.fullmatch(r"\d+(?:\.\d+)?", quantity) else None)
    pharmacy = " ".join((fields.get("pharmacy name") or fields.get("pharmacy") or "").split())
    med.pharmacy = med.pharmacy or pharmacy or None
