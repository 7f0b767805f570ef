/**
 * Durability under SIGKILL, with real processes (SQLite: `--thread T --db FILE`).
 *
 * `node bin/plangraph.mjs run plan.json --thread T --db FILE --tools scripts/reliability/logging-tools.ts
 * --json` is killed at seeded points, then finished with `run --resume --thread T --db FILE --json`
 * (resumes are killed too while enough is left to do). Every call of the `work` tool appends to a
 * side-effect log that survives the kill.
 *
 * The rule checked, precisely:
 * - exactly once for completed calls: a step whose completion was durable when the process died
 *   (in the completion store — eager completions ahead of their node's superstep — or in
 *   LangGraph's checkpoint / pending writes) is never called again by any later process, and no
 *   process calls a step twice;
 * - at least once for calls interrupted mid-flight: a call that had started, or even returned,
 *   but whose completion was not yet recorded, runs again on resume;
 * - the final result (results, errors, skipped steps, decision branches, which steps ran) equals
 *   an uninterrupted run's.
 *
 * Kill points are seeded: the k-th side-effect line a process writes (any k from its first tool
 * call on, so also before LangGraph's first checkpoint) plus 0–19 ms. Each plan is killed up to
 * five times in a row (the run, then each resume but the last); replay one plan with
 * PLANGRAPH_KILL_SEED=<seed>. PostgreSQL: kill-resume.postgres.test.ts.
 *
 * Reproduce: npx vitest run test/reliability/kill-resume.test.ts
 */
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { workTool } from "../../scripts/reliability/logging-tools.js";
import { LOGGING_TOOLS, parseJsonOutput, randomPlan, readPersisted, readSideEffectLog, seededRandom, spawnCli } from "./support/crash.js";
import { comparable, defineKillSuite } from "./support/kill-suite.js";

defineKillSuite({
  name: "SQLite: --thread --db FILE",
  env: {},
  db: (dir) => join(dir, "runs.sqlite"),
  readPersisted,
  cleanup: async () => undefined,
});

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("the reference the kill trials compare with", () => {
  it("an uninterrupted CLI run with --thread --db gives the in-process reference result", async () => {
    const plan = randomPlan(seededRandom(424242), { decision: true });
    const dir = mkdtempSync(join(tmpdir(), "plangraph-kill-"));
    dirs.push(dir);
    const planFile = join(dir, "plan.json");
    writeFileSync(planFile, JSON.stringify(plan));
    const log = join(dir, "side-effects.jsonl");
    const run = spawnCli(["run", planFile, "--thread", "whole", "--db", join(dir, "runs.sqlite"), "--tools", LOGGING_TOOLS, "--json"], { log, proc: "run" });
    const exit = await run.exit;
    expect(exit.code, exit.stderr).toBe(0);
    const ref = await runPlan(plan, { tools: [workTool], chatModel: null, telemetry: false });
    expect(comparable(parseJsonOutput(exit))).toEqual(comparable(ref as unknown as Record<string, unknown>));
    const starts = readSideEffectLog(log).filter((l) => l.phase === "start");
    expect(starts.map((l) => l.step).sort()).toEqual(Object.keys(ref.results).sort());
  }, 60_000);
});
