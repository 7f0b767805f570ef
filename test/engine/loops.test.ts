/**
 * Loop state, without LangGraph: iterations, the one history of a loop (passes carried as a
 * record's `earlier`), the max_iterations exit, and a run resumed in the middle of a loop.
 */
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { LoopState } from "../../src/engine/loop-state.js";
import { defineTool } from "../../src/tools/define.js";
import type { DecisionOutcome, StepRecord } from "../../src/model/records.js";
import { prepare, scheduler } from "./support.js";
import { createDecisionEvaluator } from "../../src/engine/decisions.js";

function countingSearch() {
  const calls: number[] = [];
  const tool = defineTool({
    name: "fake_search",
    description: "returns round*2 hits",
    input: z.object({ round: z.number() }),
    output: z.object({ data: z.object({ total: z.number(), round: z.number() }) }),
    run: ({ round }) => {
      calls.push(round);
      return { data: { total: round * 2, round } };
    },
  });
  return { tool, calls };
}

const loopPlan = (maxIterations: number, threshold: number) => ({
  steps: [
    { id: "seed", tool: "echo", params: { query: "db" } },
    { id: "broaden", tool: "echo", output_mapping: { round: "{__loop.iteration}", query: "{seed.data.query}" } },
    { id: "search", tool: "fake_search", output_mapping: { round: "{broaden.data.round}" } },
    { id: "report", tool: "echo", output_mapping: { found: "{search.data.total}" } },
  ],
  decisions: [{ id: "enough", after: ["search"], condition: `{search.data.total} >= ${threshold}`, then: ["report"], else: ["broaden"], max_iterations: maxIterations }],
});

const rules = createDecisionEvaluator({ chatModel: null });

async function runToEnd(maxIterations: number, threshold: number, seed?: { steps?: Record<string, StepRecord>; decisions?: Record<string, DecisionOutcome> }) {
  const search = countingSearch();
  const prepared = prepare(loopPlan(maxIterations, threshold), [search.tool]);
  const run = scheduler(prepared, { evaluateDecision: rules, ...(seed ? { seed } : {}) });
  await run.whenIdle();
  return { run, calls: search.calls, prepared };
}

describe("loops in the scheduler", () => {
  it("goes round until the decision is satisfied; every iteration's record stays readable", async () => {
    const { run, calls } = await runToEnd(5, 6);
    expect(calls).toEqual([1, 2, 3]);
    expect(run.iteration("search")).toBe(3);
    expect(run.stepRecord("search", 1)).toMatchObject({ status: "done", output: { data: { round: 1 } }, iteration: 1, attempts: 1 });
    expect(run.stepRecord("search", 2)).toMatchObject({ output: { data: { round: 2 } }, iteration: 2 });
    expect(run.decisionOutcome("enough", 1)).toMatchObject({ branch: "else", iteration: 1 });
    expect(run.decisionOutcome("enough")).toMatchObject({ branch: "then", iteration: 3 });
    expect(run.iterationOutputs("search")).toEqual([1, 2, 3].map((round) => ({ data: { total: round * 2, round } })));
    expect(run.stepRecord("report")).toMatchObject({ status: "done", output: { data: { found: 6 } } });
  });

  it("carries the history on the current record as `earlier`: the same passes, with their attempts and times", async () => {
    const { run } = await runToEnd(5, 6);
    const record = run.stepRecord("search")!;
    expect(record.earlier).toHaveLength(2);
    expect(record.earlier![0]).toEqual(run.stepRecord("search", 1));
    expect(record.earlier![1]).toMatchObject({ attempts: 1, iteration: 2, started_at: expect.any(Number), ended_at: expect.any(Number) });
  });

  it("leaves by the other branch at max_iterations and says so", async () => {
    const { run, calls } = await runToEnd(2, 100);
    expect(calls).toEqual([1, 2]);
    const outcome = run.decisionOutcome("enough")!;
    expect(outcome).toMatchObject({ branch: "then", iteration: 2 });
    expect(outcome.reason).toMatch(/max_iterations \(2\) reached: took 'then'/);
  });

  it("a run resumed after the decision went back runs the next iteration and keeps the one before in the history", async () => {
    const first = await runToEnd(5, 6);
    // What state held after iteration 1: the body's records and the decision that sent the run back.
    const steps = { seed: first.run.stepRecord("seed")!, broaden: first.run.stepRecord("broaden", 1)!, search: first.run.stepRecord("search", 1)! };
    const decisions = { enough: first.run.decisionOutcome("enough", 1)! };
    const resumed = await runToEnd(5, 6, { steps, decisions });
    expect(resumed.calls).toEqual([2, 3]);
    expect(resumed.run.iterationOutputs("search").map((o) => (o as { data: { round: number } }).data.round)).toEqual([1, 2, 3]);
    expect(resumed.run.stepRecord("search", 1)).toMatchObject({ output: { data: { round: 1 } } });
  });
});

describe("LoopState", () => {
  const prepared = prepare(loopPlan(3, 6), [countingSearch().tool]);
  const loop = prepared.loops.get("enough")!;
  const went = (iteration: number): DecisionOutcome => ({ status: "decided", branch: "else", source: "rule", reason: "too few", iteration });

  it("judges a loop branch below max_iterations as another round, and at it as the exit", () => {
    const state = new LoopState(prepared);
    expect(state.judge("enough", { status: "decided", branch: "else", source: "rule", reason: "few" })).toMatchObject({ again: true, outcome: { iteration: 1 } });
    const steps = new Map<string, StepRecord>([["search", { status: "done", output: 1, attempts: 1 }]]);
    state.advance(loop, went(1), steps);
    state.advance(loop, went(2), steps);
    const last = state.judge("enough", { status: "decided", branch: "else", source: "rule", reason: "few" });
    expect(last).toMatchObject({ again: false, outcome: { branch: "then", iteration: 3 } });
  });

  it("moves the body's records into the history on advance and stamps the next record with it", () => {
    const state = new LoopState(prepared);
    const steps = new Map<string, StepRecord>([
      ["seed", { status: "done", output: "s", attempts: 1 }],
      ["search", state.withHistory("search", { status: "done", output: 1, attempts: 1 })],
    ]);
    expect(state.advance(loop, went(1), steps)).toEqual(["search"]);
    expect(steps.has("search")).toBe(false);
    expect(steps.has("seed")).toBe(true);
    expect(state.iteration("search")).toBe(2);
    expect(state.iteration("seed")).toBe(1);
    expect(state.withHistory("search", { status: "failed", attempts: 2 })).toEqual({
      status: "failed",
      attempts: 2,
      iteration: 2,
      earlier: [{ status: "done", output: 1, attempts: 1, iteration: 1 }],
    });
  });

  it("seeds from a record's `earlier` without losing a pass, and drops records of a finished iteration from the current ones", () => {
    const state = new LoopState(prepared);
    const steps = new Map<string, StepRecord>([["search", { status: "done", output: 2, attempts: 1, iteration: 2, earlier: [{ status: "done", output: 1, attempts: 1, iteration: 1 }] }]]);
    const decisions = new Map<string, DecisionOutcome>([["enough", went(2)]]);
    state.seed(steps, decisions);
    expect(state.iteration("search")).toBe(3);
    expect(steps.has("search")).toBe(false);
    expect(decisions.has("enough")).toBe(false);
    expect(state.iterationOutputs("search", undefined)).toEqual([1, 2]);
    expect(state.decisionPass("enough", 2)).toMatchObject({ branch: "else" });
  });
});
