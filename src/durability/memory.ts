import { MemorySaver } from "@langchain/langgraph-checkpoint";
import { MemoryCompletionStore } from "./completion-store.js";
import { MemoryAuditTrail } from "./audit-memory.js";
import type { DurableBackend, LeaseClaim, LeaseOwner, PlanRegistry, ThreadLeases, ThreadRecord, ThreadStatus, ToolsModuleRef } from "./backend.js";

/** Plan registry in process memory. */
export class MemoryPlanRegistry implements PlanRegistry {
  private readonly threads = new Map<string, ThreadRecord>();

  async savePlan(thread: string, plan: string, tools: ToolsModuleRef | undefined, runId: string): Promise<void> {
    this.threads.set(thread, { plan, runId, status: "running", ...(tools ? { tools: { ...tools } } : {}) });
  }

  async loadPlan(thread: string): Promise<ThreadRecord | undefined> {
    const record = this.threads.get(thread);
    return record && { ...record };
  }

  async markRun(thread: string, runId: string, status: ThreadStatus): Promise<void> {
    const record = this.threads.get(thread);
    if (record?.runId === runId) record.status = status;
  }
}

/** Thread leases in process memory: one owner per thread among the callers of one process. */
export class MemoryThreadLeases implements ThreadLeases {
  private readonly leases = new Map<string, { owner: LeaseOwner; expiresAt: number }>();

  async claim(thread: string, owner: LeaseOwner, ttlMs: number): Promise<LeaseClaim> {
    const held = this.leases.get(thread);
    if (held && held.expiresAt > Date.now()) return { taken: false, holder: { owner: held.owner, expiresAt: held.expiresAt } };
    this.leases.set(thread, { owner, expiresAt: Date.now() + ttlMs });
    return { taken: true };
  }

  async takeOver(thread: string, stale: LeaseOwner, owner: LeaseOwner, ttlMs: number): Promise<boolean> {
    if (this.leases.get(thread)?.owner.id !== stale.id) return false;
    this.leases.set(thread, { owner, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async renew(thread: string, owner: LeaseOwner, ttlMs: number): Promise<boolean> {
    const held = this.leases.get(thread);
    if (held?.owner.id !== owner.id) return false;
    held.expiresAt = Date.now() + ttlMs;
    return true;
  }

  async release(thread: string, owner: LeaseOwner): Promise<void> {
    if (this.leases.get(thread)?.owner.id === owner.id) this.leases.delete(thread);
  }
}

/**
 * Everything in process memory (MemorySaver and the memory store, registry and leases): the same
 * interface as the database backends for tests and in-process use; a crash loses it all, so its
 * completion store says `durable: false`.
 */
export function openMemoryBackend(): DurableBackend {
  const plans = new MemoryPlanRegistry();
  return {
    checkpointer: new MemorySaver(),
    completions: new MemoryCompletionStore(),
    plans,
    leases: new MemoryThreadLeases(),
    audit: new MemoryAuditTrail(),
    where: "memory",
    close: async () => undefined,
  };
}
