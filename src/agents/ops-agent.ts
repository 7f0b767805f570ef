import { toJsonSchema } from "@langchain/core/utils/json_schema";
import { AIMessage, SystemMessage, ToolMessage, isAIMessage, isHumanMessage, isToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { Annotation, END, MessagesAnnotation, START, StateGraph, type LangGraphRunnableConfig } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { preparePlan } from "../analysis/prepare.js";
import { isPlangraphError } from "../model/errors.js";
import { resolveLimits, type PlanLimits, type PlanLimitsInput } from "../plan/limits.js";
import type { RunResult } from "../engine/result.js";
import type { ToolRegistry } from "../tools/registry.js";
import { planFromToolInput, planToolSchema } from "./plan-schema.js";
import { planSubgraph } from "./plan-subgraph.js";
import { callerFromConfig } from "../model/caller.js";
import { underPolicy } from "../api/compile-plan.js";
import { policyFor } from "../api/policy-file.js";
import type { Policy } from "../policy/index.js";
import { capStepTimeouts } from "./step-timeouts.js";
import { DEFAULT_MAX_RESULT_CHARS, resultForModel, validationProblems } from "./result-text.js";
import { ANSWER_PROMPT, NO_MODEL, plannerPrompt } from "./ops-agent-prompts.js";
import { afterQueuedRun, capWireStepTimeouts, queuedApprovalNode, queuedExecuteNode, QUEUED_APPROVAL_NODE, type QueuedRefusal } from "./ops-agent-queue.js";
import type { PlanToolQueue } from "./plan-tool-queue.js";

/** The name of the plan tool the ops agent's model calls. */
export const OPS_PLAN_TOOL = "run_plan";

/** State of the ops agent: the conversation, and the last plan it ran with its result. */
export const OpsAgentState = Annotation.Root({
  ...MessagesAnnotation.spec,
  /** The last plan that passed validation (as the model wrote it). */
  plan: Annotation<Record<string, unknown> | null>({ reducer: (_old, next) => next, default: () => null }),
  /** The result (docs/RESULT-FORMAT.md) of the last plan run. */
  result: Annotation<RunResult | null>({ reducer: (_old, next) => next, default: () => null }),
  /** With `queue`: why the last answer to the queued run's approvals was refused (the next interrupt's `refused`). */
  queued_refusal: Annotation<QueuedRefusal | null>({ reducer: (_old, next) => next, default: () => null }),
});
export type OpsAgentStateType = typeof OpsAgentState.State;

/** Options of {@link createOpsAgent}. */
export interface OpsAgentOptions {
  /** The tools plans may call (the catalogue the model plans against). */
  registry: ToolRegistry;
  /** The planning and answering model (ChatOpenAI or any chat model with tool calling); `null`: none configured. */
  model: BaseChatModel | null;
  /** Chat model for `question` decisions inside plans (default: `model`). */
  decisionModel?: BaseChatModel | null;
  /** Repair rounds for an invalid plan (default 1). */
  maxRepairs?: number;
  limits?: PlanLimitsInput;
  /** Cap on every step's `timeout_ms` (and the timeout of steps that set none), in ms; none by default. */
  maxStepMs?: number;
  checkpointer?: BaseCheckpointSaver;
  /** Bound on the result text the model reads back. */
  maxResultChars?: number;
  name?: string;
  /**
   * The policy the caller's plans run under (a Policy, a file path; default `PLANGRAPH_POLICY`, else
   * the built-in roles). A plan calling a tool the caller's roles may not call goes back to the
   * model as a problem to fix, like any invalid plan; one the policy gates pauses for approval.
   */
  policy?: Policy | string;
  /**
   * Hand plans to the worker pool (PostgreSQL, `plangraph worker`) instead of running them here
   * (docs/SCALING.md): the execute node submits the validated plan under the agent run's caller
   * context, with an idempotency key of the agent's thread, the node's task and the plan tool call
   * (a node replayed from its checkpoint after a crash gets the first run back, never a second),
   * and waits for the result, streaming the worker's step events to the `custom` stream mode. If
   * the agent run is aborted, the queued run is cancelled.
   *
   * A run that pauses for approval frees its worker and pauses the agent as a local run does: the
   * invoke returns `__interrupt__` with one interrupt at the `approval` node, whose value names the
   * first waiting step (`step`, `tool`, `params`), every waiting step (`pending`, `approvals`) and
   * the queued run (`run_id`). Resume the agent with `Command({ resume })` — a map
   * `{ [step]: answer }` (steps left out stay pending) or one answer for every waiting step, each
   * `true`/"approve", `false`/"reject", `{ params }`… as for a local run — and the agent answers
   * the run with `resumeRun` under the resuming caller (an approver the policy refuses is
   * APPROVER_NOT_ALLOWED, nothing queued: the agent pauses again, the refusal in the new
   * interrupt's `refused`), waits again on any worker, and answers from the result.
   * Without a checkpointer the agent cannot pause: the paused result, with its `run_id`, is the
   * reply the model answers from, and the run is answered outside (`resumeRun`,
   * `plangraph runs resume <run_id>`).
   */
  queue?: PlanToolQueue;
}

/**
 * The ops chat agent: messages in, messages out. Its model plans — it calls `run_plan` with a plan
 * (structured output against the catalogue: the tool's schema lists the registered tool names) —
 * the plan is validated (problems go back to the model for `maxRepairs` repair rounds), run as a
 * subgraph (its steps are the subgraph's nodes, streamed with `subgraphs: true`), and the model
 * answers from the results. A question that needs no tools is answered directly.
 *
 *   START → planner ─(plan)→ validate ─(valid)→ execute → respond → END
 *              ↑  └─(text)→ END    └─(invalid, repairs left)→ planner; (none left) → respond
 */
export function createOpsAgent(options: OpsAgentOptions) {
  const settings = agentSettings(options);
  const compiled = { ...(options.checkpointer ? { checkpointer: options.checkpointer } : {}), name: options.name ?? "ops_agent" };
  const agent = new StateGraph(OpsAgentState)
    .addNode("planner", plannerNode(settings))
    .addNode("validate", validateNode(settings))
    .addNode("execute", options.queue ? queuedExecuteNode(settings, options.queue, (state) => queuedPlan(settings, state), planCall) : executeNode(settings))
    .addNode("respond", respondNode(settings))
    .addEdge(START, "planner")
    .addConditionalEdges("planner", afterPlanner, ["validate", END])
    .addConditionalEdges("validate", afterValidate(settings.maxRepairs), ["execute", "planner", "respond"])
    .addEdge("respond", END);
  if (!options.queue) return agent.addEdge("execute", "respond").compile(compiled);
  // With the queue, a run paused for approval waits at its own node, answered by the agent's resume.
  const queued = agent
    .addNode(QUEUED_APPROVAL_NODE, queuedApprovalNode(settings, options.queue, planCall))
    .addConditionalEdges("execute", afterQueuedRun(planCall), [QUEUED_APPROVAL_NODE, "respond"])
    .addConditionalEdges(QUEUED_APPROVAL_NODE, afterQueuedRun(planCall), [QUEUED_APPROVAL_NODE, "respond"]);
  // One type for both shapes: the node names differ, the state and the way to call it do not.
  return queued.compile(compiled) as unknown as ReturnType<typeof agent.compile>;
}

/** What the agent's nodes work with: the options with their defaults applied. */
interface AgentSettings {
  registry: ToolRegistry;
  model: BaseChatModel | null;
  decisionModel: BaseChatModel | null;
  limits: PlanLimits;
  maxRepairs: number;
  maxChars: number;
  maxStepMs: number | undefined;
  policy: Policy;
  /** The `run_plan` tool's name, which the queue-backed nodes reply as. */
  planName: string;
}

function agentSettings(options: OpsAgentOptions): AgentSettings {
  return {
    registry: options.registry,
    model: options.model,
    decisionModel: options.decisionModel !== undefined ? options.decisionModel : options.model,
    limits: resolveLimits(options.limits),
    maxRepairs: options.maxRepairs ?? 1,
    maxChars: options.maxResultChars ?? DEFAULT_MAX_RESULT_CHARS,
    maxStepMs: options.maxStepMs,
    policy: policyFor(options.policy),
    planName: OPS_PLAN_TOOL,
  };
}

/** The `run_plan` tool in OpenAI format, its parameters the plan schema over the registered tool names. */
function planToolFor(registry: ToolRegistry) {
  return {
    type: "function" as const,
    function: {
      name: OPS_PLAN_TOOL,
      description: "Run a plan of tool calls; returns the run's status, results and errors as JSON.",
      // A JSON Schema: ChatOpenAI sends an OpenAI-format tool's parameters as they are.
      parameters: jsonSchemaOf(planToolSchema(registry.names())),
    },
  };
}

/** The model writes a plan (a `run_plan` call) or answers directly. */
function plannerNode({ model, registry }: AgentSettings) {
  const planTool = planToolFor(registry);
  const planningPrompt = plannerPrompt(registry);
  return async (state: OpsAgentStateType, config: LangGraphRunnableConfig) => {
    if (!model) return { messages: [new AIMessage(NO_MODEL)] };
    if (typeof model.bindTools !== "function") throw new Error("the ops agent's model must support tool calling (bindTools)");
    const bound = model.bindTools([planTool as never]);
    const reply = await bound.invoke([new SystemMessage(planningPrompt), ...state.messages], config);
    return { messages: [reply] };
  };
}

/** Checks the planned `run_plan` call; every other tool call, and an invalid plan, gets an error reply. */
function validateNode({ registry, limits, policy }: AgentSettings) {
  return async (state: OpsAgentStateType, config: LangGraphRunnableConfig) => {
    const calls = lastAI(state.messages)?.tool_calls ?? [];
    const chosen = calls.find((c) => c.name === OPS_PLAN_TOOL);
    const messages: BaseMessage[] = calls.filter((c) => c !== chosen).map(unknownToolReply);
    if (!chosen) return { messages };
    const plan = planFromToolInput((chosen.args ?? {}) as Record<string, unknown>);
    try {
      const prepared = preparePlan(plan, { registry, limits });
      // The caller's roles are checked here too, so the model can plan around a refused tool.
      const caller = callerFromConfig(config);
      if (caller) underPolicy(prepared, { caller, policy });
      return { messages, plan };
    } catch (error) {
      if (!isPlangraphError(error)) throw error;
      messages.push(invalidPlanReply(chosen, validationProblems(error)));
      return { messages, plan: null };
    }
  };
}

type ToolCall = NonNullable<AIMessage["tool_calls"]>[number];

function unknownToolReply(call: ToolCall): ToolMessage {
  return new ToolMessage({
    tool_call_id: call.id ?? "",
    name: OPS_PLAN_TOOL,
    status: "error",
    content: `Unknown tool '${call.name}': put tool calls in a plan and call ${OPS_PLAN_TOOL} with it.`,
    artifact: { status: "invalid", problems: [`unknown tool '${call.name}'`] },
  });
}

function invalidPlanReply(call: ToolCall, problems: string[]): ToolMessage {
  return new ToolMessage({
    tool_call_id: call.id ?? "",
    name: OPS_PLAN_TOOL,
    status: "error",
    content: `The plan is invalid and did not run. Fix these problems and call ${OPS_PLAN_TOOL} again:\n${problems.map((p) => `- ${p}`).join("\n")}`,
    artifact: { status: "invalid", problems },
  });
}

/** Runs the validated plan as a subgraph and replies to the `run_plan` call with its result. */
function executeNode(settings: AgentSettings) {
  const { registry, limits, decisionModel, maxChars, policy } = settings;
  return async (state: OpsAgentStateType, config: LangGraphRunnableConfig) => {
    const call = planCall(state);
    const plan = plannedPlan(settings, state);
    // The agent's caller (on the server: pinned from the token, src/auth/served-graph.ts) is the plan's.
    const caller = callerFromConfig(config);
    const graph = planSubgraph(plan, { registry, limits, chatModel: decisionModel, name: "plan", ...(caller ? { caller, policy } : {}) });
    // Invoked from the node, the plan graph is a subgraph of this run: same checkpointer, its own
    // namespace, its steps streamed with `subgraphs: true`, its approvals interrupting this agent.
    const output = (await graph.invoke({}, config)) as { result?: RunResult | null };
    const result = output.result ?? null;
    const content = result ? resultForModel(result, maxChars) : JSON.stringify({ status: "failed", error: "the plan produced no result" });
    return {
      result,
      messages: [new ToolMessage({ tool_call_id: call?.id ?? "", name: OPS_PLAN_TOOL, content, ...(result?.status === "failed" ? { status: "error" as const } : {}) })],
    };
  };
}

/** The validated plan, its steps' timeouts capped at `maxStepMs` when set. */
function plannedPlan({ maxStepMs, limits }: AgentSettings, state: { plan: unknown }): unknown {
  return maxStepMs ? capStepTimeouts(state.plan, maxStepMs, limits) : state.plan;
}

/** The validated plan as it is queued: JSON in its wire form, its steps' timeouts capped at `maxStepMs` when set. */
function queuedPlan({ maxStepMs }: AgentSettings, state: { plan: unknown }): unknown {
  return maxStepMs ? capWireStepTimeouts(state.plan, maxStepMs) : state.plan;
}

/** The `run_plan` call of the model's last message (the one the run replies to). */
function planCall(state: { messages: unknown[] }): ToolCall | undefined {
  return lastAI(state.messages as BaseMessage[])?.tool_calls?.find((c) => c.name === OPS_PLAN_TOOL);
}

/** The model answers from the run (or from the plan problems it could not repair). */
function respondNode({ model }: AgentSettings) {
  return async (state: OpsAgentStateType, config: LangGraphRunnableConfig) => {
    if (!model) return { messages: [new AIMessage(NO_MODEL)] };
    const reply = await model.invoke([new SystemMessage(ANSWER_PROMPT), ...state.messages], config);
    return { messages: [reply] };
  };
}

function afterPlanner(state: OpsAgentStateType) {
  return lastAI(state.messages)?.tool_calls?.length ? "validate" : END;
}

/** A valid plan runs; an invalid one goes back to the planner while repair rounds are left. */
function afterValidate(maxRepairs: number) {
  return (state: OpsAgentStateType) => {
    if (state.plan && lastAI(state.messages)?.tool_calls?.some((c) => c.name === OPS_PLAN_TOOL)) return "execute";
    return failedPlansThisTurn(state.messages) <= maxRepairs ? "planner" : "respond";
  };
}

function lastAI(messages: BaseMessage[]): AIMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (isAIMessage(message)) return message;
    if (isHumanMessage(message)) return undefined;
  }
  return undefined;
}

/** Invalid plans since the user's last message: the repair rounds used in this turn. */
function failedPlansThisTurn(messages: BaseMessage[]): number {
  let failed = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (isHumanMessage(message)) break;
    if (isToolMessage(message) && message.name === OPS_PLAN_TOOL && message.status === "error" && isInvalidPlanReply(message)) failed++;
  }
  return failed;
}

function isInvalidPlanReply(message: ToolMessage): boolean {
  if ((message.artifact as { status?: string } | undefined)?.status === "invalid") return true;
  // Checkpoint serialisers may drop the artifact; the text says it as well.
  return typeof message.content === "string" && (message.content.startsWith("The plan is invalid") || message.content.startsWith("Unknown tool"));
}

function jsonSchemaOf(schema: unknown): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = toJsonSchema(schema as Parameters<typeof toJsonSchema>[0]) as Record<string, unknown>;
  return rest;
}
