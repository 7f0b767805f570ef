import { describe, expect, it } from "vitest";
import { normalizePlan } from "../../src/plan/normalize.js";
import { PlangraphError, PlanValidationError } from "../../src/model/errors.js";
import { resolveLimits } from "../../src/plan/limits.js";
import { prepare, rejection } from "./helpers.js";

const depsOf = (plan: unknown) => Object.fromEntries(normalizePlan(plan).steps.map((s) => [s.id, s.depends_on]));

describe("plan model: both forms normalise to one model", () => {
  it("turns a sectioned plan and the equivalent step list into the same steps", () => {
    const sectioned = normalizePlan({
      goal: "find db-prod",
      primary: { tool: "echo", params: { query: "db-prod" } },
      aggregate: { tool: "echo", output_mapping: { total: "{primary.data.query}" }, retry: { max_attempts: 2 } },
    });
    const list = normalizePlan({
      goal: "find db-prod",
      steps: [
        { id: "primary", tool: "echo", params: { query: "db-prod" } },
        { id: "aggregate", tool: "echo", output_mapping: { total: "{primary.data.query}" }, retry: { max_attempts: 2 }, depends_on: ["primary"] },
      ],
    });
    expect(sectioned.form).toBe("sectioned");
    expect(list.form).toBe("steps");
    expect(sectioned.steps).toEqual(list.steps);
    expect(sectioned.decisions).toEqual(list.decisions);
    expect(sectioned.goal).toBe(list.goal);
  });

  it("accepts a plan as JSON text as well as a value", () => {
    const value = { steps: [{ id: "a", tool: "echo", params: { x: 1 } }] };
    expect(normalizePlan(JSON.stringify(value))).toEqual(normalizePlan(value));
  });

  it("fills every optional step field with its default", () => {
    const [step] = normalizePlan({ steps: [{ id: "a", tool: "echo" }] }).steps;
    expect(step).toMatchObject({ id: "a", tool: "echo", params: {}, output_mapping: {}, depends_on: [], optional_depends_on: [], requires_approval: false });
  });

  it("names a section's step after its section", () => {
    const plan = normalizePlan({ secondary: { tool: "echo" }, graph: { tool: "echo" } });
    expect(plan.steps.map((s) => s.id)).toEqual(["secondary", "graph"]);
  });
});

describe("plan model: sectioned structural defaults", () => {
  const all = { primary: { tool: "echo" }, secondary: { tool: "echo" }, aggregate: { tool: "echo" }, graph: { tool: "echo" }, metric: { tool: "echo" } };

  it("makes aggregate and graph depend on primary, metric on aggregate, primary and secondary on nothing", () => {
    expect(depsOf(all)).toEqual({ primary: [], secondary: [], aggregate: ["primary"], graph: ["primary"], metric: ["aggregate"] });
    expect(prepare(all).levels).toEqual([["primary", "secondary"], ["aggregate", "graph"], ["metric"]]);
  });

  it("gives all seven sections their structural defaults: history after primary, document independent", () => {
    const seven = { ...all, history: { tool: "echo" }, document: { tool: "echo" } };
    expect(depsOf(seven)).toEqual({ primary: [], secondary: [], aggregate: ["primary"], graph: ["primary"], metric: ["aggregate"], history: ["primary"], document: [] });
    expect(prepare(seven).levels).toEqual([["primary", "secondary", "document"], ["aggregate", "graph", "history"], ["metric"]]);
  });

  it("names every section when a plan is not an object", () => {
    rejection(() => normalizePlan("[1]"), { code: "PLAN_INVALID", path: "$", message: /primary, secondary, aggregate, graph, metric, history, document/ });
  });

  it("only adds defaults between sections the plan has", () => {
    expect(depsOf({ primary: { tool: "echo" }, metric: { tool: "echo" } })).toEqual({ primary: [], metric: [] });
    expect(depsOf({ secondary: { tool: "echo" }, graph: { tool: "echo" } })).toEqual({ secondary: [], graph: [] });
    expect(depsOf({ aggregate: { tool: "echo" }, metric: { tool: "echo" } })).toEqual({ aggregate: [], metric: ["aggregate"] });
  });

  it("lets tool_dependencies override the defaults of the step it names, and only that step", () => {
    expect(depsOf({ ...all, tool_dependencies: { metric: ["graph"] } })).toEqual({
      primary: [],
      secondary: [],
      aggregate: ["primary"],
      graph: ["primary"],
      metric: ["graph"],
    });
    expect(depsOf({ ...all, tool_dependencies: { aggregate: [], secondary: ["primary"] } })).toMatchObject({ aggregate: [], secondary: ["primary"], graph: ["primary"] });
  });

  it("keeps execution_strategy as a hint only", () => {
    const plan = normalizePlan({ ...all, execution_strategy: "serial" });
    expect(plan.strategyHint).toBe("serial");
    expect(prepare(plan).strategy).toBe("DAG");
  });

  it("points an unknown step in tool_dependencies at tool_dependencies, where it was written", () => {
    rejection(() => normalizePlan({ primary: { tool: "echo" }, metric: { tool: "echo" }, tool_dependencies: { metric: ["primary", "primry"] } }), {
      code: "UNKNOWN_STEP",
      path: "$.tool_dependencies.metric[1]",
      step: "metric",
      message: /unknown step 'primry' \(did you mean 'primary'\?\)/,
    });
    rejection(() => normalizePlan({ primary: { tool: "echo" }, tool_dependencies: { primary: ["primary"] } }), {
      code: "PLAN_CYCLE",
      path: "$.tool_dependencies.primary[0]",
      message: /depends on itself/,
    });
  });

  it("points an unknown step in a section's own depends_on at that entry, not at the merged list", () => {
    rejection(() => normalizePlan({ primary: { tool: "echo" }, aggregate: { tool: "echo", depends_on: ["primry"] } }), {
      code: "UNKNOWN_STEP",
      path: "$.aggregate.depends_on[0]",
      step: "aggregate",
      message: /did you mean 'primary'/,
    });
  });

  it("does not suggest 'id' for a section, which has none", () => {
    const error = rejection(() => normalizePlan({ primary: { tool: "echo", id: "x" } }), { code: "PLAN_INVALID", path: /^\$\.primary/, message: /unknown field 'id'/ });
    expect(error.message).not.toContain("did you mean 'id'");
  });

  it("treats a null section as absent", () => {
    expect(depsOf({ primary: { tool: "echo" }, aggregate: null, metric: { tool: "echo" } })).toEqual({ primary: [], metric: [] });
  });

  it("rejects tool_dependencies that name a section the plan does not have", () => {
    rejection(() => normalizePlan({ primary: { tool: "echo" }, tool_dependencies: { metric: ["primary"] } }), {
      code: "UNKNOWN_STEP",
      path: "$.tool_dependencies.metric",
      message: /metric/,
    });
  });
});

describe("plan model: every rejection is a typed error with a code, a JSON path and a sentence", () => {
  it("rejects an id with bad syntax and names the id", () => {
    for (const id of ["1abc", "has space", "dot.ted", "x".repeat(65), "ünïcode"]) {
      // An id longer than any valid one is echoed shortened (issue 12 finding 13).
      const step = id.length > 64 ? `${id.slice(0, 64)}…(${id.length - 64} more)` : id;
      rejection(() => normalizePlan({ steps: [{ id, tool: "echo" }] }), { code: "BAD_ID", path: "$.steps[0].id", step, message: /\[A-Za-z_\]/ });
    }
  });

  it("rejects an id starting with '__' (LangGraph reserves such names)", () => {
    for (const id of ["__start__", "__end__", "__x"]) {
      rejection(() => normalizePlan({ steps: [{ id, tool: "echo" }] }), { code: "BAD_ID", path: "$.steps[0].id", step: id, message: /__/ });
    }
  });

  it("rejects an id used by two steps", () => {
    rejection(() => normalizePlan({ steps: [{ id: "a", tool: "echo" }, { id: "a", tool: "echo" }] }), {
      code: "DUPLICATE_ID",
      path: "$.steps[1].id",
      step: "a",
      message: /'a' is used twice/,
    });
  });

  it("rejects an id shared by a step and a decision", () => {
    const plan = {
      steps: [{ id: "a", tool: "echo" }, { id: "b", tool: "echo" }],
      decisions: [{ id: "a", after: ["a"], question: "go on?", then: ["b"] }],
    };
    rejection(() => normalizePlan(plan), { code: "DUPLICATE_ID", path: "$.decisions[0].id", step: "a", message: /\$\.steps\[0\].*\$\.decisions\[0\]/ });
  });

  it("rejects an unknown step in depends_on and suggests the nearest id", () => {
    rejection(() => normalizePlan({ steps: [{ id: "primary", tool: "echo" }, { id: "b", tool: "echo", depends_on: ["primry"] }] }), {
      code: "UNKNOWN_STEP",
      path: "$.steps[1].depends_on[0]",
      step: "b",
      message: /unknown step 'primry' \(did you mean 'primary'\?\)/,
    });
  });

  it("rejects an unknown field and suggests the nearest field", () => {
    rejection(() => normalizePlan({ steps: [{ id: "a", tool: "echo", dependson: ["x"] }] }), {
      code: "PLAN_INVALID",
      path: /^\$\.steps\[0\]/,
      step: "a",
      message: /unknown field 'dependson' \(did you mean 'depends_on'\?\)/,
    });
    rejection(() => normalizePlan({ steps: [], decision: [] }), { code: "PLAN_INVALID", path: "$", message: /unknown field 'decision' \(did you mean 'decisions'\?\)/ });
    rejection(() => normalizePlan({ primary: { tol: "echo", tool: "echo" } }), { code: "PLAN_INVALID", path: /^\$\.primary/, message: /'tol' \(did you mean 'tool'\?\)/ });
  });

  it("rejects a field of the wrong type at its JSON path", () => {
    rejection(() => normalizePlan({ steps: [{ id: "a", tool: "echo", timeout_ms: "soon" }] }), { code: "PLAN_INVALID", path: "$.steps[0].timeout_ms", step: "a" });
    rejection(() => normalizePlan({ steps: [{ id: "a" }] }), { code: "PLAN_INVALID", path: "$.steps[0].tool", step: "a" });
  });

  it("rejects a plan with both forms at once", () => {
    rejection(() => normalizePlan({ steps: [{ id: "a", tool: "echo" }], primary: { tool: "echo" } }), { code: "PLAN_INVALID", path: "$", message: /not both/ });
  });

  it("rejects a plan with neither form, naming what it has", () => {
    rejection(() => normalizePlan({ goal: "x", stps: [] }), { code: "PLAN_INVALID", path: "$", message: /'stps' \(did you mean 'steps'\?\)/ });
    rejection(() => normalizePlan({}), { code: "PLAN_INVALID", path: "$", message: /'steps'/ });
    rejection(() => normalizePlan([]), { code: "PLAN_INVALID", path: "$" });
  });

  it("rejects text that is not JSON", () => {
    rejection(() => normalizePlan('{ "steps": [ {"id": "a", '), { code: "PLAN_INVALID", path: "$", message: /not valid JSON/ });
  });

  it("rejects a plan larger than the byte limit, as text and as a value", () => {
    const limits = resolveLimits({ maxPlanBytes: 200 });
    const big = { steps: [{ id: "a", tool: "echo", params: { blob: "x".repeat(300) } }] };
    rejection(() => normalizePlan(JSON.stringify(big), limits), { code: "PLAN_TOO_LARGE", path: "$", message: /limit is 200/ });
    rejection(() => normalizePlan(big, limits), { code: "PLAN_TOO_LARGE", path: "$", message: /limit is 200/ });
    rejection(() => normalizePlan("x".repeat(1_000_001)), { code: "PLAN_TOO_LARGE", path: "$" });
  });

  it("rejects more steps than the limit", () => {
    const steps = Array.from({ length: 4 }, (_, i) => ({ id: `s${i}`, tool: "echo" }));
    rejection(() => normalizePlan({ steps }, resolveLimits({ maxSteps: 3 })), { code: "LIMIT_EXCEEDED", path: "$.steps", message: /4 steps; the limit is 3/ });
  });

  it("rejects an unknown tool and suggests the nearest tool", () => {
    rejection(() => prepare({ steps: [{ id: "a", tool: "ecko" }] }), {
      code: "UNKNOWN_TOOL",
      path: "$.steps[0].tool",
      step: "a",
      message: /unknown tool 'ecko' \(did you mean 'echo'\?\)/,
    });
  });

  it("rejects a cycle and names every step on it", () => {
    const plan = {
      steps: [
        { id: "a", tool: "echo", depends_on: ["c"] },
        { id: "b", tool: "echo", depends_on: ["a"] },
        { id: "c", tool: "echo", depends_on: ["b"] },
        { id: "outside", tool: "echo" },
      ],
    };
    const error = rejection(() => prepare(plan), { code: "PLAN_CYCLE", path: /^\$\.steps\[\d\]\.depends_on$/ });
    expect(error.message).toContain("a → b → c → a");
    expect(error.message).not.toContain("outside");
  });

  it("rejects a cycle made by references", () => {
    const plan = {
      steps: [
        { id: "a", tool: "echo", output_mapping: { x: "{b.data}" } },
        { id: "b", tool: "echo", output_mapping: { y: "{a.data}" } },
      ],
    };
    const error = rejection(() => prepare(plan), { code: "PLAN_CYCLE" });
    expect(error.message).toMatch(/a → b → a|b → a → b/);
  });

  it("rejects a step that depends on itself", () => {
    rejection(() => normalizePlan({ steps: [{ id: "a", tool: "echo", depends_on: ["a"] }] }), {
      code: "PLAN_CYCLE",
      path: "$.steps[0].depends_on",
      step: "a",
      message: /'a' depends on itself/,
    });
  });

  it("rejects a step that references its own output", () => {
    rejection(() => prepare({ steps: [{ id: "a", tool: "echo", output_mapping: { x: "{a.data}" } }] }), { code: "PLAN_CYCLE", step: "a", message: /own output/ });
  });

  it("reports every problem of a plan at once, not just the first", () => {
    let caught: unknown;
    try {
      normalizePlan({ steps: [{ id: "1a", tool: "echo" }, { id: "b", tool: "echo", depends_on: ["zzz"] }, { id: "b", tool: "echo" }] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PlanValidationError);
    const issues = (caught as PlanValidationError).issues;
    expect(issues.map((i) => i.code).sort()).toEqual(["BAD_ID", "DUPLICATE_ID", "UNKNOWN_STEP"]);
    expect(issues.every((i) => i instanceof PlangraphError && i.path?.startsWith("$"))).toBe(true);
  });
});
