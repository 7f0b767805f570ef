/**
 * Durable runs on the scheduling suite: makespan / critical path with no checkpointer (the
 * baseline, in the same run), with SQLite checkpoints and with PostgreSQL checkpoints (when
 * DATABASE_URL or PLANGRAPH_TEST_DATABASE_URL is set), each in LangGraph's three `durability`
 * modes. Whether a mode keeps exactly-once is not measured here but by the SIGKILL trials
 * (test/reliability/kill-resume.test.ts for "async", kill-resume.modes.test.ts for "sync" and
 * "exit"); the report says which mode the CLI uses.
 *
 * Standalone: `npx tsx bench/durable.ts [--quick]`; `npm run bench` runs it after the other suites.
 * Writes bench/results/durable{,-quick}.{md,json}.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { runPlan } from "../src/api/run-plan.js";
import type { DurableBackend } from "../src/durability/backend.js";
import { openPostgresBackend } from "../src/durability/postgres.js";
import { openSqliteBackend } from "../src/durability/sqlite.js";
import type { Engine } from "./engines.js";
import { plangraphEager } from "./engines.js";
import { cpuSince } from "./measure.js";
import { runSuite, suitePlans, summarise, type EngineSummary } from "./suite.js";

type Mode = "sync" | "async" | "exit";
const MODES: readonly Mode[] = ["async", "sync", "exit"];

/** plangraph with a durable backend: every run its own thread, checkpoints in `mode`. */
function durableEngine(name: string, backend: DurableBackend, mode: Mode, description: string): Engine {
  return {
    name,
    description,
    async run(bench) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const result = await runPlan(bench.plan, {
        checkpointer: backend.checkpointer,
        store: backend.completions,
        threadId: randomUUID(),
        durability: mode,
        chatModel: null,
        telemetry: false,
      });
      if (result.status !== "completed") throw new Error(`${name}: run ${result.status}: ${JSON.stringify(result.errors)}`);
      const maxStep = Math.max(0, ...Object.values(result.timings).map((t) => t.end_ms - t.start_ms));
      return { makespan_ms: result.makespan_ms, critical_path_ms: result.critical_path_ms, wall_ms: performance.now() - t0, max_step_ms: maxStep, cpu_ms: cpuSince(c0) };
    },
  };
}

export interface DurableBenchResults {
  started_at: string;
  duration_s: number;
  machine: { node: string; cpus: number; load_before: number[]; load_after: number[] };
  plans: number;
  /** Plans left out, and why. */
  excluded: string[];
  postgres: boolean;
  summary: EngineSummary[];
}

/** Runs the suite on the durable engines; PostgreSQL only with a database URL. */
export async function measureDurable(options: { quick?: boolean; log?: (line: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<DurableBenchResults> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const started = new Date();
  const t0 = performance.now();
  const loadBefore = loadavg();
  // The 1,000-step DAG: SqliteSaver writes every channel into every checkpoint (see
  // docs/RELIABILITY.md, checkpointer conformance), so one run costs minutes, not a figure.
  const all = suitePlans();
  const plans = options.quick ? all.filter((p) => p.steps.length <= 50 && p.seed <= 2) : all.filter((p) => p.steps.length < 1000);
  const excluded = options.quick ? ["quick: plans over 50 steps and seeds > 2"] : ["random-1000 (SQLite checkpoints hold every channel: minutes per run)"];
  const dir = mkdtempSync(join(tmpdir(), "plangraph-bench-durable-"));
  const url = (env.DATABASE_URL || env.PLANGRAPH_TEST_DATABASE_URL)?.trim();
  const schema = `bench_durable_${process.pid}`;
  const backends: DurableBackend[] = [];
  try {
    const sqlite = await openSqliteBackend(join(dir, "bench.sqlite"));
    backends.push(sqlite);
    const engines: Engine[] = [plangraphEager];
    for (const mode of MODES) engines.push(durableEngine(`sqlite-${mode}`, sqlite, mode, `SqliteSaver + SqliteCompletionStore, durability "${mode}"`));
    if (url) {
      const postgres = await openPostgresBackend(url, schema);
      backends.push(postgres);
      for (const mode of MODES) engines.push(durableEngine(`postgres-${mode}`, postgres, mode, `PostgresSaver + PgCompletionStore, durability "${mode}"`));
    }
    const runs = await runSuite(plans, engines, log);
    return {
      started_at: started.toISOString(),
      duration_s: (performance.now() - t0) / 1000,
      machine: { node: process.version, cpus: cpus().length, load_before: loadBefore, load_after: loadavg() },
      plans: plans.length,
      excluded,
      postgres: Boolean(url),
      summary: summarise(runs, engines),
    };
  } finally {
    for (const backend of backends) await backend.close();
    rmSync(dir, { recursive: true, force: true });
    if (url) {
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => pool.end());
    }
  }
}

const f = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : "–");

export function renderDurableMarkdown(r: DurableBenchResults): string {
  const out = [
    "# Durable runs: makespan / critical path with checkpoints",
    "",
    `Run ${r.started_at}, ${f(r.duration_s, 0)} s · Node ${r.machine.node} · ${r.machine.cpus} CPUs · load average before ${r.machine.load_before.map((l) => l.toFixed(2)).join(" / ")}, after ${r.machine.load_after.map((l) => l.toFixed(2)).join(" / ")}.`,
    `${r.plans} plans of the scheduling suite (left out: ${r.excluded.join("; ")}), every engine on every plan, plan by plan. ${r.postgres ? "" : "PostgreSQL not measured (no DATABASE_URL / PLANGRAPH_TEST_DATABASE_URL)."}`,
    "",
    "| engine | runs | ratio median | ratio p95 | ratio max | nominal median | what it is |",
    "|---|--:|--:|--:|--:|--:|---|",
    ...r.summary.map((s) => `| ${s.engine} | ${s.runs} | ${f(s.ratio_median)} | ${f(s.ratio_p95)} | ${f(s.ratio_max)} | ${f(s.nominal_ratio_median)} | ${s.description} |`),
    "",
    "Median ratio by shape:",
    "",
    `| engine | ${Object.keys(r.summary[0]?.by_shape ?? {}).join(" | ")} |`,
    `|---|${Object.keys(r.summary[0]?.by_shape ?? {}).map(() => "--:").join("|")}|`,
    ...r.summary.map((s) => `| ${s.engine} | ${Object.values(s.by_shape).map((v) => f(v)).join(" | ")} |`),
    "",
    "Exactly-once per mode is the SIGKILL trials' finding, not this benchmark's: `async` (LangGraph's default, what the CLI uses) in test/reliability/kill-resume{,.postgres}.test.ts, `sync` and `exit` in test/reliability/kill-resume.modes.test.ts (`PLANGRAPH_DURABILITY` sets the mode for the CLI).",
    "",
  ];
  return out.join("\n");
}

/** Writes bench/results/durable{suffix}.{md,json} and returns the markdown. */
export function writeDurableResults(results: DurableBenchResults, suffix: string): string {
  const outDir = join(dirname(fileURLToPath(import.meta.url)), "results");
  mkdirSync(outDir, { recursive: true });
  const markdown = renderDurableMarkdown(results);
  writeFileSync(join(outDir, `durable${suffix}.md`), markdown);
  writeFileSync(join(outDir, `durable${suffix}.json`), `${JSON.stringify(results, null, 2)}\n`);
  return markdown;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes("--quick");
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const results = await measureDurable({ quick, log });
  process.stdout.write(writeDurableResults(results, quick ? "-quick" : ""));
}
