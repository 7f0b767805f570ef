import type { RunResult } from "../model/result.js";
import { REDACTED, Redactor } from "../telemetry/sensitive.js";
import type { ReportInput } from "./input.js";

/**
 * The report's input with the sensitive parts of the run withheld (see src/telemetry/sensitive.ts
 * for what they are): values replaced by `[redacted]`, and every string of them that still shows
 * elsewhere (another step's error, a warning, the answer) scrubbed. Never mutates.
 */
export function redactSensitiveParts(input: ReportInput): ReportInput {
  const parts = input.sensitive;
  if (!parts || (!parts.steps.length && !parts.decisions.length && !parts.answer)) return input;
  const r = input.result;
  const redactor = new Redactor([]);
  for (const step of parts.steps) {
    redactor.learn([own(r.results, step), own(r.inputs, step), own(r.errors, step), own(r.iterations, step), r.item_errors && own(r.item_errors, step)]);
    redactor.learn(r.pending.filter((p) => p.step === step).map((p) => p.params));
  }
  const hidden = new Set(parts.steps);
  const result: RunResult = {
    ...r,
    results: replace(r.results, parts.steps, () => REDACTED),
    inputs: replace(r.inputs, [...parts.steps, ...parts.inputs], () => REDACTED),
    errors: replace(r.errors, parts.steps, () => REDACTED),
    iterations: replace(r.iterations, parts.steps, (list) => list.map(() => REDACTED)),
    pending: r.pending.map((p) => (hidden.has(p.step) ? { ...p, params: REDACTED } : p)),
    decisions: replace(r.decisions, parts.decisions, (d) => ({ ...d, reason: REDACTED, ...(d.cause !== undefined ? { cause: REDACTED } : {}) })),
    ...(r.item_errors ? { item_errors: replace(r.item_errors, parts.steps, (errors) => replace(errors, Object.keys(errors), (e) => ({ ...e, message: REDACTED }))) } : {}),
    ...(r.answer !== undefined && parts.answer ? { answer: REDACTED } : {}),
  };
  return { ...input, result: redactor.value(result) };
}

const own = <T>(record: Record<string, T>, key: string): T | undefined => (Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined);

/** `record` with the entries of `ids` that it has replaced by `by`'s value. */
function replace<T>(record: Record<string, T>, ids: readonly string[], by: (value: T) => T): Record<string, T> {
  const copy: Record<string, T> = { ...record };
  // defineProperty: an id such as __proto__ stays a plain key
  for (const id of ids) if (Object.prototype.hasOwnProperty.call(record, id)) Object.defineProperty(copy, id, { value: by(record[id]!), enumerable: true, writable: true, configurable: true });
  return copy;
}
