import type { ReadinessStructure } from "./readiness.js";

/**
 * How many unresolved dependencies each node still waits for: readiness driven by completion
 * events, O(dependents) per resolved node, never a walk over the plan.
 */
export class PendingDeps {
  private readonly waiting = new Map<string, number>();

  constructor(private readonly structure: ReadinessStructure) {}

  /** (Re)counts the given nodes from scratch. */
  count(ids: Iterable<string>, isResolved: (id: string) => boolean): void {
    for (const id of ids) {
      const deps = this.structure.deps.get(id) ?? [];
      this.waiting.set(id, deps.filter((dep) => !isResolved(dep)).length);
    }
  }

  /** `id` resolved: the dependents it was the last missing dependency of. */
  release(id: string): string[] {
    const unblocked: string[] = [];
    for (const next of this.structure.dependents.get(id) ?? []) {
      const left = (this.waiting.get(next) ?? 0) - 1;
      this.waiting.set(next, left);
      if (left === 0) unblocked.push(next);
    }
    return unblocked;
  }

  /** `id` became unresolved again (a loop went back): each dependent outside `except` waits for it once more. */
  hold(id: string, except: ReadonlySet<string>): void {
    for (const next of this.structure.dependents.get(id) ?? []) {
      if (!except.has(next)) this.waiting.set(next, (this.waiting.get(next) ?? 0) + 1);
    }
  }

  waitingFor(id: string): number {
    return this.waiting.get(id) ?? 0;
  }
}
