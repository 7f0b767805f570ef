/**
 * A CPU-bound tool for the queue benchmark's scaling measurement: `spin` does a fixed amount of
 * work (`rounds` chained SHA-256 hashes), so a run costs the same CPU on every worker and a worker
 * that shares its core runs slower instead of doing less. (A loop that spins until a deadline
 * would do less work when descheduled, and flatter whichever side was starved.) Loaded by the
 * workers as `--tools bench/cpu-tools.ts`; the benchmark picks `rounds` with `roundsFor`.
 */
import { createHash } from "node:crypto";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { declareToolTraits } from "../src/tools/traits.js";

function hashRounds(rounds: number, seed: number): string {
  let digest = String(seed);
  for (let i = 0; i < rounds; i++) digest = createHash("sha256").update(digest).digest("hex");
  return digest;
}

/**
 * How many rounds take about `ms` of CPU on this machine now: the best of five timings of a
 * sample, so a moment of contention does not inflate the work.
 */
export function roundsFor(ms: number): number {
  const sample = 2000;
  hashRounds(sample, 0); // warm-up: the first hashes pay for compilation
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    hashRounds(sample, i);
    best = Math.min(best, performance.now() - t0);
  }
  return Math.max(1, Math.round((sample * ms) / best));
}

export const spin = declareToolTraits(
  tool(
    async ({ rounds, run }: { rounds: number; run?: number | undefined }) => {
      const digest = hashRounds(rounds, run ?? 0);
      return { data: { rounds, digest: digest.slice(0, 8) } };
    },
    {
      name: "spin",
      description: "Hashes `rounds` times in a chain: a fixed amount of CPU work (benchmark).",
      schema: z.object({ rounds: z.number().int().min(1).max(10_000_000), run: z.number().int().optional() }),
    },
  ),
  { sideEffects: false },
);

export default [spin];
