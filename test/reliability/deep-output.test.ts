/**
 * Issue 12, finding 2: tool output nested about 3,000 levels deep (12 KB) overflowed the recursive
 * `escapeForState`: the run fell back to sequential; in a durable run a started dependent was
 * reported RUN_ABORTED and `resume` re-executed completed steps; through the subgraph (server)
 * path the run threw RangeError. Now the escape is iterative, and an output deeper than what
 * checkpoints can be read back with (MAX_OUTPUT_DEPTH) fails that one step with LIMIT_EXCEEDED.
 *
 * Reproduce: npx vitest run test/reliability/deep-output.test.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { runPlan } from "../../src/api/run-plan.js";
import { planSubgraph } from "../../src/api/plan-subgraph.js";
import { SqliteCompletionStore } from "../../src/durability/sqlite.js";
import { MAX_OUTPUT_DEPTH } from "../../src/engine/output-depth.js";
import { escapeForState, unescapeFromState } from "../../src/langgraph/state-escape.js";
import type { RunResult } from "../../src/engine/result.js";
import { defineTool } from "../../src/tools/define.js";

const quiet = { chatModel: null, telemetry: false } as const;

/** `levels` objects inside each other; `lc` keys make every level one the state escape must wrap. */
function nested(levels: number, shape: "plain" | "lc" = "plain"): unknown {
  let value: unknown = { leaf: true };
  for (let i = 0; i < levels; i++) value = shape === "lc" ? { lc: 1, n: value } : { n: value };
  return value;
}

function depthOf(value: unknown): number {
  let depth = 0;
  for (let v = value; v !== null && typeof v === "object"; depth++) v = (v as { n?: unknown }).n;
  return depth;
}

/** Records every call; `deep` steps return `{ data: nested(levels) }`, others `{ data: tag }`. */
function tools(levels: number, shape: "plain" | "lc" = "plain") {
  const calls: string[] = [];
  const tool = defineTool({
    name: "work",
    description: "Records its call; returns deeply nested data when asked.",
    input: z.object({ tag: z.string(), deep: z.boolean().optional(), ms: z.number().optional() }),
    run: async ({ tag, deep, ms }) => {
      calls.push(tag);
      if (ms) await new Promise((r) => setTimeout(r, ms));
      return { data: deep ? nested(levels, shape) : tag };
    },
  });
  return { tool, calls, count: (tag: string) => calls.filter((c) => c === tag).length };
}

const work = (id: string, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({ id, tool: "work", params: { tag: id, ...params }, ...extra });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "plangraph-deep-"));
  vi.spyOn(process, "emitWarning");
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

function durable() {
  const file = join(dir, "runs.sqlite");
  const checkpointer = SqliteSaver.fromConnString(file);
  const store = new SqliteCompletionStore(file);
  return { checkpointer, store, close: () => (checkpointer.db.close(), store.close()) };
}

function expectNoFallback(result: RunResult) {
  expect(result.warnings.filter((w) => /fallback/.test(w))).toEqual([]);
  expect(process.emitWarning).not.toHaveBeenCalledWith(expect.stringMatching(/fallback/), expect.anything());
}

describe("state escape walks any depth without recursion", () => {
  it("escapes and restores 100,000 levels, wrapping every `lc` level and nothing else", () => {
    for (const shape of ["plain", "lc"] as const) {
      const value = nested(100_000, shape);
      const escaped = escapeForState(value);
      if (shape === "plain") expect(escaped, "nothing to escape: the same object").toBe(value);
      else expect(Object.keys(escaped as object)).toEqual(["__plangraph_entries"]);
      const restored = unescapeFromState(escaped);
      expect(depthOf(restored)).toBe(100_001);
      // Level by level, the same keys and values as the original (a loop: JSON.stringify would overflow).
      let differences = 0;
      for (let a = value, b = restored; a !== undefined; a = (a as { n?: unknown }).n, b = (b as { n?: unknown }).n) {
        if (Object.keys(b as object).join() !== Object.keys(a as object).join() || (b as { lc?: unknown }).lc !== (a as { lc?: unknown }).lc) differences++;
      }
      expect(differences).toBe(0);
    }
  });

  it("keeps an escaped `__proto__` key as data, at any depth", () => {
    const inner = JSON.parse('{"__proto__":{"polluted":1},"x":1}') as unknown;
    let value: unknown = inner;
    for (let i = 0; i < 5_000; i++) value = [value];
    let restored = unescapeFromState(escapeForState(value));
    for (let i = 0; i < 5_000; i++) restored = (restored as unknown[])[0];
    expect(Object.prototype.hasOwnProperty.call(restored, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("a tool output nested 3,000 levels deep costs no step its exactly-once", () => {
  it("in memory: that step fails with LIMIT_EXCEEDED naming it, its dependent is skipped, the rest runs; no fallback", async () => {
    const t = tools(3_000);
    const plan = { steps: [work("deep", { deep: true }), work("after", {}, { depends_on: ["deep"] }), work("other", { ms: 20 })] };
    const result = await runPlan(plan, { tools: [t.tool], ...quiet });
    expect(result.error_codes.deep).toBe("LIMIT_EXCEEDED");
    expect(result.errors.deep).toMatch(new RegExp(`step 'deep' returned data nested 3002 levels deep; at most ${MAX_OUTPUT_DEPTH}`));
    expect(result.skipped).toContain("after");
    expect(result.results.other).toEqual({ data: "other" });
    expectNoFallback(result);
    expect(t.calls.sort()).toEqual(["deep", "other"]);
  });

  it("durable (SQLite): no dependent RUN_ABORTED, and a resume re-executes nothing", async () => {
    const t = tools(3_000);
    const db = durable();
    try {
      const plan = {
        steps: [work("slow", { ms: 60 }), work("deep", { deep: true }), work("after_slow", {}, { depends_on: ["slow"] }), work("after_deep", {}, { depends_on: ["deep"] })],
      };
      const options = { tools: [t.tool], checkpointer: db.checkpointer, store: db.store, threadId: "deep-1", ...quiet };
      const result = await runPlan(plan, options);
      expectNoFallback(result);
      expect(Object.values(result.error_codes)).not.toContain("RUN_ABORTED");
      expect(result.error_codes.deep).toBe("LIMIT_EXCEEDED");
      expect(result.results.after_slow).toEqual({ data: "after_slow" });
      const resumed = await runPlan(plan, { ...options, resume: null });
      expect(resumed.error_codes.deep).toBe("LIMIT_EXCEEDED");
      for (const id of ["slow", "deep", "after_slow"]) expect(t.count(id), id).toBe(1);
      expect(t.count("after_deep")).toBe(0);
    } finally {
      db.close();
    }
  });

  it("durable (SQLite): the deepest output allowed, escaped at every level, pauses, resumes and runs each step once", async () => {
    // The state escape triples this output's depth: the checkpoint must still be readable on resume.
    const t = tools(MAX_OUTPUT_DEPTH - 2, "lc");
    const db = durable();
    try {
      const plan = { steps: [work("deep", { deep: true }), work("gate", {}, { depends_on: ["deep"], requires_approval: true }), work("last", {}, { depends_on: ["gate"] })] };
      const options = { tools: [t.tool], checkpointer: db.checkpointer, store: db.store, threadId: "deep-2", ...quiet };
      const paused = await runPlan(plan, options);
      expect(paused.status).toBe("interrupted");
      const resumed = await runPlan(plan, { ...options, resume: { gate: "approve" } });
      expect(resumed.status).toBe("completed");
      expect(depthOf((resumed.results.deep as { data: unknown }).data)).toBe(MAX_OUTPUT_DEPTH - 1);
      expectNoFallback(resumed);
      for (const id of ["deep", "gate", "last"]) expect(t.count(id), id).toBe(1);
    } finally {
      db.close();
    }
  });

  it("through the subgraph (server) path: no RangeError, the result says which step and why", async () => {
    const t = tools(3_000);
    const graph = planSubgraph({ steps: [work("deep", { deep: true }), work("after", {}, { depends_on: ["deep"] })] }, { tools: [t.tool], ...quiet });
    const output = (await graph.invoke({})) as { result?: RunResult };
    expect(output.result?.status).toBe("failed");
    expect(output.result?.error_codes.deep).toBe("LIMIT_EXCEEDED");
    expect(output.result?.skipped).toContain("after");
    expect(t.calls).toEqual(["deep"]);
  });
});
