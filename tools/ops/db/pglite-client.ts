import { PGlite, types } from "@electric-sql/pglite";
import { encodeCopyBinary } from "./copy-binary.js";
import { assertIdentifier, type BulkInsertOptions, type BulkValue, type ColumnSpec, type SqlClient } from "./sql-client.js";

/**
 * Settings written into a new PGlite data directory. `wal_level = minimal` lets a COPY into a
 * table created in the same transaction skip the WAL (half the build time and a third of the
 * disk); the small WAL sizes keep the directory small once the estate is loaded.
 */
export const PGLITE_BUILD_SETTINGS = [
  "wal_level = minimal",
  "max_wal_senders = 0",
  "min_wal_size = 32MB",
  "max_wal_size = 64MB",
];

// Return int8/numeric as numbers, like the SQL's explicit casts intend, and timestamps as Dates on both drivers.
const parsers = { [types.INT8]: (v: string) => Number(v), [types.NUMERIC]: (v: string) => Number(v) };

type Queryable = Pick<PGlite, "query" | "exec">;

class PgliteSession implements SqlClient {
  readonly dialect = "pglite" as const;
  constructor(
    protected readonly db: Queryable,
    private readonly owner?: PGlite,
  ) {}

  async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.db.query<Row>(sql, params as unknown[], { parsers });
    return result.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    if (!this.owner) return fn(this); // already inside one
    return this.owner.transaction((tx) => fn(new PgliteSession(tx)));
  }

  async bulkInsert(table: string, columns: readonly ColumnSpec[], rows: Iterable<readonly BulkValue[]>, options: BulkInsertOptions = {}): Promise<number> {
    const { chunks, count } = encodeCopyBinary(columns, rows);
    const names = columns.map((c) => assertIdentifier(c.name)).join(", ");
    await this.db.query(`COPY ${assertIdentifier(table)} (${names}) FROM '/dev/blob' WITH (FORMAT binary${options.freeze ? ", FREEZE" : ""})`, [], {
      blob: new Blob(chunks),
    });
    return count;
  }

  async close(): Promise<void> {
    if (this.owner && !this.owner.closed) await this.owner.close();
  }
}

/** Opens (or creates) a PGlite database in `dataDir`; `settings` apply only when the directory is new. */
export async function openPglite(dataDir: string, settings: readonly string[] = []): Promise<SqlClient> {
  const db = new PGlite(dataDir, settings.length > 0 ? { postgresqlconf: [...settings] } : {});
  await db.waitReady;
  return new PgliteSession(db, db);
}
