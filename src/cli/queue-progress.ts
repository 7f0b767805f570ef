import pg from "pg";
import { z } from "zod";
import { RunEventSchema, type RunEvent } from "../model/events.js";
import { truncateWords } from "./escape.js";

/**
 * Live per-step progress of queued runs, from whichever worker holds a run to whoever waits for
 * it (`plangraph submit --wait`): the worker NOTIFYs each run event on one PostgreSQL channel, the
 * waiting client LISTENs. PostgreSQL delivers a notification to every session listening when it
 * commits, and to no one else: progress is live only, never replayed (the result is the record).
 * Payloads are bounded (NOTIFY takes at most 8000 bytes), so events carry what a progress display
 * shows — status, times, an error's first words — never a step's input or output.
 */

/** The channel every worker publishes on. */
export const PROGRESS_CHANNEL = "plangraph_run_progress";

const ProgressMessageSchema = z.object({ run_id: z.string(), event: RunEventSchema });

/** A run event without anything a progress line does not show (outputs, inputs, params). */
export function progressEvent(event: RunEvent): RunEvent {
  if (event.type === "step_end") {
    const r = event.record;
    return {
      type: "step_end",
      step: event.step,
      record: {
        status: r.status,
        attempts: r.attempts,
        ...(r.started_at !== undefined ? { started_at: r.started_at } : {}),
        ...(r.ended_at !== undefined ? { ended_at: r.ended_at } : {}),
        ...(r.error ? { error: { code: r.error.code, message: truncateWords(r.error.message, 300) } } : {}),
        ...(r.reason !== undefined ? { reason: truncateWords(r.reason, 300) } : {}),
        ...(r.items ? { items: { total: r.items.total, done: r.items.done, failed: r.items.failed, elements: [] } } : {}),
      },
    };
  }
  if (event.type === "approval_needed") return { ...event, params: null };
  if (event.type === "decision") return { ...event, outcome: { ...event.outcome, reason: truncateWords(event.outcome.reason, 300) } };
  return event;
}

/** Publishes run events for listeners; a failed NOTIFY never fails the run (progress is best effort). */
export class ProgressPublisher {
  private readonly pool: pg.Pool;
  private failures = 0;

  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    this.pool.on("error", () => this.failures++);
  }

  publish(runId: string, event: RunEvent): void {
    const payload = JSON.stringify({ run_id: runId, event: progressEvent(event) });
    this.pool.query("SELECT pg_notify($1, $2)", [PROGRESS_CHANNEL, payload]).catch(() => this.failures++);
  }

  /** How many events could not be published. */
  get lost(): number {
    return this.failures;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** A listening session: events of every run, by run id, until closed. */
export interface ProgressSubscription {
  close(): Promise<void>;
}

/**
 * Listens for run events. Listen before submitting, so a run's first events are not missed; an
 * unparsable notification is dropped (it cannot be a worker's).
 */
export async function subscribeProgress(databaseUrl: string, onEvent: (runId: string, event: RunEvent) => void): Promise<ProgressSubscription> {
  const client = new pg.Client({ connectionString: databaseUrl });
  // A lost connection only stops progress lines; waiting for the result goes on through the queue.
  client.on("error", () => undefined);
  await client.connect();
  client.on("notification", (message) => {
    if (message.channel !== PROGRESS_CHANNEL || !message.payload) return;
    let parsed: z.infer<typeof ProgressMessageSchema>;
    try {
      const result = ProgressMessageSchema.safeParse(JSON.parse(message.payload));
      if (!result.success) return;
      parsed = result.data;
    } catch {
      return;
    }
    onEvent(parsed.run_id, parsed.event);
  });
  await client.query(`LISTEN ${PROGRESS_CHANNEL}`);
  return {
    close: async () => {
      await client.end().catch(() => undefined);
    },
  };
}
