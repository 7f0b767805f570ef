/**
 * Two LangGraph trigger pitfalls the compiler must make impossible:
 * - langgraphjs #2666: a join wired as one multi-source edge never fires when one source sits in
 *   an untaken branch (the run hangs or silently drops the join);
 * - langgraphjs #1535: a node wired with separate edges from each input fires once per superstep
 *   in which an input finishes (its tool would run several times).
 */
import { describe, expect, it } from "vitest";
import { compilePlan, runPlan } from "../../src/api/run-plan.js";
import { probeStep, probeTool, type Probe } from "./support.js";

/** Streams the compiled graph and counts how often each LangGraph node executed. */
async function nodeExecutions(plan: unknown, probe: Probe): Promise<Record<string, number>> {
  const graph = compilePlan(plan, { tools: [probe.tool], chatModel: null });
  const counts: Record<string, number> = {};
  for await (const chunk of await graph.stream({}, { streamMode: "updates" })) {
    for (const node of Object.keys(chunk as Record<string, unknown>)) counts[node] = (counts[node] ?? 0) + 1;
  }
  return counts;
}

/** D after A takes `then` (T) for n > 3, else `else` (E); J joins T and E. */
function joinAcrossBranches(join: Record<string, unknown>, n = 5) {
  return {
    steps: [
      probeStep("A", { params: { n } }),
      probeStep("T", { params: { x: "from T" } }),
      probeStep("E", { params: { x: "from E" } }),
      probeStep("J", join),
    ],
    decisions: [{ id: "D", after: ["A"], condition: "{A.data.n} > 3", then: ["T"], else: ["E"] }],
  };
}

describe("#2666: a join across a taken and an untaken branch", () => {
  it("reports the join skipped when a required dependency was skipped, and the run completes", { timeout: 5_000 }, async () => {
    const probe = probeTool();
    const result = await runPlan(joinAcrossBranches({ depends_on: ["T", "E"] }), { tools: [probe.tool], chatModel: null });

    expect(result.status).toBe("completed");
    expect(result.skipped.sort()).toEqual(["E", "J"]);
    expect(result.skip_reasons.J).toBe("'E' was skipped");
    expect(probe.count("J")).toBe(0);
    expect(Object.keys(result.results).sort()).toEqual(["A", "T"]);
  });

  it("finishes the graph's own stream without firing the join's node", { timeout: 5_000 }, async () => {
    const probe = probeTool();
    const counts = await nodeExecutions(joinAcrossBranches({ depends_on: ["T", "E"] }), probe);
    expect(counts).toEqual({ A: 1, D: 1, T: 1 });
  });

  it("runs the join when the untaken side is an `optional_depends_on`, reading null for references into it (empty text when interpolated)", { timeout: 5_000 }, async () => {
    const probe = probeTool();
    const plan = joinAcrossBranches({
      depends_on: ["T"],
      optional_depends_on: ["E"],
      output_mapping: { t: "{T.data.x}", e: "{E.data.x}", text: "e={E.data.x}" },
    });
    const result = await runPlan(plan, { tools: [probe.tool], chatModel: null });

    expect(result.status).toBe("completed");
    expect(result.skipped).toEqual(["E"]);
    expect(result.results.J).toEqual({ data: { step: "J", t: "from T", e: null, text: "e=" } });
    expect(probe.count("J")).toBe(1);
    // A skipped optional dependency reads null by design: no warning, and no failure under strict.
    expect(result.warnings).toEqual([]);
    const strict = await runPlan(plan, { tools: [probe.tool], chatModel: null, strict: true });
    expect(strict.status).toBe("completed");
    expect(strict.results.J).toEqual(result.results.J);
  });

  it("waits for an optional dependency that does run, and passes its value, when the other side is skipped", { timeout: 5_000 }, async () => {
    const probe = probeTool();
    // n = 1: D takes `else`, so E runs and T is skipped.
    const plan = joinAcrossBranches({ optional_depends_on: ["T", "E"], output_mapping: { e: "{E.data.x}" } }, 1);
    const result = await runPlan(plan, { tools: [probe.tool], chatModel: null });

    expect(result.skipped).toEqual(["T"]);
    expect(result.results.J).toEqual({ data: { step: "J", e: "from E" } });
    expect(result.timings.J!.start_ms).toBeGreaterThanOrEqual(result.timings.E!.end_ms);
  });

  it("fires the optional join's node exactly once, also when the optional step is deep in the untaken branch", { timeout: 5_000 }, async () => {
    const probe = probeTool();
    const plan = {
      steps: [
        probeStep("A", { params: { n: 5 } }),
        probeStep("T"),
        probeStep("E"),
        probeStep("E2", { depends_on: ["E"] }),
        probeStep("J", { depends_on: ["T"], optional_depends_on: ["E2"], output_mapping: { e: "{E2.data.step}" } }),
      ],
      decisions: [{ id: "D", after: ["A"], condition: "{A.data.n} > 3", then: ["T"], else: ["E"] }],
    };
    const counts = await nodeExecutions(plan, probe);
    expect(counts).toEqual({ A: 1, D: 1, T: 1, J: 1 });
    expect(probe.count("J")).toBe(1);
    expect(probe.calls.find((c) => c.step === "J")!.input).toEqual({ step: "J", e: null });
  });
});

describe("#2666 through a decision: a branch step that also needs a step of another decision's untaken branch", () => {
  /**
   * D0 takes `then` (Z), so Y on its `else` branch is skipped. D takes `then`: T needs Y (so T is
   * skipped, rightly), T2 needs nothing else and must run, and so must After (behind T2).
   */
  const plan = {
    steps: [
      probeStep("A"),
      probeStep("Z"),
      probeStep("Y"),
      probeStep("T", { depends_on: ["Y"] }),
      probeStep("T2", { params: { slow: true } }),
      probeStep("After", { depends_on: ["T2"] }),
    ],
    decisions: [
      { id: "D0", after: ["A"], condition: "true", then: ["Z"], else: ["Y"] },
      { id: "D", after: ["A"], condition: "true", then: ["T", "T2"], else: [] },
    ],
  };

  it("the legacy flat executor runs the other branch steps", async () => {
    const probe = probeTool();
    const result = await runPlan(plan, { tools: [probe.tool], chatModel: null, enableOrchestration: false });
    expect(result.skip_reasons).toEqual({ Y: "decision 'D0' took 'then'", T: "'Y' was skipped" });
    expect(Object.keys(result.results).sort()).toEqual(["A", "After", "T2", "Z"]);
  });

  // Was a bug: T's extra input Y was wired into D's waiting edge as is; Y's node never fires (untaken
  // branch of D0), so neither did D, T2 or After. Now D waits only for nodes sure to fire.
  it("runs the other steps of the taken branch, and reports the tools it called", { timeout: 5_000 }, async () => {
    const probe = probeTool({ delayMs: 100 });
    const result = await runPlan(plan, { tools: [probe.tool], chatModel: null });

    expect(result.decisions.D).toMatchObject({ branch: "then", source: "rule" });
    expect(result.skip_reasons).toEqual({ Y: "decision 'D0' took 'then'", T: "'Y' was skipped" });
    expect(Object.keys(result.results).sort()).toEqual(["A", "After", "T2", "Z"]);
    // Whatever the result says, it must not deny a call that happened.
    for (const step of result.skipped) expect(probe.count(step)).toBe(0);
  });
});

describe("#1535: a fan-in whose inputs finish in different supersteps", () => {
  /** F needs A (sleeps 5 ms), the end of a 3-step chain B1 → B2 → B3, and C (sleeps 60 ms): three supersteps apart. */
  function fanIn() {
    return {
      steps: [
        { id: "A", tool: "sleep", params: { ms: 5, step: "A" } },
        probeStep("B1"),
        probeStep("B2", { depends_on: ["B1"] }),
        probeStep("B3", { depends_on: ["B2"] }),
        { id: "C", tool: "sleep", params: { ms: 60, step: "C" } },
        probeStep("F", { output_mapping: { a: "{A.data.step}", b: "{B3.data.step}", c: "{C.data.step}" } }),
      ],
    };
  }

  it("runs the fan-in's tool exactly once, after all three inputs", { timeout: 5_000 }, async () => {
    const probe = probeTool();
    const result = await runPlan(fanIn(), { tools: [probe.tool], chatModel: null });

    expect(result.status).toBe("completed");
    expect(probe.count("F")).toBe(1);
    expect(result.results.F).toEqual({ data: { step: "F", a: "A", b: "B3", c: "C" } });
    const inputsEnd = Math.max(result.timings.A!.end_ms, result.timings.B3!.end_ms, result.timings.C!.end_ms);
    expect(result.timings.F!.start_ms).toBeGreaterThanOrEqual(inputsEnd);
  });

  it("executes the fan-in's LangGraph node exactly once", { timeout: 5_000 }, async () => {
    const probe = probeTool();
    const counts = await nodeExecutions(fanIn(), probe);

    expect(counts).toEqual({ A: 1, B1: 1, B2: 1, B3: 1, C: 1, F: 1 });
    expect(probe.count("F")).toBe(1);
  });

  it("draws the fan-in's inputs as plain edges and no conditional ones", async () => {
    const graph = await compilePlan(fanIn(), { tools: [probeTool().tool], chatModel: null }).getGraphAsync();
    const into = graph.edges.filter((e) => e.target === "F").map((e) => [e.source, e.conditional]);
    expect(into.sort()).toEqual([
      ["A", false],
      ["B3", false],
      ["C", false],
    ]);
  });

  it("runs a join behind a decision exactly once when its inputs finish in different supersteps", { timeout: 5_000 }, async () => {
    const probe = probeTool();
    const plan = {
      steps: [
        probeStep("A", { params: { n: 5 } }),
        probeStep("T"),
        probeStep("T2", { depends_on: ["T"] }),
        { id: "S", tool: "sleep", params: { ms: 40 } },
        probeStep("J", { depends_on: ["T2", "S", "A"] }),
      ],
      decisions: [{ id: "D", after: ["A"], condition: "{A.data.n} > 3", then: ["T"], else: [] }],
    };
    const counts = await nodeExecutions(plan, probe);
    expect(counts).toEqual({ A: 1, D: 1, T: 1, T2: 1, S: 1, J: 1 });
    expect(probe.count("J")).toBe(1);
  });
});
