import type { RunEvent } from "../engine/scheduler.js";

/** A tool call plangraph gave up on: it may still be running. */
export interface AbandonedCall {
  step: string;
  tool: string;
  /** Why the run stopped waiting for it. */
  why: string;
}

/** Error codes of a step whose call the run stopped waiting for, rather than one that returned or threw. */
const GIVEN_UP = new Set(["TOOL_TIMEOUT", "RUN_ABORTED", "RUN_BUDGET_EXCEEDED"]);

/**
 * Knows which tool calls the run stopped waiting for. A run ends a call (timeout, fail-fast,
 * budget) by aborting its signal, but a tool that ignores the signal keeps running and would hold
 * the process open as long as it likes; the CLI exits anyway once the result is out and names
 * these calls. From the run's events: a `step_start` with no `step_end`, or a `step_end` whose
 * error says the call was timed out or aborted. LangChain's `tool()` races the signal itself, so
 * nothing outside the tool can see when its own work really settles.
 */
export class GivenUpCalls {
  private readonly started = new Map<string, string>();
  private readonly ended = new Map<string, string | undefined>();

  readonly onEvent = (event: RunEvent): void => {
    if (event.type === "step_start") {
      this.started.set(event.step, event.tool);
      this.ended.delete(event.step);
    } else if (event.type === "step_end" && this.started.has(event.step)) {
      const code = event.record.status === "failed" ? event.record.error?.code : undefined;
      this.ended.set(event.step, code);
    }
  };

  /** The calls given up on, in the order their steps started. */
  list(): AbandonedCall[] {
    const calls: AbandonedCall[] = [];
    for (const [step, tool] of this.started) {
      if (!this.ended.has(step)) calls.push({ step, tool, why: "the run ended before it returned" });
      else {
        const code = this.ended.get(step);
        if (code && GIVEN_UP.has(code)) calls.push({ step, tool, why: code === "TOOL_TIMEOUT" ? "timed out" : code === "RUN_ABORTED" ? "aborted" : "out of run budget" });
      }
    }
    return calls;
  }
}

/**
 * What keeps the process alive besides its own stdio: a timer or socket left by a tool that
 * ignored its abort signal shows up here once plangraph has closed everything it opened.
 */
export function liveHandles(): string[] {
  const info = (process as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo?.() ?? [];
  return info.filter((kind) => kind !== "TTYWrap" && kind !== "PipeWrap" && kind !== "FSReqCallback");
}
