import { PlangraphError } from "../model/errors.js";
import type { DurableBackend, OpenOptions } from "./backend.js";
import { openSqliteBackend } from "./sqlite.js";
import { openPostgresBackend, schemaForDb } from "./postgres.js";

/** A kind of database a durable run can live in: whether it serves this target, and how to open it. */
export interface BackendKind {
  name: string;
  serves(db: string, env: NodeJS.ProcessEnv): boolean;
  open(db: string, env: NodeJS.ProcessEnv, options: OpenOptions): Promise<DurableBackend>;
}

/**
 * The backends, asked in order; the first that serves the target opens it. Another database is one
 * more file exporting a BackendKind, listed here.
 */
export const BACKENDS: readonly BackendKind[] = [
  {
    name: "postgres",
    serves: (_db, env) => Boolean(env.DATABASE_URL?.trim()),
    open: (db, env, options) => openPostgresBackend(env.DATABASE_URL!.trim(), schemaForDb(db), options),
  },
  { name: "sqlite", serves: () => true, open: (db, _env, options) => openSqliteBackend(db, options) },
];

/**
 * Opens where a durable run lives from the CLI's terms: `--db <file>` is a SQLite file; with
 * `DATABASE_URL` set, the runs go to that PostgreSQL database instead and `--db` names the schema
 * they live in (`schemaForDb`: `runs.sqlite` → `runs_sqlite`), so separate `--db` values stay
 * separate there as they would as files. Every failure is a typed error naming the database.
 */
export async function openDurable(db: string, env: NodeJS.ProcessEnv = process.env, options: OpenOptions = {}): Promise<DurableBackend> {
  const kind = BACKENDS.find((backend) => backend.serves(db, env))!;
  return kind.open(db, env, options);
}

/** LangGraph's checkpoint timing for durable CLI runs (`PLANGRAPH_DURABILITY`). */
export const DURABILITY_ENV = "PLANGRAPH_DURABILITY";
export const DURABILITY_MODES = ["sync", "async", "exit"] as const;
export type DurabilityMode = (typeof DURABILITY_MODES)[number];

/**
 * The checkpoint timing from the environment, or `undefined` for LangGraph's default ("async").
 * Every mode keeps completed steps exactly-once, because the completion store (not the checkpoint)
 * is what a resume reuses; the kill-resume trials check it per mode
 * (test/reliability/kill-resume.modes.test.ts).
 */
export function durabilityFromEnv(env: NodeJS.ProcessEnv = process.env): DurabilityMode | undefined {
  const raw = env[DURABILITY_ENV]?.trim();
  if (!raw) return undefined;
  if (!(DURABILITY_MODES as readonly string[]).includes(raw)) throw new PlangraphError("USAGE", `${DURABILITY_ENV} must be one of ${DURABILITY_MODES.join(", ")}, got '${raw.slice(0, 40)}'`);
  return raw as DurabilityMode;
}
