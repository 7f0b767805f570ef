import type { PreparedStep } from "../analysis/prepare.js";
import type { FanOut } from "../analysis/for-each.js";
import type { RunEvent } from "../model/events.js";
import type { ElementSpan, StepRecord } from "../model/records.js";
import type { Clock } from "./clock.js";
import type { RenderedInput } from "./step-input.js";
import { callTool } from "./tool-call.js";
import type { AuditTrail } from "./audit-trail.js";
import type { CallIdentity } from "./call-scope.js";

/** One element's outcome, as the completion store keeps it (`step#<index>`). */
export type ElementRecord = StepRecord & { status: "done" | "failed" };

/** What running a for_each step needs from the launcher and the scheduler. */
export interface FanOutDeps {
  clock: Clock;
  signal: AbortSignal;
  maxOutputBytes: number;
  /** The list the step runs over, or why there is none. */
  list(step: PreparedStep): { ok: true; value: unknown[] } | { ok: false; error: { code: string; message: string } };
  /** Claims `count` elements of the run's element budget; the error when it is exceeded. */
  reserve(step: PreparedStep, count: number): { code: string; message: string } | undefined;
  /** The element's input (its templates with `{item}` and `{item_index}` bound). */
  render(step: PreparedStep, item: unknown, index: number): RenderedInput;
  /** An element that completed before (a resumed run): never called again. */
  completed(step: PreparedStep, index: number): ElementRecord | undefined;
  /**
   * Keeps an element's outcome in the completion store: undefined when it landed, else the
   * warning, and `fatal` under the durable policy (a resumed run would call the element again).
   */
  save(step: PreparedStep, index: number, record: ElementRecord): Promise<{ warning: string; fatal: boolean } | undefined>;
  /** Runs `call` in one of the run's tool-call slots (the run's maxConcurrency). */
  slot<T>(step: PreparedStep, call: () => Promise<T>): Promise<T>;
  emit(event: RunEvent): void;
  /** The step's result cache, per element input (absent when the step is not cached). */
  cache?: { get(step: PreparedStep, input: unknown): { output: unknown } | undefined; set(step: PreparedStep, input: unknown, output: unknown): void };
  /** The identity an element's call carries into its tool (its `item_index` set). */
  identify?(step: PreparedStep, itemIndex: number): CallIdentity;
  audit?: AuditTrail;
}

/**
 * Runs a for_each step: its tool once per element of the list, at most `max_concurrency` at once,
 * elements started in order the moment the list is known. Each element has the step's retries and
 * timeout, and its completion is saved as it ends, so a resumed run calls only the others. Never
 * throws: the step always ends with a record, per its `on_item_error` policy.
 */
export async function runFanOut(step: PreparedStep, fanOut: FanOut, deps: FanOutDeps): Promise<StepRecord> {
  const listed = deps.list(step);
  if (!listed.ok) return { status: "failed", attempts: 0, error: listed.error };
  const items = listed.value;
  const limit = Math.min(fanOut.maxItems, Number.MAX_SAFE_INTEGER);
  if (items.length > limit) {
    return failed("LIMIT_EXCEEDED", `step '${step.id}': for_each ${fanOut.ref.text} has ${items.length} elements; the limit is ${limit} (max_items)`);
  }
  const over = deps.reserve(step, items.length);
  if (over) return { status: "failed", attempts: 0, error: over };
  const startedAt = deps.clock.now();
  const records: ElementRecord[] = new Array(items.length);
  const warnings: WriteProblems = { warnings: [], fatal: undefined };
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      records[index] = await runElement(step, items[index], index, items.length, deps, warnings);
    }
  };
  const width = Math.min(items.length, fanOut.maxConcurrency ?? items.length);
  await Promise.all(Array.from({ length: width }, worker));
  const endedAt = items.length ? deps.clock.now() : startedAt;
  const record = settle(step, fanOut, records, startedAt, endedAt, warnings.warnings);
  if (warnings.fatal) return { ...record, status: "failed", error: { code: "STORE_WRITE_FAILED", message: warnings.fatal }, output: undefined };
  // Stopped by the run (cancelled, out of budget, lease lost): the step says why, as a plain step would.
  const stopped = deps.signal.aborted ? records.find((r) => r.status === "failed")?.error : undefined;
  return stopped && record.status === "failed" ? { ...record, error: { code: stopped.code, message: `step '${step.id}': ${stopped.message}` } } : record;
}

interface WriteProblems {
  warnings: string[];
  /** Under the durable policy: the first element whose completion was not saved. */
  fatal: string | undefined;
}

async function runElement(step: PreparedStep, item: unknown, index: number, total: number, deps: FanOutDeps, problems: WriteProblems): Promise<ElementRecord> {
  const earlier = deps.completed(step, index);
  if (earlier) return earlier;
  const record = await deps.slot(step, () => callElement(step, item, index, total, deps));
  // An element the run's abort cut short did not end: a resumed run calls it again.
  if (record.status === "failed" && deps.signal.aborted) return record;
  const failure = await deps.save(step, index, record);
  if (failure) problems.warnings.push(failure.warning);
  if (failure?.fatal) problems.fatal ??= failure.warning;
  return record;
}

async function callElement(step: PreparedStep, item: unknown, index: number, total: number, deps: FanOutDeps): Promise<ElementRecord> {
  const startedAt = deps.clock.now();
  deps.emit({ type: "item_start", step: step.id, index, total, at: startedAt });
  const record = await elementOutcome(step, item, index, deps, startedAt);
  deps.emit({ type: "item_end", step: step.id, index, total, status: record.status, at: record.ended_at ?? deps.clock.now() });
  return record;
}

async function elementOutcome(step: PreparedStep, item: unknown, index: number, deps: FanOutDeps, startedAt: number): Promise<ElementRecord> {
  const rendered = deps.render(step, item, index);
  const warnings = rendered.warnings.length ? { warnings: rendered.warnings } : {};
  if ("error" in rendered) return { status: "failed", attempts: 0, error: rendered.error, started_at: startedAt, ended_at: deps.clock.now(), ...warnings };
  const hit = deps.cache?.get(step, rendered.input);
  if (hit) return { status: "done", output: hit.output, cached: true, attempts: 0, started_at: startedAt, ended_at: startedAt, input: rendered.input, ...warnings };
  const result = await callTool({
    stepId: `${step.id}[${index}]`,
    tool: step.tool,
    input: rendered.input,
    ...(step.spec.retry ? { retry: step.spec.retry } : {}),
    ...(step.spec.timeout_ms !== undefined ? { timeoutMs: step.spec.timeout_ms } : {}),
    signal: deps.signal,
    maxOutputBytes: deps.maxOutputBytes,
    ...(deps.identify ? { identity: deps.identify(step, index) } : {}),
    ...(deps.audit ? { audit: deps.audit } : {}),
  });
  const allWarnings = [...rendered.warnings, ...(result.warnings ?? [])];
  const timing = { started_at: startedAt, ended_at: deps.clock.now(), attempts: result.attempts, input: rendered.input, ...(allWarnings.length ? { warnings: allWarnings } : {}) };
  if (result.ok) deps.cache?.set(step, rendered.input, result.output);
  return result.ok ? { status: "done", output: result.output, ...timing } : { status: "failed", error: result.error, ...timing };
}

/** The step's record from its elements' records, in element order, per the step's policy. */
export function settle(step: PreparedStep, fanOut: FanOut, records: readonly ElementRecord[], startedAt: number, endedAt: number, storeWarnings: readonly string[]): StepRecord {
  const failedAt = records.flatMap((r, i) => (r.status === "failed" ? [i] : []));
  const spans: ElementSpan[] = records.map((r, index) => ({ index, status: r.status, ...(r.started_at !== undefined ? { started_at: r.started_at } : {}), ...(r.ended_at !== undefined ? { ended_at: r.ended_at } : {}) }));
  const itemErrors = Object.fromEntries(failedAt.map((i) => [String(i), records[i]!.error ?? { code: "TOOL_FAILED", message: `element ${i} failed` }]));
  const warnings = [...records.flatMap((r) => r.warnings ?? []), ...storeWarnings];
  const base = {
    started_at: startedAt,
    ended_at: endedAt,
    attempts: records.reduce((n, r) => n + r.attempts, 0),
    input: records.map((r) => r.input ?? null),
    items: { total: records.length, done: records.length - failedAt.length, failed: failedAt.length, elements: spans },
    ...(failedAt.length ? { item_errors: itemErrors } : {}),
  };
  if (failedAt.length && fanOut.onItemError === "fail") {
    const first = records[failedAt[0]!]!.error;
    const message = `step '${step.id}': ${failedAt.length} of ${records.length} elements failed (index ${listIndices(failedAt)}); first: ${first?.message ?? "failed"}`;
    return { status: "failed", error: { code: "FOR_EACH_ITEM_FAILED", message }, ...base, ...(warnings.length ? { warnings } : {}) };
  }
  if (fanOut.onItemError === "skip") {
    for (const i of failedAt) warnings.push(`step '${step.id}': element ${i} failed and was left out (${records[i]!.error?.message ?? "failed"})`);
  }
  const output = fanOut.onItemError === "skip" ? records.filter((r) => r.status === "done").map((r) => r.output ?? null) : records.map((r) => (r.status === "done" ? (r.output ?? null) : null));
  return { status: "done", output, ...base, ...(warnings.length ? { warnings } : {}) };
}

function listIndices(indices: readonly number[]): string {
  const shown = indices.slice(0, 20).join(", ");
  return indices.length > 20 ? `${shown}, … (${indices.length - 20} more)` : shown;
}

function failed(code: string, message: string): StepRecord {
  return { status: "failed", attempts: 0, error: { code, message } };
}
