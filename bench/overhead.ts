import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { GraphAI, agentInfoWrapper } from "graphai";
import { compilePlan, echoTool, runPlan } from "../src/index.js";
import { graphaiData } from "./engines.js";
import { median } from "./measure.js";
import { zeroLatency } from "./shapes.js";

/** Per-step cost of each engine with a zero-latency tool (the LangChain `echo` tool) in every step. */
export interface OverheadRow {
  shape: "chain" | "fan-out";
  steps: number;
  engine: string;
  /** Median wall time of one run, ms. */
  run_ms: number;
  /** run_ms / steps, in µs. */
  per_step_us: number;
  /** per_step_us minus one bare `echo.invoke` (the tool's own cost), in µs. */
  framework_us: number;
}

type Steps = ReturnType<typeof zeroLatency>["steps"];
type Runner = () => Promise<unknown>;

const callEcho = (id: string) => echoTool.invoke({ i: id });

/** A LangGraph StateGraph written by hand for the same shape: a channel per step, the tool called in the node. */
export function handWrittenLangGraph(steps: Steps) {
  const spec: Record<string, ReturnType<typeof Annotation<unknown>>> = {};
  for (const s of steps) spec[s.id] = Annotation<unknown>();
  const State = Annotation.Root(spec);
  const builder = new StateGraph(State) as unknown as StateGraph<typeof State.spec, Record<string, unknown>, Record<string, unknown>, string>;
  const node = (id: string) => `n_${id}`;
  const dependents = new Set(steps.flatMap((s) => s.deps));
  for (const s of steps) builder.addNode(node(s.id), async () => ({ [s.id]: await callEcho(s.id) }));
  for (const s of steps) {
    if (s.deps.length === 0) builder.addEdge(START, node(s.id));
    else if (s.deps.length === 1) builder.addEdge(node(s.deps[0]!), node(s.id));
    else builder.addEdge(s.deps.map(node), node(s.id));
    if (!dependents.has(s.id)) builder.addEdge(node(s.id), END);
  }
  return builder.compile();
}

function rawPromises(steps: Steps): Runner {
  return async () => {
    const done = new Map<string, Promise<unknown>>();
    for (const s of steps) done.set(s.id, Promise.all(s.deps.map((d) => done.get(d)!)).then(() => callEcho(s.id)));
    await Promise.all(done.values());
  };
}

function graphaiRunner(steps: Steps): Runner {
  const agent = agentInfoWrapper(async ({ params }: { params: { id: string } }) => callEcho(params.id));
  const data = graphaiData({ steps }, "echoAgent");
  return async () => new GraphAI(data, { echoAgent: agent }).run(true);
}

async function timeRuns(run: Runner, repeats: number): Promise<number> {
  for (let i = 0; i < 2; i++) await run(); // warm-up: JIT, module caches, zod schemas
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** The bare cost of one `echo.invoke` (LangChain tool: schema parse, callbacks, run tree), µs. */
export async function toolCallMicros(calls = 2000): Promise<number> {
  for (let i = 0; i < 200; i++) await callEcho("warm");
  const samples: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls / 5; i++) await callEcho("x");
    samples.push(((performance.now() - t0) * 1000) / (calls / 5));
  }
  return median(samples);
}

/**
 * Per-step overhead of every engine on a zero-latency chain and fan-out. plangraph is measured
 * twice: `runPlan` end to end (prepare + compile + run + result), and invoking an already compiled
 * plan graph — the like-for-like comparison with a compiled hand-written LangGraph graph.
 */
export async function measureOverhead(size = 200, repeats = 7): Promise<{ rows: OverheadRow[]; tool_call_us: number }> {
  const tool_call_us = await toolCallMicros();
  const rows: OverheadRow[] = [];
  for (const shape of ["chain", "fan-out"] as const) {
    const { plan, steps } = zeroLatency(shape, size);
    const recursionLimit = size * 2 + 20;
    const compiled = compilePlan(plan);
    const handWritten = handWrittenLangGraph(steps);
    const runners: Array<[string, Runner]> = [
      ["plangraph (runPlan)", async () => expectCompleted(await runPlan(plan))],
      ["plangraph (compiled graph)", () => compiled.invoke({}, { recursionLimit })],
      ["langgraph-supersteps (runPlan lazy)", async () => expectCompleted(await runPlan(plan, { lazy: true }))],
      ["hand-written LangGraph", () => handWritten.invoke({}, { recursionLimit })],
      ["sequential (runPlan)", async () => expectCompleted(await runPlan(plan, { sequential: true }))],
      ["graphai", graphaiRunner(steps)],
      ["raw-promises", rawPromises(steps)],
    ];
    for (const [engine, run] of runners) {
      const run_ms = await timeRuns(run, repeats);
      const per_step_us = (run_ms * 1000) / size;
      rows.push({ shape, steps: size, engine, run_ms, per_step_us, framework_us: per_step_us - tool_call_us });
    }
  }
  return { rows, tool_call_us };
}

function expectCompleted(result: { status: string; errors: Record<string, string> }): void {
  if (result.status !== "completed") throw new Error(`run ${result.status}: ${JSON.stringify(result.errors).slice(0, 300)}`);
}
