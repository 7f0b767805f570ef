import pg from "pg";
import type { AuditEntry } from "../model/audit.js";
import { PlangraphError, describeError } from "../model/errors.js";
import { ChainChecker, nextRow } from "./audit-chain.js";
import { AUDIT_COLUMNS, auditColumnsDdl, filterSql, rowFromColumns, rowValues } from "./audit-rows.js";
import { appendFailed, checkAuditEntry, checkAuditFilter, type AuditAnchor, type AuditFilter, type AuditTrail, type AuditVerification, type StoredAuditEntry } from "./audit-trail.js";

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Rows read per query while verifying: the whole trail never sits in memory at once. */
const VERIFY_BATCH = 5000;

interface Queryable {
  query: pg.Pool["query"];
}

/**
 * The audit trail in PostgreSQL, in the backend's schema beside the checkpoints. Triggers refuse
 * every UPDATE, DELETE and TRUNCATE of the trail (and any move of its head but the one an append
 * makes); an append holds a transaction-scoped advisory lock on the schema's trail, so appends
 * from any number of processes form one unbroken chain.
 */
export class PgAuditTrail implements AuditTrail {
  readonly where: string;
  private readonly table: string;
  private readonly head: string;

  /** `pool` stays the caller's unless `ownsPool`; the tables are made by `createTables` or `open`. */
  constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
    private readonly ownsPool = false,
  ) {
    if (!SCHEMA_NAME.test(schema)) throw new PlangraphError("USAGE", `invalid PostgreSQL schema name '${schema}' (use [a-z_][a-z0-9_]*)`);
    this.table = `"${schema}".plangraph_audit`;
    this.head = `"${schema}".plangraph_audit_head`;
    this.where = `PostgreSQL schema '${schema}'`;
  }

  /**
   * Opens a pool on `url` with the trail in `schema`. With `mustExist` (reading the trail), a
   * schema without one is DATABASE_NOT_FOUND and nothing is created.
   */
  static async open(url: string, schema: string, options: { mustExist?: boolean } = {}): Promise<PgAuditTrail> {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on("error", () => undefined);
    const trail = new PgAuditTrail(pool, schema, true);
    try {
      if (options.mustExist && !(await trail.exists())) throw new PlangraphError("DATABASE_NOT_FOUND", `no audit trail in ${trail.where} (DATABASE_URL): runs audited there create it`);
      const client = await pool.connect();
      try {
        // The same lock as the backend's setup: concurrent CREATEs would collide in the catalogue.
        await client.query("SELECT pg_advisory_lock(hashtext($1))", [`plangraph-setup:${schema}`]);
        try {
          await trail.createTables(client);
        } finally {
          await client.query("SELECT pg_advisory_unlock(hashtext($1))", [`plangraph-setup:${schema}`]);
        }
      } finally {
        client.release();
      }
      return trail;
    } catch (error) {
      // The open's own error is what is thrown; the pool is being discarded.
      await pool.end().catch(() => undefined);
      if (error instanceof PlangraphError) throw error;
      throw new PlangraphError("DATABASE_UNUSABLE", `cannot use the audit trail in ${trail.where} (DATABASE_URL): ${describeError(error)}`, { cause: error });
    }
  }

  async exists(): Promise<boolean> {
    const { rows } = await this.pool.query<{ found: string | null }>("SELECT to_regclass($1) AS found", [this.table]);
    return rows[0]?.found != null;
  }

  /**
   * The DDL (idempotent). The caller serialises it against other processes' setups. Once the
   * tables and their triggers are in place it changes nothing, so the application may then run as
   * a role that only inserts and selects (docs/AUDIT.md).
   */
  async createTables(db: Queryable = this.pool): Promise<void> {
    if (await this.complete(db)) return;
    const refuse = `"${this.schema}".plangraph_audit_refuse`;
    const forward = `"${this.schema}".plangraph_audit_head_forward`;
    await db.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
    await db.query(`CREATE TABLE IF NOT EXISTS ${this.table} (${auditColumnsDdl("BIGINT")})`);
    await db.query(`CREATE INDEX IF NOT EXISTS plangraph_audit_tenant ON ${this.table} (tenant, seq)`);
    await db.query(`CREATE TABLE IF NOT EXISTS ${this.head} (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL)`);
    await db.query(`CREATE OR REPLACE FUNCTION ${refuse}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege'; END $$`);
    await db.query(`CREATE OR REPLACE FUNCTION ${forward}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.seq <> OLD.seq + 1 OR NEW.hash IS DISTINCT FROM (SELECT hash FROM ${this.table} WHERE seq = NEW.seq) THEN
          RAISE EXCEPTION 'plangraph_audit_head only moves to the row just appended' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`CREATE OR REPLACE TRIGGER plangraph_audit_no_change BEFORE UPDATE OR DELETE ON ${this.table} FOR EACH ROW EXECUTE FUNCTION ${refuse}()`);
    await db.query(`CREATE OR REPLACE TRIGGER plangraph_audit_no_truncate BEFORE TRUNCATE ON ${this.table} FOR EACH STATEMENT EXECUTE FUNCTION ${refuse}()`);
    await db.query(`CREATE OR REPLACE TRIGGER plangraph_audit_head_no_delete BEFORE DELETE ON ${this.head} FOR EACH ROW EXECUTE FUNCTION ${refuse}()`);
    await db.query(`CREATE OR REPLACE TRIGGER plangraph_audit_head_no_truncate BEFORE TRUNCATE ON ${this.head} FOR EACH STATEMENT EXECUTE FUNCTION ${refuse}()`);
    await db.query(`CREATE OR REPLACE TRIGGER plangraph_audit_head_forward BEFORE UPDATE ON ${this.head} FOR EACH ROW EXECUTE FUNCTION ${forward}()`);
  }

  /** Whether both tables and all five triggers exist. */
  private async complete(db: Queryable): Promise<boolean> {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace s ON s.oid = c.relnamespace
       WHERE s.nspname = $1 AND c.relname IN ('plangraph_audit', 'plangraph_audit_head') AND t.tgname LIKE 'plangraph_audit%' AND NOT t.tgisinternal`,
      [this.schema],
    );
    return Number(rows[0]?.n ?? 0) === 5;
  }

  async append(entry: AuditEntry): Promise<void> {
    const checked = checkAuditEntry(entry);
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query("BEGIN");
      try {
        await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`plangraph-audit:${this.schema}`]);
        const { rows } = await client.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${this.head} WHERE id = 1`);
        const head = rows[0] && { seq: Number(rows[0].seq), hash: rows[0].hash };
        const row = nextRow(head, checked);
        await client.query(`INSERT INTO ${this.table} (${AUDIT_COLUMNS.join(", ")}) VALUES (${AUDIT_COLUMNS.map((_, i) => `$${i + 1}`).join(", ")})`, rowValues(row));
        await client.query(`INSERT INTO ${this.head} (id, seq, hash) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`, [row.seq, row.hash]);
        await client.query("COMMIT");
      } catch (error) {
        // The append's error is what is thrown; a failed ROLLBACK leaves nothing committed.
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    } catch (error) {
      throw appendFailed(this.where, error);
    } finally {
      client?.release();
    }
  }

  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    const { sql, values } = filterSql(checkAuditFilter(filter), (i) => `$${i}`);
    const { rows } = await this.pool.query<Record<string, unknown>>(`SELECT * FROM ${this.table} ${sql}`, values);
    return rows.map((row) => rowFromColumns(row).entry);
  }

  async verify(anchor?: AuditAnchor): Promise<AuditVerification> {
    const client = await this.pool.connect();
    try {
      // One snapshot for the head and every batch: appends made meanwhile are not half-seen.
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      try {
        const { rows } = await client.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${this.head} WHERE id = 1`);
        const head = rows[0] && { seq: Number(rows[0].seq), hash: rows[0].hash };
        const checker = new ChainChecker(anchor);
        for (let after = -1; ; ) {
          const batch = await client.query<Record<string, unknown>>(`SELECT * FROM ${this.table} WHERE seq > $1 ORDER BY seq ASC LIMIT ${VERIFY_BATCH}`, [after]);
          let row: StoredAuditEntry | undefined;
          for (const columns of batch.rows) {
            row = rowFromColumns(columns);
            if (checker.push(row)) return checker.finish(head);
          }
          if (!row || batch.rows.length < VERIFY_BATCH) return checker.finish(head);
          after = row.seq;
        }
      } finally {
        // A read-only transaction: nothing to lose if its COMMIT fails.
        await client.query("COMMIT").catch(() => undefined);
      }
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}
