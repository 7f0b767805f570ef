/**
 * Tools for the identity tests, written with LangChain's own `tool()` as a user would, reading
 * who they run for from their config (`callerFromConfig`, `callIdentityFromConfig`).
 *
 * `whoami` (read-only) returns its caller, call identity and tracer metadata; `write_note`
 * (side-effecting) does the same. With IDENTITY_LOG set, every call first appends one JSON line
 * `{ proc, step, key, run_key, tenant, user }` to that file (appendFileSync: it survives SIGKILL);
 * with IDENTITY_HANG=1, `write_note` then waits until the run aborts it, so a test can kill the
 * process mid-call. Loaded by the CLI as `--tools test/identity/support/identity-tools.ts`.
 */
import { appendFileSync } from "node:fs";
import { tool } from "@langchain/core/tools";
import type { RunnableConfig } from "@langchain/core/runnables";
import { z } from "zod";
import { callerFromConfig, callIdentityFromConfig } from "../../../src/model/caller.js";
import { declareToolTraits } from "../../../src/tools/traits.js";

function seen(input: Record<string, unknown>, config: RunnableConfig) {
  const caller = callerFromConfig(config) ?? null;
  const call = callIdentityFromConfig(config) ?? null;
  const log = process.env.IDENTITY_LOG;
  if (log) {
    appendFileSync(log, `${JSON.stringify({ proc: process.env.IDENTITY_PROC ?? "test", step: call?.step, item_index: call?.item_index ?? null, key: call?.idempotency_key, run_key: call?.run_key, tenant: caller?.tenant, user: caller?.user })}\n`);
  }
  const metadata = config.metadata ?? {};
  return { input, caller, call, metadata: { tenant: metadata.tenant ?? null, user: metadata.user ?? null, trace_id: metadata.trace_id ?? null } };
}

export const whoami = declareToolTraits(
  tool(async (input: { n?: number | undefined }, config: RunnableConfig) => seen(input, config), {
    name: "whoami",
    description: "Says who it was called for (read-only).",
    schema: z.object({ n: z.number().optional() }),
  }),
  { sideEffects: false },
);

export const writeNote = declareToolTraits(
  tool(
    async (input: { text: string }, config: RunnableConfig) => {
      const out = seen(input, config);
      if (process.env.IDENTITY_HANG === "1") await new Promise((_, reject) => config.signal?.addEventListener("abort", () => reject(new Error("aborted"))));
      return out;
    },
    { name: "write_note", description: "Writes a note (side-effecting).", schema: z.object({ text: z.string() }) },
  ),
  { sideEffects: true },
);

export default [whoami, writeNote];
