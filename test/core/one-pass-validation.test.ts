/**
 * Issue 13 finding 3: validation reports every problem of a plan in one pass. A model with one
 * repair round must see the misspelt tool and the misspelt step together.
 *
 * Reproduce: npx vitest run test/core/one-pass-validation.test.ts
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PlanValidationError } from "../../src/model/errors.js";
import { defineTool } from "../../src/tools/define.js";
import { prepare } from "./helpers.js";

const ciSearch = defineTool({
  name: "ci_search",
  description: "search",
  input: z.object({ query: z.string() }),
  output: z.object({ data: z.object({ total: z.number(), rows: z.array(z.object({ ci_id: z.string() })) }) }),
  run: () => ({ data: { total: 0, rows: [] } }),
});
const ciGraph = defineTool({
  name: "ci_graph",
  description: "graph",
  input: z.object({ ci_id: z.string(), depth: z.number().int() }),
  run: () => ({ data: {} }),
});

function issuesOf(plan: unknown): PlanValidationError["issues"] {
  try {
    prepare(plan, [ciSearch, ciGraph]);
  } catch (error) {
    expect(error).toBeInstanceOf(PlanValidationError);
    return (error as PlanValidationError).issues;
  }
  throw new Error("expected the plan to be rejected");
}

const summary = (issues: PlanValidationError["issues"]) => issues.map((i) => `${i.code} ${i.path}`);

describe("validation reports every problem in one pass", () => {
  it("names the misspelt tool and the misspelt step of the same step together", () => {
    const issues = issuesOf({
      steps: [
        { id: "primary", tool: "ci_search", params: { query: "db-prod" } },
        { id: "topology", tool: "ci_grpah", params: { depth: 2 }, output_mapping: { ci_id: "{primray.data.rows[0].ci_id}" } },
      ],
    });
    expect(summary(issues)).toEqual(["UNKNOWN_TOOL $.steps[1].tool", "UNKNOWN_STEP $.steps[1].output_mapping.ci_id"]);
    expect(issues[0]!.message).toContain("did you mean 'ci_graph'?");
    expect(issues[1]!.message).toContain("did you mean 'primary'?");
  });

  it("checks a step with an unknown tool against the output schema of the step it references", () => {
    const issues = issuesOf({
      steps: [
        { id: "primary", tool: "ci_search", params: { query: "db-prod" } },
        { id: "topology", tool: "ci_grpah", output_mapping: { ci_id: "{primary.data.rows[0].ci_idd}" } },
      ],
    });
    expect(issues.map((i) => i.code)).toEqual(["UNKNOWN_TOOL", "REFERENCE_NOT_IN_SCHEMA"]);
    expect(issues[1]!.message).toContain("did you mean 'ci_id'?");
  });

  it("reports every bad field of one step, not just the first", () => {
    const issues = issuesOf({
      steps: [
        { id: "primary", tool: "ci_search", params: { query: "x" } },
        { id: "topology", tool: "ci_graph", params: { depth: "{primary.data[*]}" }, output_mapping: { ci_id: "{primry.data}" } },
      ],
    });
    expect(summary(issues)).toEqual(["BAD_REFERENCE $.steps[1].params.depth", "UNKNOWN_STEP $.steps[1].output_mapping.ci_id"]);
  });

  it("reports identity problems together with tools, references, conditions and the answer", () => {
    const issues = issuesOf({
      answer: "total {primary.data.totl}",
      steps: [
        { id: "primary", tool: "ci_search", params: { query: "x" } },
        { id: "primary", tool: "ci_serch", params: { query: "y" } },
        { id: "b", tool: "ci_graph", depends_on: ["nope"], output_mapping: { ci_id: "{primary.data.rows[0].ci_id}" }, params: { depth: 1 } },
      ],
      decisions: [{ id: "gate", after: ["primary"], condition: "{primary.data.total} >", then: ["b"] }],
    });
    const codes = issues.map((i) => i.code);
    expect(codes).toEqual(expect.arrayContaining(["DUPLICATE_ID", "UNKNOWN_STEP", "UNKNOWN_TOOL", "BAD_CONDITION"]));
    expect(issues.find((i) => i.code === "UNKNOWN_STEP")!.path).toBe("$.steps[2].depends_on[0]");
    expect(issues.find((i) => i.code === "UNKNOWN_TOOL")!.message).toContain("did you mean 'ci_search'?");
  });

  it("still runs the graph checks once ids and references are sound (a cycle is reported on its own)", () => {
    const issues = issuesOf({
      steps: [
        { id: "a", tool: "echo", depends_on: ["b"] },
        { id: "b", tool: "echo", depends_on: ["a"] },
      ],
    });
    expect(issues.map((i) => i.code)).toEqual(["PLAN_CYCLE"]);
  });
});
