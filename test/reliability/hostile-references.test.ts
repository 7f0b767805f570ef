/**
 * Hostile plans, references: every known JSONPath-evaluator and property-path exploit, written
 * where a plan carries text (output_mapping, conditions, the answer template), and `__proto__`
 * keys wherever a plan carries keys. Each is rejected at compile time with a typed error and
 * nothing runs — or, where the text is not a reference at all, travels as inert data.
 *
 * Reproduce: npx vitest run test/reliability/hostile-references.test.ts
 */
import { afterEach, describe, expect, it } from "vitest";
import { PlangraphError, PlanValidationError } from "../../src/model/errors.js";
import { runPlan } from "../../src/api/run-plan.js";
import { HOSTILE_CONDITIONS, INHERITED_MEMBERS, LITERAL_EXPLOITS, REJECTED_REFERENCES } from "./support/payloads.js";
import { counter, hostileTools, prepare } from "./support/tools.js";

const quiet = { chatModel: null, telemetry: false } as const;

function issuesOf(run: () => unknown): PlangraphError[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PlanValidationError);
    return [...(error as PlanValidationError).issues];
  }
  throw new Error("expected the plan to be rejected");
}

afterEach(() => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty("polluted");
  expect(Object.prototype).not.toHaveProperty("isAdmin");
});

describe("exploit paths in references are rejected before anything runs", () => {
  for (const payload of REJECTED_REFERENCES) {
    it(`${payload.source}: ${payload.text.slice(0, 70)}`, async () => {
      const plan = {
        steps: [
          { id: "a", tool: "count", params: { tag: "a" } },
          { id: "b", tool: "count", params: { tag: "b" }, output_mapping: { x: payload.text } },
        ],
      };
      const issues = issuesOf(() => prepare(plan, [counter().tool]));
      expect(issues.map((i) => i.code)).toContain("BAD_REFERENCE");
      const issue = issues.find((i) => i.code === "BAD_REFERENCE")!;
      expect(issue.path).toBe("$.steps[1].output_mapping.x");
      expect(issue.step).toBe("b");
      // Through runPlan too: the typed error, and no tool called.
      const tools = counter();
      await expect(runPlan(plan, { tools: [tools.tool], ...quiet })).rejects.toBeInstanceOf(PlanValidationError);
      expect(tools.calls).toEqual([]);
    });
  }

  it("the same payloads inside a longer string, an array, a decision's condition and the answer template are rejected too", () => {
    for (const payload of REJECTED_REFERENCES) {
      const base = [{ id: "a", tool: "count", params: { tag: "a" } }];
      const where = [
        { steps: [...base, { id: "b", tool: "count", output_mapping: { x: `host-${payload.text}-suffix` } }] },
        { steps: [...base, { id: "b", tool: "count", output_mapping: { x: ["ok", { deep: payload.text }] } }] },
        { steps: [...base, { id: "b", tool: "count", params: { tag: "b" } }], decisions: [{ id: "d", after: ["a"], condition: `${payload.text} == 1`, then: ["b"] }] },
        { steps: base, answer: `result: ${payload.text}` },
      ];
      for (const plan of where) {
        const codes = issuesOf(() => prepare(plan, [counter().tool])).map((i) => i.code);
        expect(codes.some((c) => c === "BAD_REFERENCE" || c === "BAD_CONDITION"), `${payload.text} in ${JSON.stringify(plan).slice(0, 120)}: ${codes}`).toBe(true);
      }
    }
  });

  it("conditions that try to smuggle code or reach prototypes are rejected", () => {
    for (const condition of HOSTILE_CONDITIONS) {
      const plan = { steps: [{ id: "a", tool: "count", params: { tag: "a" } }, { id: "b", tool: "count", params: { tag: "b" } }], decisions: [{ id: "d", after: ["a"], condition, then: ["b"] }] };
      const codes = issuesOf(() => prepare(plan, [counter().tool])).map((i) => i.code);
      expect(codes.some((c) => c === "BAD_CONDITION" || c === "BAD_REFERENCE"), `${condition}: ${codes}`).toBe(true);
    }
  });
});

describe("paths that name inherited members compile, but only ever read own data", () => {
  it("each resolves to null with a warning at run time (never a function, never inherited state)", async () => {
    const mapping = Object.fromEntries(INHERITED_MEMBERS.map((p, i) => [`m${i}`, p.text]));
    const result = await runPlan(
      {
        steps: [
          { id: "a", tool: "echo", params: { list: [1, 2] } },
          { id: "b", tool: "echo", output_mapping: mapping },
        ],
      },
      quiet,
    );
    expect(result.status).toBe("completed");
    const data = (result.results.b as { data: Record<string, unknown> }).data;
    for (let i = 0; i < INHERITED_MEMBERS.length; i++) expect(data[`m${i}`], INHERITED_MEMBERS[i]!.text).toBeNull();
    expect(result.warnings.length).toBeGreaterThanOrEqual(INHERITED_MEMBERS.length);
  });

  it("under strict, such a reference fails its step with MISSING_REFERENCE", async () => {
    const result = await runPlan({ steps: [{ id: "a", tool: "echo", params: {} }, { id: "b", tool: "echo", output_mapping: { f: "{a.toString}" } }] }, { strict: true, ...quiet });
    expect(result.error_codes.b).toBe("MISSING_REFERENCE");
  });
});

describe("exploit text that is not a reference is inert data", () => {
  it("bare JSONPath exploits reach the tool verbatim, unevaluated", async () => {
    const params = Object.fromEntries(LITERAL_EXPLOITS.map((p, i) => [`p${i}`, p.text]));
    const result = await runPlan({ steps: [{ id: "a", tool: "echo", params }] }, quiet);
    expect(result.status).toBe("completed");
    expect(result.results.a).toEqual({ data: params });
  });
});

describe("__proto__ keys and array-typed segments", () => {
  it("a __proto__ key in params or output_mapping (JSON text) pollutes nothing and reaches no tool as a prototype", async () => {
    const tools = counter();
    const text = '{"steps":[{"id":"a","tool":"count","params":{"tag":"a","__proto__":{"polluted":true,"tag":"evil"}},"output_mapping":{"__proto__":{"isAdmin":true}}}]}';
    const result = await runPlan(text, { tools: [tools.tool], ...quiet });
    expect(result.status).toBe("completed");
    const data = (result.results.a as { data: Record<string, unknown> }).data;
    expect(data.tag).toBe("a");
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(data.polluted).toBeUndefined();
    expect(data.isAdmin).toBeUndefined();
  });

  it("a __proto__ key in tool_dependencies (sectioned form) cannot change a section's dependencies", () => {
    const text = JSON.stringify({
      primary: { tool: "count", params: { tag: "p" } },
      aggregate: { tool: "count", params: { tag: "a" } },
      metric: { tool: "count", params: { tag: "m" } },
    }).replace(/\}$/, ',"tool_dependencies":{"__proto__":{"metric":[],"aggregate":[]}}}');
    let prepared: ReturnType<typeof prepare> | undefined;
    try {
      prepared = prepare(text, [counter().tool]);
    } catch (error) {
      // Rejecting the key outright is fine too.
      expect(error).toBeInstanceOf(PlangraphError);
      return;
    }
    expect(prepared.steps.get("metric")!.deps).toEqual(["aggregate"]);
    expect(prepared.steps.get("aggregate")!.deps).toEqual(["primary"]);
  });

  it("array-typed ids (object-path CVE-2021-23434 style) are a shape error", () => {
    const plan = { steps: [{ id: "a", tool: "count", depends_on: [["__proto__"]] }, { id: ["__proto__"], tool: "count" }] };
    const issues = issuesOf(() => prepare(plan, [counter().tool]));
    expect(issues.every((i) => i.code === "PLAN_INVALID")).toBe(true);
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(["$.steps[0].depends_on[0]", "$.steps[1].id"]));
  });

  it("ids starting with __ (__proto__, __defineGetter__, …) are rejected as BAD_ID", () => {
    for (const id of ["__proto__", "__defineGetter__", "__lookupSetter__"]) {
      const issues = issuesOf(() => prepare({ steps: [{ id, tool: "count" }] }, [counter().tool]));
      expect(issues.map((i) => i.code)).toEqual(["BAD_ID"]);
    }
  });

  it("ids that name Object.prototype members either run or are rejected with a typed error before compiling", async () => {
    const tools = counter();
    for (const id of ["constructor", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString"]) {
      const plan = { steps: [{ id, tool: "count", params: { tag: id } }, { id: "next", tool: "count", output_mapping: { tag: `{${id}.data.tag}` } }] };
      let accepted = true;
      try {
        prepare(plan, [tools.tool]);
      } catch (error) {
        expect(error).toBeInstanceOf(PlangraphError);
        accepted = false;
      }
      if (!accepted) continue;
      // Accepted at compile time: then it has to run.
      const result = await runPlan(plan, { tools: [tools.tool], ...quiet });
      expect(result.results.next).toEqual({ data: { tag: id } });
    }
  });

  it("a tool output with an own __proto__ key stays data: references read own keys only", async () => {
    const hostile = hostileTools();
    const result = await runPlan(
      {
        steps: [
          { id: "p", tool: "proto_output", params: {} },
          { id: "q", tool: "echo", output_mapping: { inherited: "{p.data.polluted}", own: "{p.data['__pro\\u0074o__']}" } },
        ],
      },
      { tools: hostile.tools, ...quiet },
    ).catch((error: unknown) => error);
    // The quoted __proto__ is rejected at compile time; without it the run reads null, not inherited data.
    expect(result).toBeInstanceOf(PlanValidationError);
    const ok = await runPlan({ steps: [{ id: "p", tool: "proto_output", params: {} }, { id: "q", tool: "echo", output_mapping: { inherited: "{p.data.polluted}" } }] }, { tools: hostile.tools, ...quiet });
    expect((ok.results.q as { data: Record<string, unknown> }).data.inherited).toBeNull();
  });
});
