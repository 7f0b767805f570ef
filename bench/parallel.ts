import { graphai, handWrittenLangGraph, levelByLevel, plangraphEager, plangraphLazy, plangraphSequential, rawPromises, type Engine } from "./engines.js";
import { median } from "./measure.js";
import { independent } from "./shapes.js";

/** N independent 200 ms tools: wall time from the call to the result, and the slowest single sleep. */
export interface ParallelRow {
  n: number;
  engine: string;
  /** Median over repeats of the call-to-return time (prepare, compile, run, result). */
  wall_ms: number;
  /** Median makespan as the engine measures it (first tool start to last tool end). */
  makespan_ms: number;
  /** Median of the longest single 200 ms sleep: how late timers fired on a busy event loop. */
  max_sleep_ms: number;
  /** Median CPU time of the run: a floor for the wall time on a one-thread event loop, whatever the load. */
  cpu_ms: number;
}

export const PARALLEL_SIZES = [10, 30, 100, 500];

export async function measureParallel(sizes = PARALLEL_SIZES, repeats = 3, ms = 200): Promise<ParallelRow[]> {
  const rows: ParallelRow[] = [];
  for (const n of sizes) {
    const plan = independent(n, ms);
    // Sequential takes n × 200 ms: only the smallest size says anything new.
    const engines: Engine[] = [plangraphEager, plangraphLazy, handWrittenLangGraph, levelByLevel, graphai, rawPromises, ...(n <= 10 ? [plangraphSequential] : [])];
    for (const engine of engines) {
      await engine.run(independent(Math.min(n, 10), 1)); // warm-up
      const walls: number[] = [];
      const makespans: number[] = [];
      const sleeps: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const m = await engine.run(plan);
        walls.push(m.wall_ms);
        makespans.push(m.makespan_ms);
        sleeps.push(m.max_step_ms);
        cpu.push(m.cpu_ms);
      }
      rows.push({ n, engine: engine.name, wall_ms: median(walls), makespan_ms: median(makespans), max_sleep_ms: median(sleeps), cpu_ms: median(cpu) });
    }
  }
  return rows;
}
