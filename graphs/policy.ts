/**
 * The policy of every plan this server runs (docs/SERVER.md "Policy"): read once per server process
 * from PLANGRAPH_SERVER_POLICY / PLANGRAPH_ALLOWED_TOOLS, tightened per run by `configurable.limits`.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { loadServerPolicy, tightenPolicy, type RunPolicy, type ServerPolicy } from "../src/agents/server-policy.js";
import type { ToolRegistry } from "../src/tools/registry.js";
import { policyFor } from "../src/api/policy-file.js";
import type { Policy } from "../src/policy/index.js";

let policy: ServerPolicy | undefined;

/** The server's policy; a broken policy file is reported on every graph load until it is fixed. */
export function serverPolicy(): ServerPolicy {
  policy ??= loadServerPolicy(process.env);
  return policy;
}

/** The policy of one run or assistant: the server's, tightened by its `configurable.limits`. */
export function runPolicy(config: LangGraphRunnableConfig | undefined, registry: ToolRegistry): RunPolicy {
  const configurable = (config?.configurable ?? {}) as Record<string, unknown>;
  return tightenPolicy(serverPolicy(), configurable.limits, registry.names());
}

/**
 * True when the server calls a graph factory for a run (its config carries the run's id), false
 * for `getGraph`, `getSchemas` and other reads of an assistant.
 */
export function isRunConfig(config: LangGraphRunnableConfig | undefined): boolean {
  return typeof (config?.configurable as Record<string, unknown> | undefined)?.run_id === "string";
}

/**
 * The caller policy (docs/POLICY.md) of this server: which tools each role of a token may call,
 * which steps pause for approval, who approves, each tenant's limits. The file named by
 * PLANGRAPH_POLICY (re-read when it changes), else the built-in policy: the same as the library's and the CLI's.
 */
export function callerPolicy(): Policy {
  return policyFor(undefined, process.env);
}
