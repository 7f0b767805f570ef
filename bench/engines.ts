import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { GraphAI, agentInfoWrapper, type GraphData } from "graphai";
import { runPlan, sleepTool, type RunResult } from "../src/index.js";
import type { BenchPlan } from "./shapes.js";
import { cpuSince, measureRun, type RunMeasure, type StepTiming } from "./measure.js";

/** Something that can run a benchmark plan and say how long it took. */
export interface Engine {
  name: string;
  /** What the engine is, for the report. */
  description: string;
  run(plan: BenchPlan): Promise<RunMeasure>;
}

const now = () => performance.now();

/** The same simulated tool every engine calls: the LangChain `sleep` tool plangraph registers. */
async function callSleep(ms: number): Promise<unknown> {
  return sleepTool.invoke({ ms });
}

/** Calls the tool for one step and records when it ran. */
function timedStep(timings: Map<string, StepTiming>) {
  return async (id: string, ms: number) => {
    const start = now();
    await callSleep(ms);
    timings.set(id, { start, end: now() });
  };
}

function fromResult(result: RunResult, wall: number, cpu: number): RunMeasure {
  if (result.status !== "completed") throw new Error(`plangraph run ${result.status}: ${JSON.stringify(result.errors)}`);
  let maxStep = 0;
  for (const t of Object.values(result.timings)) maxStep = Math.max(maxStep, t.end_ms - t.start_ms);
  return { makespan_ms: result.makespan_ms, critical_path_ms: result.critical_path_ms, wall_ms: wall, max_step_ms: maxStep, cpu_ms: cpu };
}

function plangraph(name: string, description: string, options: Parameters<typeof runPlan>[1]): Engine {
  return {
    name,
    description,
    async run(bench) {
      const c0 = process.cpuUsage();
      const t0 = now();
      const result = await runPlan(bench.plan, options);
      return fromResult(result, now() - t0, cpuSince(c0));
    },
  };
}

/** plangraph as shipped: the eager per-run scheduler inside the LangGraph graph. */
export const plangraphEager = plangraph("plangraph", "plangraph, eager per-run scheduler (default)", {});
/** The same compiled graph with plain LangGraph superstep timing. */
export const plangraphLazy = plangraph("langgraph-supersteps", "the same graph, `lazy: true` (plain LangGraph supersteps)", { lazy: true });
/** The legacy mode: one step at a time. */
export const plangraphSequential = plangraph("sequential", "`runPlan(..., { sequential: true })` (legacy, one step at a time)", { sequential: true });

/** The original system: `Promise.all` over each dependency level, then the next level. */
export const levelByLevel: Engine = {
  name: "level-by-level",
  description: "Promise.all per dependency level, then the next (the original system)",
  async run(bench) {
    const timings = new Map<string, StepTiming>();
    const step = timedStep(timings);
    const ms = new Map(bench.steps.map((s) => [s.id, s.ms]));
    const c0 = process.cpuUsage();
    const t0 = now();
    for (const level of bench.levels) await Promise.all(level.map((id) => step(id, ms.get(id)!)));
    return measureRun(bench.steps, timings, t0, now() - t0, cpuSince(c0));
  },
};

/** The floor: a promise per step that waits for its dependencies' promises. No framework. */
export const rawPromises: Engine = {
  name: "raw-promises",
  description: "a promise per step awaiting its dependencies' promises (no framework; the floor)",
  async run(bench) {
    const timings = new Map<string, StepTiming>();
    const step = timedStep(timings);
    const c0 = process.cpuUsage();
    const t0 = now();
    const done = new Map<string, Promise<void>>();
    for (const s of bench.steps) done.set(s.id, Promise.all(s.deps.map((d) => done.get(d)!)).then(() => step(s.id, s.ms)));
    await Promise.all(done.values());
    return measureRun(bench.steps, timings, t0, now() - t0, cpuSince(c0));
  },
};

/** GraphAI 2.0.18: one agent node per step, inputs wired to its dependencies. */
export const graphai: Engine = {
  name: "graphai",
  description: "GraphAI 2.0.18, one sleeping agent per step, concurrency = step count",
  async run(bench) {
    const timings = new Map<string, StepTiming>();
    const step = timedStep(timings);
    const agent = agentInfoWrapper(async ({ params }: { params: { id: string; ms: number } }) => {
      await step(params.id, params.ms);
      return { id: params.id };
    });
    const graph = graphaiData(bench);
    const c0 = process.cpuUsage();
    const t0 = now();
    await new GraphAI(graph, { benchSleepAgent: agent }).run(true);
    return measureRun(bench.steps, timings, t0, now() - t0, cpuSince(c0));
  },
};

/** GraphAI graph data for a plan: GraphAI's default concurrency (8) would cap it, so lift it. */
export function graphaiData(bench: { steps: ReadonlyArray<{ id: string; deps: readonly string[]; ms: number }> }, agent = "benchSleepAgent"): GraphData {
  const nodes: GraphData["nodes"] = {};
  for (const s of bench.steps) {
    nodes[s.id] = {
      agent,
      params: { id: s.id, ms: s.ms },
      inputs: Object.fromEntries(s.deps.map((d, i) => [`d${i}`, `:${d}`])),
      isResult: true,
    };
  }
  return { version: 0.5, concurrency: Math.max(1, bench.steps.length), nodes };
}

/**
 * A LangGraph StateGraph written by hand: a node per step that calls the tool itself, a channel per
 * step, one edge per dependency (waiting edges for joins). Plain supersteps, no plangraph.
 */
export const handWrittenLangGraph: Engine = {
  name: "hand-written LangGraph",
  description: "a StateGraph written by hand, the tool called in each node (plain supersteps)",
  async run(bench) {
    const timings = new Map<string, StepTiming>();
    const step = timedStep(timings);
    const spec: Record<string, ReturnType<typeof Annotation<unknown>>> = {};
    for (const s of bench.steps) spec[s.id] = Annotation<unknown>();
    const State = Annotation.Root(spec);
    const builder = new StateGraph(State) as unknown as StateGraph<typeof State.spec, Record<string, unknown>, Record<string, unknown>, string>;
    const node = (id: string) => `n_${id}`;
    const dependents = new Set(bench.steps.flatMap((s) => s.deps));
    for (const s of bench.steps) builder.addNode(node(s.id), async () => ({ [s.id]: await step(s.id, s.ms) }));
    for (const s of bench.steps) {
      if (s.deps.length === 0) builder.addEdge(START, node(s.id));
      else if (s.deps.length === 1) builder.addEdge(node(s.deps[0]!), node(s.id));
      else builder.addEdge(s.deps.map(node), node(s.id));
      if (!dependents.has(s.id)) builder.addEdge(node(s.id), END);
    }
    const graph = builder.compile();
    const c0 = process.cpuUsage();
    const t0 = now();
    await graph.invoke({}, { recursionLimit: bench.steps.length * 2 + 20 });
    return measureRun(bench.steps, timings, t0, now() - t0, cpuSince(c0));
  },
};

/** Every engine of the scheduling suite, in report order. */
export const SUITE_ENGINES: Engine[] = [plangraphEager, plangraphLazy, levelByLevel, plangraphSequential, graphai, rawPromises];
