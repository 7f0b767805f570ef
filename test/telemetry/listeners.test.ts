import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { runPlan } from "../../src/index.js";

/** Warnings are emitted on a later tick: give them a moment to arrive. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function fanOut(width: number, ms: number) {
  const steps: Array<Record<string, unknown>> = Array.from({ length: width }, (_, i) => ({ id: `s${i}`, tool: "sleep", params: { ms } }));
  steps.push({ id: "join", tool: "echo", depends_on: steps.map((s) => s.id) });
  return { steps };
}

describe("abort listeners on LangGraph's per-superstep signal", () => {
  const seen: Error[] = [];
  const listener = (warning: Error) => {
    if (warning.name === "MaxListenersExceededWarning") seen.push(warning);
  };
  process.on("warning", listener);
  afterEach(() => {
    seen.length = 0;
  });

  it("runs a 30-wide fan-out without a MaxListenersExceededWarning", async () => {
    const result = await runPlan(fanOut(30, 5));
    await settle();
    expect(result.status).toBe("completed");
    expect(Object.keys(result.results)).toHaveLength(31);
    expect(seen.map((w) => w.message)).toEqual([]);
  });

  it("stays quiet in lazy (plain superstep) mode and with the caller's own abort signal", async () => {
    const controller = new AbortController();
    const eager = await runPlan(fanOut(30, 5), { signal: controller.signal });
    const lazy = await runPlan(fanOut(30, 5), { lazy: true });
    await settle();
    expect([eager.status, lazy.status]).toEqual(["completed", "completed"]);
    expect(seen.map((w) => w.message)).toEqual([]);
  });

  it("leaves the caller's signal and the global default untouched", async () => {
    const controller = new AbortController();
    await runPlan(fanOut(12, 1), { signal: controller.signal });
    expect(EventEmitter.getMaxListeners(controller.signal)).toBe(10);
    expect(EventEmitter.defaultMaxListeners).toBe(10);
  });
});
