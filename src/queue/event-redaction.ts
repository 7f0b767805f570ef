import type { PreparedPlan } from "../analysis/prepare.js";
import type { RunEvent } from "../engine/scheduler.js";
import { REDACTED, sensitiveParts } from "../telemetry/sensitive.js";

/**
 * What of a run's events may be kept in the events table and streamed to waiters: everything but
 * the inputs and outputs of sensitive steps (and the inputs of steps reading them), as the run's
 * telemetry hides them. The result, which holds them, stays the caller's, as `run --json` prints it.
 */
export function eventRedaction(prepared: PreparedPlan): (event: RunEvent) => RunEvent {
  const parts = sensitiveParts(prepared);
  const hidden = new Set(parts.steps);
  const inputs = new Set(parts.inputs);
  if (!hidden.size) return (event) => event;
  return (event) => {
    if (event.type === "step_end" && (hidden.has(event.step) || inputs.has(event.step))) {
      const { output, input, ...record } = event.record;
      const kept = hidden.has(event.step) ? { ...record, ...(output !== undefined ? { output: REDACTED } : {}) } : { ...record, ...(output !== undefined ? { output } : {}) };
      return { ...event, record: { ...kept, ...(input !== undefined ? { input: REDACTED } : {}) } };
    }
    if (event.type === "approval_needed" && (hidden.has(event.step) || inputs.has(event.step))) return { ...event, params: REDACTED };
    return event;
  };
}
