/**
 * Per-tenant limits (issue 15, "Policy"): concurrent runs, runs per minute (a sliding window on an
 * injected clock) and the run-time budget, refused with TENANT_LIMIT and, where waiting helps, a
 * retry_after_ms.
 */
import { describe, expect, it } from "vitest";
import { budgetUnder, parsePolicy, tenantLimits, TenantLimiter, TenantLimitError } from "../../src/policy/index.js";

const policy = parsePolicy({
  roles: { admin: { allow: ["*"] } },
  approvers: { roles: ["admin"] },
  limits: { default: { max_concurrent_runs: 2, runs_per_minute: 3 }, tenants: { globex: { max_concurrent_runs: 1, run_time_budget_ms: 5000 } } },
});

function refusal(run: () => unknown): TenantLimitError | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof TenantLimitError) return error;
    throw error;
  }
  return undefined;
}

describe("tenantLimits", () => {
  it("gives a tenant its own entry over the default, field by field", () => {
    expect(tenantLimits(policy, "globex")).toEqual({ max_concurrent_runs: 1, runs_per_minute: 3, run_time_budget_ms: 5000 });
    expect(tenantLimits(policy, "acme")).toEqual({ max_concurrent_runs: 2, runs_per_minute: 3 });
    expect(tenantLimits(policy, "__proto__")).toEqual({ max_concurrent_runs: 2, runs_per_minute: 3 });
  });
});

describe("TenantLimiter", () => {
  it("refuses a run over the tenant's concurrency, counts tenants apart, and admits again once one ends", () => {
    let now = 0;
    const limiter = new TenantLimiter(() => now);
    const release = limiter.admit("globex", tenantLimits(policy, "globex"));
    const over = refusal(() => limiter.admit("globex", tenantLimits(policy, "globex")));
    expect(over?.code).toBe("TENANT_LIMIT");
    expect(over?.limit).toBe("max_concurrent_runs");
    expect(over?.message).toBe("tenant 'globex' already has 1 run running; its limit is 1 at once");
    expect(over?.retryAfterMs).toBeUndefined();
    expect(refusal(() => limiter.admit("acme", tenantLimits(policy, "acme")))).toBeUndefined();
    release();
    release();
    expect(limiter.active("globex")).toBe(0);
    now += 1;
    expect(refusal(() => limiter.admit("globex", tenantLimits(policy, "globex")))).toBeUndefined();
  });

  it("refuses the run over the per-minute rate with retry_after_ms until the oldest start leaves the window", () => {
    let now = 1_000_000;
    const limiter = new TenantLimiter(() => now);
    const limits = { runs_per_minute: 3 };
    for (const at of [0, 10_000, 20_000]) {
      now = 1_000_000 + at;
      limiter.admit("acme", limits)();
    }
    now = 1_000_000 + 30_000;
    const over = refusal(() => limiter.admit("acme", limits));
    expect(over?.limit).toBe("runs_per_minute");
    expect(over?.retryAfterMs).toBe(30_000);
    expect(over?.toJSON()).toMatchObject({ code: "TENANT_LIMIT", tenant: "acme", limit: "runs_per_minute", retry_after_ms: 30_000 });
    now = 1_000_000 + 60_000;
    expect(refusal(() => limiter.admit("acme", limits))).toBeUndefined();
  });

  it("does not count a refused run against the tenant", () => {
    const limiter = new TenantLimiter(() => 0);
    const release = limiter.admit("acme", { max_concurrent_runs: 1, runs_per_minute: 2 });
    expect(refusal(() => limiter.admit("acme", { max_concurrent_runs: 1, runs_per_minute: 2 }))).toBeDefined();
    release();
    expect(refusal(() => limiter.admit("acme", { max_concurrent_runs: 1, runs_per_minute: 2 }))).toBeUndefined();
  });
});

describe("budgetUnder", () => {
  it("caps the plan's run budget by the tenant's (0 = no budget)", () => {
    expect(budgetUnder({ run_time_budget_ms: 5000 }, 0)).toBe(5000);
    expect(budgetUnder({ run_time_budget_ms: 5000 }, 9000)).toBe(5000);
    expect(budgetUnder({ run_time_budget_ms: 5000 }, 2000)).toBe(2000);
    expect(budgetUnder({}, 2000)).toBe(2000);
  });
});
