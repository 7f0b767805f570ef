import type pg from "pg";
import { LeaseSchema, type LeaseClaim, type LeaseOwner, type ThreadLeases } from "../durability/backend.js";
import { NOW_MS, type QueueNames } from "./store.js";

/**
 * The lease on a running run, kept in its own row (`owner_id`, `lease_expires_at`, on the
 * database's clock), behind the durability layer's ThreadLeases interface so the same heartbeat
 * (`holdThread`) renews it and aborts the run when it is lost. Keyed by run id. A worker claims
 * the row first (see claim.ts), so `claim` here only confirms and extends its own lease.
 */
export class RunLeases implements ThreadLeases {
  constructor(
    private readonly pool: Pick<pg.Pool, "query">,
    private readonly names: QueueNames,
  ) {}

  async claim(runId: string, owner: LeaseOwner, ttlMs: number): Promise<LeaseClaim> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${this.names.runs} SET lease_expires_at = ${NOW_MS} + $3 WHERE run_id = $1 AND status = 'running' AND owner_id = $2`,
      [runId, owner.id, ttlMs],
    );
    if (rowCount === 1) return { taken: true };
    const { rows } = await this.pool.query<{ owner: unknown; lease_expires_at: string | null; now: string }>(
      `SELECT owner, lease_expires_at, ${NOW_MS} AS now FROM ${this.names.runs} WHERE run_id = $1`,
      [runId],
    );
    const row = rows[0];
    const expiresAt = Date.now() + (Number(row?.lease_expires_at ?? 0) - Number(row?.now ?? 0));
    return { taken: false, holder: LeaseSchema.parse({ owner: row?.owner ?? { id: "none", host: "", pid: 0, startTicks: null, bootId: null }, expiresAt }) };
  }

  async takeOver(runId: string, stale: LeaseOwner, owner: LeaseOwner, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${this.names.runs} SET owner_id = $3, owner = $4, lease_expires_at = ${NOW_MS} + $5 WHERE run_id = $1 AND status = 'running' AND owner_id = $2`,
      [runId, stale.id, owner.id, JSON.stringify(owner), ttlMs],
    );
    return rowCount === 1;
  }

  async renew(runId: string, owner: LeaseOwner, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${this.names.runs} SET lease_expires_at = ${NOW_MS} + $3 WHERE run_id = $1 AND status = 'running' AND owner_id = $2`,
      [runId, owner.id, ttlMs],
    );
    return rowCount === 1;
  }

  async release(runId: string, owner: LeaseOwner): Promise<void> {
    await this.pool.query(`UPDATE ${this.names.runs} SET lease_expires_at = NULL WHERE run_id = $1 AND owner_id = $2`, [runId, owner.id]);
  }
}
