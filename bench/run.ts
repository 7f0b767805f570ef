/**
 * `npm run bench`: the scheduling benchmark. Runs the plan suite on every engine, measures
 * per-step overhead, compile time and memory, N parallel tools, durable runs (bench/durable.ts) and
 * the fan-out suite (bench/fanout.ts); writes bench/results/scheduling.{md,json,svg},
 * durable.{md,json} and fanout.{md,json}, and prints the markdown.
 *
 * Options: `--quick` runs a reduced suite (for trying changes; never quote its figures).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ratioChart, stackCharts } from "./chart.js";
import { measureCompile } from "./compile-memory.js";
import { measureDurable, writeDurableResults } from "./durable.js";
import { measureAndWriteFanOut } from "./fanout-report.js";
import { measureOverhead } from "./overhead.js";
import { measureParallel } from "./parallel.js";
import { checkTargets, renderMarkdown, type BenchResults } from "./report.js";
import { runSuite, suitePlans, summarise } from "./suite.js";

const quick = process.argv.includes("--quick");
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "results");

const warnings: Record<string, number> = {};
let section = "setup";
process.on("warning", (warning) => {
  if (warning.name === "MaxListenersExceededWarning") warnings[section] = (warnings[section] ?? 0) + 1;
});
const log = (line: string) => process.stderr.write(`${line}\n`);
/** Node delivers warnings a little after the listener that caused them: let them land in their section. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

const started = new Date();
const t0 = performance.now();
const loadBefore = loadavg();
log(`bench: load average ${loadBefore.map((l) => l.toFixed(2)).join(" / ")} on ${cpus().length} CPUs${quick ? " (quick)" : ""}`);

section = "scheduling suite";
log("bench: scheduling suite");
const plans = quick ? suitePlans().filter((p) => p.steps.length <= 50 && p.seed <= 2) : suitePlans();
const runs = await runSuite(plans, undefined, log);
const summary = summarise(runs);
const shapes = [...new Set(plans.map((p) => p.shape))];

await settle();
section = "per-step overhead";
log("bench: per-step overhead");
const overhead = await measureOverhead(200, quick ? 3 : 9);

await settle();
section = "compile and memory";
log("bench: compile time and memory");
const compile = await measureCompile(quick ? 3 : 7);

await settle();
section = "parallel tools";
log("bench: N independent 200 ms tools");
const parallel = await measureParallel(quick ? [10, 100] : undefined, quick ? 1 : 3);

await settle();
section = "durable runs";
log("bench: durable runs (SQLite and PostgreSQL checkpoints, each durability mode)");
const durable = await measureDurable({ quick, log });

await settle();
section = "fan-out";
log("bench: fan-out suite (10 / 100 / 1,000 elements, heavy-tailed latencies, with and without a cap)");
const fanOut = await measureAndWriteFanOut({ quick, log });

await settle();
const partial = {
  started_at: started.toISOString(),
  duration_s: (performance.now() - t0) / 1000,
  machine: { node: process.version, platform: `${platform()} ${process.arch}`, cpus: cpus().length, load_before: loadBefore, load_after: loadavg() },
  suite: { summary, shapes },
  overhead,
  compile,
  parallel,
  listener_warnings: warnings,
};
const results: BenchResults = { ...partial, targets: [...checkTargets(partial), fanOut.results.target] };

const markdown = renderMarkdown(results);
const engineNames = summary.map((s) => s.engine);
const svg = stackCharts([
  ratioChart({
    title: "makespan / critical path of measured step durations, by engine and shape (median)",
    shapes,
    engines: engineNames,
    value: Object.fromEntries(summary.map((s) => [s.engine, s.by_shape])),
    references: [{ at: 1.05, label: "target 1.05" }],
  }),
  ratioChart({
    title: "makespan / nominal critical path (simulated latencies): also counts tools made late by a busy event loop",
    shapes,
    engines: engineNames,
    value: Object.fromEntries(summary.map((s) => [s.engine, s.by_shape_nominal])),
    axisLabel: "makespan / nominal critical path (median, log scale)",
  }),
]);
mkdirSync(outDir, { recursive: true });
const suffix = quick ? "-quick" : "";
writeFileSync(join(outDir, `scheduling${suffix}.md`), markdown);
writeFileSync(join(outDir, `scheduling${suffix}.json`), JSON.stringify({ ...results, runs }, null, 2) + "\n");
writeFileSync(join(outDir, `scheduling${suffix}.svg`), svg);
process.stdout.write(markdown);
process.stdout.write(`\n${writeDurableResults(durable, suffix)}`);
process.stdout.write(`\n${fanOut.markdown}`);
log(`bench: wrote ${join("bench", "results", `scheduling${suffix}.{md,json,svg}`)} in ${results.duration_s.toFixed(0)} s`);
