import { createToolRegistry, preparePlan } from "../src/index.js";
import { logNormalLatency, sample, seededRandom, type LatencyModel } from "./random.js";

/** One benchmark plan: the plan JSON plus the dependency structure every engine runs from. */
export interface BenchPlan {
  /** Suite shape, e.g. "chain", "random-200". */
  shape: string;
  seed: number;
  plan: unknown;
  /** Steps in topological order, each with its dependencies and simulated latency. */
  steps: Array<{ id: string; deps: string[]; ms: number }>;
  /** Dependency levels (the original system's execution groups). */
  levels: string[][];
}

interface RawStep {
  id: string;
  ms: number;
  deps: string[];
}

/** The plan JSON a model would write: sleep steps with `depends_on`. */
function stepListPlan(steps: RawStep[]): unknown {
  return { steps: steps.map((s) => ({ id: s.id, tool: "sleep", params: { ms: s.ms }, ...(s.deps.length ? { depends_on: s.deps } : {}) })) };
}

/** Prepares the plan with plangraph's own analysis, so every engine sees the same dependencies. */
export function benchPlan(shape: string, seed: number, plan: unknown): BenchPlan {
  const prepared = preparePlan(plan, { registry: createToolRegistry() });
  const steps = prepared.order
    .filter((id) => prepared.steps.has(id))
    .map((id) => {
      const step = prepared.steps.get(id)!;
      return { id, deps: [...step.deps], ms: (step.spec.params as { ms: number }).ms };
    });
  return { shape, seed, plan, steps, levels: prepared.levels };
}

/** Typical tool latencies: median 30 ms, heavy right tail, 5–300 ms. */
export const TOOL_LATENCY: LatencyModel = { median: 30, sigma: 0.9, min: 5, max: 300 };
/** Large plans: median 6 ms, 0–20 ms, so a 1,000-step DAG stays quick. */
export const SMALL_LATENCY: LatencyModel = { median: 6, sigma: 0.8, min: 0, max: 20 };

/** A chain: each step waits for the previous one. */
export function chain(seed: number, length = 8, model = TOOL_LATENCY): BenchPlan {
  const latency = logNormalLatency(seededRandom(seed), model);
  const steps = Array.from({ length }, (_, i) => ({ id: `c${i}`, ms: latency(), deps: i ? [`c${i - 1}`] : [] }));
  return benchPlan("chain", seed, stepListPlan(steps));
}

/** Fan-out / fan-in: one source, `width` parallel steps, one join. */
export function fanOutIn(seed: number, width = 16, model = TOOL_LATENCY): BenchPlan {
  const latency = logNormalLatency(seededRandom(seed), model);
  const middle = Array.from({ length: width }, (_, i) => ({ id: `f${i}`, ms: latency(), deps: ["source"] }));
  const steps = [{ id: "source", ms: latency(), deps: [] }, ...middle, { id: "join", ms: latency(), deps: middle.map((s) => s.id) }];
  return benchPlan("fan-out-in", seed, stepListPlan(steps));
}

/** Diamonds in series: a → (b, c) → d → (e, f) → g … The shape that punishes supersteps most. */
export function diamonds(seed: number, count = 4, model = TOOL_LATENCY): BenchPlan {
  const latency = logNormalLatency(seededRandom(seed), model);
  const steps: RawStep[] = [{ id: "d0", ms: latency(), deps: [] }];
  for (let i = 0; i < count; i++) {
    const top = `d${i}`;
    steps.push({ id: `d${i}l`, ms: latency(), deps: [top] }, { id: `d${i}r`, ms: latency(), deps: [top] });
    steps.push({ id: `d${i + 1}`, ms: latency(), deps: [`d${i}l`, `d${i}r`] });
  }
  return benchPlan("diamonds", seed, stepListPlan(steps));
}

/** The ops planner's sectioned plan: primary, secondary, aggregate, graph, metric, structural dependencies. */
export function opsSectioned(seed: number, model = TOOL_LATENCY): BenchPlan {
  const latency = logNormalLatency(seededRandom(seed), model);
  const section = () => ({ tool: "sleep", params: { ms: latency() } });
  const plan = { primary: section(), secondary: section(), aggregate: section(), graph: section(), metric: section(), execution_strategy: "dag" };
  return benchPlan("ops", seed, plan);
}

/** A wide layered DAG: `layers` × `width`, each step waiting for 1–3 steps of the layer above. */
export function layered(seed: number, layers = 5, width = 20, model = TOOL_LATENCY): BenchPlan {
  const random = seededRandom(seed);
  const latency = logNormalLatency(random, model);
  const steps: RawStep[] = [];
  for (let layer = 0; layer < layers; layer++) {
    for (let i = 0; i < width; i++) {
      const deps = layer === 0 ? [] : sample(random, width, 1 + Math.floor(random() * 3)).map((j) => `l${layer - 1}_${j}`);
      steps.push({ id: `l${layer}_${i}`, ms: latency(), deps });
    }
  }
  return benchPlan("layered", seed, stepListPlan(steps));
}

/**
 * A random DAG of `size` steps: each step waits for 0–3 steps among the `window` before it, so
 * depth grows with size (as in long generated plans) without every step depending on the root.
 */
export function randomDag(seed: number, size: number, model = size >= 500 ? SMALL_LATENCY : TOOL_LATENCY): BenchPlan {
  const random = seededRandom(seed);
  const latency = logNormalLatency(random, model);
  const window = Math.max(4, Math.round(size / 8));
  const steps: RawStep[] = [];
  for (let i = 0; i < size; i++) {
    const fanIn = i === 0 ? 0 : Math.min(i, Math.floor(random() * 4));
    const from = Math.max(0, i - window);
    const deps = sample(random, i - from, fanIn).map((j) => `r${from + j}`);
    steps.push({ id: `r${i}`, ms: latency(), deps });
  }
  return benchPlan(`random-${size}`, seed, stepListPlan(steps));
}

/** `count` independent steps of `ms` each (the many-parallel-tools case). */
export function independent(count: number, ms: number): BenchPlan {
  const steps = Array.from({ length: count }, (_, i) => ({ id: `p${i}`, ms, deps: [] }));
  return benchPlan(`independent-${count}`, 0, stepListPlan(steps));
}

/** Zero-latency shapes for per-step overhead: a chain and a fan-out (one source, size − 1 children). */
export function zeroLatency(shape: "chain" | "fan-out", size: number): { plan: unknown; steps: RawStep[] } {
  const steps: RawStep[] =
    shape === "chain"
      ? Array.from({ length: size }, (_, i) => ({ id: `z${i}`, ms: 0, deps: i ? [`z${i - 1}`] : [] }))
      : [{ id: "z0", ms: 0, deps: [] }, ...Array.from({ length: size - 1 }, (_, i) => ({ id: `z${i + 1}`, ms: 0, deps: ["z0"] }))];
  const plan = { steps: steps.map((s) => ({ id: s.id, tool: "echo", params: { i: s.id }, ...(s.deps.length ? { depends_on: s.deps } : {}) })) };
  return { plan, steps };
}
