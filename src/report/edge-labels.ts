import type { GraphLayout, Point } from "./layout-types.js";

/**
 * Where branch labels ("then", "else") go on the drawn graph. Edges leaving one decision share
 * its tip and edges entering one node meet at its side, so a fixed spot along the edge puts a
 * label on top of a neighbouring line. Each label tries spots along its own edge, last stretch
 * first, above and below the line, and takes the first whose box no other edge passes through and
 * that covers no node and no label placed before it. Pure.
 */

export interface LabelRequest {
  /** Index into `layout.edges` (a forward edge). */
  edge: number;
  text: string;
}

/** Advance width of the 10.5px semibold label font (errs wide) and the box height around a baseline. */
const CHAR_PX = 6.4;
const ASCENT = 9;
const DESCENT = 3;
const PAD = 2;
/** Coarse cells of the edge index (px). */
const CELL = 120;
/** Fractions of the edge's length tried, in order: near the target first, where edges are apart. */
const SPOTS = [0.84, 0.72, 0.6, 0.48, 0.36, 0.24];

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Points along a forward edge as the renderer draws it: cubics with horizontal tangents at every point. */
export function sampleForward(points: readonly Point[], step = 8): Point[] {
  const out: Point[] = [points[0]!];
  for (let i = 1; i < points.length; i++) {
    const p = points[i - 1]!;
    const q = points[i]!;
    const dx = (q.x - p.x) / 2;
    const n = Math.max(2, Math.ceil(Math.hypot(q.x - p.x, q.y - p.y) / step));
    for (let k = 1; k <= n; k++) {
      const t = k / n;
      const mt = 1 - t;
      const b = (a: number, c1: number, c2: number, z: number): number => mt * mt * mt * a + 3 * mt * mt * t * c1 + 3 * mt * t * t * c2 + t * t * t * z;
      out.push({ x: b(p.x, p.x + dx, q.x - dx, q.x), y: b(p.y, p.y, q.y, q.y) });
    }
  }
  return out;
}

/**
 * The drawn edges, found by region: each edge is filed under the coarse cells its points' box
 * covers (a cubic with horizontal tangents stays inside that box) and sampled only when a label
 * is tried near it, so a large graph with few labels costs little.
 */
class EdgeIndex {
  private readonly cells = new Map<string, number[]>();
  private readonly samples = new Map<number, Point[]>();
  constructor(private readonly layout: GraphLayout) {
    layout.edges.forEach((e, i) => {
      if (e.back) return;
      const b = bounds(e.points);
      for (let cx = Math.floor(b.x0 / CELL); cx <= Math.floor(b.x1 / CELL); cx++) {
        for (let cy = Math.floor(b.y0 / CELL); cy <= Math.floor(b.y1 / CELL); cy++) {
          const key = `${cx},${cy}`;
          const list = this.cells.get(key);
          if (list) list.push(i);
          else this.cells.set(key, [i]);
        }
      }
    });
  }
  line(edge: number): Point[] {
    let line = this.samples.get(edge);
    if (!line) this.samples.set(edge, (line = sampleForward(this.layout.edges[edge]!.points)));
    return line;
  }
  /** Whether an edge other than `own` passes through the box. */
  hits(box: Box, own: number): boolean {
    const seen = new Set<number>();
    for (let cx = Math.floor(box.x0 / CELL); cx <= Math.floor(box.x1 / CELL); cx++) {
      for (let cy = Math.floor(box.y0 / CELL); cy <= Math.floor(box.y1 / CELL); cy++) {
        for (const edge of this.cells.get(`${cx},${cy}`) ?? []) {
          if (edge === own || seen.has(edge)) continue;
          seen.add(edge);
          if (this.line(edge).some((p) => p.x >= box.x0 && p.x <= box.x1 && p.y >= box.y0 && p.y <= box.y1)) return true;
        }
      }
    }
    return false;
  }
}

function bounds(points: readonly Point[]): Box {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

const overlaps = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** The text position (centre x, baseline y) of each requested label, by edge index. */
export function placeEdgeLabels(layout: GraphLayout, requests: readonly LabelRequest[]): Map<number, Point> {
  const out = new Map<number, Point>();
  if (requests.length === 0) return out;
  const edges = new EdgeIndex(layout);
  const nodes: Box[] = layout.nodes.map((n) => ({ x0: n.x, y0: n.y, x1: n.x + n.width, y1: n.y + n.height }));
  const placed: Box[] = [];
  for (const { edge, text } of requests) {
    if (layout.edges[edge]?.back !== false) continue;
    const line = edges.line(edge);
    const half = (Array.from(text).length * CHAR_PX) / 2 + PAD;
    const boxAt = (x: number, baseline: number): Box => ({ x0: x - half, x1: x + half, y0: baseline - ASCENT - PAD, y1: baseline + DESCENT + PAD });
    const candidates: Point[] = [];
    for (const f of SPOTS) {
      const p = line[Math.min(line.length - 1, Math.round(f * (line.length - 1)))]!;
      candidates.push({ x: p.x, y: p.y - 5 }, { x: p.x, y: p.y + 5 + ASCENT });
    }
    const free = candidates.find((c) => {
      const box = boxAt(c.x, c.y);
      return !edges.hits(box, edge) && !nodes.some((n) => overlaps(n, box)) && !placed.some((b) => overlaps(b, box));
    });
    const at = free ?? candidates[0]!;
    placed.push(boxAt(at.x, at.y));
    out.set(edge, at);
  }
  return out;
}
