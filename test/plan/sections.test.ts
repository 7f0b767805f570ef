import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runPlan } from "../../src/api/run-plan.js";
import { normalizePlan } from "../../src/plan/normalize.js";
import { emptySectionReason } from "../../src/plan/empty-sections.js";
import { defineTool } from "../../src/tools/define.js";
import { callLog, prepare, rejection } from "../core/helpers.js";

const depsOf = (plan: unknown) => Object.fromEntries(normalizePlan(plan).steps.map((s) => [s.id, s.depends_on]));
const quiet = { chatModel: null } as const;

/** A metric tool as strict as ci_metric: `metric` is required. */
function metricTool() {
  const calls: string[] = [];
  const tool = defineTool({
    name: "read_metric",
    description: "Reads one metric; the metric name is required.",
    input: z.object({ metric: z.string().min(1), of: z.unknown().optional() }),
    run: async (input) => {
      calls.push(input.metric);
      return { data: { metric: input.metric } };
    },
  });
  return { tool, calls };
}

describe("sectioned form: the history and document sections", () => {
  it("makes history depend on primary and document on nothing", () => {
    const all = { primary: { tool: "echo" }, history: { tool: "echo" }, document: { tool: "echo" } };
    expect(depsOf(all)).toEqual({ primary: [], history: ["primary"], document: [] });
    expect(prepare(all).levels).toEqual([["primary", "document"], ["history"]]);
  });

  it("gives history no structural dependency when the plan has no primary", () => {
    expect(depsOf({ history: { tool: "echo" }, document: { tool: "echo" } })).toEqual({ history: [], document: [] });
  });

  it("lets tool_dependencies override history's and document's defaults", () => {
    const plan = { primary: { tool: "echo" }, secondary: { tool: "echo" }, history: { tool: "echo" }, document: { tool: "echo" } };
    expect(depsOf({ ...plan, tool_dependencies: [{ tool_id: "document", depends_on: ["history"] }, { tool_id: "history", depends_on: ["secondary"] }] })).toMatchObject({
      history: ["secondary"],
      document: ["history"],
    });
  });

  it("is a plan of its own: a plan with only history or document sections is sectioned", () => {
    expect(normalizePlan({ document: { tool: "echo" } }).form).toBe("sectioned");
  });

  it("runs history and document sections and returns their outputs under their names", async () => {
    const log = callLog();
    const result = await runPlan(
      { primary: { tool: "record", params: { tag: "p" } }, history: { tool: "record", output_mapping: { tag: "{primary.data.tag}" } }, document: { tool: "record", params: { tag: "d" } } },
      { tools: [log.tool], ...quiet },
    );
    expect(result.status).toBe("completed");
    expect(result.results).toMatchObject({ history: { data: { tag: "p" } }, document: { data: { tag: "d" } } });
    expect(log.calls.sort()).toEqual(["d", "p", "p"]);
  });
});

describe("sectioned form: a section's tool, by 'tool' or the original planner's 'tool_type'", () => {
  it("maps a section to its tool by tool_type as by tool", () => {
    const byType = normalizePlan({ primary: { tool_type: "echo" }, history: { tool_type: "echo", params: { x: 1 } } });
    const byTool = normalizePlan({ primary: { tool: "echo" }, history: { tool: "echo", params: { x: 1 } } });
    expect(byType.steps).toEqual(byTool.steps);
  });

  it("accepts tool and tool_type together when they name the same tool", () => {
    expect(normalizePlan({ document: { tool: "echo", tool_type: "echo" } }).steps[0]!.tool).toBe("echo");
  });

  it("refuses a section whose tool and tool_type name different tools", () => {
    rejection(() => normalizePlan({ document: { tool: "echo", tool_type: "sleep" } }), {
      code: "PLAN_INVALID",
      path: "$.document.tool_type",
      step: "document",
      message: /names two tools, 'tool' 'echo' and 'tool_type' 'sleep'/,
    });
  });

  it("refuses a section with neither tool nor tool_type", () => {
    rejection(() => normalizePlan({ history: { params: { query: "db" } } }), { code: "PLAN_INVALID", path: "$.history.tool", step: "history", message: /needs 'tool'/ });
  });

  it("checks a tool_type like a tool: an unknown one is UNKNOWN_TOOL with a did-you-mean", () => {
    rejection(() => prepare({ document: { tool_type: "ecko" } }), { code: "UNKNOWN_TOOL", path: "$.document.tool_type", step: "document", message: /did you mean 'echo'/ });
    rejection(() => prepare({ document: { tool: "ecko" } }), { code: "UNKNOWN_TOOL", path: "$.document.tool", step: "document" });
  });
});

describe("emptySectionReason: what an empty spec is, per section", () => {
  const none = { input: {} };
  it("calls any section with enabled: false empty", () => {
    for (const name of ["primary", "secondary", "aggregate", "graph", "metric", "history", "document"] as const) {
      expect(emptySectionReason(name, { enabled: false, input: { metric: "cpu_pct", query: "db" } })).toBe(`section '${name}' has an empty spec (enabled: false)`);
    }
    expect(emptySectionReason("graph", { enabled: true, input: {} })).toBeUndefined();
  });

  it("calls a metric section without a metric name empty", () => {
    for (const metric of [undefined, null, "", "  ", []]) {
      const input = metric === undefined ? {} : { metric };
      expect(emptySectionReason("metric", { input })).toBe("section 'metric' has an empty spec (no metric name)");
    }
    expect(emptySectionReason("metric", { input: { metric: "cpu_pct" } })).toBeUndefined();
    expect(emptySectionReason("metric", { input: { metric: "{primary.data.metric}" } })).toBeUndefined();
  });

  it("calls a search section empty when it gives keywords and they are empty", () => {
    for (const name of ["primary", "secondary", "history", "document"] as const) {
      expect(emptySectionReason(name, { input: { query: "" } })).toBe(`section '${name}' has an empty spec (no keywords: 'query' empty)`);
      expect(emptySectionReason(name, { input: { keywords: [] } })).toMatch(/no keywords: 'keywords' empty/);
      expect(emptySectionReason(name, { input: { keywords: [" ", ""], query: null } })).toMatch(/no keywords: 'keywords' and 'query' empty/);
      expect(emptySectionReason(name, { input: { keywords: [], query: "db" } })).toBeUndefined();
      // No keyword field at all: a search by its other filters.
      expect(emptySectionReason(name, { input: { type: "database" } })).toBeUndefined();
      expect(emptySectionReason(name, none)).toBeUndefined();
    }
  });

  it("never calls aggregate or graph empty for their input", () => {
    expect(emptySectionReason("aggregate", { input: { query: "", metric: "" } })).toBeUndefined();
    expect(emptySectionReason("graph", none)).toBeUndefined();
  });
});

describe("sectioned form: a section whose spec is empty is not run, and the result says why", () => {
  it("skips a metric section with no metric name, with the reason in skip_reasons, and never calls its tool", async () => {
    const metric = metricTool();
    const log = callLog();
    const result = await runPlan({ primary: { tool: "record", params: { tag: "p" } }, metric: { tool: "read_metric", params: {} } }, { tools: [log.tool, metric.tool], ...quiet });
    expect(result.status).toBe("completed");
    expect(result.skipped).toEqual(["metric"]);
    expect(result.skip_reasons).toEqual({ metric: "section 'metric' has an empty spec (no metric name)" });
    expect(metric.calls).toEqual([]);
    expect(log.calls).toEqual(["p"]);
  });

  it("does not reject an empty section for input its tool would need: it is never called", () => {
    const metric = metricTool();
    expect(() => prepare({ metric: { tool: "read_metric" } }, [metric.tool])).not.toThrow();
    rejection(() => prepare({ steps: [{ id: "metric", tool: "read_metric" }] }, [metric.tool]), { code: "TOOL_INPUT_INVALID", message: /needs parameter 'metric'/ });
  });

  it("skips a section with enabled: false, whatever its spec", async () => {
    const log = callLog();
    const result = await runPlan(
      { primary: { tool: "record", params: { tag: "p" } }, document: { tool: "record", params: { tag: "d" }, enabled: false }, graph: { tool: "record", params: { tag: "g" }, enabled: true } },
      { tools: [log.tool], ...quiet },
    );
    expect(result.skip_reasons).toEqual({ document: "section 'document' has an empty spec (enabled: false)" });
    expect(log.calls.sort()).toEqual(["g", "p"]);
  });

  it("skips a search section whose keywords are empty, and runs one that gives none", async () => {
    const log = callLog();
    const result = await runPlan(
      { primary: { tool: "record", params: { tag: "p", query: "  " } }, secondary: { tool: "record", params: { tag: "s", type: "database" } } },
      { tools: [log.tool], ...quiet },
    );
    expect(result.skip_reasons).toEqual({ primary: "section 'primary' has an empty spec (no keywords: 'query' empty)" });
    expect(log.calls).toEqual(["s"]);
  });

  it("skips what depends on an empty section as after any skipped step, and runs an optional dependent", async () => {
    const log = callLog();
    const result = await runPlan(
      {
        primary: { tool: "record", params: { tag: "p", keywords: [] } },
        history: { tool: "record", params: { tag: "h" } },
        graph: { tool: "record", params: { tag: "g" }, optional_depends_on: ["primary"], depends_on: [] },
      },
      { tools: [log.tool], ...quiet },
    );
    expect(result.status).toBe("completed");
    expect(result.skip_reasons).toEqual({ primary: "section 'primary' has an empty spec (no keywords: 'keywords' empty)", history: "'primary' was skipped" });
    expect(log.calls).toEqual(["g"]);
  });

  it("renders the answer with an empty section's references empty, as for any skipped step", async () => {
    const metric = metricTool();
    const result = await runPlan({ primary: { tool: "echo", params: { n: 1 } }, metric: { tool: "read_metric" }, answer: "n={primary.data.n} m={metric.data.metric}" }, {
      tools: [metric.tool],
      ...quiet,
    });
    expect(result.answer).toBe("n=1 m=");
  });
});
