import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PlangraphError, describeError } from "../../../src/errors.js";
import { DEFAULT_SCALE, DEFAULT_SEED, estateDigest, generateEstate } from "../estate/generate.js";
import { generatorFingerprint, inspectOpsSchema, loadEstate, readEstateMeta, type EstateMeta, type ProgressListener } from "../estate/load.js";
import { ESTATE_VERSION } from "../estate/model.js";
import { PGLITE_BUILD_SETTINGS, openPglite } from "./pglite-client.js";
import { openPostgres } from "./pg-client.js";
import type { SqlClient } from "./sql-client.js";

/** An open estate database: the client the tools query and what the estate says about itself. */
export interface OpsDatabase {
  client: SqlClient;
  meta: EstateMeta;
  /** Where the data lives, for messages: a directory or a redacted URL. */
  location: string;
}

export interface OpenOpsDatabaseOptions {
  /** Server mode: a PostgreSQL URL with a loaded estate. Default `DATABASE_URL`; `null` forces PGlite. */
  databaseUrl?: string | null;
  /** PGlite data directory. Default `PLANGRAPH_DATA_DIR`, else `<repo>/.data/estate-v1-seed<seed>`. */
  dataDir?: string;
  /** Estate seed for a PGlite build. Default 1. */
  seed?: number;
  /** Estate scale for a PGlite build (1 ≈ 5,500 CIs). Default 1. */
  scale?: number;
  /** Told what a first-run build is doing (the CLI prints it on stderr). */
  onProgress?: ProgressListener;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The data directory an estate of this seed and scale uses unless told otherwise. */
export function defaultDataDir(seed = DEFAULT_SEED, scale = DEFAULT_SCALE): string {
  const fromEnv = process.env.PLANGRAPH_DATA_DIR;
  if (fromEnv) return resolve(fromEnv);
  return join(REPO_ROOT, ".data", `estate-v${ESTATE_VERSION}-seed${seed}${scale === 1 ? "" : `-scale${scale}`}`);
}

/** `postgres://user:secret@host/db` → `postgres://user@host/db`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = "";
    return u.toString();
  } catch {
    return "(unparseable database URL)";
  }
}

const shared = new Map<string, Promise<OpsDatabase>>();

/**
 * The process-wide estate database for these options, opened on first use and shared after.
 * PGlite: built into the data directory on first use (atomically), reused afterwards.
 * Server mode: the estate must have been loaded with `scripts/load-estate.ts`.
 */
export function openOpsDatabase(options: OpenOpsDatabaseOptions = {}): Promise<OpsDatabase> {
  const databaseUrl = options.databaseUrl === null ? undefined : (options.databaseUrl ?? process.env.DATABASE_URL) || undefined;
  const seed = options.seed ?? DEFAULT_SEED;
  const scale = options.scale ?? DEFAULT_SCALE;
  const dataDir = resolve(options.dataDir ?? defaultDataDir(seed, scale));
  const key = databaseUrl ? `postgres:${databaseUrl}` : `pglite:${dataDir}`;
  let opening = shared.get(key);
  if (!opening) {
    opening = databaseUrl ? openServer(databaseUrl) : openEmbedded(dataDir, seed, scale, options.onProgress);
    // A failed open is not cached: the next call tries again (the server may be up by then).
    opening.catch(() => shared.delete(key));
    shared.set(key, opening);
  }
  return opening;
}

/** Closes every database `openOpsDatabase` opened in this process. Safe to call more than once. */
export async function closeOpsDatabase(): Promise<void> {
  const all = [...shared.values()];
  shared.clear();
  await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.client.close()));
}

async function openServer(databaseUrl: string): Promise<OpsDatabase> {
  const location = redactUrl(databaseUrl);
  let client: SqlClient;
  try {
    client = await openPostgres(databaseUrl);
  } catch (error) {
    throw new PlangraphError("TOOL_FAILED", `cannot connect to PostgreSQL at ${location}: ${describeError(error)}`, { cause: error });
  }
  try {
    return { client, meta: await readEstateMeta(client, `PostgreSQL at ${location}`), location };
  } catch (error) {
    await client.close();
    throw error;
  }
}

async function openEmbedded(dataDir: string, seed: number, scale: number, onProgress?: ProgressListener): Promise<OpsDatabase> {
  // Never let PGlite initialise a database inside a directory that is not one (it would, silently).
  if (existsSync(dataDir) && !isPgliteDir(dataDir)) {
    throw new PlangraphError("USAGE", `${dataDir} exists and is not an estate data directory; refusing to use or replace it (set PLANGRAPH_DATA_DIR elsewhere)`);
  }
  if (existsSync(join(dataDir, "PG_VERSION"))) {
    const client = await openPglite(dataDir);
    try {
      const meta = await readEstateMeta(client, dataDir);
      const generator = generatorFingerprint();
      const sameCode = generator === "" || meta.generator === generator;
      if (meta.version === ESTATE_VERSION && meta.seed === seed && meta.scale === scale && sameCode) return { client, meta, location: dataDir };
      onProgress?.(
        sameCode
          ? `estate in ${dataDir} is version ${meta.version}, seed ${meta.seed}, scale ${meta.scale}: rebuilding`
          : `the estate generator changed since ${dataDir} was built: rebuilding`,
      );
    } catch {
      onProgress?.(`${dataDir} holds no complete estate: rebuilding`);
    }
    await client.close();
  }
  await buildEmbeddedEstate(dataDir, { seed, scale, onProgress });
  const client = await openPglite(dataDir);
  return { client, meta: await readEstateMeta(client, dataDir), location: dataDir };
}

/** A PostgreSQL data directory, or an empty directory: the only things an estate build may replace. */
function isPgliteDir(dir: string): boolean {
  return existsSync(join(dir, "PG_VERSION")) || readdirSync(dir).length === 0;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Total bytes under `dir`. */
export function directorySize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? directorySize(path) : statSync(path).size;
  }
  return total;
}

/**
 * Generates the estate and loads it into a new PGlite directory at `dataDir`. The build happens in
 * a sibling temporary directory that is renamed into place only when complete, so a build that is
 * killed leaves nothing that a later run would mistake for an estate.
 */
export async function buildEmbeddedEstate(
  dataDir: string,
  options: { seed?: number; scale?: number; onProgress?: ProgressListener } = {},
): Promise<{ seconds: number; bytes: number }> {
  const seed = options.seed ?? DEFAULT_SEED;
  const scale = options.scale ?? DEFAULT_SCALE;
  const progress = options.onProgress ?? (() => undefined);
  const started = performance.now();
  const parent = dirname(dataDir);
  const name = basename(dataDir);
  mkdirSync(parent, { recursive: true });
  if (existsSync(dataDir) && !isPgliteDir(dataDir)) {
    throw new PlangraphError("USAGE", `${dataDir} exists and is not an estate data directory; refusing to use or replace it`);
  }
  // Left-overs of builds that were killed.
  for (const entry of readdirSync(parent)) {
    const m = entry.startsWith(`${name}.building-`) ? /\.building-(\d+)-/.exec(entry) : null;
    if (m && !processAlive(Number(m[1]))) rmSync(join(parent, entry), { recursive: true, force: true });
  }

  progress(`building the sample ops estate (seed ${seed}${scale === 1 ? "" : `, scale ${scale}`}) in ${dataDir}; first run only`);
  const estate = generateEstate({ seed, scale });
  const generated = performance.now();
  progress(
    `generated ${estate.cis.length.toLocaleString("en-US")} CIs, ${estate.relationships.length.toLocaleString("en-US")} relationships, ` +
      `${estate.series.length.toLocaleString("en-US")} metric series, ${estate.events.length.toLocaleString("en-US")} events in ${((generated - started) / 1000).toFixed(1)} s`,
  );

  const temp = join(parent, `${name}.building-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    progress("initialising PGlite");
    const client = await openPglite(temp, PGLITE_BUILD_SETTINGS);
    try {
      await loadEstate(client, estate, { onProgress: progress });
      await client.exec("CHECKPOINT");
    } finally {
      await client.close();
    }
    replaceDirectory(temp, dataDir);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  const bytes = directorySize(dataDir);
  const seconds = (performance.now() - started) / 1000;
  progress(`estate ready in ${seconds.toFixed(1)} s (${(bytes / 1e6).toFixed(0)} MB on disk)`);
  return { seconds, bytes };
}

/** Moves the finished build into place, replacing an older or broken estate. */
function replaceDirectory(built: string, target: string): void {
  try {
    renameSync(built, target);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
  }
  // Another estate sits there (stale, broken, or a concurrent build that finished first).
  const retired = `${target}.retired-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  renameSync(target, retired);
  renameSync(built, target);
  rmSync(retired, { recursive: true, force: true });
}

/**
 * Makes sure a PostgreSQL database holds exactly the estate of this seed and scale (same digest),
 * loading it when it does not. Serialised with an advisory lock, so concurrent callers (parallel
 * test files) load it once. Used by the loader command and the server-mode tests.
 */
export async function ensureServerEstate(
  client: SqlClient,
  options: { seed?: number; scale?: number; force?: boolean; reload?: boolean; onProgress?: ProgressListener } = {},
): Promise<EstateMeta> {
  const estate = generateEstate({ seed: options.seed ?? DEFAULT_SEED, scale: options.scale ?? DEFAULT_SCALE });
  const digest = estateDigest(estate);
  return client.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(7283917)");
    const state = await inspectOpsSchema(tx);
    if (state === "foreign" && !options.force) {
      throw new PlangraphError("USAGE", "the database has a schema `ops` that is not a plangraph estate; refusing to replace it (use --force)");
    }
    if (state === "estate" && !options.reload) {
      const meta = await readEstateMeta(tx, "the database");
      if (meta.digest === digest) {
        options.onProgress?.("the database already holds this estate (same digest); nothing to load");
        return meta;
      }
    }
    await loadEstate(tx, estate, { replace: state !== "absent", onProgress: options.onProgress });
    return readEstateMeta(tx, "the database");
  });
}
