import type { PreparedStep } from "../analysis/prepare.js";
import { ITEM_INDEX } from "../analysis/for-each.js";
import type { StepRecord } from "../model/records.js";
import type { PlanLimits } from "../plan/limits.js";
import { resolveReference, type OutputLookup } from "../refs/resolve.js";
import type { ElementRecord, FanOutDeps } from "./fan-out.js";
import type { CompletionWriter } from "./observers.js";
import { renderStepInput, type RenderedInput } from "./step-input.js";

/** The completion-store key of one element of a step (on a later loop pass, of that pass). */
export function elementKey(step: string, index: number, iteration = 1): string {
  return iteration > 1 ? `${step}@${iteration}#${index}` : `${step}#${index}`;
}

export interface FanOutPartsOptions {
  limits: PlanLimits;
  strict: boolean;
  /** Durable policy: an element whose completion could not be saved fails its step. */
  durable: boolean;
  /** Records known at start: the elements completed before a crash are among them. */
  seed: Readonly<Record<string, StepRecord>> | undefined;
  writer: CompletionWriter;
  /** What a step's references read (loop-aware). */
  lookup(step: PreparedStep): OutputLookup;
  isDone(id: string): boolean;
  iteration(id: string): number;
}

/**
 * The scheduler's side of a for_each step: the list it runs over, the run's element budget,
 * element inputs, and element completions in the completion store (read back on resume).
 */
export type FanOutParts = Pick<FanOutDeps, "list" | "reserve" | "render" | "completed" | "save"> & {
  /** Every element's input at once (what an approval shows), or why there is no list. */
  renderAll(step: PreparedStep): RenderedInput;
};

export function fanOutParts(options: FanOutPartsOptions): FanOutParts {
  let claimed = 0;
  const parts: FanOutParts = {
    list(step) {
      const fanOut = step.forEach!;
      let missing: string | undefined;
      const value = resolveReference(fanOut.ref, options.lookup(step), (m) => (missing = m.message));
      if (Array.isArray(value)) return { ok: true, value };
      const what = missing ?? `it is ${value === null ? "null" : typeof value}`;
      return { ok: false, error: { code: "FOR_EACH_NOT_LIST", message: `step '${step.id}': for_each ${fanOut.ref.text} is not a list (${what})` } };
    },
    reserve(step, count) {
      const limit = options.limits.maxItemsPerRun;
      if (claimed + count > limit) {
        return { code: "LIMIT_EXCEEDED", message: `step '${step.id}': for_each ${step.forEach!.ref.text} has ${count} elements, which would take the run to ${claimed + count}; the limit per run is ${limit} (maxItemsPerRun)` };
      }
      claimed += count;
      return undefined;
    },
    render(step, item, index) {
      const base = options.lookup(step);
      const as = step.forEach!.as;
      const lookup: OutputLookup = (id) => (id === as ? { ok: true, value: item } : id === ITEM_INDEX ? { ok: true, value: index } : base(id));
      return renderStepInput(step, lookup, options.isDone, options.strict);
    },
    completed(step, index) {
      const record = options.seed?.[elementKey(step.id, index, options.iteration(step.id))];
      return record?.status === "done" || record?.status === "failed" ? (record as ElementRecord) : undefined;
    },
    async save(step, index, record) {
      const failure = await options.writer.step(elementKey(step.id, index, options.iteration(step.id)), record);
      return failure && { warning: failure.warning, fatal: options.durable };
    },
    renderAll(step) {
      const listed = parts.list(step);
      if (!listed.ok) return { error: listed.error, warnings: [] };
      const rendered = listed.value.map((item, index) => parts.render(step, item, index));
      const failed = rendered.find((r): r is Extract<RenderedInput, { error: unknown }> => "error" in r);
      const warnings = rendered.flatMap((r) => r.warnings);
      return failed ? { error: failed.error, warnings } : { input: rendered.map((r) => ("input" in r ? r.input : null)), warnings };
    },
  };
  return parts;
}
