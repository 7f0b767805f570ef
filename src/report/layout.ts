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

/** Real nodes by index: 0..n-1, in input order, duplicates dropped. */
interface Indexed {
  index: Map<string, number>;
  ids: string[];
  widths: number[];
  heights: number[];
  centerPorts: boolean[];
}

/** An input edge between known nodes, by node index; `back` once cycles are broken. */
interface Known {
  index: number;
  u: number;
  v: number;
  back: boolean;
}

/** Real nodes followed by dummies, with the links between them (forward edges only). */
interface Virtual {
  layer: number[];
  width: number[];
  height: number[];
  preds: number[][];
  succs: number[][];
  /** Known-edge position → its chain of dummies. */
  chainOf: Map<number, number[]>;
}

function indexNodes(nodes: readonly LayoutNodeInput[], opt: LayoutOptions): Indexed {
  const out: Indexed = { index: new Map(), ids: [], widths: [], heights: [], centerPorts: [] };
  for (const node of nodes) {
    if (out.index.has(node.id)) continue;
    out.index.set(node.id, out.ids.length);
    out.ids.push(node.id);
    out.widths.push(node.width ?? opt.nodeWidth);
    out.heights.push(node.height ?? opt.nodeHeight);
    out.centerPorts.push(node.centerPorts === true);
  }
  return out;
}

function knownEdges(edges: readonly LayoutEdgeInput[], index: ReadonlyMap<string, number>): Known[] {
  const known: Known[] = [];
  edges.forEach((e, i) => {
    const u = index.get(e.from);
    const v = index.get(e.to);
    if (u === undefined || v === undefined) return;
    known.push({ index: i, u, v, back: e.back === true || u === v });
  });
  breakCycles(index.size, known);
  return known;
}

/** Longest-path layering (Kahn); returns each node's column and the topological order. */
function assignLayers(n: number, known: readonly Known[]): { layerOf: number[]; topo: number[] } {
  const out: number[][] = Array.from({ length: n }, () => []);
  const indeg = new Array<number>(n).fill(0);
  for (const e of known) {
    if (e.back) continue;
    out[e.u]!.push(e.v);
    indeg[e.v]!++;
  }
  const layerOf = new Array<number>(n).fill(0);
  const hasPred = indeg.map((d) => d > 0);
  const topo: number[] = [];
  for (let v = 0; v < n; v++) if (indeg[v] === 0) topo.push(v);
  for (let head = 0; head < topo.length; head++) {
    const u = topo[head]!;
    for (const v of out[u]!) {
      if (layerOf[u]! + 1 > layerOf[v]!) layerOf[v] = layerOf[u]! + 1;
      if (--indeg[v]! === 0) topo.push(v);
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
  return { layerOf, topo };
}

/** Dummy nodes for edges spanning several columns, shortest spans first, within the budget. */
function addDummies(nodes: Indexed, known: readonly Known[], layerOf: readonly number[], opt: LayoutOptions): Virtual {
  const n = nodes.ids.length;
  const g: Virtual = {
    layer: layerOf.slice(),
    width: nodes.widths.slice(),
    height: nodes.heights.slice(),
    preds: Array.from({ length: n }, () => []),
    succs: Array.from({ length: n }, () => []),
    chainOf: new Map(),
  };
  const addVirtual = (layer: number): number => {
    g.layer.push(layer);
    g.width.push(0);
    g.height.push(0);
    g.preds.push([]);
    g.succs.push([]);
    return g.layer.length - 1;
  };
  const link = (a: number, b: number): void => {
    g.succs[a]!.push(b);
    g.preds[b]!.push(a);
  };
  const span = (e: Known): number => layerOf[e.v]! - layerOf[e.u]!;
  const forward = known.map((e, k) => ({ e, k })).filter(({ e }) => !e.back);
  const long = forward.filter(({ e }) => span(e) > 1).sort((a, b) => span(a.e) - span(b.e));
  let budget = Math.max(200, Math.round(opt.dummiesPerNode * n));
  for (const { e, k } of long) {
    if (span(e) - 1 > budget) break;
    budget -= span(e) - 1;
    const chain: number[] = [];
    let prev = e.u;
    for (let l = layerOf[e.u]! + 1; l < layerOf[e.v]!; l++) {
      const d = addVirtual(l);
      chain.push(d);
      link(prev, d);
      prev = d;
    }
    link(prev, e.v);
    g.chainOf.set(k, chain);
  }
  for (const { e } of forward) if (span(e) === 1) link(e.u, e.v);
  return g;
}

/** Barycentric down/up sweeps, keeping the ordering with the fewest crossings. */
function orderLayers(g: Virtual, n: number, layerCount: number, topo: readonly number[], sweeps: number): { layers: number[][]; pos: number[]; crossings: number } {
  const layers = initialOrder(n, layerCount, g.layer, g.succs, topo);
  const pos = new Array<number>(g.layer.length).fill(0);
  const setPositions = (layer: number[]): void => layer.forEach((v, i) => (pos[v] = i));
  layers.forEach(setPositions);
  let best = layers.map((l) => l.slice());
  let bestCrossings = countAllCrossings(layers, g.succs, pos);
  const key = new Array<number>(g.layer.length).fill(0);
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
  for (let round = 0; round < sweeps && bestCrossings > 0 && stale < 2; round++) {
    for (let l = 1; l < layerCount; l++) sortLayer(layers[l]!, g.preds);
    for (let l = layerCount - 2; l >= 0; l--) sortLayer(layers[l]!, g.succs);
    const c = countAllCrossings(layers, g.succs, pos);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = layers.map((l) => l.slice());
      stale = 0;
    } else stale++;
  }
  best.forEach(setPositions);
  return { layers: best, pos, crossings: bestCrossings };
}

/** Lays `nodes` and `edges` out left to right. Unknown edge endpoints and duplicate ids are ignored. */
export function layoutGraph(
  nodes: readonly LayoutNodeInput[],
  edges: readonly LayoutEdgeInput[],
  options: Partial<LayoutOptions> = {},
): GraphLayout {
  const opt: LayoutOptions = { ...DEFAULT_LAYOUT_OPTIONS, ...options };
  const real = indexNodes(nodes, opt);
  const n = real.ids.length;
  const known = knownEdges(edges, real.index);
  const { layerOf, topo } = assignLayers(n, known);
  const layerCount = n === 0 ? 0 : Math.max(...layerOf) + 1;
  const g = addDummies(real, known, layerOf, opt);
  const { layers, pos, crossings } = orderLayers(g, n, layerCount, topo, opt.sweeps);
  return place(real, known, g, layers, pos, crossings, opt);
}

/** Coordinates: columns by width, heights by neighbour means (see layout-coords.ts), then edge routes. */
function place(real: Indexed, known: readonly Known[], g: Virtual, layers: number[][], pos: readonly number[], crossings: number, opt: LayoutOptions): GraphLayout {
  const n = real.ids.length;
  const total = g.layer.length;
  const colWidth = layers.map((layer) => layer.reduce((w, v) => Math.max(w, g.width[v]!), 0));
  const colX: number[] = [];
  let x = opt.margin.left;
  for (let l = 0; l < layers.length; l++) {
    colX.push(x);
    x += colWidth[l]! + opt.layerGap;
  }
  const cy = assignHeights(layers, g.preds, g.succs, g.height, n, opt);
  let minTop = Infinity;
  for (let v = 0; v < total; v++) minTop = Math.min(minTop, cy[v]! - g.height[v]! / 2);
  const shift = (Number.isFinite(minTop) ? -minTop : 0) + opt.margin.top;
  for (let v = 0; v < total; v++) cy[v] = cy[v]! + shift;

  const placed: PlacedNode[] = real.ids.map((id, v) => {
    const l = g.layer[v]!;
    return { id, layer: l, order: pos[v]!, x: colX[l]! + (colWidth[l]! - real.widths[v]!) / 2, y: cy[v]! - real.heights[v]! / 2, width: real.widths[v]!, height: real.heights[v]! };
  });
  const top = (v: number): Point => ({ x: placed[v]!.x + real.widths[v]! / 2, y: placed[v]!.y });
  const routed: PlacedEdge[] = known.map((e, k) => {
    let points: Point[];
    if (e.back) points = [top(e.u), top(e.v)];
    else {
      points = [{ x: placed[e.u]!.x + real.widths[e.u]!, y: cy[e.u]! }];
      for (const d of g.chainOf.get(k) ?? []) points.push({ x: colX[g.layer[d]!]! + colWidth[g.layer[d]!]! / 2, y: cy[d]! });
      points.push({ x: placed[e.v]!.x, y: cy[e.v]! });
    }
    return { index: e.index, from: real.ids[e.u]!, to: real.ids[e.v]!, back: e.back, points };
  });
  spreadPorts(routed, real.index, real.heights, real.centerPorts);

  let maxBottom = 0;
  for (let v = 0; v < total; v++) maxBottom = Math.max(maxBottom, cy[v]! + g.height[v]! / 2);
  return {
    nodes: placed,
    edges: routed,
    layers: layers.map((layer) => layer.filter((v) => v < n).map((v) => real.ids[v]!)),
    width: n === 0 ? opt.margin.left + opt.margin.right : x - opt.layerGap + opt.margin.right,
    height: n === 0 ? opt.margin.top + opt.margin.bottom : maxBottom + opt.margin.bottom,
    crossings,
  };
}
