/**
 * The caller context (issue 15, "Identity"): who a run is for reaches every tool call through
 * LangChain's standard config path, is reported in the result, and cannot be set by the plan or
 * by a client's config.
 */
import { describe, expect, it } from "vitest";
import { compilePlan, runPlan } from "../../src/api/run-plan.js";
import { tool } from "@langchain/core/tools";
import { Command, MemorySaver } from "@langchain/langgraph";
import type { RunnableConfig } from "@langchain/core/runnables";
import { z } from "zod";
import { callerFromConfig, idempotencyKey, type CallerContext } from "../../src/model/caller.js";
import { isPlangraphError, PlanValidationError } from "../../src/model/errors.js";
import { whoami } from "./support/identity-tools.js";

const ann: CallerContext = { tenant: "globex", user: "ann", roles: ["admin"], trace_id: "trace-ann-1", source: "library" };
type Seen = { caller: CallerContext | null; call: { run_key: string; step: string; item_index?: number; idempotency_key: string } | null; metadata: Record<string, unknown> };

describe("the caller context reaches every tool call", () => {
  it("hands a tool() tool the caller and its call identity in config.configurable, and who it runs for in config.metadata", async () => {
    const result = await runPlan({ steps: [{ id: "a", tool: "whoami" }] }, { tools: [whoami], caller: ann, chatModel: null, telemetry: false });
    const seen = result.results.a as Seen;
    expect(seen.caller).toEqual(ann);
    expect(seen.call?.step).toBe("a");
    expect(seen.call?.item_index).toBeUndefined();
    expect(seen.call?.idempotency_key).toBe(idempotencyKey(seen.call!.run_key, "a"));
    expect(seen.metadata).toEqual({ tenant: "globex", user: "ann", trace_id: "trace-ann-1" });
    expect(result.context).toEqual(ann);
  });

  it("gives each element of a for_each step its item_index and its own idempotency key", async () => {
    const plan = {
      steps: [
        { id: "list", tool: "echo", params: { items: [1, 2, 3] } },
        { id: "each", tool: "whoami", for_each: "{list.data.items}", params: { n: "{item}" } },
      ],
    };
    const result = await runPlan(plan, { tools: [whoami], caller: ann, chatModel: null, telemetry: false });
    const seen = result.results.each as Seen[];
    expect(seen.map((s) => s.call?.item_index)).toEqual([0, 1, 2]);
    expect(seen.every((s) => s.caller?.user === "ann" && s.call?.step === "each")).toBe(true);
    const keys = seen.map((s) => s.call!.idempotency_key);
    expect(new Set(keys).size).toBe(3);
    expect(keys).toEqual(seen.map((s, i) => idempotencyKey(s.call!.run_key, "each", i)));
  });

  it.each([
    ["the flat legacy executor", { enableOrchestration: false }],
    ["the sequential mode", { sequential: true }],
  ])("hands the caller to tools in %s too", async (_, mode) => {
    const result = await runPlan({ steps: [{ id: "a", tool: "whoami" }] }, { tools: [whoami], caller: ann, chatModel: null, telemetry: false, ...mode });
    expect((result.results.a as Seen).caller).toEqual(ann);
    expect(result.context).toEqual(ann);
  });

  it("gives two runs of the same plan different keys, and two steps of one run different keys", async () => {
    const plan = { steps: [{ id: "a", tool: "whoami" }, { id: "b", tool: "whoami" }] };
    const one = await runPlan(plan, { tools: [whoami], chatModel: null, telemetry: false });
    const two = await runPlan(plan, { tools: [whoami], chatModel: null, telemetry: false });
    const key = (r: typeof one, s: string) => (r.results[s] as Seen).call!.idempotency_key;
    expect(key(one, "a")).not.toBe(key(one, "b"));
    expect(key(one, "a")).not.toBe(key(two, "a"));
  });

  it("runs a plan without a caller as the trusted local caller: tenant acme, user local, role admin, a fresh trace id", async () => {
    const result = await runPlan({ steps: [{ id: "a", tool: "whoami" }] }, { tools: [whoami], chatModel: null, telemetry: false });
    expect(result.context).toMatchObject({ tenant: "acme", user: "local", roles: ["admin"], source: "default" });
    expect(result.context!.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect((result.results.a as Seen).caller).toEqual(result.context);
  });

  it("refuses a malformed caller with a typed error naming the field, before any tool runs", async () => {
    let calls = 0;
    const counted = tool(async () => ++calls, { name: "count", description: "counts calls", schema: z.object({}) });
    const error = await runPlan({ steps: [{ id: "a", tool: "count" }] }, {
      tools: [counted],
      caller: { ...ann, tenant: "Globex Corp" },
      chatModel: null,
      telemetry: false,
    }).catch((e: unknown) => e);
    expect(isPlangraphError(error) && error.code).toBe("USAGE");
    expect((error as Error).message).toMatch(/^caller\.tenant: /);
    expect(calls).toBe(0);
  });
});

describe("nothing but the caller sets the context", () => {
  it("refuses a plan whose params try to set tenant_id or user_id, naming the step and the field, before anything runs", async () => {
    let calls = 0;
    const counted = tool(async () => ++calls, { name: "count", description: "counts calls", schema: z.object({ n: z.number().optional() }) });
    const plan = { steps: [{ id: "first", tool: "count" }, { id: "a", tool: "whoami", params: { tenant_id: "initech" }, output_mapping: { user_id: "{first.data}" } }] };
    const error = await runPlan(plan, { tools: [whoami, counted], caller: ann, chatModel: null, telemetry: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanValidationError);
    const issues = (error as PlanValidationError).issues.map((i) => ({ code: i.code, step: i.step, path: i.path }));
    expect(issues).toEqual([
      { code: "CONTEXT_SPOOFED", step: "a", path: "$.steps[1].params.tenant_id" },
      { code: "CONTEXT_SPOOFED", step: "a", path: "$.steps[1].output_mapping.user_id" },
    ]);
    expect((error as Error).message).toContain("'tenant_id' cannot be set by a plan");
    expect(calls).toBe(0);
  });

  it("runs a tool that takes any field with tenant_id as plain data: the caller is unchanged and the warnings say so", async () => {
    const open = tool(async (input: Record<string, unknown>, config: RunnableConfig) => ({ input, caller: callerFromConfig(config) ?? null }), {
      name: "open_tool",
      description: "takes any field",
      schema: z.object({}).catchall(z.unknown()),
    });
    const plan = { steps: [{ id: "a", tool: "open_tool", params: { tenant_id: "initech", user: "root" } }] };
    const result = await runPlan(plan, { tools: [open], caller: ann, chatModel: null, telemetry: false });
    expect((result.results.a as { caller: CallerContext }).caller).toEqual(ann);
    expect(result.context?.tenant).toBe("globex");
    expect(result.warnings).toEqual([
      "step 'a': input field 'tenant_id' cannot choose who the run is for; ignored (the run is for tenant 'globex', user 'ann', set by the caller)",
      "step 'a': input field 'user' cannot choose who the run is for; ignored (the run is for tenant 'globex', user 'ann', set by the caller)",
    ]);
  });

  it("never hands a tool a caller that a client wrote into the graph's configurable, also when the tool starts inside a node (after an approval)", async () => {
    const graph = compilePlan({ steps: [{ id: "a", tool: "whoami", requires_approval: true }] }, { tools: [whoami], chatModel: null, telemetry: false, checkpointer: new MemorySaver() });
    const forged = { ...ann, tenant: "initech", user: "mallory" };
    const configurable = { thread_id: "spoof", plangraph_caller: forged, langgraph_auth_user: { identity: "mallory", tenant: "initech" } };
    await graph.invoke({}, { configurable });
    const state = (await graph.invoke(new Command({ resume: "approve" }), { configurable })) as Record<string, unknown>;
    const record = Object.values(state).find((v) => v && typeof v === "object" && "output" in (v as object)) as { output: Seen } | undefined;
    expect(record?.output).toBeDefined();
    expect(record!.output.caller).toBeNull();
    expect(JSON.stringify(record!.output)).not.toContain("mallory");
  });

  it("says in the result that identity fields of a client's configurable were ignored", async () => {
    const graph = compilePlan({ steps: [{ id: "a", tool: "whoami" }] }, { tools: [whoami], chatModel: null, telemetry: false, resultChannel: true });
    const state = (await graph.invoke({}, { configurable: { plangraph_caller: { ...ann, user: "mallory" }, langgraph_auth_user: { identity: "mallory" } } })) as { result: { warnings: string[] } };
    expect(state.result.warnings).toEqual([
      "configurable.plangraph_caller cannot choose who the run is for; ignored (the caller context comes from the caller's credentials or options)",
      "configurable.langgraph_auth_user cannot choose who the run is for; ignored (the caller context comes from the caller's credentials or options)",
    ]);
  });

  it("gives a graph the server runs the caller its callerOf derives from the run's config (the auth layer's verified user)", async () => {
    const verified = { ...ann, source: "auth" as const };
    const graph = compilePlan({ steps: [{ id: "a", tool: "whoami" }] }, {
      tools: [whoami],
      chatModel: null,
      telemetry: false,
      callerOf: (configurable) => (configurable?.langgraph_auth_user === "token-of-ann" ? verified : undefined),
    });
    const state = (await graph.invoke({}, { configurable: { thread_id: "srv", langgraph_auth_user: "token-of-ann", plangraph_caller: { ...ann, user: "mallory" } } })) as Record<string, unknown>;
    const record = Object.values(state).find((v) => v && typeof v === "object" && "output" in (v as object)) as { output: Seen };
    expect(record.output.caller).toEqual(verified);
    expect(record.output.call?.run_key).toMatch(/^srv\//);
  });
});
