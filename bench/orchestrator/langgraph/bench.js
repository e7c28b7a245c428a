// The visit task graph of Medulla's orchestration benchmark, built in LangGraph.js: four agent
// nodes (intake, scribe, scheduling, billing) in a StateGraph checkpointed to a SQLite file
// with SqliteSaver. Each node makes the same model turns and tool calls as Medulla's scripted
// visit, against a stand-in model and an in-memory EHR that answer at once, and writes its
// output into the graph state. A round starts N invocations together and is timed until the
// last resolves. The last line printed is the result as JSON.
//
// Usage: node bench.js --tasks N [--rounds R] [--sync normal|full] [--dir DIR]
//   --sync normal keeps SqliteSaver's connection as it comes (WAL; better-sqlite3's build of
//   SQLite syncs WAL commits at NORMAL); full sets PRAGMA synchronous=FULL on that connection.
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const AGENTS_PER_VISIT = 4;
const WRITES_PER_VISIT = 3;

function parseOptions(argv) {
  const options = { tasks: 100, rounds: 1, sync: "normal", dir: "" };
  for (let i = 2; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (name === "--tasks") options.tasks = Number(value);
    else if (name === "--rounds") options.rounds = Number(value);
    else if (name === "--sync") options.sync = value;
    else if (name === "--dir") options.dir = value;
    else throw new Error(`unknown option ${name}`);
  }
  if (!(options.tasks >= 1 && options.rounds >= 1)) throw new Error("--tasks and --rounds must be >= 1");
  if (!["normal", "full"].includes(options.sync)) throw new Error("--sync is normal or full");
  return options;
}

// The EHR: reads answered from constants, creates kept by business identifier so a repeat
// returns the earlier resource, as Medulla's stand-in does.
class LocalEhr {
  created = new Map();
  creates = 0;

  readPatient(reference) {
    return { resourceType: "Patient", id: reference.split("/")[1], active: true };
  }

  readEncounter(reference) {
    const codes = [{ system: "http://snomed.info/sct", code: "38341003" }];
    return {
      resourceType: "Encounter",
      id: reference.split("/")[1],
      type: [{ coding: [{ system: "http://www.ama-assn.org/go/cpt", code: "99213" }] }],
      reasonCode: [{ coding: codes }],
      serviceProvider: { reference: "Organization/clinic-bench" },
    };
  }

  createIfNoneExist(type, identifier, resource) {
    const existing = this.created.get(identifier);
    if (existing) return { reference: existing, created: false };
    this.creates += 1;
    const reference = `${type}/${this.created.size + 1}`;
    this.created.set(identifier, reference);
    return { reference, created: true, resource };
  }
}

// The stand-in model: the same turns as Medulla's scripted model, by purpose and turn.
async function standInModel(purpose, turn, context) {
  const call = (name, args) => ({ content: "", tool_calls: [{ id: `call-${name}`, name, args }] });
  if (purpose === "intake" && turn === 0) return call("lookup_patient", { patient: context.patient });
  if (purpose === "scribe" && turn === 0) {
    return call("draft_note", {
      subjective: "Headaches in the mornings for two weeks.",
      objective: "Blood pressure 150 over 95.",
      assessment: "Raised blood pressure.",
      plan: "Start treatment; follow up in 14 days.",
      confidence: 0.9,
    });
  }
  if (purpose === "scheduling" && turn === 0) {
    return call("book_follow_up", { patient: context.patient, after_days: 14, reason: "Review" });
  }
  if (purpose === "billing" && turn === 0) return call("read_encounter", { encounter: context.encounter });
  if (purpose === "billing" && turn === 1) {
    return call("draft_claim", {
      encounter: context.encounter,
      services: [{ system: "http://www.ama-assn.org/go/cpt", code: "99213" }],
    });
  }
  return { content: "Done.", tool_calls: [] };
}

function makeTools(ehr) {
  const write = (state, type, content) =>
    ehr.createIfNoneExist(type, `urn:medulla:writeback|${state.encounter}|${type}`, content);
  return {
    lookup_patient: async (state, args) => {
      const patient = ehr.readPatient(args.patient);
      return { found: true, active: patient.active };
    },
    draft_note: async (state, args) => write(state, "DocumentReference", args),
    book_follow_up: async (state, args) => write(state, "Appointment", args),
    read_encounter: async (state, args) => {
      const encounter = ehr.readEncounter(args.encounter);
      return { type: encounter.type, reasons: encounter.reasonCode };
    },
    draft_claim: async (state, args) => write(state, "Claim", args),
  };
}

// One agent node: model turns until the model stops calling tools, each tool call run and
// its result handed back, then the step's output written into the state.
function agentNode(name, tools) {
  return async (state) => {
    const context = { patient: state.patient, encounter: state.encounter, handoff: state.handoff };
    const results = [];
    for (let turn = 0; ; turn += 1) {
      const response = await standInModel(name, turn, context);
      if (response.tool_calls.length === 0) break;
      for (const call of response.tool_calls) {
        results.push({ tool: call.name, result: await tools[call.name](state, call.args) });
      }
    }
    return { handoff: { [name]: { outcome: "done", results } }, steps: 1 };
  };
}

function buildGraph(checkpointer, ehr) {
  const State = Annotation.Root({
    patient: Annotation(),
    encounter: Annotation(),
    dialogue: Annotation(),
    handoff: Annotation({ reducer: (a, b) => ({ ...a, ...b }), default: () => ({}) }),
    steps: Annotation({ reducer: (a, b) => a + b, default: () => 0 }),
  });
  const tools = makeTools(ehr);
  const intakeConfirmed = (state) => (state.handoff.intake?.results?.[0]?.result?.found ? "scribe" : END);
  return new StateGraph(State)
    .addNode("intake", agentNode("intake", tools))
    .addNode("scribe", agentNode("scribe", tools))
    .addNode("scheduling", agentNode("scheduling", tools))
    .addNode("billing", agentNode("billing", tools))
    .addEdge(START, "intake")
    .addConditionalEdges("intake", intakeConfirmed, ["scribe", END])
    .addEdge("scribe", "scheduling")
    .addEdge("scheduling", "billing")
    .addEdge("billing", END)
    .compile({ checkpointer });
}

function visitInput(visit) {
  return {
    patient: `Patient/p-v${visit}`,
    encounter: `Encounter/e-v${visit}`,
    dialogue: "Doctor: What brings you in? Patient: Headaches in the mornings.",
  };
}

// What the checkpointer has persisted: checkpoint rows and pending-write rows.
function countRecords(checkpointer) {
  const count = (table) => checkpointer.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get().n;
  return count("checkpoints") + count("writes");
}

async function runRound(graph, options, round, first) {
  let done = 0;
  let steps = 0;
  const start = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
  const progress = setInterval(() => {
    console.error(`[langgraph sync=${options.sync}] round ${round}/${options.rounds}: ` +
      `${done}/${options.tasks} tasks done, ${seconds().toFixed(1)} s`);
  }, 5000);
  const invocations = [];
  for (let i = 0; i < options.tasks; i += 1) {
    const visit = first + i;
    const config = { configurable: { thread_id: `visit-${visit}` } };
    invocations.push(graph.invoke(visitInput(visit), config).then((state) => {
      done += 1;
      steps += state.steps;
    }));
  }
  await Promise.all(invocations);
  clearInterval(progress);
  const took = seconds();
  if (options.tasks > 1) {
    console.error(`[langgraph sync=${options.sync}] round ${round}/${options.rounds}: ` +
      `${done}/${options.tasks} tasks done, ${took.toFixed(1)} s`);
  }
  return { took, steps };
}

async function main() {
  const options = parseOptions(process.argv);
  const dir = options.dir || mkdtempSync(join(tmpdir(), "langgraph-bench-"));
  mkdirSync(dir, { recursive: true });
  console.error("[langgraph] model and EHR are in-process stand-ins that answer at once");

  const checkpointer = SqliteSaver.fromConnString(join(dir, "checkpoints.db"));
  checkpointer.setup();
  if (options.sync === "full") checkpointer.db.pragma("synchronous = FULL");
  const synchronous = checkpointer.db.pragma("synchronous", { simple: true });
  const ehr = new LocalEhr();
  const graph = buildGraph(checkpointer, ehr);

  // One visit first, untimed, so that module loading and the JIT's first compilations are not
  // charged to the rounds; Medulla's benchmark likewise runs one visit before timing.
  await graph.invoke(visitInput("warmup"), { configurable: { thread_id: "visit-warmup" } });
  const warmupRecords = countRecords(checkpointer);
  const warmupCreates = ehr.creates;

  let busy = 0;
  let steps = 0;
  for (let round = 1; round <= options.rounds; round += 1) {
    const result = await runRound(graph, options, round, (round - 1) * options.tasks);
    busy += result.took;
    steps += result.steps;
  }

  const visits = options.tasks * options.rounds;
  const creates = ehr.creates - warmupCreates;
  if (steps !== visits * AGENTS_PER_VISIT || creates !== visits * WRITES_PER_VISIT) {
    throw new Error(`expected ${visits * AGENTS_PER_VISIT} steps and ${visits * WRITES_PER_VISIT} ` +
      `creates, got ${steps} and ${creates}`);
  }
  const records = countRecords(checkpointer) - warmupRecords;
  const result = {
    engine: "langgraph",
    sync: options.sync,
    sqlite_synchronous: ["off", "normal", "full", "extra"][synchronous],
    tasks_in_flight: options.tasks,
    rounds: options.rounds,
    tasks: visits,
    steps,
    events: records,
    seconds: busy,
    us_per_step: (busy * 1e6) / steps,
    events_per_s: records / busy,
    peak_rss_kb: process.resourceUsage().maxRSS,
  };
  console.log(`langgraph-orchestration-result ${JSON.stringify(result)}`);
}

main().catch((error) => {
  console.error(`bench failed: ${error.stack ?? error}`);
  process.exit(1);
});
