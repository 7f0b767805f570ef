import Database from "better-sqlite3";
import type { CompletionStore, StoredRun } from "./completion-store.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import type { ApprovalAnswer } from "../engine/scheduler.js";

/**
 * Completion store and plan registry in a SQLite file, beside LangGraph's own checkpoint tables.
 * Writes are synchronous (better-sqlite3): when a tool's completion has been saved, it is on disk
 * before the scheduler moves on, so a crash after it never re-runs that tool.
 */
export class SqliteCompletionStore implements CompletionStore {
  readonly durable = true;
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS plangraph_completions (
        run_id TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (run_id, kind, id));
      CREATE TABLE IF NOT EXISTS plangraph_threads (
        thread_id TEXT PRIMARY KEY, plan TEXT NOT NULL, tools TEXT, updated_at INTEGER NOT NULL);
    `);
    const columns = this.db.prepare("PRAGMA table_info(plangraph_threads)").all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === "run_id")) this.db.exec("ALTER TABLE plangraph_threads ADD COLUMN run_id TEXT");
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

  /**
   * Remembers which plan (and tool module) a thread runs, and the id of its current run, before
   * any tool starts: `resume` needs only the thread, even for a run killed before its first checkpoint.
   */
  savePlan(threadId: string, plan: string, tools: string | undefined, runId?: string): void {
    this.db
      .prepare(
        "INSERT INTO plangraph_threads (thread_id, plan, tools, updated_at, run_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT(thread_id) DO UPDATE SET plan = excluded.plan, tools = excluded.tools, updated_at = excluded.updated_at, run_id = excluded.run_id",
      )
      .run(threadId, plan, tools ?? null, Date.now(), runId ?? null);
  }

  loadPlan(threadId: string): { plan: string; tools: string | undefined; runId: string | undefined } | undefined {
    const row = this.db.prepare("SELECT plan, tools, run_id FROM plangraph_threads WHERE thread_id = ?").get(threadId) as
      | { plan: string; tools: string | null; run_id: string | null }
      | undefined;
    return row ? { plan: row.plan, tools: row.tools ?? undefined, runId: row.run_id ?? undefined } : undefined;
  }

  close(): void {
    this.db.close();
  }

  private put(runId: string, kind: string, id: string, body: unknown): void {
    this.db.prepare("INSERT OR REPLACE INTO plangraph_completions (run_id, kind, id, body) VALUES (?, ?, ?, ?)").run(runId, kind, id, JSON.stringify(body));
  }
}
