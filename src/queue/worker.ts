import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Meter } from "@opentelemetry/api";
import { run as runGraphileWorker, type Runner } from "graphile-worker";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { PgAuditTrail } from "../durability/audit-postgres.js";
import type { PlanOptions, RunPlanOptions } from "../api/run-plan.js";
import { DEFAULT_LEASE_TTL_MS } from "../durability/lease.js";
import { PlangraphError } from "../model/errors.js";
import { loadPolicyFile, POLICY_ENV } from "../api/policy-file.js";
import { tenantLimits, type Policy } from "../policy/index.js";
import type { TenantConcurrency } from "./claim.js";
import type { RunJobPayload } from "./jobs.js";
import type { WorkerRunOptions } from "./execute.js";
import { queueInstruments } from "./metrics.js";
import { startSweeper } from "./sweeper.js";
import { ensureQueue, queueLogger, queueNames, quietPool, type QueueConnection } from "./store.js";
import { stopRun, takeRun, type WorkerContext } from "./take-run.js";

/** How a worker is started. */
export interface WorkerOptions extends QueueConnection {
  /** Runs held at once (default 4). */
  concurrency?: number;
  /** Tools added to the built-ins (e.g. a `--tools` module's export), as runPlan's `tools`. */
  tools?: PlanOptions["tools"];
  /** A registry to use instead of built-ins + `tools`. */
  registry?: PlanOptions["registry"];
  /** Everything else runs take from the worker: chat model, limits, cache… (as for runPlan). */
  planOptions?: WorkerRunOptions;
  /** Where runs record side-effecting calls, approvals and refusals (default: the audit trail in the queue's schema, as `plangraph audit` reads it). */
  audit?: RunPlanOptions["audit"];
  /** How long a lost worker's runs stay its own (default 30 s): heartbeats renew it every third of it. */
  leaseMs?: number;
  /** How often the sweeper looks for runs whose lease expired (default a quarter of the lease). */
  sweepMs?: number;
  /**
   * The policy runs are held to (roles → tools, approvals, tenant limits), or a policy file's
   * path; default: the file PLANGRAPH_POLICY names, else the built-in policy. Its tenants'
   * `max_concurrent_runs` is applied across all workers (unless `tenantConcurrency` is given).
   */
  policy?: Policy | string;
  /** The most runs a tenant may have running across all workers (default: the policy's `max_concurrent_runs`). */
  tenantConcurrency?: TenantConcurrency;
  /** Aborting it drains the worker (SIGTERM). */
  signal?: AbortSignal;
  /** How long `drain` lets held runs finish before handing them back (default: the lease). */
  drainMs?: number;
  /** The worker's id as runs show it (default `<host>-<pid>-<random>`). */
  workerId?: string;
  /** LangGraph's checkpoint timing (default "async": exactly-once rests on the completion store). */
  durability?: RunPlanOptions["durability"];
  /** Where the queue metrics go (default the global meter provider). */
  meter?: Meter;
}

/** A running worker. */
export interface WorkerHandle {
  readonly id: string;
  /** Runs it holds now. */
  readonly running: () => string[];
  /**
   * Takes no new runs, lets held runs finish for up to `drainMs` (default the lease), hands the rest
   * back to the queue (another worker continues them from their checkpoints), then closes.
   */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  /** Hands every held run back at once and closes. */
  stop(): Promise<void>;
  /** Settles when the worker has closed (after drain or stop). */
  readonly closed: Promise<void>;
}

/**
 * Starts a worker on the run queue: it takes runs (graphile-worker jobs) up to `concurrency`,
 * holds each under a lease renewed by heartbeats, runs it under its caller's context and records
 * its end; its sweeper re-queues runs whose worker was lost (lease expired) so a live worker takes
 * them over from their checkpoints; a cancel reaches it by NOTIFY (or its sweep) and aborts the run.
 */
export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const names = queueNames(options.schema);
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new PlangraphError("USAGE", `worker concurrency must be a whole number ≥ 1, got ${concurrency}`);
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_TTL_MS;
  if (!Number.isInteger(leaseMs) || leaseMs < 500) throw new PlangraphError("USAGE", `worker leaseMs must be a whole number of milliseconds ≥ 500, got ${leaseMs}`);
  const url = options.databaseUrl?.trim();
  if (!options.pool && !url) throw new PlangraphError("USAGE", "a worker needs a PostgreSQL database: pass databaseUrl (e.g. DATABASE_URL) or a pool");
  // Each held run uses a connection now and then (checkpoints, completions, heartbeats); the queue a few more.
  const pool = options.pool ?? quietPool(url!, concurrency * 2 + 4);
  const id = options.workerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  await ensureQueue(pool, names);
  const context: WorkerContext = {
    pool,
    names,
    worker: id,
    leaseMs,
    retryMs: Math.max(200, Math.min(2000, Math.floor(leaseMs / 10))),
    ...tenantLimitOf(options),
    planOptions: { ...options.planOptions, ...(options.policy !== undefined ? { policy: options.policy } : {}), ...(options.tools ? { tools: options.tools } : {}), ...(options.registry ? { registry: options.registry } : {}) },
    ...(options.durability ? { durability: options.durability } : {}),
    audit: options.audit ?? new PgAuditTrail(pool, names.schema),
    checkpointer: new PostgresSaver(pool, undefined, { schema: names.schema }),
    instruments: queueInstruments(id, options.meter),
    active: new Map(),
    draining: false,
  };
  const sweeper = await startSweeper(context, options.sweepMs ?? Math.max(200, Math.floor(leaseMs / 4)));
  const runner = await superviseRunner(() =>
    runGraphileWorker({
      pgPool: pool,
      schema: names.jobsSchema,
      concurrency,
      noHandleSignals: true,
      pollInterval: 1000,
      logger: queueLogger(),
      // Hand-back on drain is ours (drainMs); graphile-worker must not abort runs on its own clock.
      gracefulShutdownAbortTimeout: 2 ** 31 - 1,
      taskList: { [names.task]: async (payload) => takeRun(context, (payload as RunJobPayload).run_id) },
    }),
  );
  return workerHandle({ id, context, runner, sweeper, ownsPool: !options.pool, drainMs: options.drainMs ?? leaseMs, signal: options.signal });
}

/**
 * The worker's cross-worker tenant limit: the caller's function, or the policy's
 * `max_concurrent_runs` per tenant (a policy file is re-read when it changes). No policy file and
 * no function: no tenant is limited (the built-in policy sets no concurrency limit).
 */
function tenantLimitOf(options: WorkerOptions): { tenantConcurrency?: TenantConcurrency } {
  if (options.tenantConcurrency) return { tenantConcurrency: options.tenantConcurrency };
  const source = options.policy ?? process.env[POLICY_ENV]?.trim();
  if (!source) return {};
  const policyNow = (): Policy => (typeof source === "string" ? loadPolicyFile(source) : source);
  // A bad policy file is refused now, at start, not at the first claim.
  policyNow();
  return { tenantConcurrency: (tenant) => tenantLimits(policyNow(), tenant).max_concurrent_runs };
}

/** The graphile-worker runner of a worker, restarted when it stops on its own; `stop` ends it for good. */
interface SupervisedRunner {
  stop(): Promise<void>;
}

/**
 * Starts graphile-worker and starts it again whenever it stops without being asked to: it shuts
 * itself down (and sets the process's exit code to 57) when it hears of a first migration of any
 * graphile-worker schema in the database, even another application's. Starting again runs its
 * migration check, so a genuinely incompatible schema still stops the worker, with that error.
 */
async function superviseRunner(start: () => Promise<Runner>): Promise<SupervisedRunner> {
  const runners = new Set<Runner>();
  let stopping = false;
  const launch = async (): Promise<void> => {
    const exitCode = process.exitCode;
    const runner = await start();
    runners.add(runner);
    // The moment it starts shutting down on its own, a new runner takes new jobs; the old one
    // still finishes the runs it holds.
    runner.events.once("pool:gracefulShutdown", () => {
      if (stopping) return;
      if (process.exitCode === 57) process.exitCode = exitCode;
      launch().catch((error: unknown) => process.stderr.write(`plangraph queue: the job runner stopped and could not start again: ${(error as Error).message}\n`));
    });
    void runner.promise.then(
      () => runners.delete(runner),
      () => runners.delete(runner),
    );
  };
  await launch();
  return {
    stop: async () => {
      stopping = true;
      // A runner that fails to stop cleanly is going away with the process: its jobs' locks are reclaimed by the sweep.
      await Promise.all([...runners].map((runner) => runner.stop().catch(() => undefined)));
    },
  };
}

interface HandleParts {
  id: string;
  context: WorkerContext;
  runner: SupervisedRunner;
  sweeper: { stop(): Promise<void> };
  ownsPool: boolean;
  drainMs: number;
  signal: AbortSignal | undefined;
}

function workerHandle(parts: HandleParts): WorkerHandle {
  const { context, runner } = parts;
  let closing: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const close = (handBackAfterMs: number): Promise<void> => {
    // A stop during a drain (a second SIGTERM) hands the held runs back now instead of waiting.
    if (closing && handBackAfterMs === 0) for (const active of context.active.values()) stopRun(active, "handback");
    closing ??= (async () => {
      context.draining = true;
      const timer = setTimeout(() => {
        for (const active of context.active.values()) stopRun(active, "handback");
      }, handBackAfterMs);
      try {
        // graphile-worker's graceful stop: no new jobs, and it waits for the held ones.
        await runner.stop();
      } finally {
        clearTimeout(timer);
        await parts.sweeper.stop();
        if (parts.ownsPool) await context.pool.end();
        resolveClosed();
      }
    })();
    return closing;
  };
  parts.signal?.addEventListener("abort", () => void close(parts.drainMs), { once: true });
  if (parts.signal?.aborted) void close(parts.drainMs);
  return {
    id: parts.id,
    running: () => [...context.active.keys()],
    drain: (options = {}) => close(options.timeoutMs ?? parts.drainMs),
    stop: () => close(0),
    closed,
  };
}
