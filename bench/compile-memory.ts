import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { buildPlanGraph } from "../src/langgraph/graph.js";
import { compilePlan, createToolRegistry, preparePlan, runPlan } from "../src/index.js";
import { cpuSince, median } from "./measure.js";
import { randomDag, zeroLatency } from "./shapes.js";

/** Compile time and memory of large plans. */
export interface CompileRow {
  plan: string;
  steps: number;
  /** `compilePlan`: prepare (every check) + build and compile the StateGraph, median wall ms. */
  compile_ms: number;
  /** The same, median CPU ms (robust to other load on the machine). */
  compile_cpu_ms: number;
  /** Of which `preparePlan` alone, median ms. */
  prepare_ms: number;
  /** Heap retained by one compiled plan graph, MB. */
  graph_heap_mb: number;
  /** Heap growth over one run of the plan (result retained), MB; zero-latency tools. */
  run_heap_mb: number;
  /** Peak heap above the baseline during that run, MB (sampled every 5 ms). */
  run_peak_heap_mb: number;
}

/** `global.gc`, exposed at run time so `npm run bench` needs no node flag. */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  return () => {
    gc();
    gc();
  };
}

const mb = (bytes: number) => bytes / 1024 / 1024;

export async function measureCompile(repeats = 7): Promise<CompileRow[]> {
  const gc = collector();
  const registry = createToolRegistry();
  const cases: Array<[string, unknown]> = [
    ["random DAG, 1,000 steps", randomDag(1000, 1000).plan],
    ["chain, 1,000 steps", zeroLatency("chain", 1000).plan],
    ["fan-out, 1,000 steps", zeroLatency("fan-out", 1000).plan],
  ];
  const rows: CompileRow[] = [];
  for (const [name, plan] of cases) {
    for (let i = 0; i < 3; i++) compilePlan(plan); // warm-up
    const compileTimes: number[] = [];
    const compileCpu: number[] = [];
    const prepareTimes: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const c0 = process.cpuUsage();
      let t0 = performance.now();
      compilePlan(plan);
      compileTimes.push(performance.now() - t0);
      compileCpu.push(cpuSince(c0));
      t0 = performance.now();
      preparePlan(plan, { registry });
      prepareTimes.push(performance.now() - t0);
    }
    gc();
    const before = process.memoryUsage().heapUsed;
    const graphs = [buildPlanGraph(preparePlan(plan, { registry }), { evaluateDecision: async () => ({ status: "skipped", reason: "bench" }) })];
    gc();
    const graph_heap_mb = mb(process.memoryUsage().heapUsed - before);
    graphs.length = 0;

    // A run with zero-latency tools: echo for the step-list plans, sleep 0 for the random DAG.
    const zero = JSON.parse(JSON.stringify(plan).replace(/"ms":\d+/g, '"ms":0')) as unknown;
    await runPlan(zero);
    gc();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    const kept = [await runPlan(zero)];
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    gc();
    const run_heap_mb = mb(process.memoryUsage().heapUsed - base);
    if (kept[0]!.status !== "completed") throw new Error(`${name}: run ${kept[0]!.status}`);
    rows.push({
      plan: name,
      steps: 1000,
      compile_ms: median(compileTimes),
      compile_cpu_ms: median(compileCpu),
      prepare_ms: median(prepareTimes),
      graph_heap_mb,
      run_heap_mb,
      run_peak_heap_mb: mb(peak - base),
    });
  }
  return rows;
}
