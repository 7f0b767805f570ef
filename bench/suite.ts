import { SUITE_ENGINES, type Engine } from "./engines.js";
import { median, p95, type RunMeasure } from "./measure.js";
import { chain, diamonds, fanOutIn, independent, layered, opsSectioned, randomDag, type BenchPlan } from "./shapes.js";

/** The scheduling suite: every shape, several seeds, heavy-tailed latencies. */
export function suitePlans(): BenchPlan[] {
  const seeds = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  return [
    ...seeds(4).map((s) => chain(s)),
    ...seeds(4).map((s) => fanOutIn(s)),
    ...seeds(4).map((s) => diamonds(s)),
    ...seeds(6).map((s) => opsSectioned(s)),
    ...seeds(2).map((s) => layered(s)),
    ...seeds(6).map((s) => randomDag(s, 10)),
    ...seeds(3).map((s) => randomDag(s, 50)),
    ...seeds(2).map((s) => randomDag(s, 200)),
    randomDag(1, 1000),
  ];
}

/** One engine's run of one plan. */
export interface SuiteRun extends RunMeasure {
  engine: string;
  shape: string;
  seed: number;
  steps: number;
  /** makespan / critical path of measured durations (the contract's ratio). */
  ratio: number;
  /** Critical path of the simulated latencies: what a perfect scheduler with free tools would take. */
  nominal_critical_path_ms: number;
  /** makespan / nominal critical path: also counts tools slowed down by a busy event loop. */
  nominal_ratio: number;
}

export interface EngineSummary {
  engine: string;
  description: string;
  runs: number;
  ratio_median: number;
  ratio_p95: number;
  ratio_max: number;
  nominal_ratio_median: number;
  nominal_ratio_p95: number;
  /** Median ratio per shape. */
  by_shape: Record<string, number>;
  /** Median nominal ratio per shape. */
  by_shape_nominal: Record<string, number>;
}

function nominalCriticalPath(plan: BenchPlan): number {
  const finish = new Map<string, number>();
  let longest = 0;
  for (const s of plan.steps) {
    const f = Math.max(0, ...s.deps.map((d) => finish.get(d) ?? 0)) + s.ms;
    finish.set(s.id, f);
    longest = Math.max(longest, f);
  }
  return longest;
}

/** Runs every plan on every engine, plan by plan (so machine noise hits all engines alike). */
export async function runSuite(plans = suitePlans(), engines: Engine[] = SUITE_ENGINES, log: (line: string) => void = () => undefined): Promise<SuiteRun[]> {
  for (const engine of engines) await engine.run(independent(4, 1)); // warm-up
  const runs: SuiteRun[] = [];
  for (const plan of plans) {
    const nominal = nominalCriticalPath(plan);
    const line: string[] = [];
    for (const engine of engines) {
      const m = await engine.run(plan);
      runs.push({
        ...m,
        engine: engine.name,
        shape: plan.shape,
        seed: plan.seed,
        steps: plan.steps.length,
        ratio: m.makespan_ms / m.critical_path_ms,
        nominal_critical_path_ms: nominal,
        nominal_ratio: m.makespan_ms / nominal,
      });
      line.push(`${engine.name} ${(m.makespan_ms / m.critical_path_ms).toFixed(3)}`);
    }
    log(`  ${plan.shape} #${plan.seed} (${plan.steps.length} steps, nominal critical path ${nominal} ms): ${line.join(", ")}`);
  }
  return runs;
}

export function summarise(runs: SuiteRun[], engines: Engine[] = SUITE_ENGINES): EngineSummary[] {
  return engines.map((engine) => {
    const mine = runs.filter((r) => r.engine === engine.name);
    const ratios = mine.map((r) => r.ratio);
    const nominal = mine.map((r) => r.nominal_ratio);
    const shapes = [...new Set(mine.map((r) => r.shape))];
    return {
      engine: engine.name,
      description: engine.description,
      runs: mine.length,
      ratio_median: median(ratios),
      ratio_p95: p95(ratios),
      ratio_max: Math.max(...ratios),
      nominal_ratio_median: median(nominal),
      nominal_ratio_p95: p95(nominal),
      by_shape: Object.fromEntries(shapes.map((shape) => [shape, median(mine.filter((r) => r.shape === shape).map((r) => r.ratio))])),
      by_shape_nominal: Object.fromEntries(shapes.map((shape) => [shape, median(mine.filter((r) => r.shape === shape).map((r) => r.nominal_ratio))])),
    };
  });
}
