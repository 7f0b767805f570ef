import type pg from "pg";
import { LeaseSchema, type LeaseClaim, type LeaseOwner, type ThreadLeases } from "./backend.js";

/** Now in ms on the database's clock: the one clock every process on every machine shares. */
const NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/**
 * Thread leases in PostgreSQL (`<schema>.plangraph_leases`). Each method is one statement, so a
 * row lock decides between claimants; expiry is judged on the database's clock, not the callers'.
 */
export class PgThreadLeases implements ThreadLeases {
  private readonly table: string;

  /** `schema` is a checked identifier (see PgCompletionStore); the table is made by `createTable`. */
  constructor(
    private readonly pool: pg.Pool,
    schema: string,
  ) {
    this.table = `"${schema}".plangraph_leases`;
  }

  /** The DDL, run inside the store's setup. */
  createTable(client: pg.PoolClient): Promise<unknown> {
    return client.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
      thread_id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, owner JSONB NOT NULL, expires_at BIGINT NOT NULL)`);
  }

  async claim(thread: string, owner: LeaseOwner, ttlMs: number): Promise<LeaseClaim> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO ${this.table} (thread_id, owner_id, owner, expires_at) VALUES ($1, $2, $3, ${NOW_MS} + $4)
       ON CONFLICT (thread_id) DO UPDATE SET owner_id = excluded.owner_id, owner = excluded.owner, expires_at = excluded.expires_at
       WHERE ${this.table}.expires_at <= ${NOW_MS}`,
      [thread, owner.id, JSON.stringify(owner), ttlMs],
    );
    if (rowCount === 1) return { taken: true };
    const { rows } = await this.pool.query<{ owner: unknown; expires_at: string; now: string }>(
      `SELECT owner, expires_at, ${NOW_MS} AS now FROM ${this.table} WHERE thread_id = $1`,
      [thread],
    );
    const row = rows[0];
    // Released between the two statements: free now.
    if (!row) return this.claim(thread, owner, ttlMs);
    // Expiry in the caller's clock, for the message: the database's remaining time from now.
    const expiresAt = Date.now() + (Number(row.expires_at) - Number(row.now));
    return { taken: false, holder: LeaseSchema.parse({ owner: row.owner, expiresAt }) };
  }

  async takeOver(thread: string, stale: LeaseOwner, owner: LeaseOwner, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${this.table} SET owner_id = $1, owner = $2, expires_at = ${NOW_MS} + $3 WHERE thread_id = $4 AND owner_id = $5`,
      [owner.id, JSON.stringify(owner), ttlMs, thread, stale.id],
    );
    return rowCount === 1;
  }

  async renew(thread: string, owner: LeaseOwner, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(`UPDATE ${this.table} SET expires_at = ${NOW_MS} + $1 WHERE thread_id = $2 AND owner_id = $3`, [ttlMs, thread, owner.id]);
    return rowCount === 1;
  }

  async release(thread: string, owner: LeaseOwner): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.table} WHERE thread_id = $1 AND owner_id = $2`, [thread, owner.id]);
  }
}
