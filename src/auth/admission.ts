import { PlangraphError } from "../model/errors.js";

/**
 * Per-tenant run limits on the LangGraph server: how many runs a tenant may have queued or
 * running at once, and how many it may start per minute. The auth handler asks {@link
 * RunAdmission.admit} when a run is created (a refusal is HTTP 429 before the run exists); the
 * served graphs report when a run starts and ends, which frees its slot.
 */

/** A tenant's limits; an absent limit is no limit. */
export interface TenantRunLimits {
  max_concurrent_runs?: number | undefined;
  runs_per_minute?: number | undefined;
}

export interface RunAdmissionOptions {
  /** The limits of one tenant (engineer identity's `tenantLimits(policy, tenant)` fits here). */
  limitsFor: (tenant: string) => TenantRunLimits;
  now?: () => number;
  /**
   * How long a created run holds its slot before it starts. A run the server refuses after
   * the handler admitted it (thread busy, not found) never starts: its slot lapses after this.
   */
  reservationMs?: number;
  /** A started run whose end was never reported (a crash in the server) frees its slot after this. */
  runLeaseMs?: number;
}

const MINUTE_MS = 60_000;

interface Slot {
  tenant: string;
  expiresAt: number;
}

/** The run slots of one server process (the JS dev server is one process: one instance serves all). */
export class RunAdmission {
  private readonly slots = new Map<string, Slot>();
  private readonly starts = new Map<string, number[]>();
  private readonly now: () => number;
  private readonly reservationMs: number;
  private readonly runLeaseMs: number;

  constructor(private readonly options: RunAdmissionOptions) {
    this.now = options.now ?? Date.now;
    this.reservationMs = options.reservationMs ?? 30_000;
    this.runLeaseMs = options.runLeaseMs ?? 30 * MINUTE_MS;
  }

  /**
   * Takes a slot for a new run of `tenant`, or throws TENANT_LIMIT naming the limit. A run id
   * admitted before (the server retrying the handler) is not counted twice.
   */
  admit(tenant: string, runId: string): void {
    const now = this.now();
    this.expire(now);
    if (this.slots.has(runId)) return;
    const limits = this.options.limitsFor(tenant);
    const running = [...this.slots.values()].filter((slot) => slot.tenant === tenant).length;
    if (limits.max_concurrent_runs !== undefined && running >= limits.max_concurrent_runs) {
      throw new PlangraphError("TENANT_LIMIT", `tenant '${tenant}' already has ${running} runs queued or running, its limit of concurrent runs (${limits.max_concurrent_runs}); retry when one ends`);
    }
    const recent = (this.starts.get(tenant) ?? []).filter((at) => at > now - MINUTE_MS);
    if (limits.runs_per_minute !== undefined && recent.length >= limits.runs_per_minute) {
      throw new PlangraphError("TENANT_LIMIT", `tenant '${tenant}' started ${recent.length} runs in the last minute, its limit of runs per minute (${limits.runs_per_minute}); retry in ${Math.ceil((recent[0]! + MINUTE_MS - now) / 1000)} s`);
    }
    recent.push(now);
    this.starts.set(tenant, recent);
    this.slots.set(runId, { tenant, expiresAt: now + this.reservationMs });
  }

  /** The run began executing: its slot now lasts until it ends. */
  started(runId: string, tenant: string): void {
    this.slots.set(runId, { tenant, expiresAt: this.now() + this.runLeaseMs });
  }

  /** The run ended (completed, failed, paused for approval, cancelled): its slot is free. */
  finished(runId: string): void {
    this.slots.delete(runId);
  }

  /** Runs of `tenant` holding a slot now. */
  active(tenant: string): number {
    this.expire(this.now());
    return [...this.slots.values()].filter((slot) => slot.tenant === tenant).length;
  }

  /** Seconds until a refused tenant may try again (for `Retry-After`). */
  retryAfterSeconds(tenant: string): number {
    const now = this.now();
    const recent = (this.starts.get(tenant) ?? []).filter((at) => at > now - MINUTE_MS);
    const limits = this.options.limitsFor(tenant);
    if (limits.runs_per_minute !== undefined && recent.length >= limits.runs_per_minute) return Math.max(1, Math.ceil((recent[0]! + MINUTE_MS - now) / 1000));
    return 1;
  }

  private expire(now: number): void {
    for (const [runId, slot] of this.slots) if (slot.expiresAt <= now) this.slots.delete(runId);
    for (const [tenant, starts] of this.starts) {
      const recent = starts.filter((at) => at > now - MINUTE_MS);
      if (recent.length === 0) this.starts.delete(tenant);
      else this.starts.set(tenant, recent);
    }
  }
}
