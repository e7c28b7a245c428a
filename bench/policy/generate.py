#!/usr/bin/env python3
"""Generates the policy benchmark's inputs from one description of a statement set.

From a seeded random description of statements it writes, into --out:
  policies/bench.yaml  the statements as a Medulla policy document
  bench.cedar          the same statements as Cedar policies (@id = the Medulla sid)
  questions.json       the questions, each with its Medulla request and its Cedar request

Only features both engines express identically are generated: literal and wildcard actions
(expanded to explicit action lists for Cedar), resource globs with * (Cedar `like`), the
${principal.tenant} variable (Cedar: resource.tenant == principal.tenant), role and tenant
lists, and StringEquals, StringNotEquals, NumericLessThan, NumericGreaterThanEquals, Bool and
ForAnyValue:StringEquals conditions over well-typed values.
"""
import argparse
import fnmatch
import json
import os
import random

TENANTS = [f"clinic-{c}" for c in "abcdefgh"]
ROLES = ["clinician", "billing", "front_desk", "nurse", "scheduler", "auditor"]
TOOLS = ["lookup_patient", "draft_note", "book_follow_up", "read_encounter", "draft_claim",
         "route_to_agent"]
FHIR_VERBS = ["create", "read", "update"]
FHIR_TYPES = ["DocumentReference", "Appointment", "Claim", "Patient", "Encounter"]
ACTIONS = [f"tool:{t}" for t in TOOLS] + [f"fhir:{v}:{t}" for v in FHIR_VERBS for t in FHIR_TYPES]
WILDCARD_ACTIONS = ["tool:*", "fhir:create:*", "fhir:*:Claim", "fhir:read:*", "fhir:*:*"]
PURPOSES = ["treatment", "payment", "operations", "research", "marketing"]
AGENTS = ["intake", "scribe", "scheduling", "billing"]
SCOPES = ["user/Patient.r", "user/DocumentReference.c", "user/Appointment.c", "user/Claim.c",
          "user/Encounter.r"]


def quote(text):
    return json.dumps(text)


def describe_statement(rng, index):
    deny = rng.random() < 0.2
    statement = {"sid": f"S{index:03d}{'Deny' if deny else 'Allow'}",
                 "effect": "deny" if deny else "allow"}
    if rng.random() < 0.8:
        statement["roles"] = rng.sample(ROLES, rng.randint(1, 2))
    if not deny and rng.random() < 0.5:
        statement["tenants"] = rng.sample(TENANTS, rng.randint(1, 3))
    if rng.random() < 0.25:
        statement["actions"] = [rng.choice(WILDCARD_ACTIONS)]
    else:
        statement["actions"] = rng.sample(ACTIONS, rng.randint(1, 4))
    shape = rng.random()
    if shape < 0.4:
        statement["resources"] = ["tenant:${principal.tenant}/Patient/*"]
    elif shape < 0.7:
        statement["resources"] = [f"tenant:{t}/Patient/*" for t in rng.sample(TENANTS, 2)]
    elif shape < 0.85:
        statement["resources"] = ["tenant:*/Patient/*"]
    else:
        statement["resources"] = ["*"]
    statement["conditions"] = describe_conditions(rng, deny)
    return statement


def describe_conditions(rng, deny):
    conditions = []
    if deny or rng.random() < 0.5:
        kind = rng.choice(["purpose", "not_purpose", "risk", "hour", "consent", "scopes"])
        if kind == "purpose":
            conditions.append(("StringEquals", "request.purpose_of_use",
                               rng.sample(PURPOSES, rng.randint(1, 2))))
        elif kind == "not_purpose":
            conditions.append(("StringNotEquals", "request.purpose_of_use",
                               rng.sample(PURPOSES, 2)))
        elif kind == "risk":
            conditions.append(("NumericLessThan", "request.risk", [rng.randint(1, 4)]))
        elif kind == "hour":
            conditions.append(("NumericGreaterThanEquals", "request.hour", [rng.randint(6, 12)]))
        elif kind == "consent":
            conditions.append(("Bool", "patient.consent", [deny is False]))
        else:
            conditions.append(("ForAnyValue:StringEquals", "principal.scopes",
                               rng.sample(SCOPES, 2)))
    if rng.random() < 0.2:
        conditions.append(("StringEquals", "request.agent", rng.sample(AGENTS, 2)))
    return conditions


def yaml_list(values):
    return "[" + ", ".join(quote(v) if isinstance(v, str) else yaml_scalar(v) for v in values) + "]"


def yaml_scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def condition_values(op, values):
    return yaml_scalar(values[0]) if op == "Bool" else yaml_list(values)


def to_medulla(statements):
    lines = ['version: "2026-12-01"', "statements:"]
    for s in statements:
        lines.append(f"  - sid: {s['sid']}")
        lines.append(f"    effect: {s['effect']}")
        principal = {k: s[k] for k in ("roles", "tenants") if k in s}
        if principal:
            lines.append("    principal: {" +
                         ", ".join(f"{k}: {yaml_list(v)}" for k, v in principal.items()) + "}")
        lines.append(f"    actions: {yaml_list(s['actions'])}")
        lines.append(f"    resources: {yaml_list(s['resources'])}")
        if s["conditions"]:
            lines.append("    conditions:")
            by_operator = {}
            for op, key, values in s["conditions"]:
                by_operator.setdefault(op, []).append((key, values))
            for op, entries in by_operator.items():
                body = ", ".join(f"{key}: {condition_values(op, values)}"
                                 for key, values in entries)
                lines.append(f"      {op}: {{{body}}}")
    return "\n".join(lines) + "\n"


def cedar_set(values):
    return "[" + ", ".join(quote(v) if isinstance(v, str) else yaml_scalar(v) for v in values) + "]"


def cedar_condition(op, key, values):
    if key == "principal.scopes":
        return f"principal.scopes.containsAny({cedar_set(values)})"
    name = key.replace(".", "_")
    present = f"context has {name}"
    if op == "StringEquals":
        return f"{present} && {cedar_set(values)}.contains(context.{name})"
    if op == "StringNotEquals":
        return f"{present} && !{cedar_set(values)}.contains(context.{name})"
    if op == "NumericLessThan":
        return f"{present} && context.{name} < {values[0]}"
    if op == "NumericGreaterThanEquals":
        return f"{present} && context.{name} >= {values[0]}"
    if op == "Bool":
        return f"{present} && context.{name} == {yaml_scalar(values[0])}"
    raise ValueError(op)


def cedar_resource(pattern):
    if pattern == "*":
        return "true"
    if "${principal.tenant}" in pattern:
        rest = pattern.replace("${principal.tenant}", "*")
        return f'(resource.path like "{rest}" && resource.tenant == principal.tenant)'
    return f'resource.path like "{pattern}"'


def to_cedar(statements):
    policies = []
    for s in statements:
        actions = sorted({a for a in ACTIONS for p in s["actions"] if fnmatch.fnmatchcase(a, p)})
        action_list = ", ".join(f'Action::{quote(a)}' for a in actions)
        clauses = []
        if "roles" in s:
            clauses.append(f"principal.roles.containsAny({cedar_set(s['roles'])})")
        if "tenants" in s:
            clauses.append(f"{cedar_set(s['tenants'])}.contains(principal.tenant)")
        clauses.append("(" + " || ".join(cedar_resource(r) for r in s["resources"]) + ")")
        clauses += ["(" + cedar_condition(*c) + ")" for c in s["conditions"]]
        effect = "permit" if s["effect"] == "allow" else "forbid"
        policies.append(f'@id({quote(s["sid"])})\n{effect}(principal, action in [{action_list}], '
                        f'resource)\nwhen {{\n  ' + " &&\n  ".join(clauses) + "\n};")
    return "\n\n".join(policies) + "\n"


def make_question(rng, index):
    tenant = rng.choice(TENANTS)
    resource_tenant = tenant if rng.random() < 0.8 else rng.choice(TENANTS)
    patient = f"p-{rng.randint(1, 500)}"
    principal = {"subject": f"user-{index % 97}", "tenant": tenant,
                 "roles": rng.sample(ROLES, rng.randint(1, 2)),
                 "scopes": rng.sample(SCOPES, rng.randint(0, 3))}
    context = {}
    if rng.random() < 0.8:
        context["request.purpose_of_use"] = rng.choice(PURPOSES)
    if rng.random() < 0.7:
        context["request.risk"] = rng.randint(0, 4)
    if rng.random() < 0.7:
        context["request.hour"] = rng.randint(0, 23)
    if rng.random() < 0.5:
        context["patient.consent"] = rng.random() < 0.8
    if rng.random() < 0.7:
        context["request.agent"] = rng.choice(AGENTS)
    path = f"tenant:{resource_tenant}/Patient/{patient}"
    action = rng.choice(ACTIONS)
    cedar = {
        "principal": {"type": "User", "id": principal["subject"]},
        "action": {"type": "Action", "id": action},
        "resource": {"type": "Resource", "id": path},
        "context": {k.replace(".", "_"): v for k, v in context.items()},
        "entities": [
            {"uid": {"type": "User", "id": principal["subject"]},
             "attrs": {"tenant": tenant, "roles": principal["roles"],
                       "scopes": principal["scopes"]}, "parents": []},
            {"uid": {"type": "Resource", "id": path},
             "attrs": {"path": path, "tenant": resource_tenant}, "parents": []},
        ],
    }
    return {"principal": principal, "action": action, "resource": path, "context": context,
            "cedar": cedar}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--statements", type=int, default=64)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    statements = [describe_statement(rng, i) for i in range(args.statements)]
    questions = [make_question(rng, i) for i in range(args.questions)]

    os.makedirs(os.path.join(args.out, "policies"), exist_ok=True)
    with open(os.path.join(args.out, "policies", "bench.yaml"), "w") as out:
        out.write(to_medulla(statements))
    with open(os.path.join(args.out, "bench.cedar"), "w") as out:
        out.write(to_cedar(statements))
    with open(os.path.join(args.out, "questions.json"), "w") as out:
        json.dump(questions, out)


if __name__ == "__main__":
    main()
