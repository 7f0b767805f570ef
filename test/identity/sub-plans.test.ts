/**
 * Sub-plans under a caller (issues 14 and 15 together): the inner steps of a sub-plan call their
 * tools for the run's caller, each element's inner call with its own idempotency key, and the
 * policy sees the tools inside a sub-plan as it sees the outer plan's.
 */
import { describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { idempotencyKey, type CallerContext } from "../../src/model/caller.js";
import { isPlangraphError } from "../../src/model/errors.js";
import { whoami, writeNote } from "./support/identity-tools.js";

const caller = (user: string, roles: string[]): CallerContext => ({ tenant: "globex", user, roles, trace_id: `trace-${user}`, source: "library" });
type Seen = { caller: CallerContext | null; call: { run_key: string; step: string; item_index?: number; idempotency_key: string } | null };

const perElement = (inner: Record<string, unknown>) => ({
  steps: [
    { id: "list", tool: "echo", params: { items: ["a", "b"] } },
    { id: "per", for_each: "{list.data.items}", steps: [{ id: "who", ...inner }] },
  ],
});

async function refusal(run: Promise<unknown>) {
  const error = await run.then(() => undefined, (e: unknown) => e);
  if (!isPlangraphError(error)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

describe("a sub-plan's inner steps run for the run's caller", () => {
  it("hands every inner call the caller, and each element's inner call a key of its own, named by its qualified step", async () => {
    const ann = caller("ann", ["admin"]);
    const result = await runPlan(perElement({ tool: "whoami", params: { n: "{item_index}" } }), { tools: [whoami], caller: ann, chatModel: null, telemetry: false });
    expect(result.status).toBe("completed");
    const seen = (result.results.per as Array<{ who: Seen }>).map((e) => e.who);
    expect(seen.map((s) => s.caller)).toEqual([ann, ann]);
    expect(seen.map((s) => s.call?.step)).toEqual(["per[0].who", "per[1].who"]);
    const [k0, k1] = seen.map((s) => s.call!.idempotency_key);
    expect(k0).not.toBe(k1);
    expect(k0).toBe(idempotencyKey(seen[0]!.call!.run_key, "per[0].who"));
  });

  it("refuses a viewer's plan whose sub-plan calls a write tool, before anything runs, naming the inner step", async () => {
    const error = await refusal(runPlan(perElement({ tool: "write_note", params: { text: "{item}" } }), { tools: [writeNote], caller: caller("vic", ["viewer"]), chatModel: null, telemetry: false }));
    expect(error.code).toBe("TOOL_NOT_ALLOWED");
    expect(error.message).toContain("per.who");
    expect(error.message).toContain("write_note");
  });

  it("refuses an operator's write inside a sub-plan, where it could not pause for approval, and says where to move it", async () => {
    const error = await refusal(runPlan(perElement({ tool: "write_note", params: { text: "{item}" } }), { tools: [writeNote], caller: caller("olga", ["operator"]), chatModel: null, telemetry: false }));
    expect(error.code).toBe("TOOL_NOT_ALLOWED");
    expect(error.step).toBe("per");
    expect(error.message).toMatch(/step 'per\.who'.*only after approval.*cannot pause.*outer plan/);
  });
});
