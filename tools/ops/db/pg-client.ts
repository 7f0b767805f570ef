import pg from "pg";
import { encodeCopyBinary } from "./copy-binary.js";
import { assertIdentifier, type BulkInsertOptions, type BulkValue, type ColumnSpec, type SqlClient } from "./sql-client.js";

// int8 (count(*) without a cast) and numeric arrive as strings from node-postgres; the tools want numbers.
const numberTypes = new Map<number, (v: string) => unknown>([
  [20, (v) => Number(v)],
  [1700, (v) => Number(v)],
]);
const typeParsers = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    numberTypes.get(oid) ?? pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/**
 * `COPY … FROM STDIN` as a node-postgres submittable: the protocol messages node-postgres already
 * sends for pg-copy-streams, without the extra package. It streams the same binary COPY data the
 * PGlite client loads, so both databases parse no text at all.
 */
class CopyIn {
  private error: unknown = null;
  readonly done: Promise<void>;
  private finish!: (error: unknown) => void;

  constructor(
    readonly text: string,
    private readonly chunks: readonly Buffer[],
  ) {
    this.done = new Promise((resolve, reject) => {
      this.finish = (error) => (error ? reject(error) : resolve());
    });
  }
  submit(connection: CopyConnection): void {
    connection.query(this.text);
  }
  handleCopyInResponse(connection: CopyConnection): void {
    for (const chunk of this.chunks) connection.sendCopyFromChunk(chunk);
    connection.endCopyFrom();
  }
  handleError(error: unknown): void {
    this.error = error;
  }
  handleReadyForQuery(): void {
    this.finish(this.error);
  }
  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

type PgQueryable = pg.Pool | pg.PoolClient;

class PgSession implements SqlClient {
  readonly dialect = "postgres" as const;
  constructor(private readonly db: PgQueryable) {}

  async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.db.query({ text: sql, values: params as unknown[], types: typeParsers });
    return result.rows as Row[];
  }

  async exec(sql: string): Promise<void> {
    await this.db.query(sql);
  }

  async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    if (!(this.db instanceof pg.Pool)) return fn(this);
    const conn = await this.db.connect();
    let broken = false;
    try {
      await conn.query("BEGIN");
      const result = await fn(new PgSession(conn));
      await conn.query("COMMIT");
      return result;
    } catch (error) {
      // The transaction's error is the one to report. A ROLLBACK that fails too leaves the
      // connection in an unknown state: it is destroyed on release, never handed out again.
      await conn.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      conn.release(broken);
    }
  }

  async bulkInsert(table: string, columns: readonly ColumnSpec[], rows: Iterable<readonly BulkValue[]>, options: BulkInsertOptions = {}): Promise<number> {
    const { chunks, count } = encodeCopyBinary(columns, rows);
    const names = columns.map((c) => assertIdentifier(c.name)).join(", ");
    const copy = new CopyIn(`COPY ${assertIdentifier(table)} (${names}) FROM STDIN WITH (FORMAT binary${options.freeze ? ", FREEZE" : ""})`, chunks);
    const conn = this.db instanceof pg.Pool ? await this.db.connect() : this.db;
    try {
      (conn as unknown as { query(submittable: CopyIn): void }).query(copy);
      await copy.done;
    } finally {
      if (conn !== this.db) (conn as pg.PoolClient).release();
    }
    return count;
  }

  async close(): Promise<void> {
    if (this.db instanceof pg.Pool) await this.db.end();
  }
}

/** A small connection pool to a PostgreSQL server (`postgres://user:pass@host:port/db`). */
export async function openPostgres(databaseUrl: string, options: { max?: number } = {}): Promise<SqlClient> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 4 });
  // A pool emits "error" when an idle connection dies (server restart); without a listener that kills the process.
  pool.on("error", () => undefined);
  const session = new PgSession(pool);
  await session.query("SELECT 1");
  return session;
}
