/**
 * Test estates for the ops tool tests: one small estate (scale 0.1) per generator digest, built
 * once into the OS temp dir and copied per test file (PGlite data directories must not be opened
 * by two processes), and the same estate in the PostgreSQL named by PLANGRAPH_TEST_DATABASE_URL.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { toolTraits } from "../../src/tools/traits.js";
import { buildEmbeddedEstate, closeOpsDatabase, ensureServerEstate, openOpsDatabase, opsTools, openPglite, openPostgres, type OpsDatabase } from "../../tools/index.js";
import { readEstateMeta } from "../../tools/ops/estate/load.js";
import { currentProcess, judgeOwner, type ProcessIdentity } from "../../tools/ops/db/process-identity.js";
import { estateDigest, generateEstate, tenantEstate } from "../../tools/ops/estate/generate.js";
import type { Estate, TenantEstate } from "../../tools/ops/estate/model.js";
import { CALLER_CONFIG_KEY, DEFAULT_TENANT, localCaller } from "../../src/model/caller.js";

export const TEST_SEED = 1;
export const TEST_SCALE = 0.1;

/** The PostgreSQL the server-mode tests use; unset → those tests are skipped (CI sets it). */
export const POSTGRES_URL = process.env.PLANGRAPH_TEST_DATABASE_URL || undefined;
if (!POSTGRES_URL) {
  console.warn(
    "[ops tools] PLANGRAPH_TEST_DATABASE_URL is not set: skipping the PostgreSQL runs of the ops tool tests " +
      "(CI sets it after `source .ci/postgres.sh`).",
  );
}

let estate: Estate | undefined;
/** The whole generated test estate (every tenant), in memory. */
export function testFullEstate(): Estate {
  estate ??= generateEstate({ seed: TEST_SEED, scale: TEST_SCALE });
  return estate;
}

/** One tenant's part of the test estate (default: the default tenant, which a direct tool call reads): expected answers are computed from it. */
export function testEstate(tenant: string = DEFAULT_TENANT): TenantEstate {
  return tenantEstate(testFullEstate(), tenant);
}

/** The config of a tool call made for `tenant`'s caller, as a run passes it. */
export function callerConfig(tenant: string): { configurable: Record<string, unknown> } {
  return { configurable: { [CALLER_CONFIG_KEY]: localCaller("test-trace", { tenant, source: "library" }) } };
}

/** Longest wait for another test process building the cached estate. */
const BUILD_WAIT_MS = 300_000;

/** Whether the builder named in a lock directory is provably gone (same rules as the estate lock). */
function builderGone(lock: string): boolean {
  const file = join(lock, "owner.json");
  if (!existsSync(file)) return Date.now() - statSync(lock).mtimeMs > 10_000; // created, never written: its creator died
  try {
    return judgeOwner(JSON.parse(readFileSync(file, "utf8")) as ProcessIdentity, statSync(file).mtimeMs).status === "gone";
  } catch {
    return true;
  }
}

/** Builds the cached test estate once, whatever the number of test files asking at the same time. */
async function cachedEstateDir(): Promise<string> {
  const root = join(tmpdir(), "plangraph-test-estates");
  mkdirSync(root, { recursive: true });
  const name = `seed${TEST_SEED}-scale${TEST_SCALE}-${estateDigest(testFullEstate()).slice(0, 16)}`;
  const dir = join(root, name);
  const lock = `${dir}.lock`;
  // Estates of older generator versions, untouched for an hour, are dead weight.
  for (const entry of readdirSync(root)) {
    const path = join(root, entry);
    if (entry !== name && !entry.startsWith(`${name}.`) && Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
  const started = Date.now();
  for (;;) {
    if (existsSync(join(dir, "PG_VERSION"))) return dir;
    try {
      mkdirSync(lock);
    } catch {
      if (builderGone(lock)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() - started > BUILD_WAIT_MS) throw new Error(`waited ${BUILD_WAIT_MS / 1000} s for the test estate build holding ${lock}; remove it if no test is building`);
      await sleep(200);
      continue;
    }
    try {
      writeFileSync(join(lock, "owner.json"), JSON.stringify(currentProcess()));
      if (!existsSync(join(dir, "PG_VERSION"))) await buildEmbeddedEstate(dir, { seed: TEST_SEED, scale: TEST_SCALE });
      return dir;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

export interface TestDatabase {
  db: OpsDatabase;
  close(): Promise<void>;
}

/** A private copy of the test estate's PGlite data directory (the caller removes it). */
export async function copyTestEstate(): Promise<string> {
  const source = await cachedEstateDir();
  const copy = join(tmpdir(), `plangraph-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  cpSync(source, copy, { recursive: true });
  return copy;
}

/** A private copy of the test estate in PGlite. */
export async function openTestPglite(): Promise<TestDatabase> {
  const copy = await copyTestEstate();
  const client = await openPglite(copy);
  const db: OpsDatabase = { client, meta: await readEstateMeta(client, copy), location: copy };
  return {
    db,
    close: async () => {
      await client.close();
      rmSync(copy, { recursive: true, force: true });
    },
  };
}

/** The test estate in the test PostgreSQL (loaded unless already there with the same digest). */
export async function openTestPostgres(): Promise<TestDatabase> {
  if (!POSTGRES_URL) throw new Error("PLANGRAPH_TEST_DATABASE_URL is not set");
  const client = await openPostgres(POSTGRES_URL);
  const meta = await ensureServerEstate(client, { seed: TEST_SEED, scale: TEST_SCALE });
  return { db: { client, meta, location: "test PostgreSQL" }, close: () => client.close() };
}

export interface Backend {
  name: "pglite" | "postgres";
  skip: boolean;
  open(): Promise<TestDatabase>;
}

/** Both backends; the same test table runs against each. */
export const BACKENDS: Backend[] = [
  { name: "pglite", skip: false, open: openTestPglite },
  { name: "postgres", skip: POSTGRES_URL === undefined, open: openTestPostgres },
];

/** The ops tools by name, bound to `db`. */
export function toolsFor(db: OpsDatabase): Record<string, StructuredToolInterface> {
  return Object.fromEntries(opsTools({ database: db }).map((t) => [t.name, t]));
}

/** Runs a tool (for `config`'s caller; none: a direct call, the default tenant) and checks its result against the output schema it declares. */
export async function run<T = any>(tool: StructuredToolInterface, input: Record<string, unknown>, config?: Record<string, unknown>): Promise<T> {
  const result = await tool.invoke(input, config);
  const schema = toolTraits(tool).outputSchema;
  if (!schema) throw new Error(`${tool.name} declares no output schema`);
  const parsed = schema.safeParse(result);
  if (!parsed.success) throw new Error(`${tool.name} returned a result its output schema rejects: ${parsed.error.message}`);
  return result as T;
}

/** What a PGlite run and a PostgreSQL run must agree on: everything. */
export function canonical(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * The estate the tests use (scale 0.1), and the default one users run the examples on (scale 1):
 * example answers are checked on both.
 */
export const ANSWER_ESTATES: Array<{ name: string; open: () => Promise<{ db: OpsDatabase; close(): Promise<void> }> }> = [
  { name: "the test estate (seed 1, scale 0.1)", open: openTestPglite },
  { name: "the default estate (seed 1, scale 1)", open: async () => ({ db: await openOpsDatabase({ databaseUrl: null }), close: closeOpsDatabase }) },
];
