import { deferred, type Deferred } from "./deferred.js";

/**
 * What nodes wait on: one settlement per node and loop iteration (`id#k`; nodes outside loops
 * only ever have `#1`), and the waiters for the run to go idle.
 */
export class Settlements {
  private readonly byPass = new Map<string, Deferred<void>>();
  private readonly idleWaiters: Array<() => void> = [];

  /** The node's settlement in that iteration, created on first use by either side. */
  of(id: string, iteration: number): Deferred<void> {
    const key = `${id}#${iteration}`;
    let d = this.byPass.get(key);
    if (!d) this.byPass.set(key, (d = deferred()));
    return d;
  }

  /** Resolves at the next `idle()` (at once when `idleNow`). */
  whenIdle(idleNow: boolean): Promise<void> {
    if (idleNow) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  idle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
