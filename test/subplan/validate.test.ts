import { describe, expect, it } from "vitest";
import { preparePlan } from "../../src/analysis/prepare.js";
import { PlanValidationError, type PlangraphError } from "../../src/model/errors.js";
import { builtinTools } from "../../src/tools/builtin.js";
import { ToolRegistry } from "../../src/tools/registry.js";
import { serviceTools } from "./support.js";
import { z } from "zod";
import { defineTool } from "../../src/tools/define.js";
import { resolveLimits } from "../../src/plan/limits.js";

const registry = new ToolRegistry([...builtinTools(), ...serviceTools([]).tools]);

function problems(plan: unknown): PlangraphError[] {
  try {
    preparePlan(plan, { registry });
  } catch (error) {
    if (error instanceof PlanValidationError) return [...error.issues];
    throw error;
  }
  throw new Error("the plan was accepted");
}

/** svc, then a sub-plan at index 1 whose inner steps are `inner`. */
const withInner = (inner: unknown[], extra: Record<string, unknown> = {}) => ({
  steps: [{ id: "svc", tool: "services" }, { id: "per", for_each: "{svc.data.rows}", steps: inner, ...extra }],
});

describe("sub-plans are checked with the outer plan, errors naming outer.inner", () => {
  it("an unknown step in an inner reference names outer.inner and the full JSON path", () => {
    const [issue, ...rest] = problems(withInner([{ id: "hosts", tool: "hosts_of", output_mapping: { service: "{nope.name}" } }]));
    expect(rest).toEqual([]);
    expect(issue!.code).toBe("UNKNOWN_STEP");
    expect(issue!.path).toBe("$.steps[1].steps[0].output_mapping.service");
    expect(issue!.step).toBe("per.hosts");
    expect(issue!.message).toContain("'per.hosts'");
  });

  it("an unknown tool inside names outer.inner at $.steps[1].steps[0].tool", () => {
    const [issue] = problems(withInner([{ id: "hosts", tool: "hosts_off", params: { service: "{item.name}" } }]));
    expect(issue!.code).toBe("UNKNOWN_TOOL");
    expect(issue!.path).toBe("$.steps[1].steps[0].tool");
    expect(issue!.message).toMatch(/step 'per\.hosts' uses unknown tool 'hosts_off'/);
  });

  it("a cycle inside a sub-plan is named with its inner steps", () => {
    const [issue] = problems(
      withInner([
        { id: "a", tool: "echo", params: { x: "{b.data}" } },
        { id: "b", tool: "echo", params: { x: "{a.data}" } },
      ]),
    );
    expect(issue!.code).toBe("PLAN_CYCLE");
    expect(issue!.message).toMatch(/per\.a → per\.b → per\.a|per\.b → per\.a → per\.b/);
    expect(issue!.path).toMatch(/^\$\.steps\[1\]\.steps\[\d\]/);
  });

  it("an inner path not in the outer step's output schema is rejected before anything runs", () => {
    const [issue] = problems(withInner([{ id: "hosts", tool: "hosts_of", params: { service: "{svc.data.names[0]}" } }]));
    expect(issue!.code).toBe("REFERENCE_NOT_IN_SCHEMA");
    expect(issue!.path).toBe("$.steps[1].steps[0]");
    expect(issue!.message).toContain("'per.hosts'");
  });

  it("an inner reference of the wrong type for the tool's parameter is rejected", () => {
    const [issue] = problems(withInner([{ id: "cpu", tool: "cpu_of", params: { hosts: "{svc.data.rows[0].name}" } }]));
    expect(issue!.code).toBe("REFERENCE_TYPE_MISMATCH");
    expect(issue!.path).toBe("$.steps[1].steps[0].params.hosts");
    // The parameter is named like no inner step here; below one is, and keeps its own name.
    const [clash] = problems(withInner([{ id: "hosts", tool: "echo" }, { id: "cpu", tool: "cpu_of", params: { hosts: "{svc.data.rows[0].name}" } }]));
    expect(clash!.message).toMatch(/step 'per\.cpu': parameter 'hosts' of tool 'cpu_of'/);
  });

  it("a reference into a sub-plan's output must name an inner step", () => {
    const plan = withInner([{ id: "hosts", tool: "hosts_of", params: { service: "{item.name}" } }]);
    plan.steps.push({ id: "after", tool: "echo", params: { x: "{per[0].cpu.data}" } } as never);
    const [issue] = problems(plan);
    expect(issue!.code).toBe("REFERENCE_NOT_IN_SCHEMA");
    expect(issue!.message).toMatch(/no field 'cpu'.*'hosts'/);
  });

  it("nesting deeper than one level is PLAN_INVALID naming the path", () => {
    const [issue] = problems(withInner([{ id: "deeper", steps: [{ id: "x", tool: "echo" }] }]));
    expect(issue!.code).toBe("PLAN_INVALID");
    expect(issue!.path).toBe("$.steps[1].steps[0].steps");
    expect(issue!.message).toMatch(/one level deep/);
  });

  it("an inner id may not reuse an outer id", () => {
    const [issue] = problems(withInner([{ id: "svc", tool: "echo" }]));
    expect(issue!.code).toBe("DUPLICATE_ID");
    expect(issue!.path).toBe("$.steps[1].steps[0].id");
  });

  it("a step with both tool and steps, or tool fields on a sub-plan, is PLAN_INVALID", () => {
    const both = problems(withInner([{ id: "a", tool: "echo" }], { tool: "echo", params: { x: 1 } }));
    expect(both.map((i) => i.path)).toEqual(["$.steps[1].tool", "$.steps[1].params"]);
    expect(both.every((i) => i.code === "PLAN_INVALID")).toBe(true);
  });

  it("approval inside a sub-plan is refused", () => {
    const [issue] = problems(withInner([{ id: "a", tool: "echo", requires_approval: true }]));
    expect(issue!.path).toBe("$.steps[1].steps[0].requires_approval");
  });

  it("so is an inner side-effecting step under the approveSideEffects policy (it could never pause, the run would stall)", () => {
    const restart = defineTool({ name: "restart", description: "Restarts a host.", input: z.object({ host: z.string() }), sideEffects: true, run: async () => ({ ok: true }) });
    const plan = withInner([{ id: "bounce", tool: "restart", params: { host: "{item.name}" } }]);
    const tools = new ToolRegistry([...builtinTools(), ...serviceTools([]).tools, restart]);
    expect(() => preparePlan(plan, { registry: tools })).not.toThrow();
    let caught: unknown;
    try {
      preparePlan(plan, { registry: tools, limits: resolveLimits({ approveSideEffects: true }) });
    } catch (error) {
      caught = error;
    }
    const [issue] = (caught as PlanValidationError).issues;
    expect(issue!.code).toBe("PLAN_INVALID");
    expect(issue!.path).toBe("$.steps[1].steps[0]");
    expect(issue!.message).toMatch(/'per\.bounce'.*approveSideEffects/);
  });

  it("{item} inside a sub-plan without for_each is an error, with for_each it is the element", () => {
    const plain = { steps: [{ id: "svc", tool: "services" }, { id: "sub", steps: [{ id: "a", tool: "echo", params: { x: "{item.name}" } }] }] };
    const [issue] = problems(plain);
    expect(issue!.code).toBe("BAD_FOR_EACH");
    expect(issue!.step).toBe("sub.a");
    const prepared = preparePlan(withInner([{ id: "a", tool: "echo", params: { x: "{item.name}", i: "{item_index}" } }]), { registry });
    expect(prepared.steps.get("per")!.subPlan!.prepared.steps.get("a")!.deps).toEqual([]);
  });

  it("the outer step depends on every outer step its inner steps read; inner steps do not", () => {
    const plan = {
      steps: [
        { id: "svc", tool: "services" },
        { id: "other", tool: "echo", params: { n: 1 } },
        { id: "sub", steps: [{ id: "a", tool: "echo", params: { x: "{svc.data.rows}" } }, { id: "b", tool: "echo", params: { y: "{other.data.n}", z: "{a.data}" } }] },
      ],
    };
    const prepared = preparePlan(plan, { registry });
    expect([...prepared.graph.deps.get("sub")!].sort()).toEqual(["other", "svc"]);
    const inner = prepared.steps.get("sub")!.subPlan!.prepared;
    expect(inner.graph.deps.get("a")).toEqual([]);
    expect(inner.graph.deps.get("b")).toEqual(["a"]);
  });
});
