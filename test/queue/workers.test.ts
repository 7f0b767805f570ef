/**
 * Workers on real PostgreSQL, in this process and in child processes: tenant limits across two
 * workers, cancellation reaching another process, an approval resumed on a different worker,
 * drain handing a run back. Needs PLANGRAPH_TEST_DATABASE_URL; skipped cleanly without it.
 */
import pg from "pg";
import { Logger, runMigrations } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelRun, getRun, resumeRun, startWorker, submitRun, waitForRun, type WorkerHandle } from "../../src/queue/index.js";
import { DEFAULT_POLICY, parsePolicy, TenantLimiter } from "../../src/policy/index.js";
import { localCaller } from "../../src/model/caller.js";
import { effectTool, readLog, count, type LogLine } from "./support/tools.js";
import { dropSchema, logPath, spawnWorker, testSchema, until, url } from "./support/queue-db.js";

const tools = [effectTool];
const effect = (log: string, name: string, ms: number, extra: Record<string, unknown> = {}) => ({ id: name, tool: "effect", params: { name, log, ms }, ...extra });

/** The most runs whose `start`…`done` spans in the log overlap at one moment. */
function maxOverlap(log: LogLine[], names: string[]): number {
  const spans = names.map((name) => [log.find((l) => l.kind === "start" && l.name === name)!.at, log.find((l) => l.kind === "done" && l.name === name)!.at] as const);
  return Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length));
}

describe.skipIf(!url)("queue workers", () => {
  let pool: pg.Pool;
  const workers: WorkerHandle[] = [];
  const schemas: string[] = [];
  const own = (name: string) => {
    const schema = testSchema(name);
    schemas.push(schema);
    return schema;
  };
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: url!, max: 6 });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await pool.end();
    for (const schema of schemas) await dropSchema(schema);
  });
  const worker = async (schema: string, options: Parameters<typeof startWorker>[0] = {}) => {
    const w = await startWorker({ databaseUrl: url!, schema, leaseMs: 2000, planOptions: { tools }, ...options });
    workers.push(w);
    return w;
  };

  it("never runs more of a tenant's runs at once than its limit, across two workers, while other tenants go on", async () => {
    const schema = own("tenant");
    const log = logPath();
    const limit = (tenant: string) => (tenant === "acme" ? 1 : undefined);
    await worker(schema, { concurrency: 3, tenantConcurrency: limit });
    await worker(schema, { concurrency: 3, tenantConcurrency: limit });
    const names = ["a1", "a2", "a3", "a4"];
    const submitted = await Promise.all(names.map((name) => submitRun({ plan: { steps: [effect(log, name, 250)] } }, { pool, schema, tools })));
    const results = await Promise.all(submitted.map((s) => waitForRun(s.run_id, { pool, schema, pollMs: 200 })));
    expect(results.map((r) => r.status)).toEqual(["completed", "completed", "completed", "completed"]);
    const lines = readLog(log);
    // Six free slots over two workers, four runs: only the database-wide count kept them apart.
    expect(maxOverlap(lines, names)).toBe(1);
  });

  it("applies the policy's max_concurrent_runs for a tenant across workers", async () => {
    const schema = own("policy");
    const log = logPath();
    const policy = parsePolicy({ ...DEFAULT_POLICY, limits: { default: {}, tenants: { acme: { max_concurrent_runs: 1 } } } });
    // Each worker counts its own runs as a separate process would: only the queue sees them all.
    await worker(schema, { concurrency: 3, policy, planOptions: { tools, tenantLimiter: new TenantLimiter() } });
    await worker(schema, { concurrency: 3, policy, planOptions: { tools, tenantLimiter: new TenantLimiter() } });
    const names = ["p1", "p2", "p3"];
    const submitted = await Promise.all(names.map((name) => submitRun({ plan: { steps: [effect(log, name, 250)] } }, { pool, schema, tools })));
    const results = await Promise.all(submitted.map((s) => waitForRun(s.run_id, { pool, schema, pollMs: 200 })));
    expect(results.map((r) => r.status)).toEqual(["completed", "completed", "completed"]);
    expect(maxOverlap(readLog(log), names)).toBe(1);
  });

  it("lets an unlimited tenant's runs overlap on the same workers (the limit above is what serialised them)", async () => {
    const schema = own("unlimited");
    const log = logPath();
    await worker(schema, { concurrency: 3, tenantConcurrency: () => undefined });
    await worker(schema, { concurrency: 3 });
    const names = ["b1", "b2", "b3"];
    const submitted = await Promise.all(names.map((name) => submitRun({ plan: { steps: [effect(log, name, 400)] } }, { pool, schema, tools })));
    await Promise.all(submitted.map((s) => waitForRun(s.run_id, { pool, schema })));
    expect(maxOverlap(readLog(log), names)).toBeGreaterThan(1);
  });

  it("cancels a run held by a worker in another process: its tools in flight, launched ahead of their nodes too, are aborted", async () => {
    const schema = own("cancel");
    const log = logPath();
    const remote = await spawnWorker(schema);
    try {
      // `quick` ends at once, so `after` is launched eagerly while `long`'s superstep still runs.
      const plan = { steps: [effect(log, "quick", 0), effect(log, "long", 20_000), effect(log, "after", 20_000, { depends_on: ["quick"] }), effect(log, "never", 0, { depends_on: ["long"] })] };
      const { run_id } = await submitRun({ plan }, { pool, schema, tools });
      await until(() => count(readLog(log), "start", "after") === 1 && count(readLog(log), "start", "long") === 1, 15_000, "both long tools to start");
      expect((await getRun(run_id, { pool, schema })).worker).toBe(remote.id);
      const asked = Date.now();
      await cancelRun(run_id, { pool, schema });
      await expect(waitForRun(run_id, { pool, schema, pollMs: 100 })).rejects.toMatchObject({ code: "RUN_ABORTED" });
      const took = Date.now() - asked;
      const run = await getRun(run_id, { pool, schema });
      expect(run.status).toBe("cancelled");
      expect(took).toBeLessThan(5000);
      const lines = readLog(log);
      expect(count(lines, "abort", "long")).toBe(1);
      expect(count(lines, "abort", "after")).toBe(1);
      expect(count(lines, "start", "never")).toBe(0);
    } finally {
      remote.child.kill("SIGTERM");
      await remote.exited;
    }
  });

  it("frees the worker of an interrupted run, and runs the approved step exactly once on a different worker", async () => {
    const schema = own("approval");
    const log = logPath();
    const first = await worker(schema);
    const plan = { steps: [effect(log, "before", 0), effect(log, "gated", 0, { depends_on: ["before"], requires_approval: true }), effect(log, "later", 0, { depends_on: ["gated"] })] };
    const { run_id, thread_id } = await submitRun({ plan }, { pool, schema, tools });
    const paused = await waitForRun(run_id, { pool, schema });
    expect(paused.status).toBe("interrupted");
    expect(paused.pending.map((p) => p.step)).toEqual(["gated"]);
    await until(() => first.running().length === 0, 2000, "the worker to let the paused run go");
    expect((await getRun(run_id, { pool, schema })).status).toBe("interrupted");
    // The thread stays busy while its run waits for approval.
    await expect(submitRun({ plan, thread_id }, { pool, schema, tools })).rejects.toMatchObject({ code: "THREAD_BUSY" });
    await expect(resumeRun(run_id, { approve: ["later"] }, { pool, schema })).rejects.toMatchObject({ code: "USAGE", step: "later" });
    await first.stop();
    const second = await worker(schema);
    await resumeRun(run_id, { approve: ["gated"] }, { pool, schema });
    const done = await waitForRun(run_id, { pool, schema });
    expect(done.status).toBe("completed");
    expect((await getRun(run_id, { pool, schema })).worker).toBe(second.id);
    const lines = readLog(log);
    expect([count(lines, "start", "before"), count(lines, "start", "gated"), count(lines, "start", "later")]).toEqual([1, 1, 1]);
    // The approval is in the audit trail beside the run's checkpoints, wherever it was given.
    const { rows } = await pool.query(`SELECT * FROM "${schema}".plangraph_audit`);
    expect(JSON.stringify(rows)).toContain("gated");
  });

  it("judges an answer by its approver: a refused approver leaves the run interrupted, an allowed one runs the step once", async () => {
    const schema = own("approver");
    const log = logPath();
    const policy = parsePolicy({ ...DEFAULT_POLICY, roles: { ...DEFAULT_POLICY.roles, lead: { allow: ["*"] } }, approvers: { roles: ["lead"] } });
    await worker(schema, { policy });
    const plan = { steps: [effect(log, "gated", 0, { requires_approval: true })] };
    const { run_id } = await submitRun({ plan }, { pool, schema, tools });
    expect((await waitForRun(run_id, { pool, schema })).status).toBe("interrupted");
    const intern = localCaller("t-intern", { user: "intern", roles: ["admin"], source: "library" });
    await resumeRun(run_id, { approve: ["gated"] }, { pool, schema, caller: intern });
    await expect(waitForRun(run_id, { pool, schema })).rejects.toMatchObject({ code: "APPROVER_NOT_ALLOWED" });
    expect(await getRun(run_id, { pool, schema })).toMatchObject({ status: "interrupted", error: { code: "APPROVER_NOT_ALLOWED" } });
    const stranger = localCaller("t-other", { tenant: "other", roles: ["lead"], source: "library" });
    await expect(resumeRun(run_id, { approve: ["gated"] }, { pool, schema, caller: stranger })).rejects.toMatchObject({ code: "APPROVER_NOT_ALLOWED" });
    const lead = localCaller("t-lead", { user: "lee", roles: ["lead", "admin"], source: "library" });
    await resumeRun(run_id, { approve: ["gated"] }, { pool, schema, caller: lead });
    expect((await waitForRun(run_id, { pool, schema })).status).toBe("completed");
    expect(count(readLog(log), "start", "gated")).toBe(1);
  });

  it("reports a rejected step as rejected and skips what depends on it", async () => {
    const schema = own("reject");
    const log = logPath();
    await worker(schema);
    const plan = { steps: [effect(log, "gated", 0, { requires_approval: true }), effect(log, "later", 0, { depends_on: ["gated"] })] };
    const { run_id } = await submitRun({ plan }, { pool, schema, tools });
    expect((await waitForRun(run_id, { pool, schema })).status).toBe("interrupted");
    await resumeRun(run_id, { reject: ["gated"] }, { pool, schema });
    const done = await waitForRun(run_id, { pool, schema });
    expect(done.errors.gated).toMatch(/reject/i);
    expect(done.skipped).toContain("later");
    expect(count(readLog(log), "start", "gated")).toBe(0);
  });

  it("hands a run back when draining outlasts its limit, and another worker finishes it without calling completed steps again", async () => {
    const schema = own("drain");
    const log = logPath();
    const first = await worker(schema);
    const plan = { steps: [effect(log, "one", 0), effect(log, "two", 3000, { depends_on: ["one"] }), effect(log, "three", 0, { depends_on: ["two"] })] };
    const { run_id } = await submitRun({ plan }, { pool, schema, tools });
    await until(() => count(readLog(log), "start", "two") === 1, 10_000, "step two to start");
    await first.drain({ timeoutMs: 200 });
    expect((await getRun(run_id, { pool, schema })).status).toBe("queued");
    const second = await worker(schema);
    const done = await waitForRun(run_id, { pool, schema });
    expect(done.errors).toEqual({});
    expect(done.status).toBe("completed");
    expect((await getRun(run_id, { pool, schema })).worker).toBe(second.id);
    const lines = readLog(log);
    expect(count(lines, "start", "one")).toBe(1);
    expect(count(lines, "abort", "two")).toBe(1);
    expect(count(lines, "done", "two")).toBe(1);
    expect(count(lines, "start", "three")).toBe(1);
  });

  it("keeps taking runs after another application migrates a graphile-worker schema of its own in the same database", async () => {
    const schema = own("migrate");
    const foreign = `${schema}_foreign_jobs`;
    const log = logPath();
    await worker(schema);
    const before = process.exitCode;
    try {
      // A first migration anywhere in the database tells every graphile-worker to shut down.
      await runMigrations({ pgPool: pool, schema: foreign, logger: new Logger(() => () => undefined) });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { run_id } = await submitRun({ plan: { steps: [effect(log, "after_migration", 0)] } }, { pool, schema, tools });
      expect((await waitForRun(run_id, { pool, schema })).status).toBe("completed");
      expect(process.exitCode).toBe(before);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${foreign}" CASCADE`);
    }
  });

  it("gives a queued run whose job is gone a job again, so it still runs", async () => {
    const schema = own("orphan");
    const log = logPath();
    const { run_id } = await submitRun({ plan: { steps: [effect(log, "orphan", 0)] } }, { pool, schema, tools });
    await pool.query(`DELETE FROM plangraph_jobs._private_jobs WHERE key = $1`, [run_id]);
    await pool.query(`UPDATE "${schema}".plangraph_runs SET submitted_at = submitted_at - interval '1 minute' WHERE run_id = $1`, [run_id]);
    await worker(schema, { leaseMs: 1000 });
    expect((await waitForRun(run_id, { pool, schema })).status).toBe("completed");
    expect(count(readLog(log), "start", "orphan")).toBe(1);
  });
});
