/**
 * Pure graph analysis over a dependency map: order, cycles, levels, strategy, critical path.
 * Nothing here knows about tools, LangGraph or run time.
 */

/** Node ids in plan order, and for each node the ids it waits for. */
export interface DependencyGraph {
  nodes: readonly string[];
  deps: ReadonlyMap<string, readonly string[]>;
}

export type Strategy = "PARALLEL" | "SERIAL" | "DAG";

/** For each node, the nodes that wait for it (in plan order). */
export function dependentsOf(graph: DependencyGraph): Map<string, string[]> {
  const out = new Map<string, string[]>(graph.nodes.map((id) => [id, []]));
  for (const id of graph.nodes) for (const dep of graph.deps.get(id) ?? []) out.get(dep)?.push(id);
  return out;
}

/**
 * One cycle, as the list of nodes along it with the first repeated at the end (`a → b → a`), or
 * undefined. Iterative, so deep chains cannot overflow the stack.
 */
export function findCycle(graph: DependencyGraph): string[] | undefined {
  const state = new Map<string, 1 | 2>(); // 1 = on the current path, 2 = finished
  for (const root of graph.nodes) {
    if (state.has(root)) continue;
    const path: string[] = [];
    const stack: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    state.set(root, 1);
    path.push(root);
    while (stack.length) {
      const frame = stack[stack.length - 1]!;
      const deps = graph.deps.get(frame.id) ?? [];
      if (frame.next < deps.length) {
        const dep = deps[frame.next++]!;
        const seen = state.get(dep);
        if (seen === 1) {
          // path runs from root down the chain of "depends on"; report it in execution order.
          const cycle = path.slice(path.indexOf(dep));
          return [...cycle, dep].reverse();
        }
        if (seen === undefined && graph.deps.has(dep)) {
          state.set(dep, 1);
          path.push(dep);
          stack.push({ id: dep, next: 0 });
        }
      } else {
        state.set(frame.id, 2);
        path.pop();
        stack.pop();
      }
    }
  }
  return undefined;
}

/**
 * Kahn's algorithm, stable in plan order: among ready nodes the one that comes first in the plan
 * goes first (the legacy sequential mode relies on this). Returns undefined on a cycle.
 */
export function topologicalOrder(graph: DependencyGraph): string[] | undefined {
  const position = new Map(graph.nodes.map((id, i) => [id, i]));
  const remaining = new Map(graph.nodes.map((id) => [id, (graph.deps.get(id) ?? []).length]));
  const dependents = dependentsOf(graph);
  const ready = new MinHeap<string>((a, b) => position.get(a)! - position.get(b)!);
  for (const [id, count] of remaining) if (count === 0) ready.push(id);
  const order: string[] = [];
  while (ready.size) {
    const id = ready.pop()!;
    order.push(id);
    for (const next of dependents.get(id) ?? []) {
      const left = remaining.get(next)! - 1;
      remaining.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  return order.length === graph.nodes.length ? order : undefined;
}

/** Level = 1 + the deepest dependency's level; nodes grouped by level (the seed's execution groups). */
export function dependencyLevels(graph: DependencyGraph, order = topologicalOrder(graph) ?? []): string[][] {
  const level = new Map<string, number>();
  const levels: string[][] = [];
  for (const id of order) {
    let mine = 0;
    for (const dep of graph.deps.get(id) ?? []) mine = Math.max(mine, (level.get(dep) ?? -1) + 1);
    level.set(id, mine);
    (levels[mine] ??= []).push(id);
  }
  const position = new Map(graph.nodes.map((id, i) => [id, i]));
  return levels.map((ids) => ids.sort((a, b) => position.get(a)! - position.get(b)!));
}

/** PARALLEL: no dependencies at all; SERIAL: one chain through every node; DAG: anything else. */
export function classifyStrategy(graph: DependencyGraph): Strategy {
  const edges = graph.nodes.reduce((n, id) => n + (graph.deps.get(id) ?? []).length, 0);
  if (edges === 0) return "PARALLEL";
  const dependents = dependentsOf(graph);
  const chain =
    edges === graph.nodes.length - 1 &&
    graph.nodes.every((id) => (graph.deps.get(id) ?? []).length <= 1 && (dependents.get(id) ?? []).length <= 1);
  return chain ? "SERIAL" : "DAG";
}

/**
 * The longest chain of durations through the graph: the floor no scheduler can beat. Nodes
 * without a duration count as zero (skipped steps, decisions without timing).
 */
export function criticalPath(
  graph: DependencyGraph,
  duration: (id: string) => number,
  order = topologicalOrder(graph) ?? [],
): { ms: number; path: string[] } {
  const finish = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  let end: string | undefined;
  for (const id of order) {
    let start = 0;
    let from: string | undefined;
    for (const dep of graph.deps.get(id) ?? []) {
      const f = finish.get(dep) ?? 0;
      if (from === undefined || f > start) {
        start = f;
        from = dep;
      }
    }
    const mine = start + Math.max(0, duration(id));
    finish.set(id, mine);
    via.set(id, from);
    if (end === undefined || mine > finish.get(end)!) end = id;
  }
  const path: string[] = [];
  for (let id = end; id !== undefined; id = via.get(id)) path.unshift(id);
  return { ms: end === undefined ? 0 : finish.get(end)!, path };
}

/** Every node that transitively depends on `start` (not including `start`). */
export function downstreamOf(dependents: ReadonlyMap<string, readonly string[]>, start: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length) {
    for (const next of dependents.get(stack.pop()!) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}

/** Every node that `start` transitively depends on. */
export function upstreamOf(graph: DependencyGraph, start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...(graph.deps.get(start) ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(graph.deps.get(id) ?? []));
  }
  return seen;
}

/** A small binary heap; the ready queue of the stable topological sort. */
class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => number) {}
  get size(): number {
    return this.items.length;
  }
  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.less(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(items[l]!, items[m]!) < 0) m = l;
        if (r < items.length && this.less(items[r]!, items[m]!) < 0) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top;
  }
}
