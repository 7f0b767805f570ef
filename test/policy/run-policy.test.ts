/**
 * The policy applied to runs (issue 15, "Policy" and "Audit"): a refused tool is rejected before
 * anything runs; an operator's write step pauses for approval; an approval by a user without the
 * approver role is refused; tenant limits refuse runs; every side-effecting call, approval,
 * rejection and refusal is on the audit trail.
 */
import { MemorySaver } from "@langchain/langgraph";
import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runPlan } from "../../src/api/run-plan.js";
import { MemoryCompletionStore } from "../../src/durability/completion-store.js";
import { paramsDigest, type AuditEntry, type AuditSink } from "../../src/model/audit.js";
import type { CallerContext } from "../../src/model/caller.js";
import { isPlangraphError } from "../../src/model/errors.js";
import { parsePolicy, TenantLimiter, TenantLimitError } from "../../src/policy/index.js";
import { declareToolTraits } from "../../src/tools/traits.js";

const who = (user: string, roles: string[], tenant = "globex"): CallerContext => ({ tenant, user, roles, trace_id: `trace-${user}`, source: "library" });

/** A side-effecting tool that counts its calls; `gate` (when set) holds every call until opened. */
function writeTool(gate?: Promise<void>) {
  const calls: unknown[] = [];
  const t = declareToolTraits(
    tool(async (input: { text: string }) => {
      calls.push(input);
      await gate;
      return { written: input.text };
    }, { name: "write_note", description: "writes", schema: z.object({ text: z.string() }) }),
    { sideEffects: true },
  );
  return { tool: t, calls };
}

function memoryAudit(fail = false): AuditSink & { entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return {
    entries,
    append: async (entry) => {
      if (fail) throw new Error("audit database is down");
      entries.push(entry);
    },
  };
}

const plan = { steps: [{ id: "look", tool: "echo", params: { q: 1 } }, { id: "note", tool: "write_note", params: { text: "maintenance at 2am" } }] };
const base = { chatModel: null, telemetry: false as const };

async function refusal(run: Promise<unknown>) {
  const error = await run.then(() => undefined, (e: unknown) => e);
  if (!isPlangraphError(error)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

describe("tools a caller may call", () => {
  it("refuses a viewer's plan that calls a write tool before anything runs, naming the step, the tool and the role, and audits the refusal", async () => {
    const write = writeTool();
    const audit = memoryAudit();
    const error = await refusal(runPlan(plan, { ...base, tools: [write.tool], caller: who("vic", ["viewer"]), audit }));
    expect(error.code).toBe("TOOL_NOT_ALLOWED");
    expect(error.step).toBe("note");
    expect(error.message).toBe("step 'note': tool 'write_note' (side-effecting) is not allowed for role 'viewer'");
    expect(write.calls).toEqual([]);
    expect(audit.entries).toEqual([expect.objectContaining({ kind: "refusal", tenant: "globex", user: "vic", step: "note", tool: "write_note", outcome: "refused:TOOL_NOT_ALLOWED" })]);
  });

  it("pauses an operator's write step for approval although the plan does not ask for it", async () => {
    const write = writeTool();
    const result = await runPlan(plan, { ...base, tools: [write.tool], caller: who("olga", ["operator"]), checkpointer: new MemorySaver(), threadId: "op-1" });
    expect(result.status).toBe("interrupted");
    expect(result.pending).toEqual([{ step: "note", tool: "write_note", params: { text: "maintenance at 2am" } }]);
    expect(result.results.look).toBeDefined();
    expect(write.calls).toEqual([]);
  });

  it("refuses an operator's run without a place to pause (no checkpointer): nothing runs", async () => {
    const write = writeTool();
    const error = await refusal(runPlan(plan, { ...base, tools: [write.tool], caller: who("olga", ["operator"]) }));
    expect(error.code).toBe("APPROVAL_REQUIRED");
    expect(write.calls).toEqual([]);
  });
});

describe("who may approve", () => {
  it("refuses a viewer's approval with APPROVER_NOT_ALLOWED, then runs the step once on an operator's, auditing each answer and the call", async () => {
    const write = writeTool();
    const audit = memoryAudit();
    const saver = new MemorySaver();
    const options = { ...base, tools: [write.tool], checkpointer: saver, threadId: "op-2", audit };
    expect((await runPlan(plan, { ...options, caller: who("olga", ["operator"]) })).status).toBe("interrupted");
    const error = await refusal(runPlan(plan, { ...options, caller: who("vic", ["viewer"]), resume: "approve" }));
    expect(error.code).toBe("APPROVER_NOT_ALLOWED");
    expect(error.message).toBe("step 'note': user 'vic' (roles 'viewer') may not approve; approvers need one of the roles 'admin', 'operator'");
    expect(write.calls).toEqual([]);
    const done = await runPlan(plan, { ...options, caller: who("oscar", ["operator"]), resume: "approve" });
    expect(done.status).toBe("completed");
    expect(done.context?.user).toBe("oscar");
    expect(write.calls).toHaveLength(1);
    const kinds = audit.entries.map((e) => [e.kind, e.user, e.step, e.outcome]);
    expect(kinds).toEqual([
      ["refusal", "vic", "note", "refused:APPROVER_NOT_ALLOWED"],
      ["approval", "oscar", "note", "approved"],
      ["tool_call", "oscar", "note", "ok"],
    ]);
    const call = audit.entries.find((e) => e.kind === "tool_call")!;
    expect(call).toMatchObject({ tenant: "globex", thread_id: "op-2", tool: "write_note", params_digest: paramsDigest({ text: "maintenance at 2am" }), trace_id: "trace-oscar" });
    expect(call.run_key).toMatch(/^op-2\//);
    expect(JSON.stringify(audit.entries)).not.toContain("maintenance at 2am");
  });

  it("audits a rejection, and the rejected tool never runs", async () => {
    const write = writeTool();
    const audit = memoryAudit();
    const options = { ...base, tools: [write.tool], checkpointer: new MemorySaver(), threadId: "op-3", audit };
    await runPlan(plan, { ...options, caller: who("olga", ["operator"]) });
    const result = await runPlan(plan, { ...options, caller: who("ada", ["admin"]), resume: { action: "reject", reason: "not tonight" } });
    expect(result.errors.note).toContain("rejected: not tonight");
    expect(write.calls).toEqual([]);
    expect(audit.entries.map((e) => [e.kind, e.user, e.outcome, e.detail])).toEqual([["rejection", "ada", "rejected", "not tonight"]]);
  });

  it("with approver_not_starter, refuses the starter's own approval and takes another approver's", async () => {
    const write = writeTool();
    const policy = parsePolicy({ roles: { operator: { allow: ["*"], approval: ["side_effects"] } }, approvers: { roles: ["operator"], approver_not_starter: true } });
    // The starter is kept in the run's completion store, beside its approval answers.
    const options = { ...base, tools: [write.tool], checkpointer: new MemorySaver(), store: new MemoryCompletionStore(), threadId: "op-4", policy };
    await runPlan(plan, { ...options, caller: who("olga", ["operator"]) });
    const error = await refusal(runPlan(plan, { ...options, caller: who("olga", ["operator"]), resume: "approve" }));
    expect(error.code).toBe("APPROVER_NOT_ALLOWED");
    expect(error.message).toContain("user 'olga' started the run");
    expect((await runPlan(plan, { ...options, caller: who("oscar", ["operator"]), resume: "approve" })).status).toBe("completed");
    expect(write.calls).toHaveLength(1);
  });

  it("refuses approveAll by a caller who may not approve: nothing runs", async () => {
    const write = writeTool();
    const policy = parsePolicy({ roles: { operator: { allow: ["*"], approval: ["side_effects"] }, admin: { allow: ["*"] } }, approvers: { roles: ["admin"] } });
    const error = await refusal(runPlan(plan, { ...base, tools: [write.tool], caller: who("olga", ["operator"]), approveAll: true, policy }));
    expect(error.code).toBe("APPROVER_NOT_ALLOWED");
    expect(write.calls).toEqual([]);
  });
});

describe("tenant limits", () => {
  const policy = parsePolicy({
    roles: { admin: { allow: ["*"] } },
    approvers: { roles: ["admin"] },
    limits: { tenants: { globex: { max_concurrent_runs: 1, run_time_budget_ms: 150 } } },
  });

  it("refuses a second concurrent run of a tenant with TENANT_LIMIT, admits another tenant's, and admits again when the first ends", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const write = writeTool(gate);
    const limiter = new TenantLimiter();
    const audit = memoryAudit();
    const options = { ...base, tools: [write.tool], policy, tenantLimiter: limiter };
    const first = runPlan(plan, { ...options, caller: who("ada", ["admin"]) });
    await new Promise((r) => setTimeout(r, 20));
    const error = await refusal(runPlan(plan, { ...options, caller: who("bob", ["admin"]), audit }));
    expect(error).toBeInstanceOf(TenantLimitError);
    expect(error.code).toBe("TENANT_LIMIT");
    expect(audit.entries).toEqual([expect.objectContaining({ kind: "run_refused", user: "bob", outcome: "refused:TENANT_LIMIT" })]);
    const other = await runPlan({ steps: [{ id: "look", tool: "echo" }] }, { ...options, caller: who("ivy", ["admin"], "initech") });
    expect(other.status).toBe("completed");
    open();
    expect((await first).status).toBe("completed");
    expect((await runPlan({ steps: [{ id: "look", tool: "echo" }] }, { ...options, caller: who("bob", ["admin"]) })).status).toBe("completed");
  });

  it("stops a run that outlasts its tenant's run-time budget", async () => {
    const started = Date.now();
    const result = await runPlan({ steps: [{ id: "slow", tool: "sleep", params: { ms: 5000 } }] }, { ...base, policy, caller: who("ada", ["admin"]), tenantLimiter: new TenantLimiter() });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.status).toBe("failed");
    expect(result.error_codes.slow).toBe("RUN_BUDGET_EXCEEDED");
  });
});

describe("an audit trail that fails", () => {
  it("keeps the side effect's outcome and says in the warnings that its entry was lost", async () => {
    const write = writeTool();
    const result = await runPlan(plan, { ...base, tools: [write.tool], audit: memoryAudit(true) });
    expect(result.status).toBe("completed");
    expect(result.results.note).toEqual({ written: "maintenance at 2am" });
    expect(result.warnings).toContain("audit: the tool_call entry of step 'note' (ok) could not be recorded: audit database is down");
  });
});
