import { describe, expect, it } from "vitest";
import { assembleResult } from "../../src/engine/result.js";
import { formatSummary } from "../../src/cli/summary.js";
import type { StepRecord } from "../../src/model/records.js";
import { prepare, tempWorkspace } from "../core/helpers.js";
import { runCli } from "./support.js";

// Times as a paused-and-resumed run records them: the human answered 7 s after the pause.
const plan = {
  steps: [
    { id: "build", tool: "echo" },
    { id: "ship", tool: "echo", depends_on: ["build"], requires_approval: true },
    { id: "announce", tool: "echo", depends_on: ["ship"] },
  ],
};
const origin = 1_000_000;
const done = (start: number, end: number): StepRecord => ({ status: "done", output: {}, attempts: 1, started_at: origin + start, ended_at: origin + end });

describe("result assembly: waiting for a human is not running", () => {
  it("reports the approval wait apart (approval_wait_ms) and leaves it out of the summary's ratio", () => {
    const steps = new Map([["build", done(0, 1000)], ["ship", done(8000, 9000)], ["announce", done(9000, 10_000)]]);
    const result = assembleResult({ prepared: prepare(plan), steps, decisions: new Map(), origin });
    expect(result.makespan_ms).toBe(10_000);
    expect(result.critical_path_ms).toBe(3000);
    expect(result.approval_wait_ms).toBe(7000);
    const summary = formatSummary(result);
    expect(summary).toContain("makespan 10.00 s (3.00 s running, 7.00 s waiting for approval)");
    expect(summary).toContain("ratio 1.00");
  });

  it("counts overlapping waits once, and none when approval was immediate", () => {
    const parallel = {
      steps: [
        { id: "a", tool: "echo", requires_approval: true },
        { id: "b", tool: "echo", requires_approval: true },
      ],
    };
    const waited = assembleResult({ prepared: prepare(parallel), steps: new Map([["a", done(5000, 5100)], ["b", done(6000, 6100)]]), decisions: new Map(), origin });
    expect(waited.approval_wait_ms).toBe(6000);
    const immediate = assembleResult({ prepared: prepare(plan), steps: new Map([["build", done(0, 1000)], ["ship", done(1000, 2000)], ["announce", done(2000, 3000)]]), decisions: new Map(), origin });
    expect(immediate.approval_wait_ms).toBe(0);
    expect(formatSummary(immediate)).toMatch(/^makespan 3\.00 s · /m);
  });
});

describe("cli: a durable run resumed after a human's wait", () => {
  it("reports the wait in approval_wait_ms and keeps the ratio near 1", async () => {
    const ws = tempWorkspace();
    try {
      const file = ws.file("wait.json", { steps: [{ id: "build", tool: "sleep", params: { ms: 100 } }, { id: "ship", tool: "echo", depends_on: ["build"], requires_approval: true }, { id: "after", tool: "sleep", params: { ms: 100 }, depends_on: ["ship"] }] });
      const db = `${ws.dir}/wait.sqlite`;
      expect((await runCli(["run", file, "--thread", "w", "--db", db])).code).toBe(3);
      await new Promise((r) => setTimeout(r, 1500));
      const json = await runCli(["resume", "--thread", "w", "--db", db, "--approve", "ship", "--json"]);
      const result = JSON.parse(json.out);
      expect(result.approval_wait_ms).toBeGreaterThanOrEqual(1400);
      expect(result.makespan_ms - result.approval_wait_ms).toBeLessThan(result.critical_path_ms * 1.5);
      expect(result.makespan_ms).toBeGreaterThan(result.critical_path_ms * 3);
    } finally {
      ws.cleanup();
    }
  });
});
