/**
 * Time spent waiting for a human's approval is part of `makespan_ms` (docs/RESULT-FORMAT.md) but
 * says nothing about scheduling: the report compares the running time with the longest chain and
 * names the wait apart.
 */
import { describe, expect, it } from "vitest";
import { renderReport, type ReportInput } from "../../src/report/index.js";
import { speedSentence } from "../../src/report/html.js";
import { runResult } from "./fixtures/result.js";

// `check` runs 700 ms, `deploy` waits 10.1 s for its approval, then runs 760 ms.
const APPROVED_RUN: ReportInput = {
  title: "deploy.plan.json",
  generatedAt: "2026-01-01T00:00:00Z",
  graph: {
    nodes: [
      { id: "check", kind: "step", tool: "ci_search" },
      { id: "deploy", kind: "step", tool: "ticket_create" },
    ],
    edges: [{ from: "check", to: "deploy" }],
  },
  result: runResult({
    order: [["check"], ["deploy"]],
    results: { check: { ok: true }, deploy: { ticket: "T-1" } },
    timings: { check: { start_ms: 0, end_ms: 700 }, deploy: { start_ms: 10_800, end_ms: 11_560 } },
    makespan_ms: 11_560,
    critical_path_ms: 1_460,
    critical_path: ["check", "deploy"],
    approval_wait_ms: 10_100,
  }),
};

describe("the report's speed figures with a wait for approval", () => {
  const html = renderReport(APPROVED_RUN);

  it("leaves the wait out of the comparison with the longest chain and says it apart", () => {
    expect(html).toContain(
      "Finished in 1.46 s plus 10.1 s waiting for approval; its longest chain of dependent steps (2) takes 1.46 s: as fast as those dependencies allow.",
    );
    expect(html).not.toContain("went to waiting beyond that chain");
  });

  it("shows the running time beside the longest chain, and the wait in a tile of its own", () => {
    expect(html).toMatch(/<div class="kpi kpi-makespan"><div class="k">Finished in<\/div><div class="v">1\.46 s<\/div>/);
    expect(html).toMatch(/<div class="kpi kpi-approval"><div class="k">Approval wait<\/div><div class="v">10\.1 s<\/div>/);
    expect(html).toContain("part of the 11.6 s from first start to last end");
  });

  it("keeps the timeline's makespan line at wall time, naming the wait in its title", () => {
    expect(html).toContain(`title="makespan 11.6 s (10.1 s of it waiting for approval)"`);
  });

  it("counts only running time beyond the chain as slack", () => {
    expect(speedSentence(12_000, 1_000, 2, 10_000)).toBe(
      "Finished in 2 s plus 10 s waiting for approval; its longest chain of dependent steps (2) takes 1 s: 1 s went to waiting beyond that chain (queueing, concurrency limits, overhead).",
    );
    expect(speedSentence(10_500, 0, 0, 10_000)).toBe("Finished in 500 ms plus 10 s waiting for approval.");
  });

  it("says nothing about approval when there was no wait", () => {
    const none = renderReport({ ...APPROVED_RUN, result: { ...APPROVED_RUN.result, approval_wait_ms: 0 } });
    expect(none).not.toMatch(/waiting for approval|class="kpi kpi-approval"/);
    expect(none).toContain("Finished in 11.6 s; its longest chain of dependent steps (2) takes 1.46 s: 10.1 s went to waiting beyond that chain");
  });
});
