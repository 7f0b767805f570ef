/**
 * Issue 12 finding 1: one owner per thread, across processes. Real `node bin/plangraph.mjs`
 * processes on one SQLite file (and one PostgreSQL schema with PLANGRAPH_TEST_DATABASE_URL); the
 * side-effect log of scripts/reliability/logging-tools.ts proves how often each step really ran.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, parseJsonOutput, readSideEffectLog, spawnCli, type Exit } from "./support/crash.js";
import { errorCode, postgresDb, sqliteDb, type ThreadDb } from "./support/thread-db.js";

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;
const tag = `${process.pid}_${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), "plangraph-lease-"));
const backends: Array<() => ThreadDb> = [() => sqliteDb(dir), ...(url ? [() => postgresDb(url, tag)] : [])];
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOOLS = join(ROOT, "test/reliability/support/gate-tools.ts");
const work = (id: string, ms: number, extra: Record<string, unknown> = {}) => ({ id, tool: "work", params: { step: id, ms, n: 1 }, ...extra });
/** A step that lasts until `open(gate)` is called. */
const gated = (id: string, gate: string, extra: Record<string, unknown> = {}) => ({ id, tool: "gate", params: { step: id, open: gate }, ...extra });
const open = (gate: string) => writeFileSync(gate, "open");

/** How many times each step's tool started, over every process that wrote to `log`. */
const starts = (log: string) => {
  const counts: Record<string, number> = {};
  for (const line of readSideEffectLog(log)) if (line.phase === "start") counts[line.step] = (counts[line.step] ?? 0) + 1;
  return counts;
};

const until = async (what: string, ok: () => boolean, ms = 60_000) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const refusal = (exit: Exit) => ({ code: exit.code, error: errorCode(parseJsonOutput(exit)) });

describe.each(backends.map((make) => [make().name, make] as const))("one owner per thread (%s)", (_name, make) => {
  const backend = make();
  afterAll(() => backend.cleanup());
  let n = 0;
  const files = (plan: unknown) => {
    n++;
    const planFile = join(dir, `${backend.name}-plan-${n}.json`);
    writeFileSync(planFile, JSON.stringify(plan));
    return { planFile, log: join(dir, `${backend.name}-log-${n}.jsonl`), thread: `t${n}` };
  };
  const cli = (args: string[], log: string, proc: string, extra: Record<string, string> = {}) => spawnCli(args, { log, proc, extra: { ...backend.env, ...extra } });
  const run = (f: ReturnType<typeof files>, proc = "run", more: string[] = []) =>
    cli(["run", f.planFile, "--thread", f.thread, "--db", backend.db, "--tools", TOOLS, "--json", ...more], f.log, proc);
  const resume = (f: ReturnType<typeof files>, proc: string, more: string[] = []) =>
    cli(["resume", "--thread", f.thread, "--db", backend.db, "--tools", TOOLS, "--json", ...more], f.log, proc);

  it("refuses a resume and a second run while a run holds the thread, naming the owner; every step runs once", async () => {
    const gate = join(dir, `${backend.name}-gate-busy`);
    const f = files({ steps: [work("a", 20), gated("slow", gate, { depends_on: ["a"] }), work("c", 20, { depends_on: ["slow"] })] });
    const first = run(f);
    await until("slow to start", () => (starts(f.log).slow ?? 0) > 0);
    const [intruder, second] = await Promise.all([resume(f, "resume").exit, run(f, "run2").exit]);
    for (const exit of [intruder, second]) {
      expect(refusal(exit), exit.stderr).toEqual({ code: 2, error: "THREAD_BUSY" });
      expect(exit.stderr).toContain(`thread '${f.thread}'`);
      expect(exit.stderr).toContain(`pid ${first.child.pid}`);
    }
    open(gate);
    const done = await first.exit;
    expect(done.code, done.stderr).toBe(0);
    expect(parseJsonOutput(done).status).toBe("completed");
    expect(starts(f.log)).toEqual({ a: 1, slow: 1, c: 1 });
  }, 120_000);

  it("lets one of two concurrent resume --approve run the approved step; the other is refused", async () => {
    const gate = join(dir, `${backend.name}-gate-approve`);
    const f = files({ steps: [work("a", 20), gated("ship", gate, { depends_on: ["a"], requires_approval: true }), work("c", 20, { depends_on: ["ship"] })] });
    expect((await run(f).exit).code).toBe(3);
    const racers = [resume(f, "r1", ["--approve", "ship"]), resume(f, "r2", ["--approve", "ship"])];
    // The winner holds the thread inside ship until the gate opens; the loser is out by then.
    await Promise.race(racers.map((r) => r.exit));
    open(gate);
    const exits = await Promise.all(racers.map((r) => r.exit));
    const codes = exits.map((e) => e.code).sort();
    expect(codes, exits.map((e) => e.stderr).join("\n")).toEqual([0, 2]);
    const refused = exits.find((e) => e.code === 2)!;
    expect(refusal(refused)).toEqual({ code: 2, error: "THREAD_BUSY" });
    expect(starts(f.log)).toEqual({ a: 1, ship: 1, c: 1 });
  }, 120_000);

  it("refuses a new run on a thread waiting for approval (the pending approval survives); --restart starts over", async () => {
    const f = files({ steps: [work("a", 20), work("ship", 20, { depends_on: ["a"], requires_approval: true })] });
    expect((await run(f).exit).code).toBe(3);
    const again = await run(f, "run2").exit;
    expect(refusal(again), again.stderr).toEqual({ code: 2, error: "THREAD_HAS_UNFINISHED_RUN" });
    expect(again.stderr).toMatch(/waiting for approval.*resume --thread .*--restart/s);
    expect(starts(f.log)).toEqual({ a: 1 });

    const restarted = await run(f, "run3", ["--restart"]).exit;
    expect(restarted.code, restarted.stderr).toBe(3);
    expect(starts(f.log)).toEqual({ a: 2 });
    const approved = await resume(f, "resume", ["--approve", "ship"]).exit;
    expect(approved.code, approved.stderr).toBe(0);
    expect(starts(f.log)).toEqual({ a: 2, ship: 1 });
    // Finished: a new run is welcome again.
    expect((await run(f, "run4").exit).code).toBe(3);
  }, 120_000);

  it("after kill -9 of the owner, the thread is taken over at once and no completed step runs again", async () => {
    const gate = join(dir, `${backend.name}-gate-kill`);
    const f = files({ steps: [work("a", 20), work("b", 20), gated("slow", gate), work("c", 20, { depends_on: ["a", "b", "slow"] })] });
    const owner = run(f);
    await until("a and b to finish", () => readSideEffectLog(f.log).filter((l) => l.phase === "end").length >= 2 && (starts(f.log).slow ?? 0) > 0);
    await new Promise((r) => setTimeout(r, 500)); // their completions committed
    owner.child.kill("SIGKILL");
    expect((await owner.exit).signal).toBe("SIGKILL");

    const fresh = await run(f, "run2").exit;
    expect(refusal(fresh), fresh.stderr).toEqual({ code: 2, error: "THREAD_HAS_UNFINISHED_RUN" });
    open(gate);
    const resumed = await resume(f, "resume").exit;
    expect(resumed.code, resumed.stderr).toBe(0);
    // slow was in flight at the kill (at least once); a and b had completed (exactly once).
    expect(starts(f.log)).toEqual({ a: 1, b: 1, slow: 2, c: 1 });
  }, 120_000);

  it("honours a lease held from another machine until it expires, then lets the resume in", async () => {
    const f = files({ steps: [work("a", 20), work("ship", 20, { depends_on: ["a"], requires_approval: true })] });
    expect((await run(f).exit).code).toBe(3);
    const owner = { id: "elsewhere-1", host: "build-host-7", pid: 4242, startTicks: 1, bootId: "other-boot" };
    await backend.exec(`INSERT INTO T.plangraph_leases (thread_id, owner_id, owner, expires_at) VALUES ($1, $2, $3, ${backend.nowMs} + 600000)`, [f.thread, owner.id, JSON.stringify(owner)]);
    const refused = await resume(f, "r1", ["--approve", "ship"]).exit;
    expect(refusal(refused), refused.stderr).toEqual({ code: 2, error: "THREAD_BUSY" });
    expect(refused.stderr).toContain("pid 4242 on host 'build-host-7'");
    // Time passes without a renewal: the lease lapses on the database's clock.
    await backend.exec(`UPDATE T.plangraph_leases SET expires_at = ${backend.nowMs} + 1500 WHERE thread_id = $1`, [f.thread]);
    await new Promise((r) => setTimeout(r, 2500));
    const resumed = await resume(f, "r2", ["--approve", "ship"]).exit;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(starts(f.log)).toEqual({ a: 1, ship: 1 });
  }, 120_000);
});
