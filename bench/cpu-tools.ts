/**
 * A CPU-bound tool for the queue benchmark's scaling measurement: `spin` does a fixed amount of
 * work (`rounds` chained rounds of integer mixing), so a run costs the same CPU on every worker and a worker
 * that shares its core runs slower instead of doing less. (A loop that spins until a deadline
 * would do less work when descheduled, and flatter whichever side was starved.) Loaded by the
 * workers as `--tools bench/cpu-tools.ts`; the benchmark picks `rounds` with `roundsFor`.
 */
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { declareToolTraits } from "../src/tools/traits.js";

/**
 * `rounds` of integer mixing (xorshift and a multiply), chained so none can be skipped: pure CPU
 * that allocates nothing, so a round costs the same in any process — no garbage collector, no
 * native buffers whose cost grows with the heap of the process that runs it.
 */
export function hashRounds(rounds: number, seed: number): string {
  let x = (seed | 0) ^ 0x9e3779b9;
  for (let i = 0; i < rounds; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x = Math.imul(x, 0x85ebca6b) ^ i;
  }
  return (x >>> 0).toString(16).padStart(8, "0");
}

/**
 * How many rounds take about `ms` of CPU on this machine now: the median of seven timings of a
 * sample of a few ms, so neither a moment of contention nor timer noise on a
 * short sample skews the work.
 */
export function roundsFor(ms: number): number {
  const sample = 2_000_000;
  hashRounds(sample, 0); // warm-up: the first hashes pay for compilation
  const timings: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    hashRounds(sample, i);
    timings.push(performance.now() - t0);
  }
  const median = timings.sort((a, b) => a - b)[3]!;
  return Math.max(1, Math.round((sample * ms) / median));
}

export const spin = declareToolTraits(
  tool(
    async ({ rounds, run }: { rounds: number; run?: number | undefined }) => {
      return { data: { rounds, digest: hashRounds(rounds, run ?? 0) } };
    },
    {
      name: "spin",
      description: "Mixes an integer `rounds` times in a chain: a fixed amount of CPU work (benchmark).",
      schema: z.object({ rounds: z.number().int().min(1).max(100_000_000_000), run: z.number().int().optional() }),
    },
  ),
  { sideEffects: false },
);

export default [spin];
