import { randomUUID } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import type { LeaseOwner } from "./backend.js";

/**
 * A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or `null`
 * where there is no /proc. A pid is reused; a pid with the same start time is the same process.
 */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (the command) is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[22 - 3]);
    return Number.isSafeInteger(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

function bootId(): string | null {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || null;
  } catch {
    return null;
  }
}

function pidNamespace(): string | null {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return null;
  }
}

let self: LeaseOwner | undefined;

/** This process as a lease owner (its id random, made once per process). */
export function currentOwner(): LeaseOwner {
  self ??= { id: randomUUID(), host: hostname(), pid: process.pid, startTicks: processStartTicks(process.pid), bootId: bootId(), pidNs: pidNamespace() };
  return self;
}

/**
 * Whether `owner` is certainly dead: only provable on its own machine (same host and boot) and in
 * its own pid namespace (a container sharing the host's name sees other pids), where its pid is
 * gone or now belongs to a process that started at another time. A rebooted machine (another boot
 * id) has none of its old processes. Anywhere else, only the lease's expiry tells.
 */
export function ownerIsGone(owner: LeaseOwner, here: LeaseOwner = currentOwner()): boolean {
  if (owner.host !== here.host) return false;
  if (owner.bootId !== null && here.bootId !== null && owner.bootId !== here.bootId) return true;
  if (owner.pidNs !== here.pidNs) return false;
  if (owner.pid === here.pid) return owner.id !== here.id && owner.startTicks !== null && owner.startTicks !== here.startTicks;
  if (!pidAlive(owner.pid)) return true;
  const ticks = processStartTicks(owner.pid);
  return owner.startTicks !== null && ticks !== null && ticks !== owner.startTicks;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the pid exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The owner as a person reads it in an error message. */
export function describeOwner(owner: LeaseOwner): string {
  return `pid ${owner.pid} on host '${owner.host}' (owner id ${owner.id})`;
}
