import { describe, expect, it } from "vitest";
import { MemoryCompletionStore } from "../../src/durability/completion-store.js";
import type { StepRecord } from "../../src/model/records.js";
import { prepare, scheduler } from "../engine/support.js";
import { elementTools, fanOutPlan, type Element } from "./support.js";

const els = (n: number, ms = 5): Element[] => Array.from({ length: n }, (_, i) => ({ id: `e${i}`, ms, fail: false }));

/** A store whose element writes (`each#…`) fail. */
class ElementWritesFail extends MemoryCompletionStore {
  override async saveStep(runId: string, step: string, record: StepRecord) {
    if (step.includes("#")) throw new Error("disk full");
    return super.saveStep(runId, step, record);
  }
}

async function settle(s: ReturnType<typeof scheduler>) {
  s.start();
  await s.whenIdle();
  return s.stepRecord("each")!;
}

describe("for_each elements in the completion store", () => {
  it("saves each element as it ends (each#<index>), and a scheduler seeded with them calls only the others", async () => {
    const first = elementTools();
    const store = new MemoryCompletionStore();
    const prepared = prepare(fanOutPlan(els(6)), first.tools);
    expect((await settle(scheduler(prepared, { store }))).status).toBe("done");
    const saved = (await store.load("test-run")).steps;
    expect(Object.keys(saved).filter((k) => k.startsWith("each#")).sort()).toEqual(["each#0", "each#1", "each#2", "each#3", "each#4", "each#5"]);

    // A crash after elements 1 and 4: the resumed scheduler knows them, not the step.
    const seed = { steps: { list: saved.list!, "each#1": saved["each#1"]!, "each#4": saved["each#4"]! } };
    const second = elementTools();
    const record = await settle(scheduler(prepare(fanOutPlan(els(6)), second.tools), { seed }));
    expect([...second.calls].sort()).toEqual(["e0", "e2", "e3", "e5"]);
    expect(record.output).toEqual(Array.from({ length: 6 }, (_, i) => ({ data: { id: `e${i}`, index: i } })));
  });

  it("an element cut short by the run's abort is not saved, so a resumed run calls it again", async () => {
    const log = elementTools();
    const store = new MemoryCompletionStore();
    const elements = els(4).map((e, i) => ({ ...e, ms: i < 2 ? 1 : 5_000 }));
    const s = scheduler(prepare(fanOutPlan(elements), log.tools), { store });
    s.start();
    await new Promise((r) => setTimeout(r, 100));
    s.abort();
    const record = await settle(s);
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("RUN_ABORTED");
    const saved = Object.keys((await store.load("test-run")).steps).filter((k) => k.startsWith("each#")).sort();
    expect(saved).toEqual(["each#0", "each#1"]);
  });

  it("a failed element write is a warning; under the durable policy it fails the step with STORE_WRITE_FAILED", async () => {
    const relaxed = await settle(scheduler(prepare(fanOutPlan(els(2)), elementTools().tools), { store: new ElementWritesFail() }));
    expect(relaxed.status).toBe("done");
    expect(relaxed.warnings?.filter((w) => /each#\d.*could not be saved.*disk full/.test(w))).toHaveLength(2);
    const durable = await settle(scheduler(prepare(fanOutPlan(els(2)), elementTools().tools), { store: new ElementWritesFail(), durable: true }));
    expect(durable.status).toBe("failed");
    expect(durable.error?.code).toBe("STORE_WRITE_FAILED");
  });
});

describe("for_each behind an approval", () => {
  it("shows the human every element's input, and runs the elements once approved", async () => {
    const log = elementTools();
    const plan = fanOutPlan(els(3), { requires_approval: true });
    const s = scheduler(prepare(plan, log.tools));
    const request = await s.approvalRequest("each");
    expect(request).toEqual({ input: [0, 1, 2].map((i) => ({ id: `e${i}`, ms: 5, fail: false, index: i })) });
    expect(log.calls).toEqual([]);
    s.answerApproval("each", { action: "approve" });
    await s.whenIdle();
    expect(s.stepRecord("each")!.output).toHaveLength(3);
    expect([...log.calls].sort()).toEqual(["e0", "e1", "e2"]);
  });
  it("approved with params: they are merged over every element's input (never silently dropped)", async () => {
    const log = elementTools();
    const plan = fanOutPlan(els(3), { requires_approval: true });
    const s = scheduler(prepare(plan, log.tools));
    await s.approvalRequest("each");
    // The reviewer marks every element as broken: each call now fails, per element.
    s.answerApproval("each", { action: "approve", params: { fail: true } });
    await s.whenIdle();
    const record = s.stepRecord("each")!;
    expect(record.status).toBe("failed");
    expect(record.items).toMatchObject({ total: 3, failed: 3 });
    expect(record.input).toEqual([0, 1, 2].map((i) => ({ id: `e${i}`, ms: 5, fail: true, index: i })));
    expect([...log.calls].sort()).toEqual(["e0", "e1", "e2"]);
  });
});
