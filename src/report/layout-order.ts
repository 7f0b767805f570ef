/**
 * Ordering phases of the layered layout: cycle breaking, a first depth-first ordering of the
 * columns, and exact crossing counts between adjacent columns.
 */

/** Marks as `back` every edge that closes a cycle (iterative DFS, so deep chains cannot overflow). */
export function breakCycles(n: number, known: Array<{ u: number; v: number; back: boolean }>): void {
  const adj: number[][] = Array.from({ length: n }, () => []);
  known.forEach((e, k) => {
    if (!e.back) adj[e.u]!.push(k);
  });
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const cursor = new Array<number>(n).fill(0);
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue;
    const stack = [root];
    state[root] = 1;
    while (stack.length > 0) {
      const u = stack[stack.length - 1]!;
      const list = adj[u]!;
      if (cursor[u]! < list.length) {
        const e = known[list[cursor[u]!++]!]!;
        if (state[e.v] === 1) e.back = true;
        else if (state[e.v] === 0) {
          state[e.v] = 1;
          stack.push(e.v);
        }
      } else {
        state[u] = 2;
        stack.pop();
      }
    }
  }
}

/**
 * A first ordering: depth-first from the sources (in topological order), each node appended to its
 * column when first reached, so children start next to their parents.
 */
export function initialOrder(
  n: number,
  layerCount: number,
  vLayer: readonly number[],
  succs: readonly number[][],
  topo: readonly number[],
): number[][] {
  const layers: number[][] = Array.from({ length: layerCount }, () => []);
  const seen = new Uint8Array(vLayer.length);
  const visit = (root: number): void => {
    const stack = [root];
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (seen[v]) continue;
      seen[v] = 1;
      layers[vLayer[v]!]!.push(v);
      const next = succs[v]!;
      for (let i = next.length - 1; i >= 0; i--) if (!seen[next[i]!]) stack.push(next[i]!);
    }
  };
  for (const v of topo) visit(v);
  for (let v = 0; v < n; v++) visit(v); // nodes left out of topo (none when cycles were broken)
  return layers;
}

/** Crossings between every pair of adjacent columns: inversions counted with a Fenwick tree. */
export function countAllCrossings(layers: readonly number[][], succs: readonly number[][], pos: readonly number[]): number {
  let widest = 0;
  let maxDegree = 0;
  for (const layer of layers) {
    widest = Math.max(widest, layer.length);
    for (const u of layer) maxDegree = Math.max(maxDegree, succs[u]!.length);
  }
  // scratch buffers reused across columns: this runs once per ordering sweep
  const tree = new Int32Array(widest + 1);
  const targets = new Int32Array(maxDegree);
  let total = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const size = layers[l + 1]!.length;
    tree.fill(0, 0, size + 1);
    let placed = 0;
    for (const u of layers[l]!) {
      const next = succs[u]!;
      const k = next.length;
      for (let i = 0; i < k; i++) {
        // insertion sort: degrees are small
        const p = pos[next[i]!]!;
        let j = i;
        while (j > 0 && targets[j - 1]! > p) {
          targets[j] = targets[j - 1]!;
          j--;
        }
        targets[j] = p;
      }
      for (let t = 0; t < k; t++) {
        const p = targets[t]!;
        // edges already placed whose target is strictly below p cross this one
        let le = 0;
        for (let i = p + 1; i > 0; i -= i & -i) le += tree[i]!;
        total += placed - le;
        for (let i = p + 1; i <= size; i += i & -i) tree[i]!++;
        placed++;
      }
    }
  }
  return total;
}
