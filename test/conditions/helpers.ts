import { parseCondition, evaluateCondition, type Condition, type ConditionContext, type ConditionResult } from "../../src/conditions/index.js";
import type { MissingReference, OutputLookup } from "../../src/refs/resolve.js";
import { PlangraphError } from "../../src/model/errors.js";

export const STEPS: ReadonlySet<string> = new Set(["primary", "topology", "flags", "metrics", "a"]);

export const CONTEXT: ConditionContext = {
  steps: STEPS,
  unreferenceable: new Set(["has_hits"]),
  path: "$.decisions[0].condition",
  owner: "drill",
};

export const OUTPUTS: Record<string, unknown> = {
  primary: { data: { total: 12, rows: [{ ci_id: "ci-1", name: "db-prod" }], empty: [], none: {}, zero: 0, blank: "", nil: null } },
  topology: { data: { rows: [{ status: "ok", neighbours: ["a", "b"] }, { status: "degraded" }] } },
  flags: { data: { ok: true, off: false, version: "1.10", tags: { env: "prod", tier: 1 } } },
};

export function lookupIn(outputs: Record<string, unknown>): OutputLookup {
  return (step) => (Object.prototype.hasOwnProperty.call(outputs, step) ? { ok: true, value: outputs[step] } : { ok: false });
}

export function parse(text: string, context: Partial<ConditionContext> = {}): Condition {
  return parseCondition(text, { ...CONTEXT, ...context });
}

/** Parses and evaluates against OUTPUTS; returns the result and the missing references reported. */
export function run(text: string, outputs: Record<string, unknown> = OUTPUTS): ConditionResult & { missing: MissingReference[] } {
  const missing: MissingReference[] = [];
  const result = evaluateCondition(parse(text), lookupIn(outputs), (m) => missing.push(m));
  return { ...result, missing };
}

/** The PlangraphError a parse throws (fails the test when it does not throw one). */
export function parseError(text: string, context: Partial<ConditionContext> = {}): PlangraphError {
  try {
    parse(text, context);
  } catch (error) {
    if (error instanceof PlangraphError) return error;
    throw new Error(`expected a PlangraphError, got ${String(error)}`);
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}
