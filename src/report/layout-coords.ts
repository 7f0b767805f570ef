import type { LayoutOptions, PlacedEdge, Point } from "./layout-types.js";

/**
 * Coordinate phases of the layered layout: vertical positions within columns (neighbour means
 * made order-preserving and gap-respecting by isotonic regression) and the fanning out of edge
 * ends along a node's side.
 */

/** Vertical centres: neighbour-mean targets, made order-preserving and gap-respecting by PAV. */
export function assignHeights(
  layers: readonly number[][],
  preds: readonly number[][],
  succs: readonly number[][],
  vHeight: readonly number[],
  realCount: number,
  opt: LayoutOptions,
): number[] {
  const cy = new Array<number>(vHeight.length).fill(0);
  const gaps = layers.map((layer) =>
    layer.map((v, i) => {
      if (i === 0) return 0;
      const u = layer[i - 1]!;
      const gap = u < realCount && v < realCount ? opt.nodeGap : opt.dummyGap;
      return (vHeight[u]! + vHeight[v]!) / 2 + gap;
    }),
  );
  layers.forEach((layer, l) => {
    let y = 0;
    layer.forEach((v, i) => {
      y += gaps[l]![i]!;
      cy[v] = y;
    });
    const mid = y / 2;
    for (const v of layer) cy[v] = cy[v]! - mid;
  });

  const place = (l: number, neighbours: readonly number[][]): void => {
    const layer = layers[l]!;
    const targets = layer.map((v) => {
      const nb = neighbours[v]!;
      if (nb.length === 0) return cy[v]!;
      let sum = 0;
      for (const w of nb) sum += cy[w]!;
      return sum / nb.length;
    });
    const placedY = isotonicWithGaps(targets, gaps[l]!);
    layer.forEach((v, i) => (cy[v] = placedY[i]!));
  };
  const rounds = 4;
  for (let r = 0; r < rounds; r++) {
    for (let l = 1; l < layers.length; l++) place(l, preds);
    for (let l = layers.length - 2; l >= 0; l--) place(l, succs);
  }
  return cy;
}

/**
 * The positions closest (least squares) to `targets` such that `p[i] - p[i-1] >= gaps[i]`:
 * subtract the cumulative gaps, take the non-decreasing isotonic regression, add them back.
 */
export function isotonicWithGaps(targets: readonly number[], gaps: readonly number[]): number[] {
  const offsets: number[] = [];
  let acc = 0;
  targets.forEach((_, i) => {
    acc += i === 0 ? 0 : gaps[i]!;
    offsets.push(acc);
  });
  const blockMean: number[] = [];
  const blockSize: number[] = [];
  targets.forEach((t, i) => {
    let mean = t - offsets[i]!;
    let size = 1;
    while (blockMean.length > 0 && blockMean[blockMean.length - 1]! > mean) {
      const m = blockMean.pop()!;
      const s = blockSize.pop()!;
      mean = (m * s + mean * size) / (s + size);
      size += s;
    }
    blockMean.push(mean);
    blockSize.push(size);
  });
  const out: number[] = [];
  blockMean.forEach((m, b) => {
    for (let k = 0; k < blockSize[b]!; k++) out.push(m + offsets[out.length]!);
  });
  return out;
}

/**
 * Where several forward edges leave (or enter) one side of a node, fan their ends out along that
 * side, ordered by the height of the edge's next (previous) point, so they leave without crossing.
 */
export function spreadPorts(
  routed: PlacedEdge[],
  index: ReadonlyMap<string, number>,
  heights: readonly number[],
  centerPorts: readonly boolean[],
): void {
  const outs = new Map<number, PlacedEdge[]>();
  const ins = new Map<number, PlacedEdge[]>();
  const add = (map: Map<number, PlacedEdge[]>, v: number, e: PlacedEdge): void => {
    const list = map.get(v);
    if (list) list.push(e);
    else map.set(v, [e]);
  };
  for (const e of routed) {
    if (e.back) continue;
    add(outs, index.get(e.from)!, e);
    add(ins, index.get(e.to)!, e);
  }
  const fan = (v: number, list: PlacedEdge[], end: "first" | "last"): void => {
    if (list.length < 2 || centerPorts[v]) return;
    const pick = (e: PlacedEdge): Point => (end === "first" ? e.points[0]! : e.points[e.points.length - 1]!);
    const other = (e: PlacedEdge): Point => (end === "first" ? e.points[1]! : e.points[e.points.length - 2]!);
    list.sort((a, b) => other(a).y - other(b).y || other(a).x - other(b).x);
    const usable = Math.max(0, heights[v]! - 16);
    const step = Math.min(8, usable / (list.length - 1));
    const centre = pick(list[0]!).y;
    list.forEach((e, i) => {
      pick(e).y = centre + (i - (list.length - 1) / 2) * step;
    });
  };
  for (const [v, list] of outs) fan(v, list, "first");
  for (const [v, list] of ins) fan(v, list, "last");
}
