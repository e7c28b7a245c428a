#!/usr/bin/env python3
"""Writes data/patients/consents.json: one active FHIR Consent per clinic-day patient.

Every patient consents to treatment (v3 ActReason TREAT). All but the patients listed in
TREATMENT_ONLY also consent to payment (HPAYMT), so the clinic day shows a visit whose claim
cannot be drafted for lack of consent. Re-running gives the same file.
"""
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[3]
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
TREATMENT_ONLY = 1  # how many patients, in clinic-day order, consent to treatment only


def consent(patient_ref: str, purposes: list) -> dict:
    patient_id = patient_ref.split("/", 1)[1]
    return {
        "resourceType": "Consent",
        "id": f"consent-{patient_id}",
        "status": "active",
        "scope": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/consentscope",
            "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0",
                                  "display": "Patient Consent"}]}],
        "patient": {"reference": patient_ref},
        "dateTime": "2026-01-05T09:00:00Z",
        "policyRule": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": {"type": "permit",
                      "purpose": [{"system": ACT_REASON, "code": code} for code in purposes]},
    }


def main() -> None:
    day = json.loads((ROOT / "data" / "clinic-day.json").read_text())
    patients = list(dict.fromkeys(entry["patient"] for entry in day))
    entries = []
    for index, patient in enumerate(patients):
        purposes = ["TREAT"] if index < TREATMENT_ONLY else ["TREAT", "HPAYMT"]
        resource = consent(patient, purposes)
        entries.append({"resource": resource,
                        "request": {"method": "PUT", "url": f"Consent/{resource['id']}"}})
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    out = ROOT / "data" / "patients" / "consents.json"
    out.write_text(json.dumps(bundle, indent=1) + "\n")
    print(f"wrote {len(entries)} consents to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
