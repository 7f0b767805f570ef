/**
 * The fan-out suite: list → one call per element (heavy-tailed latencies) → dependent, at 10, 100
 * and 1,000 elements, uncapped and under a concurrency cap, on plangraph's `for_each`, a
 * hand-written LangGraph `Send` graph and GraphAI's `mapAgent` (plus a no-framework reference).
 * Every run is checked (bench/fanout-floor.ts) before its figures count.
 */
import { FAN_OUT_ENGINES, type FanOutEngine } from "./fanout-engines.js";
import { checkFanOutRun, measuredCriticalPath, nominalCriticalPath } from "./fanout-floor.js";
import { rawPromises } from "./fanout-reference.js";
import { fanOutCase, RunRecorder, type FanOutCase } from "./fanout-workload.js";
import { cpuSince, median, quantile } from "./measure.js";

export interface FanOutScenario {
  size: number;
  cap?: number;
}

/** Uncapped at each size; capped at a tenth of the list (the cap decides the floor there). */
export const FAN_OUT_SCENARIOS: FanOutScenario[] = [{ size: 10 }, { size: 100 }, { size: 1000 }, { size: 100, cap: 10 }, { size: 1000, cap: 100 }];

/** Every engine the suite runs: the three competitors, then the reference. */
export const FAN_OUT_SUITE: FanOutEngine[] = [...FAN_OUT_ENGINES, rawPromises];

/** One checked run of one engine. */
export interface FanOutRun {
  engine: string;
  size: number;
  cap: number | null;
  seed: number;
  /** From the call into the engine to the end of the dependent's tool call. */
  makespan_ms: number;
  /** From the call into the engine to its return. */
  wall_ms: number;
  /** list + elements (in order, under the cap) + dependent, from the calls' measured durations. */
  critical_path_ms: number;
  /** The same from the simulated latencies. */
  nominal_critical_path_ms: number;
  ratio: number;
  nominal_ratio: number;
  /** From the list call's end to the last element call's start: the engine's launch delay. */
  launch_ms: number;
  cpu_ms: number;
}

/** Times one engine on one case; throws if the run did not do exactly the plan's work. */
export async function timeFanOut(engine: FanOutEngine, c: FanOutCase): Promise<FanOutRun> {
  const recorder = new RunRecorder();
  const c0 = process.cpuUsage();
  const run = await engine.run(c, recorder);
  const cpu_ms = cpuSince(c0);
  checkFanOutRun(engine.name, c, recorder, run.elements);
  const after = recorder.spans.get("after")!;
  const listEnd = recorder.spans.get("list")!.end;
  let lastStart = listEnd;
  for (let i = 0; i < c.size; i++) lastStart = Math.max(lastStart, recorder.spans.get(`item:${i}`)!.start);
  const makespan_ms = after.end - run.called_at;
  const critical_path_ms = measuredCriticalPath(c, recorder);
  const nominal_critical_path_ms = nominalCriticalPath(c);
  return {
    engine: engine.name,
    size: c.size,
    cap: c.cap ?? null,
    seed: c.seed,
    makespan_ms,
    wall_ms: run.returned_at - run.called_at,
    critical_path_ms,
    nominal_critical_path_ms,
    ratio: makespan_ms / critical_path_ms,
    nominal_ratio: makespan_ms / nominal_critical_path_ms,
    launch_ms: lastStart - listEnd,
    cpu_ms,
  };
}

/** Medians of one engine on one scenario, and its makespan against plangraph's on the same seeds. */
export interface FanOutSummary {
  engine: string;
  size: number;
  cap: number | null;
  runs: number;
  makespan_ms: number;
  critical_path_ms: number;
  ratio_median: number;
  ratio_max: number;
  nominal_ratio_median: number;
  launch_ms: number;
  cpu_ms: number;
  /** Median over seeds of plangraph's makespan / this engine's (below 1: plangraph was faster). */
  plangraph_vs: number;
}

export interface FanOutOptions {
  repeats?: number;
  scenarios?: FanOutScenario[];
  engines?: FanOutEngine[];
  log?: (line: string) => void;
}

/**
 * Runs every scenario `repeats` times. Within a repetition every engine gets the same seed, in an
 * order rotated per repetition, so a burst of load elsewhere on the machine does not always hit
 * the same engine.
 */
export async function runFanOutSuite(options: FanOutOptions = {}): Promise<FanOutRun[]> {
  const { repeats = 7, scenarios = FAN_OUT_SCENARIOS, engines = FAN_OUT_SUITE, log = () => undefined } = options;
  for (const engine of engines) {
    await engine.run(fanOutCase(20, 0), new RunRecorder()); // warm-up: JIT, zod schemas, module caches
    await engine.run(zeroLatency(fanOutCase(1000, 0)), new RunRecorder());
  }
  const runs: FanOutRun[] = [];
  for (const scenario of scenarios) {
    for (let rep = 0; rep < repeats; rep++) {
      const c = fanOutCase(scenario.size, rep + 1, scenario.cap);
      const line: string[] = [];
      for (let k = 0; k < engines.length; k++) {
        const engine = engines[(k + rep) % engines.length]!;
        const run = await timeFanOut(engine, c);
        runs.push(run);
        line.push(`${engine.name} ${run.ratio.toFixed(3)}`);
      }
      log(`  ${scenario.size}${scenario.cap ? ` cap ${scenario.cap}` : ""} #${rep + 1} (critical path ${nominalCriticalPath(c)} ms nominal): ${line.join(", ")}`);
    }
  }
  return runs;
}

/** The case with every latency at 0: what remains is each engine's own cost. */
export function zeroLatency(c: FanOutCase): FanOutCase {
  return { ...c, latencies: c.latencies.map(() => 0), listMs: 0, afterMs: 0 };
}

export function summariseFanOut(runs: readonly FanOutRun[]): FanOutSummary[] {
  const rows: FanOutSummary[] = [];
  const scenarios = [...new Map(runs.map((r) => [`${r.size}/${r.cap}`, { size: r.size, cap: r.cap }])).values()];
  const engines = [...new Set(runs.map((r) => r.engine))];
  for (const { size, cap } of scenarios) {
    const here = runs.filter((r) => r.size === size && r.cap === cap);
    const pg = new Map(here.filter((r) => r.engine === "plangraph").map((r) => [r.seed, r.makespan_ms]));
    for (const engine of engines) {
      const mine = here.filter((r) => r.engine === engine);
      if (!mine.length) continue;
      const paired = mine.flatMap((r) => (pg.has(r.seed) ? [pg.get(r.seed)! / r.makespan_ms] : []));
      rows.push({
        engine,
        size,
        cap,
        runs: mine.length,
        makespan_ms: median(mine.map((r) => r.makespan_ms)),
        critical_path_ms: median(mine.map((r) => r.critical_path_ms)),
        ratio_median: median(mine.map((r) => r.ratio)),
        ratio_max: quantile(mine.map((r) => r.ratio), 1),
        nominal_ratio_median: median(mine.map((r) => r.nominal_ratio)),
        launch_ms: median(mine.map((r) => r.launch_ms)),
        cpu_ms: median(mine.map((r) => r.cpu_ms)),
        plangraph_vs: median(paired),
      });
    }
  }
  return rows;
}
