import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AuditEntry, AuditSink } from "../model/audit.js";
import { PlangraphError } from "../model/errors.js";
import { PgAuditTrail } from "./audit-postgres.js";
import { SqliteAuditTrail } from "./audit-sqlite.js";
import { appendFailed, type AuditTrail } from "./audit-trail.js";
import { schemaForDb } from "./postgres.js";

/**
 * Where the CLI's audit trail is. A durable run's trail is in its `--db` (beside its
 * checkpoints); a run without `--db` is audited all the same, in the default trail:
 * `PLANGRAPH_AUDIT_DB` if set, else `<repo>/.data/audit.sqlite` — or, with `DATABASE_URL` set, the
 * PostgreSQL schema `plangraph_audit` (or the one `PLANGRAPH_AUDIT_DB` names).
 */

/** Names the default trail's file (or, with DATABASE_URL, its schema). */
export const AUDIT_DB_ENV = "PLANGRAPH_AUDIT_DB";
/** The default trail's schema in PostgreSQL. */
export const DEFAULT_AUDIT_SCHEMA = "plangraph_audit";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A trail the caller closes. */
export type ClosableAuditTrail = AuditTrail & { close(): unknown };

/** The `--db` value of the default trail. */
export function defaultAuditDb(env: NodeJS.ProcessEnv = process.env): string {
  const named = env[AUDIT_DB_ENV]?.trim();
  if (named) return named;
  return env.DATABASE_URL?.trim() ? DEFAULT_AUDIT_SCHEMA : join(REPO_ROOT, ".data", "audit.sqlite");
}

/**
 * Opens the trail of `db` as the CLI names it: a SQLite file, or with `DATABASE_URL` the schema
 * `schemaForDb(db)`. With `mustExist` (reading), a trail that is not there is DATABASE_NOT_FOUND
 * naming the path, and nothing is created.
 */
export async function openAuditTrail(db: string, env: NodeJS.ProcessEnv = process.env, options: { mustExist?: boolean } = {}): Promise<ClosableAuditTrail> {
  const url = env.DATABASE_URL?.trim();
  if (url) return PgAuditTrail.open(url, schemaForDb(db), options);
  if (options.mustExist && !existsSync(resolve(db))) {
    throw new PlangraphError("DATABASE_NOT_FOUND", `no audit trail at '${db}': no such file (runs audited there create it; see docs/AUDIT.md)`);
  }
  return SqliteAuditTrail.open(db, options);
}

/**
 * A sink that opens the trail on its first entry: a run that makes no audited call never touches
 * the database. `close` closes it if it was opened. A failure to open is the append's failure.
 */
export function lazyAuditSink(db: string, env: NodeJS.ProcessEnv = process.env): AuditSink & { close(): Promise<void> } {
  let opening: Promise<ClosableAuditTrail> | undefined;
  const open = (): Promise<ClosableAuditTrail> => {
    if (!env.DATABASE_URL?.trim()) mkdirSync(dirname(resolve(db)), { recursive: true });
    return openAuditTrail(db, env);
  };
  return {
    async append(entry: AuditEntry): Promise<void> {
      try {
        opening ??= open();
        await (await opening).append(entry);
      } catch (error) {
        throw appendFailed(`'${db}'`, error);
      }
    },
    async close(): Promise<void> {
      // A trail that never opened has nothing to close; its failure was reported to the append that opened it.
      const trail = await opening?.catch(() => undefined);
      await trail?.close();
    },
  };
}
