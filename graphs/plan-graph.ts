/**
 * A plan as a graph of this server: the server's tool catalogue, its policy (tightened by the
 * run's `configurable.limits`), the environment's chat model for questions — and, when the plan
 * or its limits are refused, an answer every caller can read (see {@link servedPlanGraph}).
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { planSubgraph } from "../src/agents/plan-subgraph.js";
import { callerFromRunConfig } from "../src/auth/caller.js";
import { serveForCaller } from "../src/auth/served-graph.js";
import { refusedForCaller, type ServedApprovals } from "../src/auth/served-approvals.js";
import type { PlanGraph } from "../src/langgraph/graph.js";
import { rejectedPlanGraph } from "../src/agents/plan-rejection.js";
import { capStepTimeouts } from "../src/agents/step-timeouts.js";
import { chatModelFromEnv as chatModelFromEnvironment } from "../src/decide/model.js";
import { AuditTrail } from "../src/engine/audit-trail.js";
import type { CallerContext } from "../src/model/caller.js";
import { PlanValidationError, isPlangraphError, type PlangraphError } from "../src/model/errors.js";
import type { Plan } from "../src/plan/schema.js";
import type { ToolRegistry } from "../src/tools/registry.js";
import { warmUpTools } from "../src/tools/warm-up.js";
import { serverRegistry } from "./catalogue.js";
import { examplePlan } from "./plans.js";
import { serverAuditSink } from "./audit-trail.js";
import { callerPolicy, isRunConfig, runPolicy } from "./policy.js";
import { serverAdmission } from "./run-admission.js";
import { toolNames } from "../src/plan/sub-plans.js";

/**
 * The graph for `plan()` under this server's policy, run for the authenticated caller (its tenant,
 * user and roles; see src/auth/served-graph.ts) and counted against the tenant's run limits. A plan (or limits) refused before anything
 * runs is answered by where the request came from: a run gets a one-node graph whose `error`
 * value lists every problem (code, message, path, step) — the server would flatten a thrown error
 * to one string — and `getGraph` / `getSchemas` get HTTP 400 with the same problems.
 */
export async function servedPlanGraph(config: LangGraphRunnableConfig | undefined, name: string, plan: () => unknown) {
  const registry = await serverRegistry();
  let served: ServedPlan | undefined;
  try {
    const policy = runPolicy(config, registry);
    const capped = capStepTimeouts(plan(), policy.maxStepMs, policy.limits);
    // The caller is the server's authenticated user (graphs/auth.ts), never a field of the request.
    const caller = callerFromRunConfig(config?.configurable);
    const rules = callerPolicy();
    const audit = serverAuditSink();
    const options = { registry, limits: policy.limits, chatModel: chatModelFromEnvironment(process.env), name, caller, audit };
    served = { steps: capped.steps, approvals: { policy: rules, audit, regate: (gate) => planSubgraph(capped, { ...options, policy: rules, approvalGate: gate }) }, unchecked: () => planSubgraph(capped, options) };
    // Built under the caller policy: a tool the token's roles may not call is refused here, before
    // anything runs, and the steps the policy gates for them pause for approval.
    // Reading a graph (getGraph, getSchemas, a thread's state) runs nothing: only runs are checked,
    // else one refused run would make its thread unreadable to everyone.
    const graph = isRunConfig(config) ? served.approvals.regate([]) : served.unchecked();
    if (isRunConfig(config)) await warmUp(capped, registry);
    return serveForCaller(graph, serverAdmission(), served.approvals);
  } catch (error) {
    if (!isRunConfig(config) || !isPlangraphError(error)) throw asHttpError(error);
    const rejected = rejectedPlanGraph(error, name);
    if (!served || error.code !== "TOOL_NOT_ALLOWED") return serveForCaller(rejected, serverAdmission());
    const { steps } = served;
    const refusal = (caller: CallerContext, threadId: string | undefined) => auditRefusal(error, caller, threadId, steps);
    return serveForCaller(refusedForCaller(rejected, served.unchecked(), error, served.approvals, refusal), serverAdmission());
  }
}

/** What a served plan is built from, kept for the answer to a refused one. */
interface ServedPlan {
  steps: Plan["steps"];
  approvals: ServedApprovals;
  /** The plan's graph without the caller policy: only read (a resume's pending steps), never run. */
  unchecked: () => PlanGraph;
}

/** A plan the caller policy refused is on the trail before the run answers with the refusal. */
async function auditRefusal(error: PlangraphError, caller: CallerContext, threadId: string | undefined, steps: Plan["steps"]): Promise<void> {
  const trail = new AuditTrail(serverAuditSink(), { caller, ...(threadId ? { threadId } : {}) });
  const tool = steps.find((step) => step.id === error.step)?.tool;
  await trail.record({ kind: "refusal", ...(error.step ? { step: error.step } : {}), ...(tool ? { tool } : {}), outcome: `refused:${error.code}`, detail: error.message });
  await trail.settled();
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
  const tools = new Set(toolNames(plan).map((name) => registry.get(name)?.tool).filter((tool) => tool !== undefined));
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
