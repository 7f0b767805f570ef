/**
 * Memory and own cost of each fan-out engine at 1,000 elements: heap growth during and after a
 * run, and CPU per element with zero-latency calls (what is left is the engine and the tool calls).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { FanOutEngine } from "./fanout-engines.js";
import { checkFanOutRun } from "./fanout-floor.js";
import { fanOutCase, RunRecorder } from "./fanout-workload.js";
import { FAN_OUT_SUITE, zeroLatency } from "./fanout.js";
import { cpuSince, median } from "./measure.js";

export interface FanOutCostRow {
  engine: string;
  size: number;
  /** Peak heap above the collected baseline while the run was in flight, MB (sampled every 5 ms). */
  peak_heap_mb: number;
  /** Heap still held after the run, with its output kept and garbage collected, MB. */
  retained_heap_mb: number;
  /** Median CPU per element of a zero-latency run (list, elements and dependent at 0 ms), µs. */
  cpu_per_element_us: number;
  /** Median wall time of that zero-latency run, ms. */
  zero_latency_ms: number;
}

/** `global.gc`, exposed at run time so no node flag is needed. */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  return () => {
    gc();
    gc();
  };
}

const mb = (bytes: number) => bytes / 1024 / 1024;

async function heapOfRun(engine: FanOutEngine, size: number, gc: () => void): Promise<{ peak: number; retained: number }> {
  const c = fanOutCase(size, 1);
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  const recorder = new RunRecorder();
  const kept = [await engine.run(c, recorder)];
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  checkFanOutRun(engine.name, c, recorder, kept[0]!.elements);
  gc();
  const retained = process.memoryUsage().heapUsed - base;
  kept.length = 0;
  return { peak: mb(peak - base), retained: mb(retained) };
}

async function zeroLatencyCost(engine: FanOutEngine, size: number, repeats: number): Promise<{ cpuPerElement: number; wall: number }> {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < repeats + 1; i++) {
    const c = zeroLatency(fanOutCase(size, i + 1));
    const recorder = new RunRecorder();
    const c0 = process.cpuUsage();
    const run = await engine.run(c, recorder);
    const used = cpuSince(c0);
    checkFanOutRun(engine.name, c, recorder, run.elements);
    if (i === 0) continue; // warm-up
    cpu.push((used * 1000) / size);
    wall.push(run.returned_at - run.called_at);
  }
  return { cpuPerElement: median(cpu), wall: median(wall) };
}

export async function measureFanOutCost(size = 1000, repeats = 5, engines = FAN_OUT_SUITE): Promise<FanOutCostRow[]> {
  const gc = collector();
  const rows: FanOutCostRow[] = [];
  for (const engine of engines) {
    const cost = await zeroLatencyCost(engine, size, repeats);
    const heap = await heapOfRun(engine, size, gc);
    rows.push({ engine: engine.name, size, peak_heap_mb: heap.peak, retained_heap_mb: heap.retained, cpu_per_element_us: cost.cpuPerElement, zero_latency_ms: cost.wall });
  }
  return rows;
}
