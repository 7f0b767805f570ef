import { randomUUID } from "node:crypto";
import { PlangraphError, describeError } from "../model/errors.js";
import type { LeaseOwner, ThreadLeases } from "./backend.js";
import { currentOwner, describeOwner, ownerIsGone } from "./lease-owner.js";

/** How long a lease outlives its owner's last heartbeat by default: a crashed owner's thread is free after this. */
export const DEFAULT_LEASE_TTL_MS = 30_000;

/** The environment variable that sets the lease time (ms) for the CLI. */
export const LEASE_TTL_ENV = "PLANGRAPH_THREAD_LEASE_MS";

/** The lease time from the environment, or the default; a malformed value is a typed error. */
export function leaseTtlFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[LEASE_TTL_ENV]?.trim();
  if (!raw) return DEFAULT_LEASE_TTL_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 1000) throw new PlangraphError("USAGE", `${LEASE_TTL_ENV} must be a whole number of milliseconds ≥ 1000, got '${raw.slice(0, 40)}'`);
  return ms;
}

export interface HoldOptions {
  ttlMs?: number;
  owner?: LeaseOwner;
  /** Where the thread lives, for messages. */
  where?: string;
}

/** A thread this process owns until `release`. */
export interface ThreadHold {
  /** Aborted when the lease is lost (another process took it after it expired): stop working. */
  readonly signal: AbortSignal;
  /** Throws THREAD_LEASE_LOST if the lease was lost while held. */
  assertHeld(): void;
  release(): Promise<void>;
}

/**
 * Makes this process the thread's one owner, or refuses with THREAD_BUSY naming the owner. A lease
 * whose owner is provably dead (same machine, process gone) is taken over at once; any other lease
 * only after it expired. While held, a heartbeat renews it every third of its time.
 */
export async function holdThread(leases: ThreadLeases, thread: string, options: HoldOptions = {}): Promise<ThreadHold> {
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  // An id per hold: two holds in one process (library use) are two owners, each releasing only its own.
  const owner = options.owner ?? { ...currentOwner(), id: randomUUID() };
  const claim = await leases.claim(thread, owner, ttlMs);
  if (!claim.taken) {
    const holder = claim.holder.owner;
    const tookOver = ownerIsGone(holder, owner) && (await leases.takeOver(thread, holder, owner, ttlMs));
    if (!tookOver) {
      const left = Math.max(0, Math.ceil((claim.holder.expiresAt - Date.now()) / 1000));
      throw new PlangraphError(
        "THREAD_BUSY",
        `thread '${thread}'${options.where ? ` in ${options.where}` : ""} is in use by ${describeOwner(holder)}; one process at a time may run or resume a thread (its lease lapses ${left} s after that process stops renewing it)`,
      );
    }
  }
  return heartbeat(leases, thread, owner, ttlMs);
}

function heartbeat(leases: ThreadLeases, thread: string, owner: LeaseOwner, ttlMs: number): ThreadHold {
  const controller = new AbortController();
  let heldUntil = Date.now() + ttlMs;
  let lost: PlangraphError | undefined;
  const lose = (why: string) => {
    lost ??= new PlangraphError("THREAD_LEASE_LOST", `lost the lease on thread '${thread}' (${why}); this process stopped so that only one owner works on it`);
    controller.abort(lost);
  };
  let beating: Promise<void> = Promise.resolve();
  const beat = () => {
    beating = leases.renew(thread, owner, ttlMs).then(
      (held) => (held ? void (heldUntil = Date.now() + ttlMs) : lose("another process holds it now")),
      // A failed renewal is retried at the next beat; only an expired lease is lost.
      (error: unknown) => (Date.now() > heldUntil ? lose(`renewals failed: ${describeError(error)}`) : undefined),
    );
  };
  const timer = setInterval(beat, Math.max(250, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    signal: controller.signal,
    assertHeld: () => {
      if (lost) throw lost;
    },
    release: async () => {
      clearInterval(timer);
      await beating;
      if (!lost) await leases.release(thread, owner);
    },
  };
}
