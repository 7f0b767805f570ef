/**
 * `resumeRun` judges the approver itself (issue 16): under the policy's approver rules (an approver
 * role, `approver_not_starter` against the submitter on the run row), a refused answer is
 * APPROVER_NOT_ALLOWED naming the approver, their roles and the step, before anything is queued —
 * the run row stays interrupted and no job exists. `plangraph runs resume` exits 2 with the message.
 * Real PostgreSQL, an in-process worker, the CLI in real processes.
 *
 * Needs PLANGRAPH_TEST_DATABASE_URL; skipped with a message otherwise.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resumeRun, startWorker, submitRun, waitForRun, type WorkerHandle } from "../../src/queue/index.js";
import { DEFAULT_POLICY, parsePolicy } from "../../src/policy/index.js";
import { localCaller } from "../../src/model/caller.js";
import { childEnv, runCliProcess } from "../../bench/queue-workers.js";
import { queueTestDatabase, type QueueTestDatabase } from "../../bench/queue-database.js";

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;
const POLICY = { ...DEFAULT_POLICY, roles: { ...DEFAULT_POLICY.roles, lead: { allow: ["*"] } }, approvers: { roles: ["lead"], approver_not_starter: true } };
const GATED = { steps: [{ id: "gated", tool: "echo", params: { ci_id: "vm-01" }, requires_approval: true }] };
const ada = localCaller("t-ada", { user: "ada", roles: ["lead"], source: "library" });
const intern = localCaller("t-intern", { user: "intern", roles: ["admin"], source: "library" });
const lee = localCaller("t-lee", { user: "lee", roles: ["lead"], source: "library" });

if (!url) {
  describe("resumeRun under the policy's approver rules", () => {
    it.skip("skipped: set PLANGRAPH_TEST_DATABASE_URL (e.g. postgres://plangraph:plangraph@127.0.0.1:5432/plangraph)", () => {});
  });
} else {
  let db: QueueTestDatabase;
  let worker: WorkerHandle;
  let policyFile: string;

  beforeAll(async () => {
    db = await queueTestDatabase(url, "qapiresume");
    policyFile = join(mkdtempSync(join(tmpdir(), "plangraph-qapi-resume-")), "policy.json");
    writeFileSync(policyFile, JSON.stringify(POLICY));
    worker = await startWorker({ ...db.connection, leaseMs: 3000, policy: parsePolicy(POLICY) });
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await db?.drop();
  });

  /** A run of ada's, paused at `gated`. */
  const pausedRun = async (): Promise<string> => {
    const { run_id } = await submitRun({ plan: GATED, caller: ada }, db.connection);
    expect((await waitForRun(run_id, db.connection)).status).toBe("interrupted");
    // The worker records the pause before its job is done and removed: wait for that, so the
    // checks below see only jobs a resume added.
    const deadline = Date.now() + 10_000;
    while ((await db.pool.query(`SELECT 1 FROM plangraph_jobs._private_jobs WHERE key = $1`, [run_id])).rowCount) {
      if (Date.now() > deadline) throw new Error(`run ${run_id}'s first job was never removed`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return run_id;
  };
  /** What a refused resume must leave as it was: the row, and no job for any worker. */
  const untouched = async (runId: string) => {
    const { rows } = await db.pool.query<{ status: string; resume_answer: unknown; error: unknown }>(`SELECT status, resume_answer, error FROM "${db.schema}".plangraph_runs WHERE run_id = $1`, [runId]);
    expect(rows[0]).toEqual({ status: "interrupted", resume_answer: null, error: null });
    const jobs = await db.pool.query(`SELECT 1 FROM plangraph_jobs._private_jobs WHERE key = $1`, [runId]);
    expect(jobs.rowCount).toBe(0);
  };

  describe("resumeRun refuses an approver the policy refuses, before anything is queued", () => {
    it("refuses a caller without an approver role, naming the approver, their roles and the step; the run stays interrupted with no job", async () => {
      const runId = await pausedRun();
      const refused = resumeRun(runId, { approve: ["gated"] }, { ...db.connection, caller: intern, policy: parsePolicy(POLICY) });
      await expect(refused).rejects.toMatchObject({ code: "APPROVER_NOT_ALLOWED", step: "gated" });
      await expect(refused).rejects.toThrow("step 'gated': user 'intern' (roles 'admin') may not approve; approvers need one of the roles 'lead'");
      await untouched(runId);
      // The refusal is on the queue's audit trail, by the refused approver, although nothing else changed.
      const { rows: refusals } = await db.pool.query<{ step: string; outcome: string; user_id: string; thread_id: string }>(
        `SELECT step, outcome, user_id, thread_id FROM "${db.schema}".plangraph_audit WHERE kind = 'refusal' AND user_id = 'intern'`,
      );
      expect(refusals).toEqual([{ step: "gated", outcome: "refused:APPROVER_NOT_ALLOWED", user_id: "intern", thread_id: expect.stringMatching(/^acme\//) }]);
    }, 60_000);

    it("refuses the run's submitter under approver_not_starter (the submitter is on the run row), with the policy given as a file", async () => {
      const runId = await pausedRun();
      const { rows } = await db.pool.query<{ caller: { user: string } }>(`SELECT caller FROM "${db.schema}".plangraph_runs WHERE run_id = $1`, [runId]);
      expect(rows[0]!.caller.user).toBe("ada");
      await expect(resumeRun(runId, { reject: ["gated"] }, { ...db.connection, caller: ada, policy: policyFile })).rejects.toThrow(
        "step 'gated': user 'ada' started the run, and the policy lets no one approve their own run (approver_not_starter)",
      );
      await untouched(runId);
    }, 60_000);

    it("takes PLANGRAPH_POLICY when no policy is given", async () => {
      const runId = await pausedRun();
      const before = process.env.PLANGRAPH_POLICY;
      process.env.PLANGRAPH_POLICY = policyFile;
      try {
        await expect(resumeRun(runId, { approve: ["gated"] }, { ...db.connection, caller: intern })).rejects.toMatchObject({ code: "APPROVER_NOT_ALLOWED" });
      } finally {
        if (before === undefined) delete process.env.PLANGRAPH_POLICY;
        else process.env.PLANGRAPH_POLICY = before;
      }
      await untouched(runId);
    }, 60_000);

    it("queues an allowed approver's answer, and the worker runs the step", async () => {
      const runId = await pausedRun();
      const resumed = await resumeRun(runId, { approve: ["gated"] }, { ...db.connection, caller: lee, policy: parsePolicy(POLICY) });
      expect(resumed.status).toBe("queued");
      expect(await waitForRun(runId, db.connection)).toMatchObject({ status: "completed", results: { gated: { data: { ci_id: "vm-01" } } } });
    }, 60_000);

    it("plangraph runs resume exits 2 with the refusal on stderr, and the run is left interrupted; an approver it allows exits 0", async () => {
      const runId = await pausedRun();
      const env = childEnv(db.env, { PLANGRAPH_POLICY: policyFile });
      const refused = await runCliProcess(["runs", "resume", runId, "--approve", "gated", "--user", "intern", "--roles", "admin"], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^error APPROVER_NOT_ALLOWED \(step 'gated'\): step 'gated': user 'intern' \(roles 'admin'\) may not approve/m);
      await untouched(runId);
      const allowed = await runCliProcess(["runs", "resume", runId, "--approve", "gated", "--user", "lee", "--roles", "lead", "--json"], env);
      expect(allowed.code).toBe(0);
      expect(JSON.parse(allowed.stdout)).toMatchObject({ run_id: runId, status: "queued" });
      expect((await waitForRun(runId, db.connection)).status).toBe("completed");
    }, 90_000);
  });
}
