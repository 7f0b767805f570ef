import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PlangraphError } from "../../../src/model/errors.js";
import { CI_COLUMNS, CREATE_INDEXES, CREATE_TABLES, CREATE_WRITE_TABLES, EVENT_COLUMNS, META_COLUMNS, METRIC_DEF_COLUMNS, METRIC_SERIES_COLUMNS, RELATIONSHIP_COLUMNS, WINDOW_STATS_COLUMNS } from "../db/schema.js";
import type { BulkValue, SqlClient } from "../db/sql-client.js";
import { METRIC_DEFINITIONS, METRIC_NAMES } from "../vocabulary.js";
import { estateCounts, estateDigest, tenantCounts, type EstateCounts } from "./generate.js";
import type { Estate } from "./model.js";
import { computeWindowStats } from "./summaries.js";

/** What a loaded estate says about itself (the `ops.estate_meta` table). */
export interface EstateMeta {
  version: number;
  seed: number;
  scale: number;
  digest: string;
  /** The estate's fixed "now", epoch ms: relative windows count back from it. */
  now: number;
  hourlyStart: number;
  hourlySlots: number;
  recentStart: number;
  recentSlots: number;
  /** Rows of every tenant together. */
  counts: EstateCounts;
  /** Rows per tenant, in the order the estate holds them (the default tenant first). */
  tenants: Record<string, EstateCounts>;
  /** Fingerprint of the generator sources that built it (see generatorFingerprint). */
  generator: string;
}

/** Receives one human-readable line per build or load phase. */
export type ProgressListener = (message: string) => void;

let fingerprint: string | undefined;
/**
 * A hash of the sources that decide an estate's content (generator, vocabulary, schema). An
 * embedded estate built by different sources is rebuilt, so a pull that changes the generator
 * never leaves a stale estate in .data/ (bumping ESTATE_VERSION is still the way to rename it).
 * Empty when the sources cannot be read (a bundled install): then only the version is checked.
 */
export function generatorFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    const files = [
      ...readdirSync(here).filter((f) => f.endsWith(".ts")).sort().map((f) => join(here, f)),
      join(here, "../vocabulary.ts"),
      join(here, "../db/schema.ts"),
    ];
    const hash = createHash("sha256");
    for (const file of files) hash.update(readFileSync(file));
    fingerprint = hash.digest("hex").slice(0, 16);
  } catch {
    fingerprint = "";
  }
  return fingerprint;
}

const fmt = (n: number) => n.toLocaleString("en-US");
/** Every table is created in the loading transaction, so its rows can be written frozen. */
const FROZEN = { freeze: true } as const;

function metaRows(estate: Estate, generator: string): BulkValue[][] {
  const counts = estateCounts(estate);
  const c = estate.clock;
  const rows: Record<string, string> = {
    estate_version: String(estate.version),
    seed: String(estate.seed),
    scale: String(estate.scale),
    digest: estateDigest(estate),
    now: new Date(c.now).toISOString(),
    hourly_start: new Date(c.hourlyStart).toISOString(),
    hourly_slots: String(c.hourlySlots),
    recent_start: new Date(c.recentStart).toISOString(),
    recent_slots: String(c.recentSlots),
    counts: JSON.stringify(counts),
    tenants: JSON.stringify(Object.fromEntries(estate.tenants.map((t) => [t.tenant, tenantCounts(t)]))),
    generator,
  };
  return Object.entries(rows).map(([k, v]) => [k, v]);
}

/**
 * Creates the `ops` schema in `client` and loads `estate` into it, in one transaction: a reader
 * sees either no estate or all of it. With `replace`, an existing `ops` schema is dropped first
 * (the caller has checked it is ours).
 */
export async function loadEstate(
  client: SqlClient,
  estate: Estate,
  options: { replace?: boolean; onProgress?: ProgressListener } = {},
): Promise<void> {
  const generator = generatorFingerprint();
  const progress = options.onProgress ?? (() => undefined);
  await client.transaction(async (tx) => {
    if (options.replace) await tx.exec("DROP SCHEMA IF EXISTS ops CASCADE");
    await tx.exec(CREATE_TABLES);
    const all = estate.tenants;
    const total = estateCounts(estate);
    progress(`loading ${fmt(total.cis)} CIs and ${fmt(total.relationships)} relationships of ${all.length} tenants (${all.map((t) => t.tenant).join(", ")})`);
    await tx.bulkInsert(
      "ops.cis",
      CI_COLUMNS,
      all.flatMap((t) => t.cis.map((ci) => [t.tenant, ci.ci_id, ci.name, ci.type, ci.status, ci.environment, ci.location, ci.owner_team, ci.criticality, ci.description, ci.attributes, ci.created_at, ci.updated_at])),
      FROZEN,
    );
    await tx.bulkInsert("ops.ci_relationships", RELATIONSHIP_COLUMNS, all.flatMap((t) => t.relationships.map((r) => [t.tenant, r.source_id, r.target_id, r.relation])), FROZEN);
    await tx.bulkInsert(
      "ops.metric_defs",
      METRIC_DEF_COLUMNS,
      METRIC_NAMES.map((m) => [m, METRIC_DEFINITIONS[m].unit, METRIC_DEFINITIONS[m].description, METRIC_DEFINITIONS[m].appliesTo.join(",")]),
      FROZEN,
    );
    progress(`loading ${fmt(total.metric_series)} metric series (30 days hourly + last day at 5 minutes)`);
    await tx.bulkInsert("ops.metric_series", METRIC_SERIES_COLUMNS, all.flatMap((t) => t.series.map((s) => [t.tenant, s.ci_id, s.metric, s.hourly_avg, s.hourly_max, s.recent_5m])), FROZEN);
    await tx.bulkInsert(
      "ops.metric_window_stats",
      WINDOW_STATS_COLUMNS,
      all.flatMap((t) => computeWindowStats(estate.clock, t.series).map((w) => [t.tenant, w.ci_id, w.metric, w.window, w.avg, w.max, w.min, w.p95, w.samples])),
      FROZEN,
    );
    progress(`loading ${fmt(total.events)} change, incident and alert events`);
    await tx.bulkInsert(
      "ops.ci_events",
      EVENT_COLUMNS,
      all.flatMap((t) => t.events.map((e) => [t.tenant, e.event_id, e.ci_id, e.kind, e.severity, e.status, e.title, e.started_at, e.ended_at, e.actor])),
      FROZEN,
    );
    progress("indexing");
    await tx.exec(CREATE_INDEXES);
    await tx.exec(CREATE_WRITE_TABLES);
    // Written last: an estate with this row is complete.
    await tx.bulkInsert("ops.estate_meta", META_COLUMNS, metaRows(estate, generator), FROZEN);
  });
  await client.exec("ANALYZE ops.cis; ANALYZE ops.ci_relationships; ANALYZE ops.metric_series; ANALYZE ops.metric_window_stats; ANALYZE ops.ci_events; ANALYZE ops.metric_defs; ANALYZE ops.ci_maintenance; ANALYZE ops.event_comments");
}

/** Reads `ops.estate_meta`; a database without a loaded estate gets a message saying how to load one. */
export async function readEstateMeta(client: SqlClient, where: string): Promise<EstateMeta> {
  const [probe] = await client.query<{ meta: string | null }>("SELECT to_regclass('ops.estate_meta')::text AS meta");
  const rows = probe?.meta ? await client.query<{ key: string; value: string }>("SELECT key, value FROM ops.estate_meta") : [];
  const m = new Map(rows.map((r) => [r.key, r.value]));
  if (!m.has("estate_version")) {
    throw new PlangraphError(
      "TOOL_FAILED",
      `${where} has no ops estate loaded; load one with \`npx tsx scripts/load-estate.ts --database-url <url>\``,
    );
  }
  const time = (key: string) => Date.parse(m.get(key) ?? "");
  return {
    version: Number(m.get("estate_version")),
    seed: Number(m.get("seed")),
    scale: Number(m.get("scale")),
    digest: m.get("digest") ?? "",
    now: time("now"),
    hourlyStart: time("hourly_start"),
    hourlySlots: Number(m.get("hourly_slots")),
    recentStart: time("recent_start"),
    recentSlots: Number(m.get("recent_slots")),
    counts: JSON.parse(m.get("counts") ?? "{}") as EstateMeta["counts"],
    tenants: JSON.parse(m.get("tenants") ?? "{}") as EstateMeta["tenants"],
    generator: m.get("generator") ?? "",
  };
}

/** Whether `ops` exists in the database and, if so, whether it is an estate this project loaded. */
export async function inspectOpsSchema(client: SqlClient): Promise<"absent" | "estate" | "foreign"> {
  const [row] = await client.query<{ schema: boolean; meta: string | null }>(
    "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'ops') AS schema, to_regclass('ops.estate_meta')::text AS meta",
  );
  if (!row?.schema) return "absent";
  return row.meta ? "estate" : "foreign";
}
