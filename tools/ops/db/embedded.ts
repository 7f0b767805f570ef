import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PlangraphError } from "../../../src/model/errors.js";
import { DEFAULT_SCALE, DEFAULT_SEED, estateCounts, generateEstate } from "../estate/generate.js";
import { generatorFingerprint, loadEstate, readEstateMeta, type ProgressListener } from "../estate/load.js";
import { ESTATE_VERSION } from "../estate/model.js";
import { describeHolder, tryLockDirectory, type LockAttempt } from "./dir-lock.js";
import { pidAlive, processStartTime } from "./process-identity.js";
import type { OpsDatabase } from "./ops-database.js";
import { PGLITE_BUILD_SETTINGS, openPglite } from "./pglite-client.js";
import type { SqlClient } from "./sql-client.js";

/**
 * The embedded estate: a PGlite data directory built on first use, reused afterwards, rebuilt
 * when it is stale, and never opened by two processes at once (the second one reads a private
 * copy: the read tools answer exactly the same from it; the write tools refuse to write into it).
 */

const fmt = (n: number) => n.toLocaleString("en-US");

/** A client whose close() also runs `after` (release a lock, remove a copy). */
function closingAlso(client: SqlClient, after: () => void): SqlClient {
  const close = client.close.bind(client);
  client.close = async () => {
    try {
      await close();
    } finally {
      after();
    }
  };
  return client;
}

/** How long to wait for another process building the estate, unless told: a scale-1 build takes ~10–30 s. */
export const DEFAULT_LOCK_WAIT_MS = 120_000;

/** The wait bound: `PLANGRAPH_ESTATE_LOCK_WAIT_MS` when set to a number of milliseconds, else the default. */
export function lockWaitFromEnv(): number {
  const raw = process.env.PLANGRAPH_ESTATE_LOCK_WAIT_MS;
  if (raw === undefined || raw === "") return DEFAULT_LOCK_WAIT_MS;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) throw new PlangraphError("USAGE", `PLANGRAPH_ESTATE_LOCK_WAIT_MS must be a number of milliseconds ≥ 0, not ${JSON.stringify(raw.slice(0, 40))}`);
  return ms;
}

/** What `openEmbedded` needs besides the directory. */
export interface EmbeddedOptions {
  seed: number;
  scale: number;
  onProgress?: ProgressListener | undefined;
  /** Longest wait for another process that is building the estate; then LOCK_TIMEOUT. */
  lockWaitMs?: number | undefined;
}

/** Opens the embedded estate in `dataDir`: builds or rebuilds it when needed, waits (bounded) for another builder, or reads a private copy of a directory another process has open. */
export async function openEmbedded(dataDir: string, options: EmbeddedOptions): Promise<OpsDatabase> {
  const { seed, scale, onProgress } = options;
  const waitMs = options.lockWaitMs ?? lockWaitFromEnv();
  const started = Date.now();
  let waited = false;
  for (;;) {
    const attempt = tryLockDirectory(dataDir);
    if (attempt.acquired) {
      if (attempt.tookOver) onProgress?.(`took over the stale estate lock ${attempt.lock.file}: ${attempt.tookOver.reason}`);
      try {
        const db = await openOrBuild(dataDir, seed, scale, onProgress);
        attempt.lock.setState("open");
        closingAlso(db.client, () => attempt.lock.release());
        return db;
      } catch (error) {
        attempt.lock.release();
        throw error;
      }
    }
    if (attempt.holder.state === "building") {
      if (Date.now() - started >= waitMs) throw lockTimeout(attempt, dataDir, waitMs);
      if (!waited) onProgress?.(`waiting for ${describeHolder(attempt.holder)}, which is building the estate in ${dataDir} (at most ${Math.round(waitMs / 1000)} s)`);
      waited = true;
      await sleep(Math.min(250, Math.max(1, waitMs - (Date.now() - started))));
      continue;
    }
    return openPrivateCopy(dataDir, attempt.holder.pid, onProgress);
  }
}

function lockTimeout(attempt: Extract<LockAttempt, { acquired: false }>, dataDir: string, waitMs: number): PlangraphError {
  const check = attempt.holder.host ? `on ${attempt.holder.host}: ps -p ${attempt.holder.pid} -o pid,lstart,args` : `ps -p ${attempt.holder.pid} -o pid,lstart,args`;
  return new PlangraphError(
    "LOCK_TIMEOUT",
    `waited ${(waitMs / 1000).toFixed(1)} s for the estate lock ${attempt.file}, held by ${describeHolder(attempt.holder)}, which is building the estate in ${dataDir}; ` +
      `${attempt.verdict.status === "live" ? "that process is alive" : attempt.verdict.reason}. ` +
      `If it is not building the estate (check ${check}), remove ${attempt.file} and run again; ` +
      `or wait longer with PLANGRAPH_ESTATE_LOCK_WAIT_MS (now ${waitMs} ms)`,
  );
}

/** Another process serves this directory: read a private copy instead of sharing its files. */
async function openPrivateCopy(dataDir: string, holderPid: number, onProgress?: ProgressListener): Promise<OpsDatabase> {
  onProgress?.(`${dataDir} is in use by process ${holderPid}; reading a private copy`);
  const copy = join(mkdtempSync(join(tmpdir(), "plangraph-estate-")), "estate");
  try {
    cpSync(dataDir, copy, { recursive: true });
    const client = closingAlso(await openPglite(copy), () => rmSync(dirname(copy), { recursive: true, force: true }));
    return { client, meta: await readEstateMeta(client, dataDir), location: dataDir, writable: false };
  } catch (error) {
    rmSync(dirname(copy), { recursive: true, force: true });
    throw error;
  }
}

async function openOrBuild(dataDir: string, seed: number, scale: number, onProgress?: ProgressListener): Promise<OpsDatabase> {
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
    if (entry.startsWith(`${name}.building-`) && buildIsAbandoned(entry)) rmSync(join(parent, entry), { recursive: true, force: true });
  }

  progress(`building the sample ops estate (seed ${seed}${scale === 1 ? "" : `, scale ${scale}`}) in ${dataDir} (first run only, ~10–30 s)…`);
  const estate = generateEstate({ seed, scale });
  const generated = performance.now();
  const counts = estateCounts(estate);
  progress(
    `generated ${fmt(counts.cis)} CIs, ${fmt(counts.relationships)} relationships, ` +
      `${fmt(counts.metric_series)} metric series, ${fmt(counts.events)} events of ${estate.tenants.length} tenants in ${((generated - started) / 1000).toFixed(1)} s`,
  );

  // The builder's PID and kernel start time: a reused PID does not keep a dead build's 100+ MB alive.
  const temp = join(parent, `${name}.building-${process.pid}-${processStartTime(process.pid) ?? "0"}-${Math.random().toString(36).slice(2, 8)}`);
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

/**
 * A build directory (`<name>.building-<pid>-<start time>-<random>`, or `-<pid>-<random>` of older
 * versions) whose builder is gone: no such process, or another process under that PID.
 */
function buildIsAbandoned(entry: string): boolean {
  const m = /\.building-(\d+)-(?:(\d+)-)?[a-z0-9]+$/.exec(entry);
  if (!m) return false;
  const pid = Number(m[1]);
  if (!pidAlive(pid)) return true;
  const started = m[2] !== undefined && m[2] !== "0" ? processStartTime(pid) : null;
  return started !== null && started !== m[2];
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
  const retired = `${target}.retired-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  renameSync(target, retired);
  renameSync(built, target);
  rmSync(retired, { recursive: true, force: true });
}
