import type Database from "better-sqlite3";
import type { AuditEntry } from "../model/audit.js";
import { nextRow, verifyChain } from "./audit-chain.js";
import { AUDIT_COLUMNS, auditColumnsDdl, filterSql, rowFromColumns, rowValues } from "./audit-rows.js";
import { appendFailed, checkAuditEntry, checkAuditFilter, type AuditAnchor, type AuditFilter, type AuditTrail, type AuditVerification, type StoredAuditEntry } from "./audit-trail.js";
import { openSqliteFile } from "./sqlite-file.js";

/**
 * The audit trail in a SQLite file (the `--db` file, beside the checkpoints). The database itself
 * refuses to change or remove a row: triggers abort every UPDATE and DELETE of the trail, and of
 * its head but for the one update an append makes. Appends take the file's write lock first
 * (BEGIN IMMEDIATE), so two processes appending at once still make one unbroken chain.
 */
export class SqliteAuditTrail implements AuditTrail {
  readonly where: string;
  private readonly db: Database.Database;

  private constructor(
    readonly file: string,
    db: Database.Database,
  ) {
    this.db = db;
    this.where = `'${file}'`;
  }

  /** Opens (creating unless `mustExist`) the trail in `file`; a bad file is a typed error naming it. */
  static open(file: string, options: { mustExist?: boolean } = {}): SqliteAuditTrail {
    const db = openSqliteFile(file, options.mustExist ?? false);
    try {
      db.transaction(() => createTables(db)).immediate();
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteAuditTrail(file, db);
  }

  async append(entry: AuditEntry): Promise<void> {
    const checked = checkAuditEntry(entry);
    try {
      this.db.transaction(() => {
        const head = this.db.prepare("SELECT seq, hash FROM plangraph_audit_head WHERE id = 1").get() as { seq: number; hash: string } | undefined;
        const row = nextRow(head, checked);
        this.db.prepare(`INSERT INTO plangraph_audit (${AUDIT_COLUMNS.join(", ")}) VALUES (${AUDIT_COLUMNS.map(() => "?").join(", ")})`).run(...(rowValues(row) as unknown[]));
        this.db.prepare("INSERT INTO plangraph_audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash").run(row.seq, row.hash);
      }).immediate();
    } catch (error) {
      throw appendFailed(this.where, error);
    }
  }

  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    const { sql, values } = filterSql(checkAuditFilter(filter), () => "?");
    const rows = this.db.prepare(`SELECT * FROM plangraph_audit ${sql}`).all(...values) as Array<Record<string, unknown>>;
    return rows.map((row) => rowFromColumns(row).entry);
  }

  async verify(anchor?: AuditAnchor): Promise<AuditVerification> {
    // One read transaction: appends made meanwhile by other processes are not half-seen.
    return this.db.transaction(() => {
      const head = this.db.prepare("SELECT seq, hash FROM plangraph_audit_head WHERE id = 1").get() as { seq: number; hash: string } | undefined;
      const rows = this.db.prepare("SELECT * FROM plangraph_audit ORDER BY seq ASC").iterate() as IterableIterator<Record<string, unknown>>;
      return verifyChain(mapRows(rows), head, anchor);
    }).deferred();
  }

  close(): void {
    this.db.close();
  }
}

function* mapRows(rows: Iterable<Record<string, unknown>>): Generator<StoredAuditEntry> {
  for (const row of rows) yield rowFromColumns(row);
}

/**
 * The trail, its head and the triggers that keep both append-only. The head may move only
 * forward, one row at a time, to the row just appended: no statement can rewind it or point it
 * elsewhere while the triggers stand.
 */
function createTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS plangraph_audit (${auditColumnsDdl("INTEGER")});
    CREATE INDEX IF NOT EXISTS plangraph_audit_tenant ON plangraph_audit (tenant, seq);
    CREATE TABLE IF NOT EXISTS plangraph_audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
    CREATE TRIGGER IF NOT EXISTS plangraph_audit_no_update BEFORE UPDATE ON plangraph_audit
      BEGIN SELECT RAISE(ABORT, 'plangraph_audit is append-only: rows are never updated'); END;
    CREATE TRIGGER IF NOT EXISTS plangraph_audit_no_delete BEFORE DELETE ON plangraph_audit
      BEGIN SELECT RAISE(ABORT, 'plangraph_audit is append-only: rows are never deleted'); END;
    CREATE TRIGGER IF NOT EXISTS plangraph_audit_head_no_delete BEFORE DELETE ON plangraph_audit_head
      BEGIN SELECT RAISE(ABORT, 'plangraph_audit_head is never deleted'); END;
    CREATE TRIGGER IF NOT EXISTS plangraph_audit_head_forward BEFORE UPDATE ON plangraph_audit_head
      WHEN NEW.seq <> OLD.seq + 1 OR NEW.hash <> (SELECT hash FROM plangraph_audit WHERE seq = NEW.seq)
      BEGIN SELECT RAISE(ABORT, 'plangraph_audit_head only moves to the row just appended'); END;
  `);
}
