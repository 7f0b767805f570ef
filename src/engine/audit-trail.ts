import { paramsDigest, type AuditEntry, type AuditKind, type AuditSink } from "../model/audit.js";
import type { CallerContext } from "../model/caller.js";
import type { ApprovalAnswer } from "../model/events.js";
import { describeError } from "../model/errors.js";

/** What an entry is about, besides who and where (which the trail knows). */
export interface AuditEvent {
  kind: AuditKind;
  step?: string;
  itemIndex?: number;
  tool?: string;
  params?: unknown;
  outcome: string;
  detail?: string;
}

/**
 * A run's audit trail: fills in who (the caller), where (thread, run key) and when, keeps params
 * only as a digest, and appends to the sink. An append that fails is never silent: `record`
 * resolves with the warning the run reports (and the process emits, code PLANGRAPH_AUDIT), and
 * `settled` waits for every append still under way before the run's result is read.
 */
export class AuditTrail {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly failures: string[] = [];

  constructor(
    private readonly sink: AuditSink,
    private readonly who: { caller: CallerContext; threadId?: string; runKey?: string },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Appends one entry; resolves with a warning when it could not be recorded. */
  record(event: AuditEvent, runKey?: string): Promise<string | undefined> {
    const entry = this.entry(event, runKey);
    const append = Promise.resolve()
      .then(() => this.sink.append(entry))
      .then(
        () => undefined,
        (error: unknown) => {
          const warning = `audit: the ${event.kind} entry${event.step ? ` of step '${event.step}'` : ""} (${event.outcome}) could not be recorded: ${describeQuietly(error)}`;
          this.failures.push(warning);
          process.emitWarning?.(warning, { code: "PLANGRAPH_AUDIT" });
          return warning;
        },
      );
    this.inFlight.add(append);
    void append.finally(() => this.inFlight.delete(append));
    return append;
  }

  /** Every append started so far has ended. */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  /** Appends that failed, as warnings for the run's result. */
  warnings(): string[] {
    return [...this.failures];
  }

  private entry(event: AuditEvent, runKey: string | undefined): AuditEntry {
    const { caller, threadId } = this.who;
    return {
      kind: event.kind,
      at: this.now().toISOString(),
      tenant: caller.tenant,
      user: caller.user,
      trace_id: caller.trace_id,
      thread_id: threadId ?? null,
      run_key: runKey ?? this.who.runKey ?? null,
      step: event.step ?? null,
      item_index: event.itemIndex ?? null,
      tool: event.tool ?? null,
      params_digest: event.params === undefined ? null : paramsDigest(event.params),
      outcome: event.outcome,
      detail: event.detail === undefined ? null : event.detail.slice(0, 500),
    };
  }
}

/** A sink's error, described without letting a hostile value throw past the trail. */
function describeQuietly(error: unknown): string {
  try {
    return String(describeError(error));
  } catch {
    return "(an error that could not be described)";
  }
}

/** The entry of a human's answer to a pending step: the params it approved (edited or as resolved). */
export function answerEvent(step: string, tool: string, answer: ApprovalAnswer, input: unknown): AuditEvent {
  const approved = answer.action === "approve";
  return {
    kind: approved ? "approval" : "rejection",
    step,
    tool,
    params: approved && answer.params ? answer.params : (input ?? null),
    outcome: approved ? (answer.params ? "approved:edited" : "approved") : "rejected",
    ...(!approved && answer.reason ? { detail: answer.reason } : {}),
  };
}
