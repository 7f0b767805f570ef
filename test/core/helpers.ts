/**
 * Shared fixtures of the issue-3 acceptance suite: a tool that counts its calls, a rejection
 * helper that checks the error taxonomy, a seeded random DAG, and an in-process CLI harness.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { expect } from "vitest";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { preparePlan, type PreparedPlan } from "../../src/analysis/prepare.js";
import { PlangraphError, PlanValidationError, type ErrorCode } from "../../src/model/errors.js";
import { resolveLimits, type PlanLimitsInput } from "../../src/plan/limits.js";
import { defineTool } from "../../src/tools/define.js";
import { createToolRegistry } from "../../src/tools/registry.js";
import { main, type CliIO } from "../../src/cli/main.js";
import { seededRandom as seeded } from "../../bench/random.js";

/** preparePlan with the built-in tools plus `tools`: every compile-time check, nothing run. */
export function prepare(plan: unknown, tools: StructuredToolInterface[] = [], limits?: PlanLimitsInput): PreparedPlan {
  return preparePlan(plan, { registry: createToolRegistry(tools), limits: resolveLimits(limits) });
}

/** The error `run` throws, checked against the taxonomy: a PlangraphError with a code, a JSON path and a sentence. */
export function rejection(run: () => unknown, expected: { code: ErrorCode; path?: string | RegExp; message?: RegExp; step?: string }): PlangraphError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected the plan to be rejected").toBeInstanceOf(PlangraphError);
  const error = caught as PlangraphError;
  // Every problem is reported: look for the expected one among all issues, not just the first.
  const issues = error instanceof PlanValidationError ? error.issues : [error];
  const issue = issues.find((i) => i.code === expected.code) ?? error;
  expect(issue.code).toBe(expected.code);
  expect(typeof issue.path, `issue ${issue.code} has a JSON path`).toBe("string");
  expect(issue.path).toMatch(/^\$/);
  if (typeof expected.path === "string") expect(issue.path).toBe(expected.path);
  else if (expected.path) expect(issue.path).toMatch(expected.path);
  // A sentence a person can act on: words, not a code or a stack.
  expect(issue.message.length).toBeGreaterThan(15);
  expect(issue.message).toMatch(/\s/);
  if (expected.message) expect(issue.message).toMatch(expected.message);
  if (expected.step !== undefined) expect(issue.step).toBe(expected.step);
  return issue;
}

/** A tool that records every call (its `tag` param) and how many calls overlapped. */
export interface CallLog {
  tool: StructuredToolInterface;
  calls: string[];
  ended: string[];
  maxActive: number;
  count(tag: string): number;
}

export function callLog(name = "record", options: { ms?: number } = {}): CallLog {
  let active = 0;
  const log: CallLog = {
    tool: undefined as unknown as StructuredToolInterface,
    calls: [],
    ended: [],
    maxActive: 0,
    count: (tag) => log.calls.filter((c) => c === tag).length,
  };
  log.tool = defineTool({
    name,
    description: "Records its call, optionally waits `ms`, returns its input as data.",
    input: z.object({ tag: z.string(), ms: z.number().int().min(0).optional() }).catchall(z.unknown()),
    run: async (input) => {
      log.calls.push(input.tag);
      active++;
      log.maxActive = Math.max(log.maxActive, active);
      const ms = input.ms ?? options.ms ?? 0;
      await new Promise((r) => setTimeout(r, ms));
      active--;
      log.ended.push(input.tag);
      return { data: input };
    },
  });
  return log;
}

/** The seeded PRNG (mulberry32) shared with the benchmark: same seed, same plans. */
export { seeded };

/** A random DAG plan of `n` steps on `tool`: each step depends on up to 3 earlier ones, some by reference. */
export function randomDagPlan(n: number, random: () => number, tool = "record") {
  const steps = Array.from({ length: n }, (_, i) => {
    const deps = new Set<number>();
    if (i > 0) for (let k = Math.floor(random() * 4); k > 0; k--) deps.add(Math.floor(random() * i));
    const list = [...deps];
    const byRef = list.filter(() => random() < 0.5);
    const byDep = list.filter((d) => !byRef.includes(d));
    return {
      id: `s${i}`,
      tool,
      params: { tag: `s${i}` },
      ...(byDep.length ? { depends_on: byDep.map((d) => `s${d}`) } : {}),
      ...(byRef.length ? { output_mapping: Object.fromEntries(byRef.map((d) => [`from_s${d}`, `{s${d}.data.tag}`])) } : {}),
    };
  });
  return { steps };
}

/** Direct dependencies of each step of a step-list plan, as written (depends_on + references). */
export function declaredDeps(plan: { steps: Array<{ id: string; depends_on?: string[]; output_mapping?: Record<string, unknown> }> }): Map<string, string[]> {
  return new Map(
    plan.steps.map((s) => {
      const refs = Object.values(s.output_mapping ?? {}).flatMap((v) => [...String(v).matchAll(/\{([A-Za-z_][\w-]*)[.[}]/g)].map((m) => m[1]!));
      return [s.id, [...new Set([...(s.depends_on ?? []), ...refs])]];
    }),
  );
}

/** A temporary directory whose modules can import this checkout's packages (for `--tools`). */
export function tempWorkspace(): { dir: string; file(name: string, content: unknown): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "plangraph-core-"));
  symlinkSync(resolve("node_modules"), join(dir, "node_modules"), "dir");
  return {
    dir,
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs the CLI in-process with captured output. */
export async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), stderrIsTTY: false, stdinIsTTY: false, env: {} };
  const code = await main(argv, io);
  return { code, out, err };
}

/** The keys the contract's `run --json` object has. */
export const CONTRACT_KEYS = [
  "status",
  "strategy",
  "order",
  "results",
  "errors",
  "skipped",
  "decisions",
  "warnings",
  "timings",
  "makespan_ms",
  "critical_path_ms",
  "pending",
] as const;

/** Checks a run result has every contract key with the contract's JSON type. */
export function expectContractShape(result: Record<string, unknown>): void {
  for (const key of CONTRACT_KEYS) expect(result, `result has '${key}'`).toHaveProperty(key);
  expect(["completed", "failed", "interrupted"]).toContain(result.status);
  expect(["PARALLEL", "SERIAL", "DAG"]).toContain(result.strategy);
  expect(Array.isArray(result.order) && (result.order as unknown[]).every((level) => Array.isArray(level) && level.every((id) => typeof id === "string"))).toBe(true);
  for (const key of ["results", "errors", "decisions", "timings"]) {
    expect(result[key] !== null && typeof result[key] === "object" && !Array.isArray(result[key]), `'${key}' is an object`).toBe(true);
  }
  expect(Object.values(result.errors as object).every((m) => typeof m === "string")).toBe(true);
  expect(Array.isArray(result.skipped) && (result.skipped as unknown[]).every((s) => typeof s === "string")).toBe(true);
  expect(Array.isArray(result.warnings) && (result.warnings as unknown[]).every((s) => typeof s === "string")).toBe(true);
  for (const t of Object.values(result.timings as Record<string, { start_ms: unknown; end_ms: unknown }>)) {
    expect(typeof t.start_ms).toBe("number");
    expect(typeof t.end_ms).toBe("number");
  }
  expect(typeof result.makespan_ms).toBe("number");
  expect(typeof result.critical_path_ms).toBe("number");
  expect(Array.isArray(result.pending)).toBe(true);
}
