/**
 * Benchmark of the ops tools on the sample estate (seed 1, scale 1): p50/p95 latency per tool and
 * case, on PGlite (the default data directory) and on PostgreSQL; plus the first build of the
 * embedded estate (time, size) and a cold start (new process → first answer).
 *
 *   npx tsx bench/tools.ts [--database-url postgres://…] [--iterations 100] [--no-build]
 *
 * PostgreSQL: --database-url or PLANGRAPH_BENCH_DATABASE_URL (the estate is loaded there if it is
 * missing); without either the PostgreSQL part is skipped. Writes bench/results/tools.md and .json.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { buildEmbeddedEstate, closeOpsDatabase, ensureServerEstate, openOpsDatabase, openPostgres, opsTools, type OpsDatabase } from "../tools/index.js";
import { redactUrl } from "../tools/ops/db/open.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const exec = promisify(execFile);

interface Case {
  tool: string;
  name: string;
  /** Inputs cycled through, so no case measures one cached plan of one literal. */
  inputs: Array<Record<string, unknown>>;
}

const hosts = (from: number, n: number) => Array.from({ length: n }, (_, i) => `host-prod-${String(from + i).padStart(4, "0")}`);

const CASES: Case[] = [
  { tool: "ci_search", name: "text query", inputs: ["db-prod-01", "checkout", "host-prod-004", "orders core", "lb-prod"].map((query) => ({ query })) },
  {
    tool: "ci_search",
    name: "type + status + environment filters",
    inputs: [
      { type: "host", status: "degraded", environment: "prod" },
      { type: ["vm", "host"], environment: "staging", limit: 50 },
      { type: "service", criticality: ["critical", "high"] },
    ],
  },
  {
    tool: "ci_search",
    name: "attribute filter, sorted, paged",
    inputs: [
      { attributes: { engine: "postgresql", role: "primary" }, sort: "name" },
      { type: "host", attributes: { cluster: "prod-fra1-c02" }, offset: 5, limit: 5 },
      { attributes: { language: "go" }, sort: "updated_at", order: "desc" },
    ],
  },
  { tool: "ci_aggregate", name: "count by type", inputs: [{ group_by: "type" }, { group_by: ["environment", "status"] }] },
  {
    tool: "ci_aggregate",
    name: "top-10 most depended-on CIs of a type",
    inputs: [
      { group_by: "ci_id", measure: "dependents", type: "database", limit: 10 },
      { group_by: "ci_id", measure: "dependents", type: "app", environment: "prod", limit: 10 },
    ],
  },
  {
    tool: "ci_aggregate",
    name: "scoped to 100 CI ids, by cluster",
    inputs: [{ ci_ids: hosts(1, 100), group_by: ["cluster", "status"] }, { ci_ids: hosts(101, 100), group_by: "cluster" }],
  },
  {
    tool: "ci_graph",
    name: "depth-3 dependents of a database",
    inputs: ["db-prod-01", "db-prod-05", "db-prod-12"].map((ci_id) => ({ ci_id, direction: "dependents", depth: 3 })),
  },
  {
    tool: "ci_graph",
    name: "depth-3 dependencies of a service (to hosts)",
    inputs: ["svc-checkout", "svc-orders", "svc-payments"].map((ci_id) => ({ ci_id, direction: "dependencies", depth: 3, node_types: "host" })),
  },
  {
    tool: "ci_graph",
    name: "depth-2 both ways around an app",
    inputs: ["app-orders-api", "app-search-indexer", "app-cart-web"].map((ci_id) => ({ ci_id, direction: "both", depth: 2 })),
  },
  {
    tool: "ci_metric",
    name: "24h CPU of 50 hosts, ranked",
    inputs: [{ ci_ids: hosts(1, 50), metric: "cpu_pct" }, { ci_ids: hosts(51, 50), metric: "cpu_pct", sort: "p95" }],
  },
  {
    tool: "ci_metric",
    name: "top-10 prod hosts by p95 CPU, 7d",
    inputs: [{ type: "host", environment: "prod", metric: "cpu_pct", window: "7d", sort: "p95", limit: 10 }],
  },
  {
    tool: "ci_metric",
    name: "explicit 3-day window, 20 hosts (from samples)",
    inputs: [
      { ci_ids: hosts(1, 20), metric: "mem_pct", from: "2025-05-28T00:00:00Z", to: "2025-05-31T00:00:00Z" },
      { ci_ids: hosts(21, 20), metric: "cpu_pct", from: "2025-05-20T06:00:00Z", to: "2025-05-23T06:00:00Z" },
    ],
  },
  {
    tool: "ci_metric",
    name: "24h latency of a database, hourly buckets",
    inputs: ["db-prod-01", "db-prod-02", "db-prod-03"].map((ci_id) => ({ ci_id, metric: "latency_ms", bucket: "1h" })),
  },
  { tool: "ci_history", name: "one CI, 7 days", inputs: ["db-prod-01", "host-prod-0042", "app-orders-api"].map((ci_id) => ({ ci_id })) },
  {
    tool: "ci_history",
    name: "major incidents, 30 days",
    inputs: [{ kind: "incident", severity: ["critical", "major"], window: "30d" }, { kind: "change", query: "deploy", window: "24h" }],
  },
];

const TARGETS: Record<string, number> = { ci_search: 20, ci_aggregate: 20, ci_metric: 20, ci_graph: 50 };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

interface Stats {
  p50: number;
  p95: number;
  max: number;
  n: number;
}
const stats = (samples: number[]): Stats => {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 0.5), p95: percentile(s, 0.95), max: s[s.length - 1]!, n: s.length };
};

async function measure(db: OpsDatabase, iterations: number) {
  const tools = Object.fromEntries(opsTools({ database: db }).map((t) => [t.name, t])) as Record<string, StructuredToolInterface>;
  const perCase: Array<{ tool: string; case: string } & Stats> = [];
  const perTool = new Map<string, number[]>();
  for (const c of CASES) {
    const tool = tools[c.tool]!;
    for (let i = 0; i < 5; i++) await tool.invoke(c.inputs[i % c.inputs.length]!); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t = performance.now();
      await tool.invoke(c.inputs[i % c.inputs.length]!);
      samples.push(performance.now() - t);
    }
    perCase.push({ tool: c.tool, case: c.name, ...stats(samples) });
    perTool.set(c.tool, [...(perTool.get(c.tool) ?? []), ...samples]);
  }
  return { perCase, perTool: Object.fromEntries([...perTool].map(([tool, samples]) => [tool, stats(samples)])) };
}

async function startupProbe(): Promise<void> {
  const started = performance.now();
  const db = await openOpsDatabase({ databaseUrl: null });
  const opened = performance.now();
  const [search] = opsTools({ database: db });
  await search!.invoke({ query: "db-prod-01" });
  const answered = performance.now();
  await closeOpsDatabase();
  console.log(JSON.stringify({ open_ms: opened - started, first_answer_ms: answered - started }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "database-url": { type: "string" },
      iterations: { type: "string", default: "100" },
      "no-build": { type: "boolean", default: false },
      "startup-probe": { type: "boolean", default: false },
    },
  });
  if (values["startup-probe"]) return startupProbe();
  const iterations = Number(values.iterations);
  const url = values["database-url"] ?? process.env.PLANGRAPH_BENCH_DATABASE_URL;
  const log = (m: string) => console.error(`[bench] ${m}`);
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg_at_start: loadavg().map((l) => Math.round(l * 100) / 100) },
    iterations,
  };

  if (!values["no-build"]) {
    const dir = mkdtempSync(join(tmpdir(), "plangraph-bench-build-"));
    log("fresh build of the default estate (seed 1, scale 1) into a temp dir");
    const built = await buildEmbeddedEstate(join(dir, "estate"), { onProgress: (m) => log(`  ${m}`) });
    report.build = { seconds: Math.round(built.seconds * 10) / 10, megabytes: Math.round(built.bytes / 1e5) / 10 };
    rmSync(dir, { recursive: true, force: true });
  }

  log("PGlite: opening the default data directory (built on first use)");
  const pglite = await openOpsDatabase({ databaseUrl: null, onProgress: (m) => log(`  ${m}`) });
  const spawned = performance.now();
  const probe = await exec(process.execPath, ["--import", "tsx", resolve(HERE, "tools.ts"), "--startup-probe"]);
  report.cold_start = { ...JSON.parse(probe.stdout.trim().split("\n").pop()!), process_ms: performance.now() - spawned };
  log(`PGlite: ${iterations} iterations per case`);
  report.pglite = await measure(pglite, iterations);
  await closeOpsDatabase();

  if (url) {
    log(`PostgreSQL at ${redactUrl(url)}: loading the estate unless it is there`);
    const client = await openPostgres(url);
    const meta = await ensureServerEstate(client, { onProgress: (m) => log(`  ${m}`) });
    const [version] = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    log(`PostgreSQL: ${iterations} iterations per case`);
    report.postgres = { server_version: version?.v, ...(await measure({ client, meta, location: url }, iterations)) };
    await client.close();
  } else {
    report.postgres = null;
    log("PostgreSQL skipped: give --database-url or set PLANGRAPH_BENCH_DATABASE_URL");
  }
  report.loadavg_at_end = loadavg().map((l) => Math.round(l * 100) / 100);

  mkdirSync(join(HERE, "results"), { recursive: true });
  writeFileSync(join(HERE, "results", "tools.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(HERE, "results", "tools.md"), markdown(report));
  log("wrote bench/results/tools.md and bench/results/tools.json");
}

type Measured = Awaited<ReturnType<typeof measure>>;
const ms = (v: number) => v.toFixed(1);

function markdown(r: Record<string, unknown>): string {
  const pg = r.postgres as (Measured & { server_version?: string }) | null;
  const lite = r.pglite as Measured;
  const machine = r.machine as { cpus: number; model: string; node: string; loadavg_at_start: number[] };
  const lines = [
    "# Ops tools benchmark",
    "",
    `Generated by \`npx tsx bench/tools.ts\` on ${r.date as string}: ${machine.cpus} × ${machine.model}, Node ${machine.node}, ` +
      `load average ${machine.loadavg_at_start.join(" / ")} at start, ${(r.loadavg_at_end as number[]).join(" / ")} at end. ` +
      `Sample estate seed 1, scale 1. ${r.iterations as number} calls per case after 5 warm-up calls, through \`tool.invoke\` ` +
      "(zod validation included). Milliseconds.",
    "",
  ];
  if (r.build) {
    const b = r.build as { seconds: number; megabytes: number };
    lines.push(`First build of the embedded estate (generate + PGlite initdb + load + index): **${b.seconds} s**, **${b.megabytes} MB** on disk.`, "");
  }
  const cold = r.cold_start as { open_ms: number; first_answer_ms: number; process_ms: number };
  lines.push(
    `Cold start of a new process on the built estate: PGlite open ${ms(cold.open_ms)} ms, first ci_search answered ` +
      `${ms(cold.first_answer_ms)} ms after the open began; the whole process (node + tsx start, open, answer, close, exit) took ${ms(cold.process_ms)} ms.`,
    "",
  );
  lines.push("## Per tool", "", "| tool | target p95 (PostgreSQL) | PGlite p50 | PGlite p95 | PostgreSQL p50 | PostgreSQL p95 |", "| --- | --- | --- | --- | --- | --- |");
  for (const tool of Object.keys(lite.perTool)) {
    const a = lite.perTool[tool]!;
    const b = pg?.perTool[tool];
    const target = TARGETS[tool] ? `≤ ${TARGETS[tool]}` : "–";
    lines.push(`| ${tool} | ${target} | ${ms(a.p50)} | ${ms(a.p95)} | ${b ? ms(b.p50) : "–"} | ${b ? ms(b.p95) : "–"} |`);
  }
  lines.push("", "## Per case", "", "| tool | case | PGlite p50 | PGlite p95 | PostgreSQL p50 | PostgreSQL p95 |", "| --- | --- | --- | --- | --- | --- |");
  lite.perCase.forEach((a, i) => {
    const b = pg?.perCase[i];
    lines.push(`| ${a.tool} | ${a.case} | ${ms(a.p50)} | ${ms(a.p95)} | ${b ? ms(b.p50) : "–"} | ${b ? ms(b.p95) : "–"} |`);
  });
  lines.push("", pg ? `PostgreSQL ${pg.server_version ?? ""} on 127.0.0.1 (node-postgres, pool of 4).` : "PostgreSQL: not run (no --database-url).", "");
  return `${lines.join("\n")}\n`;
}

await main();
