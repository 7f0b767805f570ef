import type Database from "better-sqlite3";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import type { CompletionStore, StoredRun } from "./completion-store.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import type { ApprovalAnswer } from "../engine/scheduler.js";
import { LeaseSchema, type DurableBackend, type LeaseClaim, type LeaseOwner, type OpenOptions, type PlanRegistry, type ThreadLeases, type ThreadRecord, type ThreadStatus, type ToolsModuleRef } from "./backend.js";
import { openSqliteFile } from "./sqlite-file.js";
import { SqliteAuditTrail } from "./audit-sqlite.js";
import { threadRecordFromRow, toolsColumns, type ThreadRow } from "./thread-row.js";

/**
 * Completion store, plan registry and thread leases in a SQLite file, beside LangGraph's own
 * checkpoint tables. Writes are synchronous (better-sqlite3): when a tool's completion has been
 * saved, it is on disk before the scheduler moves on, so a crash after it never re-runs that tool.
 */
export class SqliteCompletionStore implements CompletionStore, PlanRegistry, ThreadLeases {
  readonly durable = true;
  private readonly db: Database.Database;

  /** Opens (creating unless `mustExist`) and checks the file; a bad file is a typed error naming it. */
  constructor(
    readonly file: string,
    options: OpenOptions = {},
  ) {
    this.db = openSqliteFile(file, options.mustExist ?? false);
    try {
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS plangraph_completions (
          run_id TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
          PRIMARY KEY (run_id, kind, id));
        CREATE TABLE IF NOT EXISTS plangraph_threads (
          thread_id TEXT PRIMARY KEY, plan TEXT NOT NULL, tools TEXT, updated_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS plangraph_leases (
          thread_id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, owner TEXT NOT NULL, expires_at INTEGER NOT NULL);
      `);
      const columns = new Set((this.db.prepare("PRAGMA table_info(plangraph_threads)").all() as Array<{ name: string }>).map((c) => c.name));
      for (const column of ["run_id", "tools_sha256", "status"]) {
        if (!columns.has(column)) this.db.exec(`ALTER TABLE plangraph_threads ADD COLUMN ${column} TEXT`);
      }
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  async load(runId: string): Promise<StoredRun> {
    const rows = this.db.prepare("SELECT kind, id, body FROM plangraph_completions WHERE run_id = ?").all(runId) as Array<{ kind: string; id: string; body: string }>;
    const run: StoredRun = { steps: {}, decisions: {}, answers: {} };
    for (const row of rows) {
      const body = JSON.parse(row.body) as unknown;
      if (row.kind === "step") run.steps[row.id] = body as StepRecord;
      else if (row.kind === "decision") run.decisions[row.id] = body as DecisionOutcome;
      else if (row.kind === "answer") run.answers[row.id] = body as ApprovalAnswer;
    }
    return run;
  }

  async saveStep(runId: string, step: string, record: StepRecord): Promise<void> {
    this.put(runId, "step", step, record);
  }

  async saveDecision(runId: string, decision: string, outcome: DecisionOutcome): Promise<void> {
    this.put(runId, "decision", decision, outcome);
  }

  async saveAnswer(runId: string, step: string, answer: ApprovalAnswer): Promise<void> {
    this.put(runId, "answer", step, answer);
  }

  async discard(runId: string): Promise<void> {
    this.db.prepare("DELETE FROM plangraph_completions WHERE run_id = ?").run(runId);
  }

  async savePlan(threadId: string, plan: string, tools: ToolsModuleRef | undefined, runId: string): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO plangraph_threads (thread_id, plan, tools, tools_sha256, updated_at, run_id, status) VALUES (?, ?, ?, ?, ?, ?, 'running')
         ON CONFLICT(thread_id) DO UPDATE SET plan = excluded.plan, tools = excluded.tools, tools_sha256 = excluded.tools_sha256,
           updated_at = excluded.updated_at, run_id = excluded.run_id, status = excluded.status`,
      )
      .run(threadId, plan, ...toolsColumns(tools), Date.now(), runId);
  }

  async loadPlan(threadId: string): Promise<ThreadRecord | undefined> {
    const row = this.db.prepare("SELECT plan, tools, tools_sha256, run_id, status FROM plangraph_threads WHERE thread_id = ?").get(threadId) as ThreadRow | undefined;
    return row ? threadRecordFromRow(row, threadId, `'${this.file}'`) : undefined;
  }

  async markRun(threadId: string, runId: string, status: ThreadStatus): Promise<void> {
    this.db.prepare("UPDATE plangraph_threads SET status = ?, updated_at = ? WHERE thread_id = ? AND run_id = ?").run(status, Date.now(), threadId, runId);
  }

  async claim(thread: string, owner: LeaseOwner, ttlMs: number): Promise<LeaseClaim> {
    // One statement: an absent or expired lease is taken; a live one is left as it is.
    const now = Date.now();
    const taken = this.db
      .prepare(
        `INSERT INTO plangraph_leases (thread_id, owner_id, owner, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(thread_id) DO UPDATE SET owner_id = excluded.owner_id, owner = excluded.owner, expires_at = excluded.expires_at
         WHERE plangraph_leases.expires_at <= ?`,
      )
      .run(thread, owner.id, JSON.stringify(owner), now + ttlMs, now).changes;
    if (taken === 1) return { taken: true };
    const row = this.db.prepare("SELECT owner, expires_at FROM plangraph_leases WHERE thread_id = ?").get(thread) as { owner: string; expires_at: number } | undefined;
    // Released between the two statements: free now.
    if (!row) return this.claim(thread, owner, ttlMs);
    return { taken: false, holder: LeaseSchema.parse({ owner: JSON.parse(row.owner), expiresAt: row.expires_at }) };
  }

  async takeOver(thread: string, stale: LeaseOwner, owner: LeaseOwner, ttlMs: number): Promise<boolean> {
    const sql = "UPDATE plangraph_leases SET owner_id = ?, owner = ?, expires_at = ? WHERE thread_id = ? AND owner_id = ?";
    return this.db.prepare(sql).run(owner.id, JSON.stringify(owner), Date.now() + ttlMs, thread, stale.id).changes === 1;
  }

  async renew(thread: string, owner: LeaseOwner, ttlMs: number): Promise<boolean> {
    return this.db.prepare("UPDATE plangraph_leases SET expires_at = ? WHERE thread_id = ? AND owner_id = ?").run(Date.now() + ttlMs, thread, owner.id).changes === 1;
  }

  async release(thread: string, owner: LeaseOwner): Promise<void> {
    this.db.prepare("DELETE FROM plangraph_leases WHERE thread_id = ? AND owner_id = ?").run(thread, owner.id);
  }

  close(): void {
    this.db.close();
  }

  private put(runId: string, kind: string, id: string, body: unknown): void {
    this.db.prepare("INSERT OR REPLACE INTO plangraph_completions (run_id, kind, id, body) VALUES (?, ?, ?, ?)").run(runId, kind, id, JSON.stringify(body));
  }
}

/** A SQLite file as a durable backend: SqliteSaver and the store above, both on `file`. */
export async function openSqliteBackend(file: string, options: OpenOptions = {}): Promise<DurableBackend> {
  const store = new SqliteCompletionStore(file, options);
  let audit: SqliteAuditTrail;
  try {
    audit = SqliteAuditTrail.open(file);
  } catch (error) {
    store.close();
    throw error;
  }
  const checkpointer = SqliteSaver.fromConnString(file);
  return {
    checkpointer,
    completions: store,
    plans: store,
    leases: store,
    audit,
    where: `'${file}'`,
    // Every connection closed: the last one to close checkpoints the write-ahead log into the file.
    close: async () => {
      try {
        store.close();
        audit.close();
      } finally {
        checkpointer.db.close();
      }
    },
  };
}
