import { describe, expect, it } from "vitest";
import {
  classifyStrategy,
  criticalPath,
  dependencyLevels,
  downstreamOf,
  dependentsOf,
  findCycle,
  topologicalOrder,
  type DependencyGraph,
} from "../../src/analysis/graph.js";
import { preparePlan } from "../../src/analysis/prepare.js";
import { evaluateCondition } from "../../src/conditions/index.js";
import { PlanValidationError } from "../../src/model/errors.js";
import { resolveLimits } from "../../src/plan/limits.js";
import { createToolRegistry } from "../../src/tools/registry.js";
import { prepare } from "./helpers.js";

/** A graph from `id: deps` pairs, in the order written (= plan order). */
const graph = (spec: Record<string, string[]>): DependencyGraph => ({ nodes: Object.keys(spec), deps: new Map(Object.entries(spec)) });

describe("analysis: stable topological order", () => {
  it("puts every node after its dependencies", () => {
    const g = graph({ d: ["b", "c"], c: ["a"], b: ["a"], a: [] });
    const order = topologicalOrder(g)!;
    for (const [id, deps] of g.deps) for (const dep of deps) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(id));
  });

  it("takes plan order among ready nodes", () => {
    expect(topologicalOrder(graph({ a: [], q: [], r: ["a"] }))).toEqual(["a", "q", "r"]);
    expect(topologicalOrder(graph({ r: ["a"], a: [], q: [] }))).toEqual(["a", "r", "q"]);
    expect(topologicalOrder(graph({ z: [], y: [], x: [] }))).toEqual(["z", "y", "x"]);
  });

  it("is undefined for a cyclic graph, and findCycle names the cycle in execution order", () => {
    const g = graph({ a: ["c"], b: ["a"], c: ["b"], free: [] });
    expect(topologicalOrder(g)).toBeUndefined();
    expect(findCycle(g)).toEqual(["a", "b", "c", "a"]);
    expect(findCycle(graph({ a: [], b: ["a"] }))).toBeUndefined();
  });

  it("handles a 10,000-step chain without overflowing the stack", () => {
    const spec: Record<string, string[]> = { s0: [] };
    for (let i = 1; i < 10_000; i++) spec[`s${i}`] = [`s${i - 1}`];
    const g = graph(spec);
    expect(topologicalOrder(g)).toHaveLength(10_000);
    expect(findCycle(g)).toBeUndefined();
    expect(classifyStrategy(g)).toBe("SERIAL");
  });
});

describe("analysis: dependency levels (the contract's `order`)", () => {
  it("groups steps by the depth of their deepest dependency, in plan order", () => {
    expect(dependencyLevels(graph({ a: [], b: ["a"], c: ["a"], d: ["b", "c"], e: [] }))).toEqual([["a", "e"], ["b", "c"], ["d"]]);
    expect(dependencyLevels(graph({ d: ["a", "c"], c: ["b"], b: ["a"], a: [] }))).toEqual([["a"], ["b"], ["c"], ["d"]]);
  });

  it("is what a prepared plan reports, dependencies by reference included", () => {
    const prepared = prepare({
      steps: [
        { id: "metric", tool: "echo", output_mapping: { x: "{aggregate.data}" } },
        { id: "primary", tool: "echo" },
        { id: "aggregate", tool: "echo", depends_on: ["primary"] },
        { id: "secondary", tool: "echo" },
      ],
    });
    expect(prepared.levels).toEqual([["primary", "secondary"], ["aggregate"], ["metric"]]);
  });
});

describe("analysis: strategy", () => {
  it("is PARALLEL when no step depends on another", () => {
    expect(classifyStrategy(graph({ a: [], b: [], c: [] }))).toBe("PARALLEL");
    expect(classifyStrategy(graph({ only: [] }))).toBe("PARALLEL");
    expect(prepare({ primary: { tool: "echo" }, secondary: { tool: "echo" } }).strategy).toBe("PARALLEL");
  });

  it("is SERIAL when the steps form one chain, whatever order they are written in", () => {
    expect(classifyStrategy(graph({ a: [], b: ["a"], c: ["b"] }))).toBe("SERIAL");
    expect(classifyStrategy(graph({ c: ["b"], a: [], b: ["a"] }))).toBe("SERIAL");
    expect(prepare({ primary: { tool: "echo" }, aggregate: { tool: "echo" }, metric: { tool: "echo" } }).strategy).toBe("SERIAL");
  });

  it("is DAG for anything else", () => {
    expect(classifyStrategy(graph({ a: [], b: ["a"], c: ["a"] }))).toBe("DAG"); // fan-out
    expect(classifyStrategy(graph({ a: [], b: [], c: ["a", "b"] }))).toBe("DAG"); // fan-in
    expect(classifyStrategy(graph({ a: [], b: ["a"], c: [], d: ["c"] }))).toBe("DAG"); // two chains
    expect(classifyStrategy(graph({ a: [], b: ["a"], c: [] }))).toBe("DAG"); // a chain and a loner
  });
});

describe("analysis: critical path", () => {
  const g = graph({ A: [], B: [], C: ["A"], D: ["B", "C"] });

  it("is the longest chain of durations, with the steps along it", () => {
    const durations: Record<string, number> = { A: 100, B: 1000, C: 950, D: 50 };
    expect(criticalPath(g, (id) => durations[id]!)).toEqual({ ms: 1100, path: ["A", "C", "D"] });
    const other: Record<string, number> = { A: 100, B: 1000, C: 800, D: 50 };
    expect(criticalPath(g, (id) => other[id]!)).toEqual({ ms: 1050, path: ["B", "D"] });
  });

  it("counts missing and negative durations as zero", () => {
    const zeroes = criticalPath(g, (id) => (id === "B" ? 5 : id === "C" ? -10 : 0));
    expect(zeroes.ms).toBe(5);
    expect(zeroes.path[0]).toBe("B");
    expect(criticalPath(graph({}), () => 1)).toEqual({ ms: 0, path: [] });
  });

  it("takes independent branches' maximum, not their sum", () => {
    expect(criticalPath(graph({ a: [], b: [], c: [] }), () => 10).ms).toBe(10);
    expect(criticalPath(graph({ a: [], b: ["a"], c: ["b"] }), () => 10).ms).toBe(30);
  });
});

describe("analysis: dependents", () => {
  it("finds every transitive dependent of a step", () => {
    const g = graph({ a: [], b: ["a"], c: ["b"], d: [], e: ["d", "c"] });
    expect([...downstreamOf(dependentsOf(g), ["b"])].sort()).toEqual(["c", "e"]);
    expect([...downstreamOf(dependentsOf(g), ["e"])]).toEqual([]);
  });
});

describe("analysis: decisions (issue 11: analysis parses conditions itself)", () => {
  const plan = {
    steps: [
      { id: "a", tool: "echo", params: { n: 3 } },
      { id: "b", tool: "echo" },
    ],
    decisions: [{ id: "gate", after: ["a"], condition: "{a.data.n} > 2 && {a.data.n} < 10", then: ["b"] }],
  };

  it("prepares a rule decision from the registry and limits alone, holding the parsed condition", () => {
    const registry = createToolRegistry();
    const prepared = preparePlan(plan, { registry, limits: resolveLimits() });
    const condition = prepared.decisions.get("gate")!.condition!;
    expect(condition.text).toBe("{a.data.n} > 2 && {a.data.n} < 10");
    expect(condition.root.kind).toBe("and");
    expect(condition.references.map((r) => r.text)).toEqual(["{a.data.n}", "{a.data.n}"]);
    // The held condition is the conditions module's own type: it evaluates as it is.
    const outputs = (id: string) => (id === "a" ? { ok: true as const, value: { data: { n: 3 } } } : { ok: false as const });
    expect(evaluateCondition(condition, outputs, () => undefined).value).toBe(true);
    expect(prepared.decisions.get("gate")!.deps).toEqual(["a"]);
  });

  it("reports a condition's syntax error with the plan's other problems, at the condition's path", () => {
    rejectionOf({ ...plan, decisions: [{ ...plan.decisions[0]!, condition: "{a.data.n} >" }] }, "BAD_CONDITION", "$.decisions[0].condition");
  });
});

function rejectionOf(value: unknown, code: string, path: string): void {
  let caught: unknown;
  try {
    prepare(value);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PlanValidationError);
  const issue = (caught as PlanValidationError).issues.find((i) => i.code === code);
  expect(issue?.path).toBe(path);
}
