/**
 * The floor of a fan-out run and the checks that make a run count. Pure functions: the suite and
 * its tests share them.
 */
import { isDeepStrictEqual } from "node:util";
import { expectedOutputs, type CallSpan, type FanOutCase, type RunRecorder } from "./fanout-workload.js";

/**
 * Makespan of elements started in element order on `cap` parallel slots, each element taking the
 * next slot to free up: what any in-order scheduler with that cap needs at least. Without a cap
 * (or a cap at least the element count) it is the slowest element.
 */
export function inOrderMakespan(durations: readonly number[], cap?: number): number {
  if (cap === undefined || cap >= durations.length) return durations.reduce((a, b) => Math.max(a, b), 0);
  if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`cap must be a positive integer, got ${cap}`);
  const free = new Array<number>(cap).fill(0);
  let end = 0;
  for (const d of durations) {
    let slot = 0;
    for (let i = 1; i < cap; i++) if (free[i]! < free[slot]!) slot = i;
    free[slot] = free[slot]! + d;
    end = Math.max(end, free[slot]!);
  }
  return end;
}

/** The critical path of a fan-out: list step + the elements (in-order, under the cap) + the dependent. */
export function fanOutCriticalPath(listMs: number, itemMs: readonly number[], afterMs: number, cap?: number): number {
  return listMs + inOrderMakespan(itemMs, cap) + afterMs;
}

/** Critical path of the simulated latencies: what a perfect engine with free tool calls would take. */
export function nominalCriticalPath(c: FanOutCase): number {
  return fanOutCriticalPath(c.listMs, c.latencies, c.afterMs, c.cap);
}

const duration = (s: CallSpan) => s.end - s.start;

/** Critical path of the durations the tool calls of one run actually had (timers fire late on a busy loop). */
export function measuredCriticalPath(c: FanOutCase, recorder: RunRecorder): number {
  const spans = requiredSpans(c, recorder);
  return fanOutCriticalPath(duration(spans.list), spans.items.map(duration), duration(spans.after), c.cap);
}

function requiredSpans(c: FanOutCase, recorder: RunRecorder): { list: CallSpan; items: CallSpan[]; after: CallSpan } {
  const get = (key: string) => {
    const span = recorder.spans.get(key);
    if (!span) throw new Error(`fan-out ${c.size}: '${key}' never completed`);
    return span;
  };
  return { list: get("list"), items: c.latencies.map((_, i) => get(`item:${i}`)), after: get("after") };
}

/**
 * Throws unless the run did exactly the work of the plan: each call once, no element before the
 * list ended, the dependent after the last element, never more than the cap in flight, and the
 * dependent and the engine's own output both the element outputs in element order. A fast engine
 * that skipped, duplicated, reordered or overlapped work fails here instead of winning.
 */
export function checkFanOutRun(engine: string, c: FanOutCase, recorder: RunRecorder, elements: unknown): void {
  const where = `${engine}, ${c.size} elements${c.cap ? `, cap ${c.cap}` : ""}, seed ${c.seed}`;
  for (const [key, count] of recorder.calls) if (count !== 1) throw new Error(`${where}: '${key}' was called ${count} times`);
  const spans = requiredSpans(c, recorder);
  if (recorder.calls.size !== c.size + 2) throw new Error(`${where}: ${recorder.calls.size} distinct calls, expected ${c.size + 2}`);
  const firstStart = Math.min(...spans.items.map((s) => s.start));
  const lastEnd = Math.max(...spans.items.map((s) => s.end));
  if (firstStart < spans.list.end) throw new Error(`${where}: an element started before the list step ended`);
  if (spans.after.start < lastEnd) throw new Error(`${where}: the dependent started before the last element ended`);
  const cap = c.cap ?? c.size;
  if (recorder.maxInFlight > cap) throw new Error(`${where}: ${recorder.maxInFlight} element calls in flight, the cap is ${cap}`);
  const expected = expectedOutputs(c);
  if (!isDeepStrictEqual(recorder.afterInput, expected)) throw new Error(`${where}: the dependent did not receive the element outputs in element order`);
  if (!isDeepStrictEqual(elements, expected)) throw new Error(`${where}: the engine's fan-out output is not the element outputs in element order`);
}
