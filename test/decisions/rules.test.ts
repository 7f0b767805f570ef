import { describe, expect, it, vi } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { createDecisionEvaluator } from "../../src/engine/decisions.js";
import { probeStep, probeTool } from "./support.js";

/**
 * A → D ("{A.data.n} > 3") → then: T → T2 ; else: E → E2.
 * `n` picks the branch.
 */
function branchingPlan(n: number) {
  return {
    steps: [
      probeStep("A", { params: { n } }),
      probeStep("T"),
      probeStep("T2", { depends_on: ["T"] }),
      probeStep("E"),
      probeStep("E2", { depends_on: ["E"] }),
    ],
    decisions: [{ id: "D", after: ["A"], condition: "{A.data.n} > 3", then: ["T"], else: ["E"] }],
  };
}

describe("rule decisions", () => {
  it("takes `then` when the condition holds and skips the `else` branch and everything behind it", async () => {
    const probe = probeTool();
    const result = await runPlan(branchingPlan(5), { tools: [probe.tool], chatModel: null });

    expect(result.status).toBe("completed");
    expect(Object.keys(result.results).sort()).toEqual(["A", "T", "T2"]);
    expect(result.skipped.sort()).toEqual(["E", "E2"]);
    expect(result.skip_reasons).toEqual({ E: "decision 'D' took 'then'", E2: "'E' was skipped" });
    expect(probe.count("E")).toBe(0);
    expect(probe.count("E2")).toBe(0);
    expect(probe.count("T")).toBe(1);
  });

  it("takes `else` when the condition is false and skips the `then` branch and everything behind it", async () => {
    const probe = probeTool();
    const result = await runPlan(branchingPlan(2), { tools: [probe.tool], chatModel: null });

    expect(result.status).toBe("completed");
    expect(Object.keys(result.results).sort()).toEqual(["A", "E", "E2"]);
    expect(result.skipped.sort()).toEqual(["T", "T2"]);
    expect(result.skip_reasons).toEqual({ T: "decision 'D' took 'else'", T2: "'T' was skipped" });
    expect(probe.steps().sort()).toEqual(["A", "E", "E2"]);
  });

  it("records the branch, source 'rule' and the condition's step-by-step explanation as the reason", async () => {
    const probe = probeTool();
    const taken = await runPlan(branchingPlan(5), { tools: [probe.tool], chatModel: null });
    const notTaken = await runPlan(branchingPlan(2), { tools: [probe.tool], chatModel: null });

    expect(taken.decisions.D).toMatchObject({ branch: "then", source: "rule", reason: "{A.data.n} > 3 → 5 > 3 → true" });
    expect(notTaken.decisions.D).toMatchObject({ branch: "else", source: "rule", reason: "{A.data.n} > 3 → 2 > 3 → false" });
    expect(taken.decisions.D!.cause).toBeUndefined();
  });

  it("explains a missing path in the condition as null, with the cause", async () => {
    const probe = probeTool();
    const plan = branchingPlan(5);
    plan.decisions[0]!.condition = "{A.data.missing} == null";
    const result = await runPlan(plan, { tools: [probe.tool], chatModel: null });

    expect(result.decisions.D).toMatchObject({ branch: "then", source: "rule" });
    expect(result.decisions.D!.reason).toContain("null");
    expect(result.decisions.D!.cause).toMatch(/^missing: /);
  });

  it("routes a branch to several steps at once", async () => {
    const probe = probeTool();
    const plan = {
      steps: [probeStep("A", { params: { n: 1 } }), probeStep("T1"), probeStep("T2"), probeStep("E")],
      decisions: [{ id: "D", after: ["A"], condition: "{A.data.n} == 1", then: ["T1", "T2"], else: ["E"] }],
    };
    const result = await runPlan(plan, { tools: [probe.tool], chatModel: null });

    expect(Object.keys(result.results).sort()).toEqual(["A", "T1", "T2"]);
    expect(result.skipped).toEqual(["E"]);
  });

  it("with an empty branch taken, runs nothing behind the decision", async () => {
    const probe = probeTool();
    const plan = {
      steps: [probeStep("A", { params: { n: 0 } }), probeStep("T"), probeStep("T2", { depends_on: ["T"] })],
      decisions: [{ id: "D", after: ["A"], condition: "{A.data.n} > 0", then: ["T"], else: [] }],
    };
    const result = await runPlan(plan, { tools: [probe.tool], chatModel: null });

    expect(result.status).toBe("completed");
    expect(result.decisions.D).toMatchObject({ branch: "else", source: "rule" });
    expect(result.skipped.sort()).toEqual(["T", "T2"]);
    expect(probe.steps()).toEqual(["A"]);
  });

  it("does not evaluate a decision whose `after` step failed, and skips both branches", async () => {
    const probe = probeTool();
    const evaluate = vi.fn(createDecisionEvaluator({ chatModel: null }));
    const plan = {
      steps: [
        { id: "A", tool: "fail", params: { message: "cmdb is down" } },
        probeStep("T"),
        probeStep("T2", { depends_on: ["T"] }),
        probeStep("E"),
        probeStep("Other"),
      ],
      decisions: [{ id: "D", after: ["A"], condition: "{A.data.n} > 3", then: ["T"], else: ["E"] }],
    };
    const result = await runPlan(plan, { tools: [probe.tool], evaluateDecision: evaluate });

    expect(evaluate).not.toHaveBeenCalled();
    expect(result.decisions.D).toBeUndefined();
    expect(result.status).toBe("failed");
    expect(result.errors.A).toContain("cmdb is down");
    expect(result.skipped.sort()).toEqual(["E", "T", "T2"]);
    expect(result.skip_reasons.T).toBe("decision 'D' was not evaluated ('A' failed)");
    expect(result.skip_reasons.E).toBe("decision 'D' was not evaluated ('A' failed)");
    expect(result.skip_reasons.T2).toBe("'T' was skipped");
    // Steps that do not depend on the decision still run.
    expect(probe.steps()).toEqual(["Other"]);
  });

  it("does not evaluate a decision whose `after` step was itself skipped by another decision", async () => {
    const probe = probeTool();
    const evaluate = vi.fn(createDecisionEvaluator({ chatModel: null }));
    const plan = {
      steps: [probeStep("A", { params: { n: 0 } }), probeStep("B"), probeStep("T"), probeStep("E")],
      decisions: [
        { id: "D1", after: ["A"], condition: "{A.data.n} > 0", then: ["B"], else: [] },
        { id: "D2", after: ["B"], condition: "true", then: ["T"], else: ["E"] },
      ],
    };
    const result = await runPlan(plan, { tools: [probe.tool], evaluateDecision: evaluate });

    expect(evaluate).toHaveBeenCalledTimes(1);
    expect(Object.keys(result.decisions)).toEqual(["D1"]);
    expect(result.status).toBe("completed");
    expect(result.skipped.sort()).toEqual(["B", "E", "T"]);
    expect(result.skip_reasons.T).toBe("decision 'D2' was not evaluated ('B' did not run)");
    expect(probe.steps()).toEqual(["A"]);
  });
});
