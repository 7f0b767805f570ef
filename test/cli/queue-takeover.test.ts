/**
 * `plangraph submit --wait` follows a run across a takeover: the worker holding it is SIGKILLed,
 * another takes it over, and the waiting client goes on showing per-step progress — now from the
 * new worker — and exits as `run` does with the run's result. Real processes, real PostgreSQL.
 *
 * Needs PLANGRAPH_TEST_DATABASE_URL; skipped with a message otherwise.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRun, listRuns } from "../../src/queue/index.js";
import { CLI, ROOT, childEnv, signalWorker, spawnWorker, until, type WorkerProcess } from "../../bench/queue-workers.js";
import { queueTestDatabase, type QueueTestDatabase } from "../../bench/queue-database.js";
import { createEffectTable, readEffects } from "../queue/chaos-tools.js";

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;
const TOOLS = resolve(import.meta.dirname, "../queue/chaos-tools.ts");

if (!url) {
  describe("cli: submit --wait across a takeover", () => {
    it.skip("skipped: set PLANGRAPH_TEST_DATABASE_URL (e.g. postgres://plangraph:plangraph@127.0.0.1:5432/plangraph)", () => {});
  });
} else {
  let db: QueueTestDatabase;
  const workers: WorkerProcess[] = [];
  const table = `takeover_effects_${process.pid}`;
  beforeAll(async () => {
    db = await queueTestDatabase(url, "clitakeover");
    await createEffectTable(db.pool, table);
  }, 60_000);
  afterAll(async () => {
    for (const w of workers) w.child.kill("SIGKILL");
    await db?.pool.query(`DROP TABLE IF EXISTS ${table}`);
    await db?.drop();
  });

  describe("cli: submit --wait across a takeover (real processes)", () => {
    it("keeps showing progress from the worker that took the run over, and exits 0 with the result", async () => {
      const env = childEnv(db.env, { PLANGRAPH_CHAOS_TABLE: table });
      for (const proc of ["a", "b"]) workers.push(spawnWorker(proc, ["--concurrency", "2", "--lease-ms", "2000", "--tools", TOOLS], env));
      await Promise.all(workers.map((w) => w.ready));
      const plan = {
        steps: [
          { id: "s0", tool: "effect", params: { run: "t", step: "s0", ms: 200, n: 1 } },
          { id: "s1", tool: "effect", params: { run: "t", step: "s1", ms: 4000, n: 2 }, output_mapping: { inputs: ["{s0.data.value}"] } },
          { id: "s2", tool: "effect", params: { run: "t", step: "s2", ms: 100, n: 3 }, output_mapping: { inputs: ["{s1.data.value}"] } },
        ],
      };
      const file = join(mkdtempSync(join(tmpdir(), "plangraph-takeover-")), "plan.json");
      writeFileSync(file, JSON.stringify(plan));
      const client = spawn(process.execPath, [CLI, "submit", file, "--wait", "--tools", TOOLS], { cwd: ROOT, env });
      let stdout = "";
      let stderr = "";
      client.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      client.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((done) => client.on("close", (code) => done(code)));

      // Once s0 is done and s1 runs, kill whichever worker holds the run.
      await until("s1 to start", async () => ((await readEffects(db.pool, table)).some((e) => e.step === "s1") ? true : undefined), 30_000);
      const [run] = await listRuns({ limit: 1 }, db.connection);
      const holder = workers.find((w) => run!.worker && w.stderr().includes(`worker ${run!.worker} ready`))!;
      expect(holder).toBeDefined();
      signalWorker(holder, "SIGKILL");
      const heir = workers.find((w) => w !== holder)!;

      expect(await exited, stderr).toBe(0);
      expect(stderr).toMatch(/^✓ s0 \d+ ms$/m);
      expect(stderr).toMatch(/^✓ s1 [\d.]+ m?s$/m);
      expect(stderr).toMatch(/^✓ s2 \d+ ms$/m);
      expect(stdout).toMatch(/^COMPLETED · SERIAL · 3 done, 0 failed, 0 skipped/);
      const ended = await getRun(run!.run_id, db.connection);
      expect(ended).toMatchObject({ status: "completed", takeovers: 1 });
      // The progress lines after the kill came from the heir: it made the calls after s0.
      const effects = await readEffects(db.pool, table);
      expect(effects.filter((e) => e.step === "s2").map((e) => e.pid)).toEqual([heir.child.pid, heir.child.pid]);
      expect(effects.filter((e) => e.step === "s0" && e.phase === "start")).toHaveLength(1);
    }, 90_000);
  });
}
