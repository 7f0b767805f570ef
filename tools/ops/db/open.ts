import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PlangraphError, describeError } from "../../../src/model/errors.js";
import { DEFAULT_SCALE, DEFAULT_SEED, estateDigest, generateEstate } from "../estate/generate.js";
import { inspectOpsSchema, loadEstate, readEstateMeta, type EstateMeta, type ProgressListener } from "../estate/load.js";
import { ESTATE_VERSION } from "../estate/model.js";
import { openEmbedded } from "./embedded.js";
import { openPostgres } from "./pg-client.js";

import type { OpsDatabase } from "./ops-database.js";
import type { SqlClient } from "./sql-client.js";

export { buildEmbeddedEstate, directorySize } from "./embedded.js";
export type { OpsDatabase } from "./ops-database.js";

/** Where the ops tools find their estate. */
export interface OpenOpsDatabaseOptions {
  /** Server mode: a PostgreSQL URL with a loaded estate. Default `DATABASE_URL`; `null` forces PGlite. */
  databaseUrl?: string | null;
  /** PGlite data directory. Default `PLANGRAPH_DATA_DIR`, else `<repo>/.data/estate-v<ESTATE_VERSION>-seed<seed>`. */
  dataDir?: string;
  /** Estate seed for a PGlite build. Default 1. */
  seed?: number;
  /** Estate scale for a PGlite build (1 ≈ 5,500 CIs). Default 1. */
  scale?: number;
  /** Told what a first-run build is doing (the CLI prints it on stderr). */
  onProgress?: ProgressListener;
  /** PGlite: longest wait for another process building the estate. Default `PLANGRAPH_ESTATE_LOCK_WAIT_MS`, else 120 s. */
  lockWaitMs?: number;
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
    opening = databaseUrl ? openServer(databaseUrl) : openEmbedded(dataDir, { seed, scale, onProgress: options.onProgress, lockWaitMs: options.lockWaitMs });
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
  // An open that failed has nothing to close, and its error already went to whoever awaited it.
  await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.client.close()));
}

/**
 * The estate's metadata, if its version is the one these tools read. An estate of another version
 * has other tables (version 1 has no tenant column, so its rows would answer every tenant): never
 * misread it, say how to reload it.
 */
export function assertEstateVersion(meta: EstateMeta, where: string): EstateMeta {
  if (meta.version === ESTATE_VERSION) return meta;
  throw new PlangraphError(
    "TOOL_FAILED",
    `${where} holds an ops estate of version ${meta.version}, these tools need version ${ESTATE_VERSION}; reload it with \`npx tsx scripts/load-estate.ts --database-url <url>\``,
  );
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
    const meta = assertEstateVersion(await readEstateMeta(client, `PostgreSQL at ${location}`), `PostgreSQL at ${location}`);
    return { client, meta, location };
  } catch (error) {
    await client.close();
    throw error;
  }
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
