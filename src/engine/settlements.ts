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

  /** Depth of readiness cascades under way (see `batch`). */
  private cascading = 0;

  constructor(private readonly isIdle: () => boolean) {}

  /** Resolves once the run is idle (at once when it is). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Something finished: wake the idle waiters if nothing is left, unless a cascade is under way. */
  check(): void {
    if (this.cascading === 0 && this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /**
   * Readies nodes as one unit: a node skipped on the way settles synchronously, and the run must
   * not look idle before the nodes readied after it in the same cascade have started.
   */
  batch(ready: () => void): void {
    this.cascading++;
    try {
      ready();
    } finally {
      this.cascading--;
    }
    this.check();
  }
}
