/**
 * The ops pack's `ci_set_maintenance`, wrapped for the crash trial as `maintenance_then_hang`: it
 * makes the real write (same config, so the call's idempotency key reaches the database), appends
 * `{ proc, item_index, key, replayed }` to WRITE_LOG (appendFileSync survives SIGKILL), and for the
 * element WRITE_HANG_AT then waits until the run aborts it — a process that died after its write
 * committed and before the run could record the element as done. Shares the process's estate
 * connection with the default registry's ops pack (`openOpsDatabase` is process-wide).
 */
import { appendFileSync } from "node:fs";
import { tool } from "@langchain/core/tools";
import type { RunnableConfig } from "@langchain/core/runnables";
import { z } from "zod";
import { callIdentityFromConfig } from "../../../src/model/caller.js";
import { declareToolTraits } from "../../../src/tools/traits.js";
import { opsTools } from "../../../tools/index.js";

const maintenance = opsTools().find((t) => t.name === "ci_set_maintenance")!;

export const maintenanceThenHang = declareToolTraits(
  tool(
    async (input: { ci_id: string; from: string; to: string; reason: string }, config: RunnableConfig) => {
      const out = (await maintenance.invoke(input, config)) as { data: { replayed: boolean } };
      const call = callIdentityFromConfig(config);
      appendFileSync(process.env.WRITE_LOG!, `${JSON.stringify({ proc: process.env.WRITE_PROC, item_index: call?.item_index ?? null, key: call?.idempotency_key, replayed: out.data.replayed })}\n`);
      if (String(call?.item_index) === process.env.WRITE_HANG_AT) {
        await new Promise((_, reject) => config.signal?.addEventListener("abort", () => reject(new Error("aborted"))));
      }
      return out;
    },
    {
      name: "maintenance_then_hang",
      description: "ci_set_maintenance, then (for one element, in the crash trial) a hang until killed.",
      schema: z.object({ ci_id: z.string(), from: z.string(), to: z.string(), reason: z.string() }),
    },
  ),
  { sideEffects: true, idempotent: true },
);

export default [maintenanceThenHang];
