import type { RunEvent } from "../engine/scheduler.js";

/**
 * The `custom` stream chunk for a scheduler event: `{ plangraph: "step_start" | "step_end" |
 * "decision" | "approval_needed" | "cache_hit" | "item_start" | "item_end", ... , at_ms }` with times from the run's start.
 */
export function toStreamEvent(event: RunEvent, origin: number | undefined): Record<string, unknown> {
  const rel = (t: number | undefined) => (t === undefined || origin === undefined ? undefined : Math.round((t - origin) * 1000) / 1000);
  switch (event.type) {
    case "step_start":
      return { plangraph: "step_start", step: event.step, tool: event.tool, attempt: event.attempt, at_ms: rel(event.at), waited_ms: Math.round((event.at - event.ready_at) * 1000) / 1000 };
    case "step_end":
      return {
        plangraph: "step_end",
        step: event.step,
        status: event.record.status,
        start_ms: rel(event.record.started_at),
        end_ms: rel(event.record.ended_at),
        attempts: event.record.attempts,
        ...(event.record.error ? { error: event.record.error } : {}),
        ...(event.record.reason ? { reason: event.record.reason } : {}),
      };
    case "decision":
      return { plangraph: "decision", decision: event.decision, ...event.outcome, at_ms: rel(event.outcome.decided_at) };
    case "approval_needed":
      return { plangraph: "approval_needed", step: event.step, tool: event.tool, params: event.params };
    case "cache_hit":
      return { plangraph: "cache_hit", step: event.step, tool: event.tool, at_ms: rel(event.at) };
    case "item_start":
      return { plangraph: "item_start", step: event.step, index: event.index, total: event.total, at_ms: rel(event.at) };
    case "item_end":
      return { plangraph: "item_end", step: event.step, index: event.index, total: event.total, status: event.status, at_ms: rel(event.at) };
  }
}
