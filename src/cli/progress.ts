import type { RunEvent } from "../engine/scheduler.js";
import { safeLine } from "./escape.js";

/** A for_each step's elements so far. */
type Items = { total: number; done: number; failed: number };
type State = { status: "running" | "done" | "failed" | "skipped" | "rejected" | "waiting"; started?: number; ms?: number; attempt?: number; note?: string; items?: Items };

const SYMBOL: Record<State["status"], string> = { running: "…", done: "✓", failed: "✗", skipped: "-", rejected: "⊘", waiting: "?" };

/**
 * Per-step progress on stderr: a live table redrawn in place on a terminal, one plain line per
 * finished step otherwise (logs, CI).
 */
export class ProgressDisplay {
  private readonly steps = new Map<string, State>();
  private drawnLines = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly live: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (live) {
      this.timer = setInterval(() => this.redraw(), 120);
      this.timer.unref?.();
    }
  }

  readonly onEvent = (event: RunEvent): void => {
    if (event.type === "step_start") {
      this.steps.set(event.step, { status: "running", started: this.now(), attempt: event.attempt });
      if (!this.live && event.attempt > 1) this.line(`↻ ${event.step} attempt ${event.attempt}`);
    } else if (event.type === "item_start" || event.type === "item_end") {
      this.onItem(event);
    } else if (event.type === "step_end") {
      const prior = this.steps.get(event.step);
      const record = event.record;
      const ms = record.started_at !== undefined && record.ended_at !== undefined ? record.ended_at - record.started_at : undefined;
      const note = record.status === "failed" ? record.error?.message : record.status === "skipped" ? record.reason : undefined;
      const items = record.items ? { items: { total: record.items.total, done: record.items.done, failed: record.items.failed } } : {};
      this.steps.set(event.step, { status: record.status, ...(ms !== undefined ? { ms } : {}), ...(prior?.attempt ? { attempt: prior.attempt } : {}), ...(note ? { note } : {}), ...items });
      if (!this.live) this.line(this.format(event.step, this.steps.get(event.step)!));
    } else if (event.type === "decision") {
      const o = event.outcome;
      const text = o.status === "decided" ? `◆ ${event.decision} → ${o.branch} (${o.source}: ${o.reason})` : `◆ ${event.decision} skipped (${o.reason})`;
      if (this.live) this.steps.set(`◆${event.decision}`, { status: "done", note: text });
      else this.line(text);
    } else if (event.type === "approval_needed") {
      this.steps.set(event.step, { status: "waiting", note: "waiting for approval" });
      if (!this.live) this.line(`? ${event.step} waits for approval (${event.tool})`);
    }
    if (this.live) this.redraw();
  };

  /** A for_each step's element started or ended: its row counts "n/N done, f failed". */
  private onItem(event: Extract<RunEvent, { type: "item_start" | "item_end" }>): void {
    const prior = this.steps.get(event.step);
    const items = prior?.items ?? { total: event.total, done: 0, failed: 0 };
    if (event.type === "item_end") {
      if (event.status === "done") items.done++;
      else items.failed++;
    }
    this.steps.set(event.step, { status: "running", started: prior?.started ?? this.now(), items });
  }

  finish(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.live) this.redraw();
  }

  private format(id: string, state: State): string {
    if (id.startsWith("◆")) return state.note ?? id;
    const time = state.status === "running" && state.started !== undefined ? this.now() - state.started : state.ms;
    const ms = time === undefined ? "" : ` ${formatMs(time)}`;
    const attempt = state.attempt && state.attempt > 1 ? ` (attempt ${state.attempt})` : "";
    const note = state.note ? `  ${safeLine(state.note, 160)}` : "";
    const items = state.items ? ` ${state.items.done}/${state.items.total} done, ${state.items.failed} failed` : "";
    return `${SYMBOL[state.status]} ${id}${ms}${items}${attempt}${note}`;
  }

  private line(text: string): void {
    this.write(`${text}\n`);
  }

  private redraw(): void {
    const lines = [...this.steps].map(([id, state]) => this.format(id, state));
    let text = this.drawnLines ? `\x1b[${this.drawnLines}F` : "";
    for (const line of lines) text += `\x1b[2K${line}\n`;
    this.drawnLines = lines.length;
    this.write(text);
  }
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}
