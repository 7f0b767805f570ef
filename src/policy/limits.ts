import { PlangraphError } from "../model/errors.js";
import type { Policy, TenantLimits } from "./schema.js";

/**
 * The limits of one tenant's runs: its own entry over the policy's default, field by field. Pure,
 * so the server (HTTP 429) and the queue (concurrency across workers) apply the same numbers.
 */
export function tenantLimits(policy: Policy, tenant: string): TenantLimits {
  const own = Object.prototype.hasOwnProperty.call(policy.limits.tenants, tenant) ? policy.limits.tenants[tenant] : undefined;
  return { ...policy.limits.default, ...own };
}

/** A run refused by its tenant's limits; `retryAfterMs` when waiting that long would let it in. */
export class TenantLimitError extends PlangraphError {
  readonly tenant: string;
  readonly limit: keyof TenantLimits;
  readonly retryAfterMs: number | undefined;

  constructor(tenant: string, limit: keyof TenantLimits, message: string, retryAfterMs?: number) {
    super("TENANT_LIMIT", message);
    this.name = "TenantLimitError";
    this.tenant = tenant;
    this.limit = limit;
    this.retryAfterMs = retryAfterMs;
  }

  override toJSON(): ReturnType<PlangraphError["toJSON"]> & { tenant: string; limit: string; retry_after_ms?: number } {
    return { ...super.toJSON(), tenant: this.tenant, limit: this.limit, ...(this.retryAfterMs !== undefined ? { retry_after_ms: this.retryAfterMs } : {}) };
  }
}

const MINUTE_MS = 60_000;

/**
 * Counts each tenant's runs in this process: how many are running, and when the last minute's
 * started (a sliding window, read from an injected clock). `admit` either counts the run in and
 * returns its release, or throws TenantLimitError; nothing is counted for a refused run.
 */
export class TenantLimiter {
  private readonly running = new Map<string, number>();
  private readonly starts = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Admits one run of `tenant` under `limits`; call the returned function once when it ends. */
  admit(tenant: string, limits: TenantLimits): () => void {
    const at = this.now();
    const active = this.running.get(tenant) ?? 0;
    if (limits.max_concurrent_runs !== undefined && active >= limits.max_concurrent_runs) {
      throw new TenantLimitError(tenant, "max_concurrent_runs", `tenant '${tenant}' already has ${active} run${active === 1 ? "" : "s"} running; its limit is ${limits.max_concurrent_runs} at once`);
    }
    const recent = (this.starts.get(tenant) ?? []).filter((t) => t > at - MINUTE_MS);
    if (limits.runs_per_minute !== undefined && recent.length >= limits.runs_per_minute) {
      const retryAfterMs = Math.max(1, recent[recent.length - limits.runs_per_minute]! + MINUTE_MS - at);
      this.starts.set(tenant, recent);
      throw new TenantLimitError(tenant, "runs_per_minute", `tenant '${tenant}' started ${recent.length} runs in the last minute; its limit is ${limits.runs_per_minute} per minute (retry in ${retryAfterMs} ms)`, retryAfterMs);
    }
    recent.push(at);
    this.starts.set(tenant, recent);
    this.running.set(tenant, active + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.running.get(tenant) ?? 1) - 1;
      if (left > 0) this.running.set(tenant, left);
      else this.running.delete(tenant);
    };
  }

  /** Runs of `tenant` running now. */
  active(tenant: string): number {
    return this.running.get(tenant) ?? 0;
  }
}

/** The run's wall-clock budget under the tenant's limit: the smaller of the two (0 = none). */
export function budgetUnder(limits: TenantLimits, planBudgetMs: number): number {
  const tenant = limits.run_time_budget_ms;
  if (tenant === undefined) return planBudgetMs;
  return planBudgetMs > 0 ? Math.min(planBudgetMs, tenant) : tenant;
}
