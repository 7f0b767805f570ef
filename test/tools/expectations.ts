/** Expected answers computed from the in-memory test estate, independently of SQL. */
import type { TenantEstate as Estate } from "../../tools/ops/estate/model.js";

/** Code-point order, as the tools sort (COLLATE "C"). */
export const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function searchText(estate: Estate, text: string): string[] {
  const q = text.toLowerCase();
  return estate.cis.filter((c) => `${c.ci_id} ${c.name} ${c.description}`.toLowerCase().includes(q)).map((c) => c.ci_id);
}

export type Direction = "dependencies" | "dependents" | "both";

/** Breadth-first walk with the tool's semantics: nearest depth wins, start CIs are not rows. */
export function walk(estate: Estate, roots: string[], direction: Direction, depth: number, relations?: string[]): Map<string, number> {
  const reached = new Map<string, number>();
  const start = new Set(roots);
  let frontier = roots;
  for (let d = 1; d <= depth && frontier.length > 0; d++) {
    const set = new Set(frontier);
    const next: string[] = [];
    for (const r of estate.relationships) {
      if (relations && !relations.includes(r.relation)) continue;
      const ends: string[] = [];
      if (direction !== "dependents" && set.has(r.source_id)) ends.push(r.target_id);
      if (direction !== "dependencies" && set.has(r.target_id)) ends.push(r.source_id);
      for (const to of ends) {
        if (start.has(to) || reached.has(to)) continue;
        reached.set(to, d);
        next.push(to);
      }
    }
    frontier = next;
  }
  return reached;
}

export const round2 = (v: number) => Math.round(v * 100) / 100;
