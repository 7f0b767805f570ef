import { describe, expect, it } from "vitest";
import { FAN_OUT_ENGINES, type FanOutEngine } from "../../bench/fanout-engines.js";
import { checkFanOutRun, fanOutCriticalPath, inOrderMakespan, measuredCriticalPath } from "../../bench/fanout-floor.js";
import { fanOutTarget } from "../../bench/fanout-report.js";
import { inOrderPool, rawPromises } from "../../bench/fanout-reference.js";
import { FAN_OUT_SUITE, summariseFanOut, timeFanOut, type FanOutRun } from "../../bench/fanout.js";
import { expectedOutputs, FAN_OUT_TAIL, fanOutCase, fanOutTools, RunRecorder, tailLatencies, type FanOutCase, type ItemOutput, type ListOutput } from "../../bench/fanout-workload.js";

/**
 * 12 elements, the first the slowest (136 ms) and the last the quickest (48 ms): each lasts long
 * enough that all 12 overlap even when a loaded machine spreads their starts.
 */
function reversedCase(cap?: number): FanOutCase {
  const latencies = Array.from({ length: 12 }, (_, i) => 40 + 8 * (12 - i));
  return { size: latencies.length, seed: 0, latencies, listMs: 2, afterMs: 1, cap };
}

const endOf = (recorder: RunRecorder, index: number) => recorder.spans.get(`item:${index}`)!.end;

describe("fan-out workload: seeded, heavy-tailed latencies", () => {
  it("gives the same latencies for the same size and seed, and other latencies for another seed", () => {
    expect(tailLatencies(100, 3)).toEqual(tailLatencies(100, 3));
    expect(tailLatencies(100, 3)).not.toEqual(tailLatencies(100, 4));
  });

  it("has the model's median, a tail of elements 10–50× the median, and nothing beyond 50×", () => {
    const latencies = tailLatencies(1000, 1);
    const sorted = [...latencies].sort((a, b) => a - b);
    const median = sorted[500]!;
    expect(median).toBeGreaterThanOrEqual(FAN_OUT_TAIL.median * 0.8);
    expect(median).toBeLessThanOrEqual(FAN_OUT_TAIL.median * 1.2);
    const slow = latencies.filter((ms) => ms >= 10 * FAN_OUT_TAIL.median).length;
    expect(slow).toBeGreaterThanOrEqual(10);
    expect(slow).toBeLessThanOrEqual(100);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(FAN_OUT_TAIL.maxFactor * FAN_OUT_TAIL.median);
  });

  it("puts at least one straggler (≥ 10× the median) into every list, even of 10 elements", () => {
    for (let seed = 1; seed <= 30; seed++) expect(Math.max(...tailLatencies(10, seed))).toBeGreaterThanOrEqual(10 * FAN_OUT_TAIL.median);
  });
});

describe("fan-out floor: the critical path an in-order engine cannot beat", () => {
  it("is the slowest element without a cap, or with a cap at least the element count", () => {
    expect(inOrderMakespan([5, 40, 7])).toBe(40);
    expect(inOrderMakespan([5, 40, 7], 3)).toBe(40);
    expect(fanOutCriticalPath(20, [5, 40, 7], 10)).toBe(70);
  });

  it("under a cap, schedules elements in order, each on the slot that frees first", () => {
    // Slot A: 10; slot B: 1, 1, 1 then the 4th element (5) at t=3 → 8; the 5th (6) at t=8 on B → 14.
    expect(inOrderMakespan([10, 1, 1, 1, 5, 6], 2)).toBe(14);
    expect(inOrderMakespan([3, 3, 3], 2)).toBe(6);
    expect(inOrderMakespan([4, 4, 4, 4], 1)).toBe(16);
  });

  it("refuses a cap that is not a positive whole number", () => {
    expect(() => inOrderMakespan([1, 2, 3], 0)).toThrow(RangeError);
    expect(() => inOrderMakespan([1, 2, 3], 1.5)).toThrow(/positive integer/);
  });
});

describe.each(FAN_OUT_SUITE.map((engine) => [engine.name, engine] as const))("fan-out competitor %s", (_name, engine: FanOutEngine) => {
  it("gives the dependent and its own output the element outputs in element order, each element called once", async () => {
    const c = reversedCase();
    const recorder = new RunRecorder();
    const run = await engine.run(c, recorder);
    // The last element finished long before the first: an engine that kept completion order fails.
    expect(endOf(recorder, c.size - 1)).toBeLessThan(endOf(recorder, 0));
    expect(run.elements).toEqual(expectedOutputs(c));
    expect(recorder.afterInput).toEqual(expectedOutputs(c));
    expect([...recorder.calls.values()].every((n) => n === 1)).toBe(true);
    expect(recorder.calls.size).toBe(c.size + 2);
    expect(() => checkFanOutRun(engine.name, c, recorder, run.elements)).not.toThrow();
  });

  it("runs every element at once without a cap, and exactly `cap` at once under one", async () => {
    const open = new RunRecorder();
    await engine.run(reversedCase(), open);
    expect(open.maxInFlight).toBe(12);
    const capped = new RunRecorder();
    const c = reversedCase(3);
    const run = await engine.run(c, capped);
    expect(capped.maxInFlight).toBe(3);
    expect(() => checkFanOutRun(engine.name, c, capped, run.elements)).not.toThrow();
  });

  it("takes at least the critical path and less than twice it on a 12-element list", async () => {
    const run = await timeFanOut(engine, reversedCase());
    expect(run.makespan_ms).toBeGreaterThanOrEqual(run.critical_path_ms);
    expect(run.ratio).toBeLessThan(2);
  });
});

/** A competitor built from the same tools but doing something wrong. */
function brokenEngine(mistake: "completion order" | "element twice" | "dependent early" | "over the cap"): FanOutEngine {
  return {
    name: `broken (${mistake})`,
    description: "a wrong competitor, to show the checks catch it",
    async run(c, recorder) {
      const tools = fanOutTools(c, recorder);
      const called_at = performance.now();
      const rows = ((await tools.list.invoke({ ms: c.listMs })) as ListOutput).data.rows;
      const finished: ItemOutput[] = [];
      const call = (index: number) => async () => {
        const output = (await tools.item.invoke({ ms: rows[index]!.ms, index })) as ItemOutput;
        finished.push(output);
        return output;
      };
      const calls = rows.map((_, index) => call(index));
      if (mistake === "element twice") calls.push(call(0));
      if (mistake === "dependent early") {
        const pending = inOrderPool(calls, c.cap);
        await tools.after.invoke({ ms: c.afterMs, results: expectedOutputs(c) });
        await pending;
        return { called_at, returned_at: performance.now(), elements: expectedOutputs(c) };
      }
      const elements = await inOrderPool(calls, mistake === "over the cap" ? c.size : c.cap);
      const handed = mistake === "completion order" ? finished : elements.slice(0, c.size);
      await tools.after.invoke({ ms: c.afterMs, results: handed });
      return { called_at, returned_at: performance.now(), elements: handed };
    },
  };
}

describe("fan-out checks: a wrong competitor fails the bench instead of winning it", () => {
  it.each([
    ["completion order", undefined, /did not receive the element outputs in element order/],
    ["element twice", undefined, /'item:0' was called 2 times/],
    ["dependent early", undefined, /the dependent started before the last element ended/],
    ["over the cap", 3, /12 element calls in flight, the cap is 3/],
  ] as const)("rejects an engine that gets the %s wrong", async (mistake, cap, message) => {
    const c = reversedCase(cap);
    const recorder = new RunRecorder();
    const engine = brokenEngine(mistake);
    const run = await engine.run(c, recorder);
    expect(() => checkFanOutRun(engine.name, c, recorder, run.elements)).toThrow(message);
    await expect(timeFanOut(brokenEngine(mistake), c)).rejects.toThrow(message);
  });

  it("rejects an engine whose own output is out of order even when the dependent got the right list", async () => {
    const c = reversedCase();
    const recorder = new RunRecorder();
    const run = await rawPromises.run(c, recorder);
    const reversed = [...(run.elements as unknown[])].reverse();
    expect(() => checkFanOutRun("reversed output", c, recorder, reversed)).toThrow(/engine's fan-out output is not the element outputs in element order/);
  });

  it("rejects a run in which an element never completed", async () => {
    const c = reversedCase();
    const recorder = new RunRecorder();
    const run = await rawPromises.run(c, recorder);
    recorder.spans.delete("item:4");
    expect(() => checkFanOutRun("lost element", c, recorder, run.elements)).toThrow(/'item:4' never completed/);
    expect(() => measuredCriticalPath(c, recorder)).toThrow(/'item:4' never completed/);
  });
});

describe("fan-out summary and target", () => {
  const run = (engine: string, seed: number, makespan: number, ratio: number, cap: number | null = null): FanOutRun => ({
    engine,
    size: 100,
    cap,
    seed,
    makespan_ms: makespan,
    wall_ms: makespan,
    critical_path_ms: makespan / ratio,
    nominal_critical_path_ms: makespan / ratio,
    ratio,
    nominal_ratio: ratio,
    launch_ms: 1,
    cpu_ms: 1,
  });

  it("pairs plangraph's makespan with each engine's on the same seed, then takes the median", () => {
    const runs = [run("plangraph", 1, 100, 1.01), run("plangraph", 2, 200, 1.02), run("plangraph", 3, 300, 1.03), run("other", 1, 200, 1.2), run("other", 2, 200, 1.1), run("other", 3, 150, 1.3)];
    const other = summariseFanOut(runs).find((s) => s.engine === "other")!;
    // Per seed: 100/200 = 0.5, 200/200 = 1, 300/150 = 2 → median 1.
    expect(other.plangraph_vs).toBe(1);
    expect(other.ratio_median).toBe(1.2);
    expect(other.makespan_ms).toBe(200);
  });

  it("keeps capped and uncapped scenarios of one size apart", () => {
    const rows = summariseFanOut([run("plangraph", 1, 100, 1.01), run("plangraph", 1, 500, 1.2, 10)]);
    expect(rows.map((r) => [r.size, r.cap, r.ratio_median])).toEqual([
      [100, null, 1.01],
      [100, 10, 1.2],
    ]);
  });

  it("meets the target only when plangraph's median ratio is at most 1.05 in every scenario", () => {
    const ok = summariseFanOut([run("plangraph", 1, 100, 1.04), run("plangraph", 1, 500, 1.05, 10)]);
    expect(fanOutTarget(ok).met).toBe(true);
    const one = summariseFanOut([run("plangraph", 1, 100, 1.04), run("plangraph", 1, 500, 1.06, 10)]);
    expect(fanOutTarget(one)).toMatchObject({ met: false, measured: expect.stringContaining("worst 1.060 at 100 cap 10") });
  });
});

describe("fan-out engines list", () => {
  it("compares plangraph's for_each with a hand-written LangGraph Send graph and GraphAI's mapAgent", () => {
    expect(FAN_OUT_ENGINES.map((e) => e.name)).toEqual(["plangraph", "LangGraph Send", "GraphAI mapAgent"]);
    expect(fanOutCase(10, 1).latencies).toHaveLength(10);
  });
});
