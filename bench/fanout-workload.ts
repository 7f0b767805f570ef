/**
 * The fan-out workload every competitor runs: a list-producing step, one call per element of that
 * list with heavy-tailed (seeded) latencies, and a dependent step that receives the element
 * outputs. The three LangChain tools here are the only work in a run: every engine calls the same
 * tool objects, and the tools themselves record when each call ran and what the dependent got.
 */
import { z } from "zod";
import { defineTool } from "../src/index.js";
import { abortableDelay } from "../src/tools/builtin.js";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { seededRandom } from "./random.js";

/** One fan-out case: `size` elements, their latencies, the list and dependent steps, a cap. */
export interface FanOutCase {
  size: number;
  seed: number;
  /** Simulated latency of each element, ms, in element order. */
  latencies: number[];
  /** The list-producing step's latency, ms. */
  listMs: number;
  /** The dependent step's latency, ms. */
  afterMs: number;
  /** At most this many element calls at once; undefined for no cap. */
  cap: number | undefined;
}

/** Heavy-tailed element latencies: Pareto with a median of `median` ms, clipped at `maxFactor` × median. */
export interface TailModel {
  median: number;
  /** Pareto shape: 1.1 puts ~4 % of the elements above 10× the median and ~0.7 % above 50×. */
  alpha: number;
  /** No element is slower than this many medians (keeps a 1,000-element run near a second). */
  maxFactor: number;
  /** Every list has at least one element this many medians slow, so even 10 elements have a tail. */
  stragglerFactor: number;
}

export const FAN_OUT_TAIL: TailModel = { median: 20, alpha: 1.1, maxFactor: 50, stragglerFactor: 10 };

/**
 * Seeded Pareto latencies, whole ms, with a median of `model.median`. If no draw reached the
 * straggler factor, one element (at a seeded position) is made 10–50× the median: the case where
 * waiting for the slowest element is the whole story.
 */
export function tailLatencies(size: number, seed: number, model: TailModel = FAN_OUT_TAIL): number[] {
  const random = seededRandom(seed * 7919 + size);
  // Pareto(x_m, α) has median x_m · 2^(1/α).
  const scale = model.median / 2 ** (1 / model.alpha);
  const ceiling = model.median * model.maxFactor;
  const latencies = Array.from({ length: size }, () => Math.round(Math.min(ceiling, scale / (1 - random()) ** (1 / model.alpha))));
  if (size > 0 && !latencies.some((ms) => ms >= model.median * model.stragglerFactor)) {
    const at = Math.floor(random() * size);
    latencies[at] = Math.round(model.median * (model.stragglerFactor + random() * (model.maxFactor - model.stragglerFactor)));
  }
  return latencies;
}

/** The case for one size and seed; the list and dependent steps take 20 and 10 ms. */
export function fanOutCase(size: number, seed: number, cap?: number): FanOutCase {
  return { size, seed, latencies: tailLatencies(size, seed), listMs: 20, afterMs: 10, cap };
}

/** What the list step returns: one row per element, carrying that element's latency. */
export type ListOutput = { data: { rows: Array<{ ms: number }> } };
/** What one element call returns. */
export type ItemOutput = { data: { index: number; slept_ms: number } };

/** The dependent step's view of a correct run: every element's output, in element order. */
export function expectedOutputs(c: FanOutCase): ItemOutput[] {
  return c.latencies.map((ms, index) => ({ data: { index, slept_ms: ms } }));
}

export interface CallSpan {
  start: number;
  end: number;
}

/**
 * What the tools saw during one run: each call's span (`list`, `item:<index>`, `after`), how many
 * times each was called, the most element calls in flight at once, and the dependent's input.
 */
export class RunRecorder {
  readonly spans = new Map<string, CallSpan>();
  readonly calls = new Map<string, number>();
  inFlight = 0;
  maxInFlight = 0;
  afterInput: unknown;

  begin(key: string): number {
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    return performance.now();
  }

  end(key: string, start: number): void {
    this.spans.set(key, { start, end: performance.now() });
  }
}

/** Rows of the list step, as the list tool builds them from the case. */
export function listRows(c: Pick<FanOutCase, "latencies">): ListOutput["data"]["rows"] {
  return c.latencies.map((ms) => ({ ms }));
}

/**
 * The three tools of a run, recording into `recorder`. `fan_list` builds its rows from the case
 * (as a real list tool would fetch them) rather than echoing 1,000 rows written into the plan.
 */
export function fanOutTools(c: FanOutCase, recorder: RunRecorder): { list: StructuredToolInterface; item: StructuredToolInterface; after: StructuredToolInterface } {
  const list = defineTool({
    name: "fan_list",
    description: "Waits `ms`, then returns the fan-out case's rows (one per element).",
    input: z.object({ ms: z.number().int().min(0) }),
    output: z.object({ data: z.object({ rows: z.array(z.object({ ms: z.number() })) }) }),
    run: async ({ ms }, config) => {
      const start = recorder.begin("list");
      await abortableDelay(ms, config.signal);
      const rows = listRows(c);
      recorder.end("list", start);
      return { data: { rows } };
    },
  });
  const item = defineTool({
    name: "fan_item",
    description: "One element's call: waits `ms`, returns its index and latency.",
    input: z.object({ ms: z.number().int().min(0), index: z.number().int().min(0) }),
    output: z.object({ data: z.object({ index: z.number(), slept_ms: z.number() }) }),
    run: async ({ ms, index }, config) => {
      const key = `item:${index}`;
      const start = recorder.begin(key);
      recorder.maxInFlight = Math.max(recorder.maxInFlight, ++recorder.inFlight);
      try {
        await abortableDelay(ms, config.signal);
      } finally {
        recorder.inFlight--;
      }
      recorder.end(key, start);
      return { data: { index, slept_ms: ms } };
    },
  });
  const after = defineTool({
    name: "fan_after",
    description: "The dependent: waits `ms`, returns how many element outputs it received.",
    input: z.object({ ms: z.number().int().min(0), results: z.array(z.unknown()) }),
    output: z.object({ data: z.object({ count: z.number() }) }),
    run: async ({ ms, results }, config) => {
      const start = recorder.begin("after");
      recorder.afterInput = results;
      await abortableDelay(ms, config.signal);
      recorder.end("after", start);
      return { data: { count: results.length } };
    },
  });
  return { list, item, after };
}
