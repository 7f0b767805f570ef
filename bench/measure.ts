/** Makespan and critical path from measured step timings, the contract's definitions. */

export interface StepTiming {
  start: number;
  end: number;
}

export interface RunMeasure {
  /** From the engine's run start to the last step's end. */
  makespan_ms: number;
  /** Longest chain of measured step durations through the dependencies: the floor. */
  critical_path_ms: number;
  /** From the call into the engine to its return (compile and result assembly included). */
  wall_ms: number;
  /** The longest single step, to see timers delayed by a busy event loop. */
  max_step_ms: number;
  /** CPU time the process used during the call (all threads): robust to other load on the machine. */
  cpu_ms: number;
}

/** CPU time (user + system, ms) used by this process since `since` (a `process.cpuUsage()` reading). */
export function cpuSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/**
 * Critical path of a DAG given each step's measured duration. `steps` must be in topological
 * order; a step without a timing counts as 0 ms.
 */
export function criticalPathMs(steps: ReadonlyArray<{ id: string; deps: readonly string[] }>, timings: ReadonlyMap<string, StepTiming>): number {
  const finish = new Map<string, number>();
  let longest = 0;
  for (const step of steps) {
    const t = timings.get(step.id);
    const own = t ? t.end - t.start : 0;
    let before = 0;
    for (const dep of step.deps) before = Math.max(before, finish.get(dep) ?? 0);
    const total = before + own;
    finish.set(step.id, total);
    longest = Math.max(longest, total);
  }
  return longest;
}

/** The measure of one run from per-step timings relative to the run's start. */
export function measureRun(
  steps: ReadonlyArray<{ id: string; deps: readonly string[] }>,
  timings: ReadonlyMap<string, StepTiming>,
  origin: number,
  wall: number,
  cpu: number,
): RunMeasure {
  checkOrder(steps, timings);
  let last = origin;
  let maxStep = 0;
  for (const t of timings.values()) {
    last = Math.max(last, t.end);
    maxStep = Math.max(maxStep, t.end - t.start);
  }
  return { makespan_ms: last - origin, critical_path_ms: criticalPathMs(steps, timings), wall_ms: wall, max_step_ms: maxStep, cpu_ms: cpu };
}

/** An engine that starts a step before its dependencies ended, or skips one, is not measuring the plan. */
export function checkOrder(steps: ReadonlyArray<{ id: string; deps: readonly string[] }>, timings: ReadonlyMap<string, StepTiming>): void {
  for (const step of steps) {
    const t = timings.get(step.id);
    if (!t) throw new Error(`step '${step.id}' never ran`);
    for (const dep of step.deps) {
      const d = timings.get(dep);
      if (!d || d.end > t.start) throw new Error(`step '${step.id}' started before its dependency '${dep}' ended`);
    }
  }
}

/** Median and p95 (nearest rank) of a sample. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);
export const p95 = (values: readonly number[]): number => quantile(values, 0.95);
