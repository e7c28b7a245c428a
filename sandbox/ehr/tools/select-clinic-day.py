#!/usr/bin/env python3
"""Builds Medulla's shipped data subset under data/ from the shared source copies.

Writes data/patients/ (Synthea bundles + LICENSE), data/dialogues/aci-bench.json and
data/clinic-day.json. Re-running it with the same sources gives the same files.

    python3 sandbox/ehr/tools/select-clinic-day.py [--shared /work/shared/data] [--out data]
"""

import argparse
import csv
import json
import re
import shutil
import sys
from datetime import date
from pathlib import Path

# The patients were picked by hand from the Synthea manifest, because no single rule gave
# both a size budget near 6 MB and an age spread: every one is alive, adult at the end of
# the record and has several ambulatory encounters. Six of each gender, so that each
# gender's twelve visits land two per patient. select_patients() re-checks those criteria.
PATIENT_FILES = [
    "Raymon_Kris_ca5da59f-0a70-470d-8b20-a1c847ff9010.json",
    "Valentin_Keeling_eec512c0-d680-4dd8-a7ce-5102193974fd.json",
    "Clarence_Mills_0753ad6c-5935-4faa-9cfe-b7269e963d77.json",
    "Lenard_Dibbert_8fdbbd87-2958-4608-97f2-6c2a571b7065.json",
    "Asa_Hermiston_4384bf23-1dc3-48ca-8c84-89fbaff201ae.json",
    "Damion_Strosin_93ea4d3e-6634-4063-8a59-3db23b0d6cbc.json",
    "Kathy_Walker_59885d16-d333-481e-8edb-422fa047d6b6.json",
    "Mayte_Escobar_c1eebdbf-4e33-43a0-a8fe-467287bd6e63.json",
    "Leonor_Trujillo_5542148c-67d6-4d91-be71-29973234a33b.json",
    "Isabel_Runte_3dfc1892-ea05-4cf2-82b1-ef41add8f01e.json",
    "Tamatha_Witting_55a37df6-b780-4272-8d51-499be0e7df86.json",
    "Emilia_Palomino_90bf6c46-ee5a-4192-b192-88491e52faf5.json",
]

VISITS_PER_PATIENT = 2
VISITS_PER_GENDER = 12
# Of each gender's twelve visits, at most this many are chosen for a stated follow-up
# interval; the rest come from the validation split so it stays the main source.
FOLLOW_UP_SLOTS_PER_GENDER = 8
MIN_AMBULATORY_ENCOUNTERS = 5
# Appointments use encounters from the last years of a record, so the visit has a chart behind
# it and a date in this century rather than, say, a 1989 check-up that happens to match in age.
RECENT_YEARS = 10

# Ambulatory encounter kinds a primary-care or specialist visit can stand in for; prenatal,
# procedure-only and certification encounters would make an odd pairing.
OFFICE_VISIT_TYPES = {
    "185345009",  # Encounter for symptom
    "185349003",  # Encounter for check up
    "270427003",  # Patient-initiated encounter
    "185347001",  # Encounter for problem
    "698314001",  # Consultation for treatment
    "390906007",  # Follow-up encounter
    "394701000",  # Asthma follow-up
}

NUMBER = r"(?:\d+|one|two|three|four|five|six|eight|ten|twelve|a|an|a few|a couple of|several)"
INTERVAL = re.compile(
    r"\b(?:in|after|within|for)\s+(?:about\s+|approximately\s+|another\s+|the next\s+)?"
    + NUMBER
    + r"(?:\s*(?:-|to|or)\s*"
    + NUMBER
    + r")?\s*(?:day|week|month|year)s?\b",
    re.I,
)
FOLLOW_UP_CUE = re.compile(
    r"follow|return|come back|see (?:him|her|you|the patient|them) back|appointment",
    re.I,
)


def parse_args():
    repo_root = Path(__file__).resolve().parents[3]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--out", type=Path, default=repo_root / "data")
    return parser.parse_args()


def years_between(born, when):
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


def parse_day(text):
    return date.fromisoformat(text[:10])


def reindent(text):
    """Shrinks the source's 4-space indentation to 1 space; values stay byte-identical."""
    lines = []
    for line in text.split("\n"):
        body = line.lstrip(" ")
        lines.append(" " * ((len(line) - len(body)) // 4) + body)
    return "\n".join(lines)


def office_encounters(resources):
    encounters = []
    for resource in resources:
        if resource["resourceType"] != "Encounter" or resource["class"]["code"] != "AMB":
            continue
        codes = {c["code"] for t in resource.get("type", []) for c in t.get("coding", [])}
        if codes & OFFICE_VISIT_TYPES:
            encounters.append(resource)
    return encounters


def describe_patient(path):
    bundle = json.loads(path.read_text())
    resources = [entry["resource"] for entry in bundle["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    encounters = office_encounters(resources)
    born = parse_day(patient["birthDate"])
    last_visit = max(parse_day(e["period"]["start"]) for e in encounters)
    recent_from = last_visit.replace(year=last_visit.year - RECENT_YEARS)
    return {
        "file": path.name,
        "id": patient["id"],
        "gender": patient["gender"],
        "alive": "deceasedDateTime" not in patient and "deceasedBoolean" not in patient,
        "age": years_between(born, last_visit),
        "encounters": [
            {"id": e["id"], "age": years_between(born, parse_day(e["period"]["start"])),
             "start": e["period"]["start"]}
            for e in encounters
            if parse_day(e["period"]["start"]) >= recent_from
        ],
    }


def select_patients(bundle_dir):
    patients = [describe_patient(bundle_dir / name) for name in PATIENT_FILES]
    for p in patients:
        if not p["alive"] or p["age"] < 18 or len(p["encounters"]) < MIN_AMBULATORY_ENCOUNTERS:
            sys.exit(f"patient bundle {p['file']} no longer meets the selection criteria")
    return patients


def plan_section(note):
    upper = note.upper()
    starts = [upper.find(h) for h in ("ASSESSMENT", "PLAN", "INSTRUCTIONS") if h in upper]
    return note[min(starts):] if starts else note


def follow_up_sentence(note):
    for sentence in re.split(r"(?<=[.!?])\s+|\n", plan_section(note)):
        if FOLLOW_UP_CUE.search(sentence) and INTERVAL.search(sentence):
            return sentence.strip()
    return None


def parse_age(text):
    match = re.fullmatch(r"(\d+)(?:\.0)?", text.strip())
    return int(match.group(1)) if match else None


def read_visits(aci_dir, split):
    data = aci_dir / "challenge_data"
    with open(data / f"{split}_metadata.csv", newline="") as f:
        metadata = {row["encounter_id"]: row for row in csv.DictReader(f)}
    with open(data / f"{split}.csv", newline="") as f:
        rows = list(csv.DictReader(f))

    visits = []
    for row in rows:
        meta = metadata[row["encounter_id"]]
        complaints = [c.strip() for c in meta["2nd_complaints"].split(";") if c.strip()]
        visits.append({
            "encounter_id": row["encounter_id"],
            "split": split,
            "dataset": row["dataset"],
            "gender": meta["patient_gender"].strip() or None,
            "age": parse_age(meta["patient_age"]),
            "chief_complaint": meta["cc"].strip(),
            "secondary_complaints": complaints,
            "follow_up": follow_up_sentence(row["note"]),
            "dialogue": row["dialogue"],
            "note": row["note"],
        })
    return visits


def select_visits(aci_dir):
    candidates = read_visits(aci_dir, "valid") + read_visits(aci_dir, "train")

    # Adults of a stated gender only: the EHR side has no children to pair them with.
    candidates = [v for v in candidates
                  if v["gender"] in ("male", "female") and (v["age"] is None or v["age"] >= 18)]

    def preference(visit):
        return (visit["split"] != "valid", visit["age"] is None, visit["encounter_id"])

    chosen = []
    for gender in ("female", "male"):
        pool = sorted((v for v in candidates if v["gender"] == gender), key=preference)
        with_follow_up = [v for v in pool if v["follow_up"]][:FOLLOW_UP_SLOTS_PER_GENDER]
        rest = [v for v in pool if v not in with_follow_up]
        chosen += with_follow_up + rest[:VISITS_PER_GENDER - len(with_follow_up)]
    return sorted(chosen, key=lambda v: v["encounter_id"])


def pair_visits(visits, patients):
    """Pairs each gender's visits, sorted by age, two at a time with patients sorted by age.

    For the sum of age gaps this sorted pairing is optimal. Each visit then takes the
    patient's unused recent office encounter nearest in patient age, later ones winning ties.
    """
    appointments = []
    for gender in ("female", "male"):
        group = [v for v in visits if v["gender"] == gender]
        known = [v["age"] for v in group if v["age"] is not None]
        typical = sorted(known)[len(known) // 2]
        group.sort(key=lambda v: (v["age"] if v["age"] is not None else typical,
                                  v["encounter_id"]))
        people = sorted((p for p in patients if p["gender"] == gender), key=lambda p: p["age"])
        if len(group) != VISITS_PER_PATIENT * len(people):
            sys.exit(f"{len(group)} {gender} visits cannot go two each to {len(people)} patients")

        for index, visit in enumerate(group):
            patient = people[index // VISITS_PER_PATIENT]
            used = {a["encounter"] for a in appointments}
            target = visit["age"] if visit["age"] is not None else patient["age"]
            free = [e for e in patient["encounters"] if f"Encounter/{e['id']}" not in used]
            free.sort(key=lambda e: e["start"], reverse=True)
            encounter = min(free, key=lambda e: abs(e["age"] - target))
            appointments.append({
                "visit": visit["encounter_id"],
                "patient": f"Patient/{patient['id']}",
                "encounter": f"Encounter/{encounter['id']}",
            })
    return sorted(appointments, key=lambda a: a["visit"])


def write_patients(bundle_dir, license_file, out_dir):
    if out_dir.exists():
        for old in out_dir.glob("*.json"):
            old.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in PATIENT_FILES:
        (out_dir / name).write_text(reindent((bundle_dir / name).read_text()))
    shutil.copyfile(license_file, out_dir / "LICENSE")


def write_json(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False) + "\n")


def main():
    args = parse_args()
    synthea = args.shared / "synthea-smart-r4"
    patients = select_patients(synthea / "bundles")
    visits = select_visits(args.shared / "aci-bench")
    appointments = pair_visits(visits, patients)

    write_patients(synthea / "bundles", synthea / "LICENSE", args.out / "patients")
    write_json(args.out / "dialogues" / "aci-bench.json", {
        "source": "ACI-BENCH challenge_data (valid, train); CC BY 4.0; see data/NOTICE.md",
        "visits": visits,
    })
    write_json(args.out / "clinic-day.json", appointments)

    follow_ups = sum(1 for v in visits if v["follow_up"])
    print(json.dumps({"patients": len(patients), "visits": len(visits),
                      "with_follow_up": follow_ups, "appointments": len(appointments)}))


if __name__ == "__main__":
    main()
