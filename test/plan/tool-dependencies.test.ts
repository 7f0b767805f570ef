import { describe, expect, it } from "vitest";
import { PlanValidationError } from "../../src/model/errors.js";
import { normalizePlan } from "../../src/plan/normalize.js";
import { prepare, rejection } from "../core/helpers.js";

const depsOf = (plan: unknown) => Object.fromEntries(normalizePlan(plan).steps.map((s) => [s.id, s.depends_on]));
const sections = { primary: { tool: "echo" }, aggregate: { tool: "echo" }, graph: { tool: "echo" }, metric: { tool: "echo", params: { metric: "cpu_pct" } } };

/** Every issue of a rejected plan. */
function issuesOf(plan: unknown) {
  try {
    normalizePlan(plan);
  } catch (error) {
    expect(error).toBeInstanceOf(PlanValidationError);
    return (error as PlanValidationError).issues;
  }
  throw new Error("expected the plan to be rejected");
}

describe("sectioned form: tool_dependencies as the original planner's list", () => {
  it("gives each section the list names the same dependencies as the record form", () => {
    const list = depsOf({ ...sections, tool_dependencies: [{ tool_id: "metric", depends_on: ["graph", "aggregate"] }, { tool_id: "graph", depends_on: [] }] });
    const record = depsOf({ ...sections, tool_dependencies: { metric: ["graph", "aggregate"], graph: [] } });
    expect(list).toEqual(record);
    expect(list).toEqual({ primary: [], aggregate: ["primary"], graph: [], metric: ["graph", "aggregate"] });
  });

  it("merges a list entry's output_mapping into that section's output_mapping", () => {
    const plan = normalizePlan({
      primary: { tool: "echo", params: { query: "db" } },
      graph: { tool: "echo", output_mapping: { depth: 3 } },
      tool_dependencies: [{ tool_id: "graph", depends_on: ["primary"], output_mapping: { ci_id: "{primary.data.query}" } }],
    });
    expect(plan.steps.find((s) => s.id === "graph")!.output_mapping).toEqual({ depth: 3, ci_id: "{primary.data.query}" });
  });

  it("refuses a key mapped differently by the section and by tool_dependencies, naming where", () => {
    rejection(
      () =>
        normalizePlan({
          primary: { tool: "echo" },
          graph: { tool: "echo", output_mapping: { ci_id: "{primary.data.a}" } },
          tool_dependencies: [{ tool_id: "graph", depends_on: ["primary"], output_mapping: { ci_id: "{primary.data.b}" } }],
        }),
      { code: "PLAN_INVALID", path: "$.tool_dependencies[0].output_mapping.ci_id", step: "graph", message: /maps 'ci_id' twice/ },
    );
  });

  it("names the accepted shapes, not zod's wording, when tool_dependencies is neither a record nor a list", () => {
    for (const value of ["metric: graph", 3, true]) {
      const issue = rejection(() => normalizePlan({ ...sections, tool_dependencies: value }), { code: "PLAN_INVALID", path: "$.tool_dependencies" });
      expect(issue.message).toMatch(/a record \{ "<section>": \["<step>", …\] \} or a list \[\{ "tool_id"/);
      expect(issue.message).not.toMatch(/Invalid input|expected record/i);
    }
  });

  it("treats a null tool_dependencies as none, like a null section", () => {
    expect(depsOf({ ...sections, tool_dependencies: null })).toEqual(depsOf(sections));
  });

  it("names the record entry at fault and the accepted shapes when a record value is not a list of step ids", () => {
    const issue = rejection(() => normalizePlan({ ...sections, tool_dependencies: { metric: "graph" } }), { code: "PLAN_INVALID", path: "$.tool_dependencies.metric" });
    expect(issue.message).toMatch(/must be a list of step ids .*or a list \[\{ "tool_id"/);
  });

  it("names the list entry and field at fault in a malformed entry", () => {
    rejection(() => normalizePlan({ ...sections, tool_dependencies: [{ tool_id: "metric", depends_on: "graph" }] }), {
      code: "PLAN_INVALID",
      path: "$.tool_dependencies[0].depends_on",
      message: /tool_dependencies\[0\]\.depends_on must be a list of step ids/,
    });
    rejection(() => normalizePlan({ ...sections, tool_dependencies: [{ tool_id: "graph" }, { depends_on: ["graph"] }] }), {
      code: "PLAN_INVALID",
      path: "$.tool_dependencies[1].tool_id",
      message: /needs "tool_id"/,
    });
    rejection(() => normalizePlan({ ...sections, tool_dependencies: ["graph"] }), {
      code: "PLAN_INVALID",
      path: "$.tool_dependencies[0]",
      message: /must be an object \{ "tool_id", "depends_on", "output_mapping" \}; it is a string/,
    });
    rejection(() => normalizePlan({ ...sections, tool_dependencies: [{ tool_id: "metric", dependson: ["graph"] }] }), {
      code: "PLAN_INVALID",
      path: "$.tool_dependencies[0]",
      message: /unknown field 'dependson' \(did you mean 'depends_on'\?\)/,
    });
  });

  it("rejects an unknown section in the list form with a did-you-mean, at its tool_id", () => {
    rejection(() => normalizePlan({ ...sections, tool_dependencies: [{ tool_id: "grph", depends_on: ["primary"] }] }), {
      code: "UNKNOWN_STEP",
      path: "$.tool_dependencies[0].tool_id",
      message: /'grph', which is not a section \(did you mean 'graph'\?\)/,
    });
  });

  it("rejects an unknown section in the record form with a did-you-mean", () => {
    rejection(() => normalizePlan({ ...sections, tool_dependencies: { metrc: ["graph"] } }), {
      code: "UNKNOWN_STEP",
      path: "$.tool_dependencies.metrc",
      message: /'metrc', which is not a section \(did you mean 'metric'\?\)/,
    });
  });

  it("rejects a section the plan does not have, in the list form", () => {
    rejection(() => normalizePlan({ primary: { tool: "echo" }, tool_dependencies: [{ tool_id: "history", depends_on: ["primary"] }] }), {
      code: "UNKNOWN_STEP",
      path: "$.tool_dependencies[0].tool_id",
      message: /section 'history', which the plan does not have/,
    });
  });

  it("rejects a section listed twice, naming both entries", () => {
    rejection(() => normalizePlan({ ...sections, tool_dependencies: [{ tool_id: "graph" }, { tool_id: "graph", depends_on: ["primary"] }] }), {
      code: "PLAN_INVALID",
      path: "$.tool_dependencies[1].tool_id",
      message: /'graph' twice \(\$\.tool_dependencies\[0\]\.tool_id and \$\.tool_dependencies\[1\]\.tool_id\)/,
    });
  });

  it("points an unknown step in a list entry's depends_on at that entry", () => {
    rejection(() => normalizePlan({ ...sections, tool_dependencies: [{ tool_id: "metric", depends_on: ["graph", "agregate"] }] }), {
      code: "UNKNOWN_STEP",
      path: "$.tool_dependencies[0].depends_on[1]",
      step: "metric",
      message: /unknown step 'agregate' \(did you mean 'aggregate'\?\)/,
    });
  });

  it("reports a bad tool_dependencies together with the plan's other shape errors", () => {
    const issues = issuesOf({ primary: { tol: "echo", tool: "echo" }, tool_dependencies: [{ tool_id: 3 }] });
    expect(issues.map((i) => i.path)).toEqual(["$.primary", "$.tool_dependencies[0].tool_id"]);
  });

  it("points a problem in a list entry's output_mapping at that entry, where it was written", () => {
    rejection(() => prepare({ primary: { tool: "echo" }, graph: { tool: "echo" }, tool_dependencies: [{ tool_id: "graph", output_mapping: { ci_id: "{primry.data.id}" } }] }), {
      code: "UNKNOWN_STEP",
      path: "$.tool_dependencies[0].output_mapping.ci_id",
      message: /did you mean 'primary'/,
    });
    rejection(() => prepare({ primary: { tool: "sleep", params: { ms: 1 } }, graph: { tool: "sleep" }, tool_dependencies: [{ tool_id: "graph", output_mapping: { ms: "soon" } }] }), {
      code: "TOOL_INPUT_INVALID",
      path: "$.tool_dependencies[0].output_mapping.ms",
      step: "graph",
    });
  });
});
