#!/usr/bin/env python3
"""Derives the sandbox's vendor personas from the vendors' published CapabilityStatements.

    python3 sandbox/ehr/tools/derive-personas.py [--source DIR] [--out DIR]

Reads each vendor's captured R4 CapabilityStatement and writes sandbox/ehr/personas/<persona>.json
in the sandbox's own compact form: per resource type the declared interactions, operations,
conditional create/update and versioning, plus where the persona lives on the sandbox origin.
Only facts are carried over; none of the vendors' documents is copied.
"""

import argparse
import json
import sys
from pathlib import Path

DEFAULT_SOURCE = Path("/work/shared/data/vendor-fhir-capabilities")
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "personas"

# Where each persona lives on the sandbox origin. A {segment} is the vendor's tenant path
# segment (practice code, organisation, tenant), filled from the server's options.
PERSONAS = {
    "epic": {
        "vendor": "Epic",
        "capability": "epic/epic-r4-capabilitystatement.json",
        "basePath": "/epic/interconnect-fhir-oauth/api/FHIR/R4",
        "tokenPath": "/epic/interconnect-fhir-oauth/oauth2/token",
        "paging": "offset",
    },
    "athena": {
        "vendor": "athenahealth",
        "capability": "athenahealth/athenahealth-r4-capabilitystatement.json",
        "basePath": "/athena/fhir/r4",
        "tokenPath": "/athena/oauth2/v1/token",
        "paging": "cursor",
    },
    "ecw": {
        "vendor": "eClinicalWorks",
        "capability": "eclinicalworks/ecw-provider-r4-capabilitystatement.json",
        "basePath": "/ecw/fhir/r4/{segment}",
        "tokenPath": "/ecw/oauth/oauth2/token",
        "paging": "offset",
    },
    "advancedmd": {
        "vendor": "AdvancedMD",
        "capability": "advancedmd/advancedmd-r4-capabilitystatement.json",
        "basePath": "/advancedmd/v1/r4/{segment}",
        "tokenPath": "/advancedmd/v1/oauth2/token",
        "paging": "offset",
    },
    "veradigm": {
        "vendor": "Veradigm",
        "capability": "veradigm/veradigm-r4-capabilitystatement.json",
        "basePath": "/veradigm/fhirroute/fhir/{segment}",
        "tokenPath": "/veradigm/fhirroute/authorizationV2/{segment}/connect/token",
        "paging": "offset",
    },
}

PAGE_SIZE = 50

# Types a persona serves although its vendor's CapabilityStatement does not declare them, each
# marked "declaredBy": "sandbox" in the persona file. eCW's provider facade declares no
# Appointment, so without this the appointments written through the eCW write-back API could
# not be read back over FHIR at all.
SANDBOX_ADDITIONS = {
    "ecw": {"Appointment": {"interaction": [{"code": "read"}, {"code": "search-type"}]}},
}


def resource_entry(declared):
    # FHIR's defaults apply to what a vendor leaves out: no conditional create or update, and
    # (for the sandbox) versioned resources unless "no-version" is declared.
    return {
        "interactions": sorted({i["code"] for i in declared.get("interaction", [])}),
        "operations": sorted({op["name"] for op in declared.get("operation", [])}),
        "conditionalCreate": bool(declared.get("conditionalCreate", False)),
        "conditionalUpdate": bool(declared.get("conditionalUpdate", False)),
        "versioning": declared.get("versioning", "versioned"),
    }


def derive(name, spec, source):
    statement = json.loads((source / spec["capability"]).read_text())
    server = next(rest for rest in statement["rest"] if rest.get("mode") == "server")
    software = statement.get("software", {})

    resources = {}
    for declared in server.get("resource", []):
        resources[declared["type"]] = resource_entry(declared)
    for resource_type, declared in SANDBOX_ADDITIONS.get(name, {}).items():
        if resource_type not in resources:
            resources[resource_type] = {**resource_entry(declared), "declaredBy": "sandbox"}

    return {
        "persona": name,
        "vendor": spec["vendor"],
        "derivedFrom": spec["capability"],
        "software": " ".join(filter(None, [software.get("name"), software.get("version")])),
        "fhirVersion": statement.get("fhirVersion"),
        "basePath": spec["basePath"],
        "tokenPath": spec["tokenPath"],
        "paging": {"style": spec["paging"], "pageSize": PAGE_SIZE},
        "systemInteractions": sorted({i["code"] for i in server.get("interaction", [])}),
        "systemOperations": sorted({op["name"] for op in server.get("operation", [])}),
        "resources": dict(sorted(resources.items())),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    for name, spec in PERSONAS.items():
        persona = derive(name, spec, args.source)
        path = args.out / f"{name}.json"
        path.write_text(json.dumps(persona, indent=2) + "\n")
        print(f"{path}: {len(persona['resources'])} resource types", file=sys.stderr)


if __name__ == "__main__":
    main()
