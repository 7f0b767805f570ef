/** Seeded randomness for the benchmark: the same seed gives the same plans and latencies. */

/** mulberry32: a small, fast, well-mixed 32-bit PRNG. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A heavy-tailed latency distribution, clipped to [min, max] whole milliseconds. */
export interface LatencyModel {
  /** Median of the log-normal, ms. */
  median: number;
  /** Standard deviation of ln(latency): 1 gives a p99 about 10× the median. */
  sigma: number;
  min: number;
  max: number;
}

/** Log-normal latencies (Box–Muller), clipped and rounded: most calls quick, a few slow. */
export function logNormalLatency(random: () => number, model: LatencyModel): () => number {
  return () => {
    const u = 1 - random();
    const v = random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    const ms = model.median * Math.exp(model.sigma * z);
    return Math.round(Math.min(model.max, Math.max(model.min, ms)));
  };
}

/** `count` distinct integers from [0, n), in ascending order. */
export function sample(random: () => number, n: number, count: number): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(count, n)) picked.add(Math.floor(random() * n));
  return [...picked].sort((a, b) => a - b);
}
