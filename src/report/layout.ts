import { assignHeights, spreadPorts } from "./layout-coords.js";
import { breakCycles, countAllCrossings, initialOrder } from "./layout-order.js";
import type { GraphLayout, LayoutEdgeInput, LayoutNodeInput, LayoutOptions, PlacedEdge, PlacedNode, Point } from "./layout-types.js";

/**
 * A layered left-to-right layout for the plan's graph (Sugiyama-style, kept simple and linear):
 *
 * 1. cycle breaking: edges marked `back`, self-loops and any edge that closes a cycle in a
 *    depth-first search are set aside and drawn apart, never used for layering;
 * 2. longest-path layering: a node sits one column right of its furthest predecessor, so every
 *    forward edge points right; a source then moves next to its earliest successor;
 * 3. dummy nodes split edges that span several columns (within a budget, so a pathological graph
 *    cannot blow up), letting long edges take part in ordering and routing;
 * 4. barycentric ordering: alternating down/up sweeps sort each column by the mean position of its
 *    neighbours, keeping the ordering with the fewest crossings (counted exactly, O(E log V));
 * 5. coordinates: columns by width; within a column, each node is pulled toward the mean height
 *    of its neighbours, and an isotonic regression (pool-adjacent-violators) finds the closest
 *    positions that keep the order and the minimum gaps, so nodes never overlap.
 *
 * Every phase is O((V + D + E) log V) per sweep, with D the dummy count (bounded), so 1,000 nodes
 * lay out in milliseconds.
 */

export type { GraphLayout, LayoutEdgeInput, LayoutNodeInput, LayoutOptions, PlacedEdge, PlacedNode, Point } from "./layout-types.js";
export { isotonicWithGaps } from "./layout-coords.js";

export const DEFAULT_LAYOUT_OPTIONS: LayoutOptions = {
  nodeWidth: 168,
  nodeHeight: 46,
  layerGap: 64,
  nodeGap: 20,
  dummyGap: 10,
  margin: { top: 16, right: 16, bottom: 16, left: 16 },
  sweeps: 4,
  dummiesPerNode: 2,
};

/** Lays `nodes` and `edges` out left to right. Unknown edge endpoints and duplicate ids are ignored. */
export function layoutGraph(
  nodes: readonly LayoutNodeInput[],
  edges: readonly LayoutEdgeInput[],
  options: Partial<LayoutOptions> = {},
): GraphLayout {
  const opt: LayoutOptions = { ...DEFAULT_LAYOUT_OPTIONS, ...options };

  // --- index real nodes ---------------------------------------------------------------------
  const index = new Map<string, number>();
  const ids: string[] = [];
  const widths: number[] = [];
  const heights: number[] = [];
  const centerPorts: boolean[] = [];
  for (const node of nodes) {
    if (index.has(node.id)) continue;
    index.set(node.id, ids.length);
    ids.push(node.id);
    widths.push(node.width ?? opt.nodeWidth);
    heights.push(node.height ?? opt.nodeHeight);
    centerPorts.push(node.centerPorts === true);
  }
  const n = ids.length;

  // --- classify edges: forward or back --------------------------------------------------------
  interface Known {
    index: number;
    u: number;
    v: number;
    back: boolean;
  }
  const known: Known[] = [];
  edges.forEach((e, i) => {
    const u = index.get(e.from);
    const v = index.get(e.to);
    if (u === undefined || v === undefined) return;
    known.push({ index: i, u, v, back: e.back === true || u === v });
  });
  breakCycles(n, known);

  // --- longest-path layering (Kahn) -----------------------------------------------------------
  const out: number[][] = Array.from({ length: n }, () => []);
  const indeg = new Array<number>(n).fill(0);
  for (const e of known) {
    if (e.back) continue;
    out[e.u]!.push(e.v);
    indeg[e.v]!++;
  }
  const layerOf = new Array<number>(n).fill(0);
  const hasPred = indeg.map((d) => d > 0);
  const queue: number[] = [];
  for (let v = 0; v < n; v++) if (indeg[v] === 0) queue.push(v);
  for (let head = 0; head < queue.length; head++) {
    const u = queue[head]!;
    for (const v of out[u]!) {
      if (layerOf[u]! + 1 > layerOf[v]!) layerOf[v] = layerOf[u]! + 1;
      if (--indeg[v]! === 0) queue.push(v);
    }
  }
  // A source feeding only late steps would sit in column 0 with a long edge across the drawing:
  // move it next to its earliest successor instead (every constraint still holds).
  for (let v = 0; v < n; v++) {
    if (hasPred[v] || out[v]!.length === 0) continue;
    let earliest = Infinity;
    for (const w of out[v]!) earliest = Math.min(earliest, layerOf[w]!);
    layerOf[v] = earliest - 1;
  }
  const layerCount = n === 0 ? 0 : Math.max(...layerOf) + 1;

  // --- dummy nodes for long edges (shortest spans first, within the budget) -----------------
  // Virtual nodes: 0..n-1 are real, n.. are dummies.
  const vLayer = layerOf.slice();
  const vWidth = widths.slice();
  const vHeight = heights.slice();
  const preds: number[][] = Array.from({ length: n }, () => []);
  const succs: number[][] = Array.from({ length: n }, () => []);
  const chainOf = new Map<number, number[]>(); // known-edge position -> dummy chain
  const addVirtual = (layer: number): number => {
    vLayer.push(layer);
    vWidth.push(0);
    vHeight.push(0);
    preds.push([]);
    succs.push([]);
    return vLayer.length - 1;
  };
  const link = (a: number, b: number): void => {
    succs[a]!.push(b);
    preds[b]!.push(a);
  };
  const forward = known.map((e, k) => ({ e, k })).filter(({ e }) => !e.back);
  const long = forward
    .filter(({ e }) => layerOf[e.v]! - layerOf[e.u]! > 1)
    .sort((a, b) => layerOf[a.e.v]! - layerOf[a.e.u]! - (layerOf[b.e.v]! - layerOf[b.e.u]!));
  let budget = Math.max(200, Math.round(opt.dummiesPerNode * n));
  for (const { e, k } of long) {
    const span = layerOf[e.v]! - layerOf[e.u]! - 1;
    if (span > budget) break;
    budget -= span;
    const chain: number[] = [];
    let prev = e.u;
    for (let l = layerOf[e.u]! + 1; l < layerOf[e.v]!; l++) {
      const d = addVirtual(l);
      chain.push(d);
      link(prev, d);
      prev = d;
    }
    link(prev, e.v);
    chainOf.set(k, chain);
  }
  for (const { e } of forward) if (layerOf[e.v]! - layerOf[e.u]! === 1) link(e.u, e.v);
  const total = vLayer.length;

  // --- ordering ---------------------------------------------------------------------------------
  const layers = initialOrder(n, layerCount, vLayer, succs, queue);
  const pos = new Array<number>(total).fill(0);
  const setPositions = (layer: number[]): void => layer.forEach((v, i) => (pos[v] = i));
  layers.forEach(setPositions);

  let best = layers.map((l) => l.slice());
  let bestCrossings = countAllCrossings(layers, succs, pos);
  const key = new Array<number>(total).fill(0);
  const sortLayer = (layer: number[], neighbours: number[][]): void => {
    for (const v of layer) {
      const nb = neighbours[v]!;
      if (nb.length === 0) key[v] = pos[v]!;
      else {
        let sum = 0;
        for (const w of nb) sum += pos[w]!;
        key[v] = sum / nb.length;
      }
    }
    layer.sort((a, b) => key[a]! - key[b]! || pos[a]! - pos[b]!);
    setPositions(layer);
  };
  let stale = 0;
  for (let round = 0; round < opt.sweeps && bestCrossings > 0 && stale < 2; round++) {
    for (let l = 1; l < layerCount; l++) sortLayer(layers[l]!, preds);
    for (let l = layerCount - 2; l >= 0; l--) sortLayer(layers[l]!, succs);
    const c = countAllCrossings(layers, succs, pos);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = layers.map((l) => l.slice());
      stale = 0;
    } else stale++;
  }
  best.forEach(setPositions);

  // --- coordinates --------------------------------------------------------------------------------
  const colWidth = best.map((layer) => layer.reduce((w, v) => Math.max(w, vWidth[v]!), 0));
  const colX: number[] = [];
  let x = opt.margin.left;
  for (let l = 0; l < layerCount; l++) {
    colX.push(x);
    x += colWidth[l]! + opt.layerGap;
  }
  const cy = assignHeights(best, preds, succs, vHeight, n, opt);

  let minTop = Infinity;
  for (let v = 0; v < total; v++) minTop = Math.min(minTop, cy[v]! - vHeight[v]! / 2);
  const shift = (Number.isFinite(minTop) ? -minTop : 0) + opt.margin.top;
  for (let v = 0; v < total; v++) cy[v] = cy[v]! + shift;

  const placed: PlacedNode[] = ids.map((id, v) => {
    const l = vLayer[v]!;
    return {
      id,
      layer: l,
      order: pos[v]!,
      x: colX[l]! + (colWidth[l]! - widths[v]!) / 2,
      y: cy[v]! - heights[v]! / 2,
      width: widths[v]!,
      height: heights[v]!,
    };
  });

  const top = (v: number): Point => ({ x: placed[v]!.x + widths[v]! / 2, y: placed[v]!.y });
  const routed: PlacedEdge[] = known.map((e, k) => {
    let points: Point[];
    if (e.back) points = [top(e.u), top(e.v)];
    else {
      points = [{ x: placed[e.u]!.x + widths[e.u]!, y: cy[e.u]! }];
      for (const d of chainOf.get(k) ?? []) points.push({ x: colX[vLayer[d]!]! + colWidth[vLayer[d]!]! / 2, y: cy[d]! });
      points.push({ x: placed[e.v]!.x, y: cy[e.v]! });
    }
    return { index: e.index, from: ids[e.u]!, to: ids[e.v]!, back: e.back, points };
  });
  spreadPorts(routed, index, heights, centerPorts);

  let maxBottom = 0;
  for (let v = 0; v < total; v++) maxBottom = Math.max(maxBottom, cy[v]! + vHeight[v]! / 2);
  return {
    nodes: placed,
    edges: routed,
    layers: best.map((layer) => layer.filter((v) => v < n).map((v) => ids[v]!)),
    width: n === 0 ? opt.margin.left + opt.margin.right : x - opt.layerGap + opt.margin.right,
    height: n === 0 ? opt.margin.top + opt.margin.bottom : maxBottom + opt.margin.bottom,
    crossings: bestCrossings,
  };
}
