// Evaluates the policy benchmark's questions with Cedar (WASM, Node build) against the Cedar
// form of the same statements, after checking that Cedar and Medulla decide every question
// alike. Prints one line "cedar-policy-result {...}".
//
//   node bench.js DATA_DIR MEDULLA_DECISIONS_JSON
'use strict';

const fs = require('fs');
const path = require('path');
const cedar = require('@cedar-policy/cedar-wasm/nodejs');

const kPolicySetId = 'bench';
const kLatencyRounds = 20;
const kThroughputRounds = 10;

function authorize(question) {
  const call = {
    principal: question.cedar.principal,
    action: question.cedar.action,
    resource: question.cedar.resource,
    context: question.cedar.context,
    entities: question.cedar.entities,
    preparsedPolicySetId: kPolicySetId,
  };
  const answer = cedar.statefulIsAuthorized(call);
  if (answer.type !== 'success') {
    throw new Error('cedar failed: ' + JSON.stringify(answer.errors));
  }
  return answer.response;
}

// Same effect on every question, and Medulla's deciding statement among Cedar's reasons
// (Cedar lists every determining policy; Medulla names the first).
function checkAgreement(questions, medulla) {
  let mismatches = 0;
  questions.forEach((question, i) => {
    const response = authorize(question);
    const reasons = response.diagnostics.reason;
    const expected = medulla[i];
    const sameEffect = response.decision === expected.effect;
    const sameBasis = expected.sid === '' ? reasons.length === 0 : reasons.includes(expected.sid);
    const errors = response.diagnostics.errors.length;
    if (!sameEffect || !sameBasis || errors > 0) {
      if (mismatches < 5) {
        console.error(`question ${i}: medulla ${expected.effect} ${expected.sid}, cedar ` +
                      `${response.decision} [${reasons}] errors ${errors}`);
      }
      mismatches += 1;
    }
  });
  return mismatches;
}

// Cedar names policies of a text set policy0, policy1...; keyed by their @id annotations they
// carry the Medulla statement ids instead, so reasons compare directly.
function policiesById(text) {
  const parts = cedar.policySetTextToParts(text);
  if (parts.type !== 'success') throw new Error('cedar: ' + JSON.stringify(parts.errors));
  const byId = {};
  for (const policy of parts.policies) {
    const id = /@id\("([^"]+)"\)/.exec(policy)[1];
    byId[id] = policy;
  }
  return byId;
}

function percentile(sorted, fraction) {
  return sorted[Math.floor(fraction * (sorted.length - 1))];
}

function main() {
  const [dataDir, medullaPath] = process.argv.slice(2);
  const policies = fs.readFileSync(path.join(dataDir, 'bench.cedar'), 'utf8');
  const questions = JSON.parse(fs.readFileSync(path.join(dataDir, 'questions.json'), 'utf8'));
  const medulla = JSON.parse(fs.readFileSync(medullaPath, 'utf8'));

  const byId = policiesById(policies);
  const parsed = cedar.preparsePolicySet(kPolicySetId, { staticPolicies: byId });
  if (parsed.type !== 'success') {
    throw new Error('cedar refused the policies: ' + JSON.stringify(parsed.errors));
  }
  const statements = Object.keys(byId).length;

  const mismatches = checkAgreement(questions, medulla);
  if (mismatches > 0) {
    console.error(`${mismatches} of ${questions.length} questions decided differently`);
    process.exit(2);
  }

  const started = process.hrtime.bigint();
  for (let round = 0; round < kThroughputRounds; round += 1) {
    for (const question of questions) authorize(question);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  const samples = [];
  for (let round = 0; round < kLatencyRounds; round += 1) {
    for (const question of questions) {
      const start = process.hrtime.bigint();
      authorize(question);
      samples.push(Number(process.hrtime.bigint() - start) / 1e3);
    }
  }
  samples.sort((a, b) => a - b);

  const result = {
    engine: `cedar-wasm ${cedar.getCedarVersion()}`,
    statements,
    questions: questions.length,
    agreed: questions.length,
    decisions_per_s: (kThroughputRounds * questions.length) / seconds,
    p50_us: percentile(samples, 0.5),
    p99_us: percentile(samples, 0.99),
    samples: samples.length,
  };
  console.log('cedar-policy-result ' + JSON.stringify(result));
}

main();
