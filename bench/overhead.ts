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
  /** Median CPU time of one run / steps, in µs: what the step costs, whatever else the machine runs. */
  cpu_per_step_us: number;
  /** cpu_per_step_us minus the CPU of one bare `echo.invoke` (the tool's own cost), in µs. */
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

/** Wall and CPU time of one run. */
async function timeRun(run: Runner): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const wall = performance.now() - t0;
  const used = process.cpuUsage(c0);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

/**
 * Runs every runner `repeats` times, round-robin (so a burst of load elsewhere on the machine
 * hits all engines alike), after two warm-up rounds. Returns median wall and CPU ms per runner.
 */
async function timeRoundRobin(runners: Array<[string, Runner]>, repeats: number): Promise<Map<string, { wall: number; cpu: number }>> {
  for (let i = 0; i < 2; i++) for (const [, run] of runners) await run(); // warm-up: JIT, module caches, zod schemas
  const samples = new Map(runners.map(([name]) => [name, { wall: [] as number[], cpu: [] as number[] }]));
  for (let i = 0; i < repeats; i++) {
    for (const [name, run] of runners) {
      const t = await timeRun(run);
      samples.get(name)!.wall.push(t.wall);
      samples.get(name)!.cpu.push(t.cpu);
    }
  }
  return new Map([...samples].map(([name, s]) => [name, { wall: median(s.wall), cpu: median(s.cpu) }]));
}

/** The bare cost of one `echo.invoke` (LangChain tool: schema parse, callbacks, run tree): wall and CPU µs. */
export async function toolCallMicros(calls = 2000): Promise<{ wall: number; cpu: number }> {
  for (let i = 0; i < 200; i++) await callEcho("warm");
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = await timeRun(async () => {
      for (let i = 0; i < calls / 5; i++) await callEcho("x");
    });
    walls.push((t.wall * 1000) / (calls / 5));
    cpus.push((t.cpu * 1000) / (calls / 5));
  }
  return { wall: median(walls), cpu: median(cpus) };
}

/**
 * Per-step overhead of every engine on a zero-latency chain and fan-out. plangraph is measured
 * twice: `runPlan` end to end (prepare + compile + run + result), and invoking an already compiled
 * plan graph — the like-for-like comparison with a compiled hand-written LangGraph graph.
 */
export async function measureOverhead(size = 200, repeats = 9): Promise<{ rows: OverheadRow[]; tool_call_us: number; tool_call_cpu_us: number }> {
  const tool = await toolCallMicros();
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
    const times = await timeRoundRobin(runners, repeats);
    for (const [engine] of runners) {
      const t = times.get(engine)!;
      const cpu_per_step_us = (t.cpu * 1000) / size;
      rows.push({ shape, steps: size, engine, run_ms: t.wall, per_step_us: (t.wall * 1000) / size, cpu_per_step_us, framework_us: cpu_per_step_us - tool.cpu });
    }
  }
  return { rows, tool_call_us: tool.wall, tool_call_cpu_us: tool.cpu };
}

function expectCompleted(result: { status: string; errors: Record<string, string> }): void {
  if (result.status !== "completed") throw new Error(`run ${result.status}: ${JSON.stringify(result.errors).slice(0, 300)}`);
}
