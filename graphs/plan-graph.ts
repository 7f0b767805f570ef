/**
 * A plan as a graph of this server: the server's tool catalogue, its policy (tightened by the
 * run's `configurable.limits`), the environment's chat model for questions — and, when the plan
 * or its limits are refused, an answer every caller can read (see {@link servedPlanGraph}).
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { planSubgraph } from "../src/agents/plan-subgraph.js";
import { callerFromRunConfig } from "../src/auth/caller.js";
import { serveForCaller } from "../src/auth/served-graph.js";
import { rejectedPlanGraph } from "../src/agents/plan-rejection.js";
import { capStepTimeouts } from "../src/agents/step-timeouts.js";
import { chatModelFromEnv as chatModelFromEnvironment } from "../src/decide/model.js";
import { PlanValidationError, isPlangraphError } from "../src/model/errors.js";
import type { Plan } from "../src/plan/schema.js";
import type { ToolRegistry } from "../src/tools/registry.js";
import { warmUpTools } from "../src/tools/warm-up.js";
import { serverRegistry } from "./catalogue.js";
import { examplePlan } from "./plans.js";
import { isRunConfig, runPolicy } from "./policy.js";
import { serverAdmission } from "./run-admission.js";

/**
 * The graph for `plan()` under this server's policy, run for the authenticated caller (its tenant,
 * user and roles; see src/auth/served-graph.ts) and counted against the tenant's run limits. A plan (or limits) refused before anything
 * runs is answered by where the request came from: a run gets a one-node graph whose `error`
 * value lists every problem (code, message, path, step) — the server would flatten a thrown error
 * to one string — and `getGraph` / `getSchemas` get HTTP 400 with the same problems.
 */
export async function servedPlanGraph(config: LangGraphRunnableConfig | undefined, name: string, plan: () => unknown) {
  const registry = await serverRegistry();
  try {
    const policy = runPolicy(config, registry);
    const capped = capStepTimeouts(plan(), policy.maxStepMs, policy.limits);
    // The caller is the server's authenticated user (graphs/auth.ts), never a field of the request.
    const caller = callerFromRunConfig(config?.configurable);
    const graph = planSubgraph(capped, { registry, limits: policy.limits, chatModel: chatModelFromEnvironment(process.env), name, caller });
    if (isRunConfig(config)) await warmUp(capped, registry);
    return serveForCaller(graph, serverAdmission());
  } catch (error) {
    if (isRunConfig(config) && isPlangraphError(error)) return serveForCaller(rejectedPlanGraph(error, name), serverAdmission());
    throw asHttpError(error);
  }
}

/** The graph of one example plan (examples/<id>.json), whatever the config says but its limits. */
export function exampleGraph(id: string) {
  return async (config?: LangGraphRunnableConfig) => servedPlanGraph(config, id.replaceAll("-", "_"), () => examplePlan(id));
}

/**
 * Opening a tool's database or building the embedded estate happens here, before the run's clock
 * (and the policy's step timeouts) start, so a first run on a fresh server is not cut off by it.
 */
async function warmUp(plan: Plan, registry: ToolRegistry): Promise<void> {
  const tools = new Set(plan.steps.map((step) => registry.get(step.tool)?.tool).filter((tool) => tool !== undefined));
  await warmUpTools(tools);
}

/**
 * The server answers any error thrown while it loads a graph (`assistants.getGraph`, schemas) with
 * a bare "500 Internal Server Error"; Hono, under it, sends the response of an error that has
 * `getResponse()` instead. So an invalid plan comes back as 400 with its problems, each with its
 * JSON path.
 */
export function asHttpError(error: unknown): unknown {
  if (!isPlangraphError(error)) return error;
  const issues = error instanceof PlanValidationError ? error.issues.map((issue) => issue.toJSON()) : [error.toJSON()];
  return Object.assign(error, {
    getResponse: () => new Response(JSON.stringify({ error: error.code, message: error.message, issues }), { status: 400, headers: { "content-type": "application/json" } }),
  });
}
