/**
 * Helpers for driving the engine's parts without LangGraph: prepared plans with the built-ins, a
 * scheduler over them, and a tool whose outcome each step's params decide.
 */
import { z } from "zod";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { preparePlan, type PreparedPlan } from "../../src/analysis/prepare.js";
import { resolveLimits, type PlanLimitsInput } from "../../src/plan/limits.js";
import { createToolRegistry } from "../../src/tools/registry.js";
import { defineTool } from "../../src/tools/define.js";
import { systemClock } from "../../src/engine/clock.js";
import { PlanScheduler, type SchedulerOptions } from "../../src/engine/scheduler.js";
import type { DecisionOutcome } from "../../src/model/records.js";

export function prepare(plan: unknown, tools: StructuredToolInterface[] = [], limits?: PlanLimitsInput): PreparedPlan {
  return preparePlan(plan, { registry: createToolRegistry(tools), limits: resolveLimits(limits) });
}

/** Decides every decision by the branch named in `branches` (default "then"), as a rule would. */
export function fixedBranches(branches: Record<string, "then" | "else"> = {}): SchedulerOptions["evaluateDecision"] {
  return async (decision): Promise<DecisionOutcome> => ({ status: "decided", branch: branches[decision.id] ?? "then", source: "rule", reason: "fixed by the test" });
}

/** A scheduler over a prepared plan, with no LangGraph anywhere. */
export function scheduler(prepared: PreparedPlan, options: Partial<SchedulerOptions> = {}): PlanScheduler {
  return new PlanScheduler({ prepared, runId: "test-run", clock: systemClock, evaluateDecision: fixedBranches(), ...options });
}

/**
 * `outcome`: succeeds (`fail: false`) or throws (`fail: true`) after `ms`; records each call and
 * which steps had already been called when it started (to check readiness order).
 */
export function outcomeTool() {
  const calls: string[] = [];
  const tool = defineTool({
    name: "outcome",
    description: "Succeeds or fails as its params say.",
    input: z.object({ tag: z.string(), fail: z.boolean().default(false), ms: z.number().default(0) }).catchall(z.unknown()),
    run: async ({ tag, fail, ms }) => {
      calls.push(tag);
      if (ms) await new Promise((r) => setTimeout(r, ms));
      if (fail) throw new Error(`${tag} failed on purpose`);
      return { data: { tag } };
    },
  });
  return { tool, calls };
}
