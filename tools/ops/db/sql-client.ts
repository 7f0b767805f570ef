/**
 * The one database interface the ops tools speak. Two implementations: PGlite (embedded, the
 * default) and node-postgres (server mode, `DATABASE_URL`). Every statement the tools send is the
 * same SQL with `$n` parameters on both.
 */

/** Column types the bulk loader can write. */
export type ColumnType = "text" | "int4" | "float8" | "float4[]" | "timestamptz" | "jsonb";

/** One column of a bulk load: its name and how its values are encoded. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/**
 * A value for a bulk-loaded column: `text` → string, `int4`/`float8` → number, `float4[]` →
 * number array, `timestamptz` → epoch milliseconds, `jsonb` → any JSON value; `null` for NULL.
 */
export type BulkValue = string | number | readonly number[] | Float32Array | Record<string, unknown> | null;

/** Options of `SqlClient.bulkInsert`. */
export interface BulkInsertOptions {
  freeze?: boolean;
}

/** A connection (or pool) that runs parameterised SQL. */
export interface SqlClient {
  /** `pglite` or `postgres`: only for messages, reports and benchmarks; the SQL is the same. */
  readonly dialect: "pglite" | "postgres";
  /** One statement with `$1…$n` parameters; returns the rows as plain objects. */
  query<Row extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements without parameters (DDL, `BEGIN`, `ANALYZE`). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` inside one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  /**
   * Appends rows to `table` with a binary COPY (both drivers). `freeze` writes the rows frozen
   * (COPY FREEZE: the table must have been created in this transaction), so later reads never
   * dirty a page to set hint bits.
   */
  bulkInsert(table: string, columns: readonly ColumnSpec[], rows: Iterable<readonly BulkValue[]>, options?: BulkInsertOptions): Promise<number>;
  close(): Promise<void>;
}

/** Identifiers that appear in bulk-load SQL come from our own table specs; this guards against mistakes. */
export function assertIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return name;
}
