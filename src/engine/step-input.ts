import type { PreparedStep } from "../analysis/prepare.js";
import { renderTemplate, type OutputLookup } from "../refs/resolve.js";

/** A step's tool input from its template, or why it has none. */
export type RenderedInput = { input: unknown; warnings: string[] } | { error: { code: string; message: string }; warnings: string[] };

/**
 * Renders a step's input from the outputs so far. A missing reference reads as null with a
 * warning, or fails the step under `strict`; an optional dependency that did not run reads as
 * null by design, without a warning. Pure.
 */
export function renderStepInput(step: PreparedStep, outputs: OutputLookup, isDone: (id: string) => boolean, strict: boolean): RenderedInput {
  const warnings: string[] = [];
  const input = renderTemplate(step.input, outputs, (missing) => {
    if (step.optionalDeps.has(missing.ref.step) && !isDone(missing.ref.step)) return;
    warnings.push(`step '${step.id}': ${missing.message}`);
  });
  if (warnings.length && strict) {
    return { error: { code: "MISSING_REFERENCE", message: `${warnings.join("; ")} (strict mode)` }, warnings: [] };
  }
  return { input, warnings };
}

/** `{ warnings }` when there are any, for spreading into a record. */
export function warningsField(warnings: readonly string[]): { warnings?: string[] } {
  return warnings.length ? { warnings: [...warnings] } : {};
}
