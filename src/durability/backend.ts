import { z } from "zod";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { CompletionStore } from "./completion-store.js";
import type { AuditTrail } from "./audit-trail.js";

/**
 * The tools module a durable run was started with: its absolute path and the sha-256 of its
 * bytes. Stored with the run so `resume` can check the module its caller names — stored data
 * never names code to load.
 */
export const ToolsModuleRefSchema = z.object({
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ToolsModuleRef = z.output<typeof ToolsModuleRefSchema>;

/**
 * Where a thread's current run stands. `running` from the moment it is registered (so a killed
 * run stays unfinished), `interrupted` while it waits for approval, `finished` once it completed
 * or failed.
 */
export const ThreadStatusSchema = z.enum(["running", "interrupted", "finished"]);
export type ThreadStatus = z.output<typeof ThreadStatusSchema>;

/**
 * A thread's row in the plan registry, as read back from the database. Parsed, never trusted:
 * `tools` is `undefined` for a run without a tools module and `"unverifiable"` for a row written
 * before digests were stored (its module can no longer be checked, so it is never loaded).
 */
export const ThreadRecordSchema = z.object({
  plan: z.string(),
  runId: z.string().min(1).optional(),
  tools: z.union([ToolsModuleRefSchema, z.literal("unverifiable")]).optional(),
  /** Rows from before statuses were kept have none: nothing says their run finished. */
  status: ThreadStatusSchema.optional(),
});
export type ThreadRecord = z.output<typeof ThreadRecordSchema>;

/** Thread → plan, tools module and current run: what `resume` needs besides the checkpoints. */
export interface PlanRegistry {
  /** Registers a thread's new run (status `running`) before any of its tools starts. */
  savePlan(thread: string, plan: string, tools: ToolsModuleRef | undefined, runId: string): Promise<void>;
  loadPlan(thread: string): Promise<ThreadRecord | undefined>;
  /** Records where the thread's run `runId` stands; a row naming another run is left alone. */
  markRun(thread: string, runId: string, status: ThreadStatus): Promise<void>;
}

/** Who holds a thread: enough to tell a live owner from a dead one and to name it in errors. */
export const LeaseOwnerSchema = z.object({
  /** Random per process: what the lease row is compared against. */
  id: z.string().min(1),
  host: z.string(),
  pid: z.number().int(),
  /** The process's start time (from /proc: clock ticks since boot), `null` where unknown. */
  startTicks: z.number().int().nullable(),
  /** The kernel's boot id (/proc/sys/kernel/random/boot_id), `null` where unknown. */
  bootId: z.string().nullable(),
  /** The pid namespace (/proc/self/ns/pid): a pid means nothing outside its namespace (containers). */
  pidNs: z.string().nullable().default(null),
});
export type LeaseOwner = z.output<typeof LeaseOwnerSchema>;

/** A lease row: its owner and when it lapses unless renewed (ms since the epoch, database clock). */
export const LeaseSchema = z.object({ owner: LeaseOwnerSchema, expiresAt: z.number() });
export type Lease = z.output<typeof LeaseSchema>;

/** The outcome of a claim: taken, or the lease someone else holds. */
export type LeaseClaim = { taken: true } | { taken: false; holder: Lease };

/**
 * One owner per thread, kept in the database so it holds across processes and machines. Each
 * method is one atomic statement: two claimants can never both be told `taken`.
 */
export interface ThreadLeases {
  /** Takes the lease if it is free or expired; otherwise says who holds it. */
  claim(thread: string, owner: LeaseOwner, ttlMs: number): Promise<LeaseClaim>;
  /** Takes the lease from `stale`, only if `stale` still holds it (a compare-and-swap on its id). */
  takeOver(thread: string, stale: LeaseOwner, owner: LeaseOwner, ttlMs: number): Promise<boolean>;
  /** Extends the lease; `false` if `owner` no longer holds it. */
  renew(thread: string, owner: LeaseOwner, ttlMs: number): Promise<boolean>;
  release(thread: string, owner: LeaseOwner): Promise<void>;
}

/**
 * Everything a durable run needs, opened together and closed together: LangGraph's checkpointer,
 * the completion store, the plan registry and the thread leases, all in one database.
 */
export interface DurableBackend {
  readonly checkpointer: BaseCheckpointSaver;
  readonly completions: CompletionStore;
  readonly plans: PlanRegistry;
  readonly leases: ThreadLeases;
  /** The audit trail in the same database: append-only, hash-chained (docs/AUDIT.md). */
  readonly audit?: AuditTrail;
  /** Where the runs are, for messages: the SQLite file, or `PostgreSQL schema '<name>'`. */
  readonly where: string;
  close(): Promise<void>;
}

/** How a backend is opened. */
export interface OpenOptions {
  /** The database must exist already (`resume`): never create it, say it is missing. */
  mustExist?: boolean;
}
