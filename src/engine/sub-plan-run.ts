import type { PreparedPlan, PreparedStep } from "../analysis/prepare.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import type { OutputLookup } from "../refs/resolve.js";
import type { Clock } from "./clock.js";
import type { CompletionSink } from "./observers.js";
import type { SchedulerOptions } from "./scheduler-options.js";

/** What the sub-plan runner needs of one run of an inner plan (a PlanScheduler of its own). */
export interface InnerRun {
  start(): void;
  whenSettled(id: string): Promise<void>;
  stepRecord(id: string): StepRecord | undefined;
  abort(reason?: unknown): void;
}

/** How one run of an inner plan is made: the outer scheduler supplies it (it knows its own options). */
export interface InnerRunSpec {
  prepared: PreparedPlan;
  /** Where the inner steps' completions go: the run's store, under the run's key prefix. */
  store: CompletionSink | undefined;
  /** The inner records a resumed run already has (keys without the prefix). */
  seed: { steps: Record<string, StepRecord>; decisions: Record<string, DecisionOutcome> };
  /** What inner references read besides inner steps: outer steps, and the outer element. */
  outer: OutputLookup;
  /** How errors name the inner steps of this run: `outer.inner`, `outer[3].inner`. */
  name: string;
  /** The outer step, whose place in plan order its inner calls queue at. */
  step: PreparedStep;
}

/**
 * The scheduler options of one pass of a sub-plan, from the outer run's: same run id, clock,
 * decisions, policies and cache; the outer run's signal and tool-call slots; its own records.
 */
export function innerSchedulerOptions(
  outer: SchedulerOptions,
  spec: InnerRunSpec,
  signal: AbortSignal,
  slot: <T>(index: number, call: () => Promise<T>) => Promise<T>,
): SchedulerOptions {
  return {
    prepared: spec.prepared,
    runId: outer.runId,
    clock: outer.clock,
    evaluateDecision: outer.evaluateDecision,
    ...(outer.strict ? { strict: true } : {}),
    signal,
    ...(spec.store ? { store: spec.store } : {}),
    ...(outer.durable ? { durable: true } : {}),
    seed: spec.seed,
    ...(outer.cache ? { cache: outer.cache } : {}),
    ...(outer.cacheTtlMs !== undefined ? { cacheTtlMs: outer.cacheTtlMs } : {}),
    outer: spec.outer,
    namePrefix: `${spec.name}.`,
    outerSlot: (call) => slot(spec.step.index, call),
    // Inner calls run for the same caller, under the same durable run key, on the same trail.
    ...(outer.scope ? { scope: outer.scope } : {}),
  };
}

/** The passes of sub-plans under way, so a subgraph's inner node can wait for its inner step. */
export class SubPlanRuns {
  private readonly runs = new Map<string, InnerRun>();
  private readonly waiting = new Map<string, Array<(run: InnerRun) => void>>();

  track(step: string, run: InnerRun): void {
    this.runs.set(step, run);
    for (const wake of this.waiting.get(step)?.splice(0) ?? []) wake(run);
  }

  /** The (latest) pass of a sub-plan step without for_each, once it has started. */
  runOf(step: string): Promise<InnerRun> {
    const run = this.runs.get(step);
    if (run) return Promise.resolve(run);
    return new Promise((resolve) => {
      const list = this.waiting.get(step) ?? [];
      list.push(resolve);
      this.waiting.set(step, list);
    });
  }
}

export interface SubPlanDeps {
  clock: Clock;
  /** Records known at the start of the run (a resumed run's inner completions are among them). */
  seed: Readonly<Record<string, StepRecord>> | undefined;
  seedDecisions: Readonly<Record<string, DecisionOutcome>> | undefined;
  store: CompletionSink | undefined;
  /** What the outer step's references read (loop-aware). */
  lookup(step: PreparedStep): OutputLookup;
  iteration(id: string): number;
  create(spec: InnerRunSpec): InnerRun;
}

/**
 * The completion-store prefix of one run of a sub-plan: `outer/` (on a later loop pass
 * `outer@2/`), or per element `outer#3/`; an inner step's key is the prefix and its id.
 */
export function subPlanPrefix(step: string, iteration: number, index?: number): string {
  const pass = iteration > 1 ? `${step}@${iteration}` : step;
  return index === undefined ? `${pass}/` : `${pass}#${index}/`;
}

/**
 * Runs one pass of a sub-plan step's inner plan (the whole step, or one element of a for_each):
 * every inner step eagerly at its own critical path, in a scheduler of its own whose references
 * fall through to the outer run. The record is done with the object of inner outputs (null for
 * an inner step that did not run), or failed naming the first inner step that failed.
 */
export async function runSubPlanPass(step: PreparedStep, deps: SubPlanDeps, element?: { item: unknown; index: number; as: string; indexName: string }): Promise<StepRecord & { status: "done" | "failed" }> {
  const sub = step.subPlan!;
  const prefix = subPlanPrefix(step.id, deps.iteration(step.id), element?.index);
  const base = deps.lookup(step);
  const outer: OutputLookup = element
    ? (id) => (id === element.as ? { ok: true, value: element.item } : id === element.indexName ? { ok: true, value: element.index } : base(id))
    : base;
  const name = element ? `${step.id}[${element.index}]` : step.id;
  const startedAt = deps.clock.now();
  const run = deps.create({ prepared: sub.prepared, store: deps.store && prefixedSink(deps.store, prefix), seed: seedUnder(deps, prefix), outer, name, step });
  run.start();
  await Promise.all(sub.prepared.order.map((id) => run.whenSettled(id)));
  return passRecord(sub.prepared, run, name, startedAt, deps.clock.now());
}

/** The pass's record from its inner records (decisions are the inner plan's own business). */
function passRecord(prepared: PreparedPlan, run: InnerRun, name: string, startedAt: number, endedAt: number): StepRecord & { status: "done" | "failed" } {
  const output: Record<string, unknown> = {};
  const warnings: string[] = [];
  let attempts = 0;
  let failure: { code: string; message: string } | undefined;
  let first = endedAt;
  for (const id of prepared.steps.keys()) {
    const record = run.stepRecord(id);
    attempts += record?.attempts ?? 0;
    if (record?.started_at !== undefined) first = Math.min(first, record.started_at);
    for (const warning of record?.warnings ?? []) warnings.push(`${name}.${id}: ${warning}`);
    Object.defineProperty(output, id, { value: record?.status === "done" ? (record.output ?? null) : null, enumerable: true, writable: true, configurable: true });
    if (failure || !record || record.status === "done" || record.status === "skipped") continue;
    const why = record.status === "rejected" ? (record.reason ?? "rejected") : (record.error?.message ?? "failed");
    // Tool errors of the inner run already name the step in full ('outer[3].inner').
    const message = why.includes(`'${name}.${id}`) ? why : `sub-plan step '${name}.${id}' ${record.status}: ${why}`;
    failure = { code: record.error?.code ?? "TOOL_FAILED", message };
  }
  const timing = { started_at: Math.min(first, startedAt), ended_at: endedAt, attempts, ...(warnings.length ? { warnings } : {}) };
  return failure ? { status: "failed", error: failure, ...timing } : { status: "done", output, ...timing };
}

/** The records of this pass already known, with the prefix taken off their keys. */
function seedUnder(deps: SubPlanDeps, prefix: string): InnerRunSpec["seed"] {
  const strip = <T>(from: Readonly<Record<string, T>> | undefined) =>
    Object.fromEntries(Object.entries(from ?? {}).flatMap(([key, value]) => (key.startsWith(prefix) ? [[key.slice(prefix.length), value] as const] : [])));
  return { steps: strip(deps.seed), decisions: strip(deps.seedDecisions) };
}

/** The run's completion store seen from one pass of a sub-plan: every key under the pass's prefix. */
function prefixedSink(sink: CompletionSink, prefix: string): CompletionSink {
  return {
    saveStep: (runId, id, record) => sink.saveStep(runId, prefix + id, record),
    saveDecision: (runId, id, outcome) => sink.saveDecision(runId, prefix + id, outcome),
  };
}
