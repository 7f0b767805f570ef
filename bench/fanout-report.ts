/** The fan-out section: measures, checks the target, writes bench/results/fanout{,-quick}.{md,json}. */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FAN_OUT_SUITE, runFanOutSuite, summariseFanOut, type FanOutRun, type FanOutSummary } from "./fanout.js";
import { measureFanOutCost, type FanOutCostRow } from "./fanout-memory.js";
import { FAN_OUT_TAIL } from "./fanout-workload.js";
import { median } from "./measure.js";

export interface FanOutResults {
  started_at: string;
  duration_s: number;
  machine: { node: string; platform: string; cpus: number; load_before: number[]; load_after: number[] };
  repeats: number;
  /** Zero-latency runs per engine behind the CPU-per-element figures. */
  cost_repeats: number;
  summary: FanOutSummary[];
  cost: FanOutCostRow[];
  target: { target: string; measured: string; met: boolean };
  runs: FanOutRun[];
}

/** The issue's target: plangraph's median makespan / critical path ≤ 1.05, taken over every scenario's median. */
export function fanOutTarget(summary: readonly FanOutSummary[]): FanOutResults["target"] {
  const mine = summary.filter((s) => s.engine === "plangraph");
  const worst = mine.reduce<FanOutSummary | undefined>((w, s) => (!w || s.ratio_median > w.ratio_median ? s : w), undefined);
  const overall = median(mine.map((s) => s.ratio_median));
  const where = worst ? `; worst ${worst.ratio_median.toFixed(3)} at ${scenarioName(worst)}` : "";
  return {
    target: "fan-out: plangraph makespan / critical path, median ≤ 1.05 in every scenario",
    measured: `median of the scenario medians ${overall.toFixed(3)}${where}`,
    met: mine.length > 0 && mine.every((s) => s.ratio_median <= 1.05),
  };
}

const scenarioName = (s: { size: number; cap: number | null }) => `${s.size.toLocaleString("en")}${s.cap ? ` cap ${s.cap}` : ""}`;
const f = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 100 ? 1 : 0) : "–");

function table(head: string[], rows: string[][]): string {
  const sep = head.map((_, i) => (i < 2 ? ":--" : "--:"));
  return [head, sep, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

export function renderFanOutMarkdown(r: FanOutResults): string {
  const tail = FAN_OUT_TAIL;
  const out: string[] = [
    "# plangraph fan-out benchmark",
    "",
    `Run ${r.started_at}, ${f(r.duration_s, 0)} s · Node ${r.machine.node} · ${r.machine.platform} · ${r.machine.cpus} CPUs · ` +
      `load average before ${r.machine.load_before.map((l) => l.toFixed(2)).join(" / ")}, after ${r.machine.load_after.map((l) => l.toFixed(2)).join(" / ")}.`,
    "",
    `list (20 ms) → one call per element → dependent (10 ms) reading every element output. Element latencies: Pareto α ${tail.alpha}, ` +
      `median ${tail.median} ms, clipped at ${tail.maxFactor}× the median, at least one element ≥ ${tail.stragglerFactor}× (seeded; seed = repetition). ` +
      `Medians over ${r.repeats} repetitions; every run is checked (each call once, order, cap, outputs in element order) before it counts.`,
    "",
    `**Target** — ${r.target.target}: ${r.target.measured} → ${r.target.met ? "met" : "**not met**"}.`,
    "",
    "Critical path = list + slowest element + dependent (with a cap: the in-order schedule of the elements on `cap` slots), " +
      "from each run's measured call durations; the nominal ratio divides by the simulated latencies' critical path instead. " +
      "launch = list call's end → last element call's start. plangraph ÷ engine = median over seeds of the paired makespans.",
    "",
    table(
      ["scenario", "engine", "makespan ms", "critical path ms", "ratio median", "ratio max", "nominal ratio", "launch ms", "CPU ms", "plangraph ÷ engine"],
      r.summary.map((s) => [
        scenarioName(s),
        s.engine,
        ms(s.makespan_ms),
        ms(s.critical_path_ms),
        f(s.ratio_median),
        f(s.ratio_max),
        f(s.nominal_ratio_median),
        ms(s.launch_ms),
        ms(s.cpu_ms),
        s.engine === "plangraph" ? "–" : f(s.plangraph_vs),
      ]),
    ),
    "",
    "## Own cost and memory at 1,000 elements",
    "",
    `CPU per element: a zero-latency run (every call 0 ms), process CPU / elements, median of ${r.cost_repeats} after a warm-up run. ` +
      "Heap: peak above a collected baseline during a run of the 1,000-element case, and what the run still holds (its output kept) after collection.",
    "",
    table(
      ["engine", "elements", "CPU µs / element", "zero-latency run ms", "peak heap MB", "retained heap MB"],
      r.cost.map((c) => [c.engine, String(c.size), f(c.cpu_per_element_us, 0), ms(c.zero_latency_ms), f(c.peak_heap_mb, 1), f(c.retained_heap_mb, 1)]),
    ),
    "",
    "Engines: " + FAN_OUT_SUITE.map((e) => `**${e.name}**: ${e.description}`).join("; ") + ".",
    "",
  ];
  return out.join("\n");
}

const here = dirname(fileURLToPath(import.meta.url));

/** Measures the fan-out section and writes `bench/results/fanout{suffix}.{md,json}`; returns the markdown. */
export async function measureAndWriteFanOut(options: { quick: boolean; log: (line: string) => void; repeats?: number }): Promise<{ results: FanOutResults; markdown: string }> {
  const started = new Date();
  const t0 = performance.now();
  const loadBefore = loadavg();
  const repeats = options.repeats ?? (options.quick ? 2 : 7);
  const runs = await runFanOutSuite({ repeats, log: options.log, ...(options.quick ? { scenarios: [{ size: 10 }, { size: 100 }, { size: 1000 }, { size: 100, cap: 10 }] } : {}) });
  options.log("bench: fan-out own cost and memory at 1,000 elements");
  const costRepeats = options.quick ? 2 : 5;
  const cost = await measureFanOutCost(1000, costRepeats);
  const summary = summariseFanOut(runs);
  const results: FanOutResults = {
    started_at: started.toISOString(),
    duration_s: (performance.now() - t0) / 1000,
    machine: { node: process.version, platform: `${platform()} ${process.arch}`, cpus: cpus().length, load_before: loadBefore, load_after: loadavg() },
    repeats,
    cost_repeats: costRepeats,
    summary,
    cost,
    target: fanOutTarget(summary),
    runs,
  };
  const markdown = renderFanOutMarkdown(results);
  const outDir = join(here, "results");
  const suffix = options.quick ? "-quick" : "";
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `fanout${suffix}.md`), markdown);
  writeFileSync(join(outDir, `fanout${suffix}.json`), JSON.stringify(results, null, 2) + "\n");
  options.log(`bench: wrote bench/results/fanout${suffix}.{md,json}`);
  return { results, markdown };
}
