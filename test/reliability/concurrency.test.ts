/**
 * Concurrency, in process: 50 runs at once with shared tool instances — no cross-talk between
 * runs' state, every result correct. Three shapes:
 * - 50 different plans through runPlan at once, without a checkpointer;
 * - the same 50 through one shared SqliteSaver + SqliteCompletionStore file (the durable
 *   configuration), distinct threads;
 * - one compiled server graph (planSubgraph, as langgraph.json serves it) invoked 50 times at
 *   once on 50 threads of one MemorySaver: the "per run, never per graph" trap.
 *
 * The LangGraph dev server part (50 runs over HTTP) belongs to test/server (another engineer's).
 *
 * Reproduce: npx vitest run test/reliability/concurrency.test.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import { MemorySaver } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { z } from "zod";
import { afterAll, describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { SqliteCompletionStore } from "../../src/durability/sqlite.js";
import { planSubgraph } from "../../src/agents/plan-subgraph.js";
import { defineTool } from "../../src/tools/define.js";
import type { RunResult } from "../../src/engine/result.js";
import { randomInt, randomPlan, seededRandom } from "./support/crash.js";

const RUNS = 50;
const quiet = { chatModel: null, telemetry: false } as const;

/** One shared `work` tool (the logging tool's contract, faster): value = n + sum(inputs). */
function sharedWork() {
  const calls: string[] = [];
  const tool = defineTool({
    name: "work",
    description: "value = n + sum(inputs), after a short random wait.",
    input: z.object({ step: z.string(), ms: z.number(), n: z.number(), inputs: z.array(z.number().nullable()).default([]) }),
    run: async ({ step, n, inputs }) => {
      calls.push(step);
      await new Promise((r) => setTimeout(r, 1 + Math.floor(Math.random() * 15)));
      return { data: { step, value: n + inputs.reduce<number>((s, x) => s + (x ?? 0), 0) } };
    },
  });
  return { tool, calls };
}

type Plan = ReturnType<typeof randomPlan>;

/** The oracle: what a correct run of a random plan returns, computed without plangraph. */
function expectedResults(plan: Plan): { results: Record<string, unknown>; skipped: string[] } {
  const values = new Map<string, number>();
  const skipped: string[] = [];
  const decisions = (plan.decisions ?? []) as Array<{ condition: string; then: string[]; else: string[] }>;
  for (const step of plan.steps) {
    const decision = decisions.find((d) => d.then.includes(step.id) || d.else.includes(step.id));
    if (decision) {
      const [, gate, threshold] = /^\{(\w+)\.data\.value\} > (\d+)$/.exec(decision.condition)!;
      const branch = values.get(gate!)! > Number(threshold) ? decision.then : decision.else;
      if (!branch.includes(step.id)) {
        skipped.push(step.id);
        continue;
      }
    }
    const inputs = (step.output_mapping?.inputs ?? []).map((ref) => values.get(/^\{(\w+)\./.exec(ref)![1]!) ?? 0);
    values.set(step.id, step.params.n + inputs.reduce((s, x) => s + x, 0));
  }
  return { results: Object.fromEntries([...values].map(([id, value]) => [id, { data: { step: id, value } }])), skipped };
}

/** 50 plans, each with values of its own (n shifted per run), so a crossed wire shows. */
function plans(): Plan[] {
  return Array.from({ length: RUNS }, (_, i) => {
    const plan = randomPlan(seededRandom(1_000 + i), { decision: i % 2 === 0 });
    for (const step of plan.steps) {
      step.params.n += i * 1_000;
      step.params.ms = 1;
    }
    return plan;
  });
}

function checkAll(all: Plan[], results: RunResult[]) {
  results.forEach((result, i) => {
    const expected = expectedResults(all[i]!);
    expect(result.status, `run ${i}`).toBe("completed");
    expect(result.results, `run ${i}`).toEqual(expected.results);
    expect(result.skipped.sort(), `run ${i}`).toEqual(expected.skipped.sort());
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe(`${RUNS} concurrent runs in one process, shared tools`, () => {
  it("different plans through runPlan at once: every result equals the oracle's", async () => {
    const work = sharedWork();
    const all = plans();
    // The oracle agrees with one plain run before anything runs concurrently.
    expect((await runPlan(all[0]!, { tools: [work.tool], ...quiet })).results).toEqual(expectedResults(all[0]!).results);
    const results = await Promise.all(all.map((plan) => runPlan(plan, { tools: [work.tool], ...quiet })));
    checkAll(all, results);
  }, 60_000);

  it("through one shared SQLite checkpointer and completion store (distinct threads): results correct, store emptied", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plangraph-concurrency-"));
    dirs.push(dir);
    const file = join(dir, "runs.sqlite");
    const checkpointer = SqliteSaver.fromConnString(file);
    const store = new SqliteCompletionStore(file);
    const work = sharedWork();
    const all = plans();
    try {
      const results = await Promise.all(all.map((plan, i) => runPlan(plan, { tools: [work.tool], checkpointer, store, threadId: `thread-${i}`, ...quiet })));
      checkAll(all, results);
      // Each thread's checkpoint holds its own run's records, and nobody else's.
      for (let i = 0; i < RUNS; i += 7) {
        const tuple = await checkpointer.getTuple({ configurable: { thread_id: `thread-${i}` } });
        const values = tuple!.checkpoint.channel_values as Record<string, { output?: unknown } | null>;
        const expected = expectedResults(all[i]!).results;
        for (const [id, output] of Object.entries(expected)) expect(values[`step:${id}`]?.output, `thread-${i} ${id}`).toEqual(output);
      }
    } finally {
      store.close();
      checkpointer.db.close();
    }
    const db = new Database(file, { readonly: true });
    const left = db.prepare("SELECT COUNT(*) AS n FROM plangraph_completions").get() as { n: number };
    db.close();
    expect(left.n, "finished runs discard their eager completions").toBe(0);
  }, 60_000);

  it("one compiled server graph invoked on 50 threads at once: each run sees only its own outputs", async () => {
    // Every call returns a fresh token; each step passes on the token it was given, so a run whose
    // step read another run's output would carry a foreign token.
    let issued = 0;
    const tokenTool = defineTool({
      name: "token",
      description: "Returns a fresh unique token, and echoes what it was given.",
      input: z.object({ given: z.string().nullable().default(null), ms: z.number().default(0) }),
      run: async ({ given, ms }) => {
        const token = `${randomUUID()}#${++issued}`;
        await new Promise((r) => setTimeout(r, ms + Math.floor(Math.random() * 10)));
        return { data: { token, given } };
      },
    });
    const plan = {
      steps: [
        { id: "first", tool: "token", params: { ms: 5 } },
        { id: "side", tool: "token", params: { ms: 30 } },
        { id: "second", tool: "token", output_mapping: { given: "{first.data.token}" } },
        { id: "third", tool: "token", output_mapping: { given: "{second.data.token}" } },
        { id: "join", tool: "token", output_mapping: { given: "{third.data.token}|{side.data.token}" } },
      ],
    };
    const graph = planSubgraph(plan, { tools: [tokenTool], checkpointer: new MemorySaver(), ...quiet });
    const rng = seededRandom(99);
    const outputs = await Promise.all(
      Array.from({ length: RUNS }, async (_, i) => {
        await new Promise((r) => setTimeout(r, randomInt(rng, 0, 20)));
        return (await graph.invoke({}, { configurable: { thread_id: `server-${i}` } })) as { result: RunResult };
      }),
    );
    const data = (r: RunResult, id: string) => (r.results[id] as { data: { token: string; given: string | null } }).data;
    const firstTokens = new Set<string>();
    for (const { result } of outputs) {
      expect(result.status).toBe("completed");
      expect(data(result, "second").given).toBe(data(result, "first").token);
      expect(data(result, "third").given).toBe(data(result, "second").token);
      expect(data(result, "join").given).toBe(`${data(result, "third").token}|${data(result, "side").token}`);
      firstTokens.add(data(result, "first").token);
    }
    expect(firstTokens.size).toBe(RUNS);
    expect(issued).toBe(RUNS * plan.steps.length);
    // And each thread's checkpointed state agrees with the result its run returned.
    for (let i = 0; i < RUNS; i += 10) {
      const state = await graph.getState({ configurable: { thread_id: `server-${i}` } });
      expect((state.values as { result: RunResult }).result.results).toEqual(outputs[i]!.result.results);
    }
  }, 60_000);

  it("cancelling some runs aborts only their tools (tools launched ahead of their nodes included); the others finish", async () => {
    const aborted = new Set<string>();
    const finished = new Set<string>();
    const slow = defineTool({
      name: "slow",
      description: "Waits `ms`; records whether its signal aborted first.",
      input: z.object({ tag: z.string(), ms: z.number() }),
      run: (input, config) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            finished.add(input.tag);
            resolve({ data: { tag: input.tag } });
          }, input.ms);
          config.signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            aborted.add(input.tag);
            reject(new Error("aborted"));
          }, { once: true });
        }),
    });
    // `long` holds its superstep; `ahead` starts eagerly after `quick`, before its own node runs.
    const planFor = (i: number) => ({
      steps: [
        { id: "long", tool: "slow", params: { tag: `${i}:long`, ms: 400 } },
        { id: "quick", tool: "slow", params: { tag: `${i}:quick`, ms: 10 } },
        { id: "ahead", tool: "slow", params: { tag: `${i}:ahead`, ms: 300 }, depends_on: ["quick"] },
        { id: "end", tool: "slow", params: { tag: `${i}:end`, ms: 1 }, depends_on: ["long", "ahead"] },
      ],
    });
    const controllers = Array.from({ length: 20 }, () => new AbortController());
    const runs = controllers.map((controller, i) =>
      runPlan(planFor(i), { tools: [slow], signal: controller.signal, ...quiet }).then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    );
    await new Promise((r) => setTimeout(r, 150));
    controllers.forEach((controller, i) => i % 2 === 1 && controller.abort());
    const outcomes = await Promise.all(runs);
    for (let i = 0; i < 20; i++) {
      if (i % 2 === 0) {
        const outcome = outcomes[i]!;
        expect(outcome.ok ? outcome.result.status : outcome.error, `run ${i}`).toBe("completed");
        for (const step of ["long", "quick", "ahead", "end"]) expect(aborted.has(`${i}:${step}`), `${i}:${step}`).toBe(false);
      } else {
        // The cancelled run's in-flight tools were told, including the one started ahead of its node.
        expect(aborted.has(`${i}:long`), `${i}:long`).toBe(true);
        expect(aborted.has(`${i}:ahead`), `${i}:ahead`).toBe(true);
        expect(finished.has(`${i}:end`), `${i}:end`).toBe(false);
      }
    }
  }, 60_000);

  it("a cancelled run reports RUN_ABORTED without claiming that orchestration failed", async () => {
    const controller = new AbortController();
    const emitted: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => emitted.push(warning.code ?? warning.name);
    process.on("warning", onWarning);
    try {
      const run = runPlan({ steps: [{ id: "a", tool: "sleep", params: { ms: 2_000 } }, { id: "b", tool: "echo", params: {}, depends_on: ["a"] }] }, { signal: controller.signal, ...quiet });
      setTimeout(() => controller.abort(), 100);
      const result = await run;
      expect(result.error_codes.a).toBe("RUN_ABORTED");
      expect(result.warnings.filter((w) => /orchestration failed/.test(w))).toEqual([]);
      await new Promise((r) => setImmediate(r));
      expect(emitted).not.toContain("PLANGRAPH_FALLBACK");
    } finally {
      process.off("warning", onWarning);
    }
  });
});
