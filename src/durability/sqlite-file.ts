import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { PlangraphError, describeError } from "../model/errors.js";

/** What SQLite's error codes mean for a `--db` file, in words a user can act on. */
const PROBLEMS: Record<string, string> = {
  SQLITE_NOTADB: "is not a SQLite database",
  SQLITE_CORRUPT: "is damaged (database disk image is malformed)",
  SQLITE_CANTOPEN: "cannot be opened",
  SQLITE_READONLY: "is read-only",
  SQLITE_PERM: "may not be written (permission denied)",
  SQLITE_BUSY: "is locked by another process",
  SQLITE_FULL: "cannot grow: the disk is full",
  SQLITE_IOERR: "cannot be read or written (I/O error)",
};

/** A typed error for a SQLite failure on `file`, or `undefined` when `error` is not one of SQLite's. */
export function sqliteFileError(file: string, error: unknown): PlangraphError | undefined {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) return undefined;
  const base = code.replace(/^(SQLITE_[A-Z]+?)(_[A-Z_]+)?$/, "$1");
  const what = PROBLEMS[code] ?? PROBLEMS[base] ?? `cannot be used (${code})`;
  return new PlangraphError("DATABASE_UNUSABLE", `database '${file}' ${what}: ${describeError(error)}`, { cause: error });
}

/**
 * Opens a `--db` SQLite file and proves it usable before anything runs: a missing directory, a
 * file that is not SQLite, a damaged or truncated one, each is a typed error naming the file.
 * With `mustExist` (resume), a missing file is DATABASE_NOT_FOUND and is not created.
 */
export function openSqliteFile(file: string, mustExist: boolean): Database.Database {
  const path = resolve(file);
  if (mustExist && !existsSync(path)) {
    throw new PlangraphError("DATABASE_NOT_FOUND", `no such database '${file}': a run started with --thread <id> --db '${file}' creates it`);
  }
  const dir = dirname(path);
  if (!existsSync(dir)) throw new PlangraphError("DATABASE_UNUSABLE", `database '${file}' cannot be created: directory '${dir}' does not exist`);
  if (existsSync(path) && !statSync(path).isFile()) throw new PlangraphError("DATABASE_UNUSABLE", `database '${file}' is not a file`);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: mustExist });
    db.pragma("busy_timeout = 5000");
    db.pragma("journal_mode = WAL");
    // Reads every table's root page: a damaged schema shows here, not halfway through a run.
    db.prepare("SELECT count(*) FROM sqlite_master").get();
    checkLength(db, file, path);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof PlangraphError) throw error;
    throw sqliteFileError(file, error) ?? new PlangraphError("DATABASE_UNUSABLE", `database '${file}' cannot be opened: ${describeError(error)}`, { cause: error });
  }
}

/**
 * A file cut short keeps a header that counts more pages than it has: SQLite reads garbage there
 * later. Pages not yet checkpointed live in the write-ahead log, so only a file without one is judged.
 */
function checkLength(db: Database.Database, file: string, path: string): void {
  const wal = `${path}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) return;
  const pages = db.pragma("page_count", { simple: true }) as number;
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  const bytes = statSync(path).size;
  if (bytes > 0 && bytes < pages * pageSize) {
    throw new PlangraphError("DATABASE_UNUSABLE", `database '${file}' is truncated: ${bytes} bytes where its header counts ${pages} pages of ${pageSize}`);
  }
}
