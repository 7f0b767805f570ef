import { describe, expect, it } from "vitest";
import { MemoryCompletionStore } from "../../src/durability/completion-store.js";
import { prepare, scheduler } from "../engine/support.js";
import { cpuRows, serviceTools } from "./support.js";

const plan = {
  steps: [
    { id: "svc", tool: "services" },
    { id: "sub", steps: [{ id: "hosts", tool: "hosts_of", params: { service: "{svc.data.rows[0].name}" } }, { id: "cpu", tool: "cpu_of", params: { hosts: "{hosts.data.hosts}" } }] },
  ],
};

describe("a sub-plan without for_each in the completion store", () => {
  it("keeps each inner completion as sub/<inner>; a run seeded with some calls only the others", async () => {
    const estate = [{ name: "checkout", hosts: ["web-1", "web-2"] }];
    const first = serviceTools(estate);
    const store = new MemoryCompletionStore();
    const run = scheduler(prepare(plan, first.tools), { store });
    await run.whenSettled("sub");
    const saved = (await store.load("test-run")).steps;
    expect(Object.keys(saved).sort()).toEqual(["sub", "sub/cpu", "sub/hosts", "svc"]);

    // As if the process died after 'hosts' was saved: the outer step and 'cpu' are not known.
    const { sub: _sub, "sub/cpu": _cpu, ...known } = saved;
    const again = serviceTools(estate);
    const resumed = scheduler(prepare(plan, again.tools), { store: new MemoryCompletionStore(), seed: { steps: known, decisions: {} } });
    await resumed.whenSettled("sub");
    expect(again.calls).toEqual(["cpu_of:web-1,web-2"]);
    expect(resumed.stepRecord("sub")).toMatchObject({ status: "done", output: { hosts: { data: { hosts: ["web-1", "web-2"] } }, cpu: { data: { rows: cpuRows(["web-1", "web-2"]) } } } });
  });
});
