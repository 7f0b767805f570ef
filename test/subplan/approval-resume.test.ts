/**
 * A sub-plan beside a step that waits for a human: a durable run (`--thread --db`, SQLite) stops
 * interrupted with the sub-plan done, and the resume that approves the other step never calls an
 * inner step again.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LOGGING_TOOLS, parseJsonOutput, readSideEffectLog, spawnCli } from "../reliability/support/crash.js";

const dir = mkdtempSync(join(tmpdir(), "plangraph-subplan-approval-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plan = {
  steps: [
    { id: "list", tool: "echo", params: { rows: [{ n: 1 }, { n: 2 }, { n: 3 }] } },
    {
      id: "each",
      for_each: "{list.data.rows}",
      steps: [
        { id: "a", tool: "work", params: { step: "a{item_index}", ms: 40, n: "{item.n}" } },
        { id: "b", tool: "work", params: { step: "b{item_index}", ms: 40, n: 0 }, output_mapping: { inputs: ["{a.data.value}"] } },
      ],
    },
    { id: "gate", tool: "work", requires_approval: true, params: { step: "gate", ms: 1, n: 0 } },
    { id: "total", tool: "work", params: { step: "total", ms: 1, n: 0 }, output_mapping: { inputs: ["{each[0].b.data.value}", "{each[2].b.data.value}"] }, depends_on: ["gate"] },
  ],
};

describe("sub-plans across an approval pause", () => {
  it("the run stops interrupted with the sub-plan done; the approving resume runs only what was left", async () => {
    const planFile = join(dir, "plan.json");
    writeFileSync(planFile, JSON.stringify(plan));
    const db = join(dir, "runs.sqlite");
    const log = join(dir, "effects.jsonl");
    const first = await spawnCli(["run", planFile, "--thread", "t", "--db", db, "--tools", LOGGING_TOOLS, "--json"], { log, proc: "run" }).exit;
    expect(first.code, first.stderr).toBe(3);
    const paused = parseJsonOutput(first) as { status: string; pending: Array<{ step: string }>; results: Record<string, unknown> };
    expect(paused.status).toBe("interrupted");
    expect(paused.pending.map((p) => p.step)).toEqual(["gate"]);
    expect(paused.results.each).toHaveLength(3);

    const resumed = await spawnCli(["resume", "--thread", "t", "--db", db, "--tools", LOGGING_TOOLS, "--approve", "gate", "--json"], { log, proc: "resume" }).exit;
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = parseJsonOutput(resumed) as { status: string; results: Record<string, unknown> };
    expect(result.results.total).toEqual({ data: { step: "total", value: 1 + 3 } });
    const starts = readSideEffectLog(log).filter((l) => l.phase === "start");
    expect(starts.filter((l) => l.proc === "resume").map((l) => l.step).sort()).toEqual(["gate", "total"]);
    expect(starts.filter((l) => l.proc === "run").map((l) => l.step).sort()).toEqual(["a0", "a1", "a2", "b0", "b1", "b2"]);
  }, 60_000);
});
