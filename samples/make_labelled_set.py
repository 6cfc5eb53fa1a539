#!/usr/bin/env python3
"""Generate the labelled classification set: fictional documents of every kind and subtype.

Deterministic and offline. Each document is a text file named LABEL-N.txt where LABEL is
`kind` or `kind.subtype`; bench/classify.py and the tests score intake against the labels.

    python samples/make_labelled_set.py [OUT]     # default: samples/labelled
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

VARIANTS = 3
PLACES = [
    "Example General Hospital (fictional)",
    "Lakeside Example Clinic (fictional)",
    "Northfield Sample Medical Center (fictional)",
]
PEOPLE = ["TESTWELL, MARGUERITE A", "Harold Q. Sampleton", "EXAMPLE^ROSA^M"]


def header(rng: random.Random, title: str, date_label: str = "Date of Service") -> list[str]:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    birth = f"0{rng.randint(1, 9)}/1{rng.randint(0, 9)}/19{rng.randint(40, 79)}"
    style = rng.randrange(3)
    first = [title, rng.choice(PLACES)] if style == 0 else [rng.choice(PLACES), title]
    return [
        *first,
        f"Patient: {rng.choice(PEOPLE)}    DOB: {birth}",
        f"{date_label}: {month:02d}/{day:02d}/2026",
        "",
    ]


def lab_report(rng):
    rows = [
        ("WBC", "6.1", "", "x10E3/uL", "3.4-10.8"),
        ("Hemoglobin", "12.2", "", "g/dL", "11.1-15.9"),
        ("Glucose", "131", "H", "mg/dL", "70-99"),
        ("Creatinine", "0.9", "", "mg/dL", "0.57-1.00"),
        ("Sodium", "133", "L", "mmol/L", "134-144"),
    ]
    title = rng.choice(["LABORATORY REPORT", "Lab Results", "Test Results"])
    lines = header(rng, title, "Collected")
    lines.append(
        rng.choice(
            [
                "Test  Result  Flag  Units  Reference Interval",
                "Component  Your Value  Standard Range",
            ]
        )
    )
    lines += [f"{t}  {v}  {f}  {u}  {r}" for t, v, f, u, r in rng.sample(rows, 4)]
    return lines


def imaging_report(rng):
    exam = rng.choice(
        ["MRI BRAIN WITHOUT CONTRAST", "CT CHEST WITH CONTRAST", "X-RAY LEFT KNEE 3 VIEWS"]
    )
    return header(
        rng, rng.choice(["RADIOLOGY REPORT", "Diagnostic Imaging Report"]), "Exam Date"
    ) + [
        f"EXAM: {exam}",
        "TECHNIQUE: Standard protocol.",
        "COMPARISON: None.",
        "FINDINGS: No acute abnormality. Mild degenerative change.",
        "IMPRESSION: No acute findings.",
    ]


def echocardiogram(rng):
    return header(
        rng, rng.choice(["TRANSTHORACIC ECHOCARDIOGRAM REPORT", "Echocardiogram"]), "Study Date"
    ) + [
        "Left ventricle: normal size. LVEF estimated 55-60%.",
        "Mitral valve: trace regurgitation. Aortic valve: trileaflet, no stenosis.",
        "Conclusion: normal left ventricular ejection fraction.",
    ]


def pathology_report(rng):
    return header(
        rng, rng.choice(["SURGICAL PATHOLOGY REPORT", "Pathology Report"]), "Date Collected"
    ) + [
        "SPECIMEN: Colon, sigmoid, biopsy",
        "FINAL DIAGNOSIS: Tubular adenoma, no high-grade dysplasia.",
        "GROSS DESCRIPTION: Three tan fragments.",
        "MICROSCOPIC DESCRIPTION: Adenomatous epithelium.",
    ]


def molecular_report(rng):
    return header(
        rng,
        rng.choice(
            [
                "MOLECULAR PROFILING REPORT",
                "Genomic Testing Results",
                "Next-Generation Sequencing Report",
            ]
        ),
        "Date Reported",
    ) + [
        "Specimen: tumor tissue block A3",
        "Variants detected: KRAS G12D (pathogenic); TP53 R273H (pathogenic).",
        "Tumor mutational burden: 6 mutations/Mb. Microsatellite stable.",
    ]


def treatment_plan(rng):
    return header(
        rng, rng.choice(["TREATMENT PLAN", "Plan of Care", "Treatment Summary"]), "Plan Date"
    ) + [
        "Diagnosis: as discussed.",
        "Regimen: 4 cycles every 21 days, then reassess.",
        "Goals: curative intent. Next steps: start date to be scheduled.",
    ]


def visit_summary(rng):
    return header(
        rng,
        rng.choice(["After Visit Summary", "OFFICE VISIT NOTE", "Clinic Visit Summary"]),
        "Visit Date",
    ) + [
        "Chief complaint: follow-up of blood pressure.",
        "History of present illness: feeling well.",
        "Plan: continue current care, return in 3 months.",
    ]


def discharge_summary(rng):
    return header(
        rng, rng.choice(["DISCHARGE SUMMARY", "Hospital Discharge Summary"]), "Discharge Date"
    ) + [
        "Admission Date: 03/02/2026",
        "Discharge Diagnoses: community-acquired pneumonia.",
        "Hospital Course: treated with antibiotics, improved.",
    ]


def consult_note(rng):
    return header(
        rng,
        rng.choice(["CONSULTATION NOTE", "Consult Report", "Consultation"]),
        "Date of Consultation",
    ) + [
        "Reason for consultation: abnormal imaging.",
        "Assessment: findings reviewed with the patient.",
        "Recommendations: as below.",
    ]


def staging(rng):
    return header(
        rng,
        rng.choice(["ONCOLOGY STAGING NOTE", "Cancer Staging Summary", "Staging"]),
        "Date of Service",
    ) + [
        "Primary site: left breast. Histology: invasive ductal carcinoma.",
        f"Clinical stage: cT{rng.randint(1, 3)}N{rng.randint(0, 1)}M0, AJCC 8th edition, "
        f"Stage II{rng.choice('AB')}.",
        "Discussed at tumor board.",
    ]


def operative_note(rng):
    return header(
        rng, rng.choice(["OPERATIVE REPORT", "Operative Note", "Procedure Note"]), "Date of Surgery"
    ) + [
        "Preoperative diagnosis: left breast cancer.",
        "Postoperative diagnosis: same.",
        "Procedure: left lumpectomy with sentinel node biopsy.",
        "Anesthesia: general. Estimated blood loss: 20 mL.",
    ]


def cardiac_catheterization(rng):
    return header(
        rng,
        rng.choice(
            [
                "CARDIAC CATHETERIZATION REPORT",
                "Coronary Angiography Report",
                "Left Heart Catheterization",
            ]
        ),
        "Procedure Date",
    ) + [
        "Findings: 80% stenosis of the proximal LAD.",
        "Intervention: PCI with drug-eluting stent.",
        "Estimated blood loss: minimal.",
    ]


def referral(rng):
    return header(
        rng, rng.choice(["REFERRAL", "Referral for Second Opinion", "Referral Form"]), "Date"
    ) + [
        "Referred to: Dr. Example Specialist (fictional), Oncology.",
        "Reason for referral: second opinion on treatment plan.",
        "Authorization: pending.",
    ]


def insurance(rng):
    return [
        rng.choice(["Example Health Plan (fictional)", "MEMBER CARD", "Insurance Information"]),
        f"Member ID: ZZ{rng.randint(100000, 999999)}",
        f"Group Number: {rng.randint(1000, 9999)}",
        "Subscriber: the patient",
        "Plan ID: EXAMPLE-PPO",
    ]


def questions(rng):
    asked = [
        "Do I need surgery?",
        "What are the side effects?",
        "Can I keep working?",
        "What happens if I wait?",
        "Is there a clinical trial for me?",
        "How sure are you of the diagnosis?",
    ]
    return [
        rng.choice(["Questions for the doctor", "My questions", "Things to ask"]),
        *rng.sample(asked, 4),
    ]


def medication_list(rng):
    meds = [
        "Metformin 500 mg twice daily",
        "Lisinopril 10 mg daily",
        "Atorvastatin 20 mg at bedtime",
        "Aspirin 81 mg daily",
        "Levothyroxine 50 mcg daily",
    ]
    return [
        rng.choice(["MEDICATION LIST", "Current Medications", "My medications"]),
        *rng.sample(meds, 4),
    ]


def ecg(rng):
    return header(rng, rng.choice(["12-LEAD ECG", "Electrocardiogram Report", "EKG"]), "Date") + [
        "Ventricular rate: 72 bpm. PR interval: 160 ms. QRS: 90 ms. QTc: 420 ms.",
        "Interpretation: normal sinus rhythm.",
    ]


def eeg(rng):
    return header(
        rng, rng.choice(["EEG REPORT", "Electroencephalogram", "Routine EEG"]), "Date of Study"
    ) + [
        "Background activity: posterior dominant rhythm 9 Hz.",
        "Photic stimulation: no abnormality.",
        "Impression: no epileptiform discharges.",
    ]


def stress_test(rng):
    return header(
        rng,
        rng.choice(
            ["EXERCISE STRESS TEST", "Nuclear Stress Test Report", "Myocardial Perfusion Study"]
        ),
        "Date",
    ) + [
        "Protocol: Bruce protocol, 9 minutes, 10.1 METs.",
        "Peak heart rate: 152 bpm (target heart rate reached).",
        "Conclusion: no ischemia.",
    ]


def heart_monitor(rng):
    return header(
        rng,
        rng.choice(["HOLTER MONITOR REPORT", "Event Monitor Summary", "Ambulatory ECG Monitor"]),
        "Date",
    ) + [
        "Monitoring period: 48 hours of recording.",
        "Rare PVCs and PACs. No atrial fibrillation burden.",
    ]


def physical_therapy(rng):
    return header(
        rng,
        rng.choice(
            [
                "PHYSICAL THERAPY EVALUATION",
                "Physical Therapy Progress Note",
                "Occupational Therapy Note",
            ]
        ),
        "Visit Date",
    ) + [
        "Range of motion: knee flexion 110 degrees.",
        "Plan: strengthening exercises, home exercise program, gait training.",
    ]


def other(rng):
    return [
        rng.choice(["Parking information", "Directions to the clinic", "Cafeteria menu"]),
        "Level 2, north entrance. Open 7am to 7pm.",
        "Thank you for visiting.",
    ]


LABELS = {
    "lab_report": lab_report,
    "imaging_report": imaging_report,
    "imaging_report.echocardiogram": echocardiogram,
    "pathology_report": pathology_report,
    "pathology_report.molecular_report": molecular_report,
    "treatment_plan": treatment_plan,
    "visit_summary": visit_summary,
    "visit_summary.physical_therapy": physical_therapy,
    "discharge_summary": discharge_summary,
    "consult_note": consult_note,
    "consult_note.staging": staging,
    "operative_note": operative_note,
    "operative_note.cardiac_catheterization": cardiac_catheterization,
    "referral": referral,
    "insurance": insurance,
    "questions": questions,
    "medication_list": medication_list,
    "other.ecg": ecg,
    "other.eeg": eeg,
    "other.stress_test": stress_test,
    "other.heart_monitor": heart_monitor,
    "other": other,
}


def build(out: Path) -> list[Path]:
    """Write VARIANTS documents per label into `out` (replaced); returns the files."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written = []
    for label, make in LABELS.items():
        for number in range(1, VARIANTS + 1):
            rng = random.Random(f"{label}-{number}")
            path = out / f"{label}-{number}.txt"
            path.write_text("\n".join(make(rng)) + "\n", encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "labelled"
    print(f"{len(build(target))} labelled documents in {target}")
