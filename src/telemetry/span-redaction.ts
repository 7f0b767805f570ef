import type { PreparedPlan } from "../analysis/prepare.js";
import type { StepRecord } from "../model/records.js";
import { secretsFromEnv, type Secret } from "./secrets.js";
import { REDACTED, Redactor, sensitiveParts } from "./sensitive.js";

/**
 * What a run's spans may say. Span attributes and status messages are exported to collectors that
 * many people read, so every text a step or decision contributes passes through here: sensitive
 * steps' messages are withheld entirely, everything else is scrubbed of the environment's secrets
 * and of the sensitive values the run has produced so far.
 */
export class SpanRedaction {
  private readonly steps: ReadonlySet<string>;
  private readonly decisions: ReadonlySet<string>;
  private readonly redactor: Redactor;

  constructor(prepared: PreparedPlan, secrets: readonly Secret[] = secretsFromEnv(process.env)) {
    const parts = sensitiveParts(prepared);
    this.steps = new Set(parts.steps);
    this.decisions = new Set(parts.decisions);
    this.redactor = new Redactor(secrets);
  }

  /** Learns a finished step's values if it is sensitive, before anything of it is written. */
  stepEnded(step: string, record: StepRecord): void {
    if (!this.steps.has(step)) return;
    this.redactor.learn([record.input, record.output, record.error?.message, record.item_errors, record.earlier]);
  }

  /** A step's error message or reason, as a span may carry it. */
  stepText(step: string, text: string): string {
    return this.steps.has(step) ? REDACTED : this.redactor.text(text);
  }

  /** A decision's reason or cause, as a span may carry it. */
  decisionText(decision: string, text: string): string {
    return this.decisions.has(decision) ? REDACTED : this.redactor.text(text);
  }

  /** Any other text (a run's failure). */
  text(text: string): string {
    return this.redactor.text(text);
  }

  /** A thrown value as an exception a span may record: message and stack scrubbed. */
  exception(error: unknown): { name: string; message: string; stack?: string } {
    if (!(error instanceof Error)) return { name: "Error", message: this.text(String(error)) };
    return { name: error.name, message: this.text(error.message), ...(error.stack ? { stack: this.text(error.stack) } : {}) };
  }
}
