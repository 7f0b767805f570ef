/**
 * A seeded random source. Each part of the estate draws from its own named stream, so
 * changing how events are generated does not reshuffle the topology.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** Uniform in [min, max). */
  range(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** `k` distinct items (or all of them when there are fewer), in random order. */
  sample<T>(items: readonly T[], k: number): T[];
  /** Approximately normal, mean 0, standard deviation 1. */
  gaussian(): number;
  /** Picks by weight: `weighted([["a", 3], ["b", 1]])` returns "a" three times as often. */
  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T;
}

const SQRT3 = Math.sqrt(3);

function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function splitmix32(state: number): () => number {
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** The random stream `stream` of estate seed `seed` (mulberry32: tiny, fast, good enough for sample data). */
export function createRng(seed: number, stream: string): Rng {
  let state = splitmix32((seed ^ hashString(stream)) >>> 0)() | 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    range: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error("pick from an empty list");
      return items[Math.floor(next() * items.length)]!;
    },
    sample: (items, k) => {
      const copy = items.slice();
      const n = Math.min(k, copy.length);
      for (let i = 0; i < n; i++) {
        const j = i + Math.floor(next() * (copy.length - i));
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy.slice(0, n);
    },
    gaussian: () => {
      // Irwin–Hall with 4 draws: cheap, bounded, close enough to normal for noise.
      return (next() + next() + next() + next() - 2) * SQRT3;
    },
    weighted: (choices) => {
      let total = 0;
      for (const [, w] of choices) total += w;
      let r = next() * total;
      for (const [value, w] of choices) {
        r -= w;
        if (r < 0) return value;
      }
      return choices[choices.length - 1]![0];
    },
  };
  return rng;
}
