/**
 * A CPU-bound tool for the queue benchmark's scaling measurement: `spin` keeps its core busy for
 * `ms` milliseconds (a hash loop, not a sleep), so a worker pinned to one core is bound by that
 * core. Loaded by the workers as `--tools bench/cpu-tools.ts`.
 */
import { createHash } from "node:crypto";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { declareToolTraits } from "../src/tools/traits.js";

export const spin = declareToolTraits(
  tool(
    async ({ ms, run }: { ms: number; run?: number | undefined }) => {
      const end = performance.now() + ms;
      let digest = String(run ?? 0);
      let rounds = 0;
      while (performance.now() < end) {
        digest = createHash("sha256").update(digest).digest("hex");
        rounds++;
      }
      return { data: { rounds, digest: digest.slice(0, 8) } };
    },
    { name: "spin", description: "Keeps a core busy for ms milliseconds (benchmark).", schema: z.object({ ms: z.number().int().min(1).max(1000), run: z.number().int().optional() }) },
  ),
  { sideEffects: false },
);

export default [spin];
