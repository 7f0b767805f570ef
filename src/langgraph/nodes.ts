import { interrupt, type LangGraphRunnableConfig } from "@langchain/langgraph";
import type { PreparedDecision, PreparedPlan, PreparedStep } from "../analysis/prepare.js";
import type { DecisionOutcome } from "../model/records.js";
import { STARTED_AT_CHANNEL, decisionChannel, stepChannel } from "./channels.js";
import { parseApprovalAnswer } from "./approval.js";
import type { GraphRuntimeOptions } from "./options.js";
import { resultUpdate } from "./result-channel.js";
import { contextOf, type RunContext } from "./run-context.js";
import { escapeForState } from "./state-escape.js";

type NodeFn = (state: Record<string, unknown>, config: LangGraphRunnableConfig) => Promise<Record<string, unknown>>;

/** What every node does first: find its run, and the run's scheduler. */
async function enter(prepared: PreparedPlan, state: Record<string, unknown>, config: LangGraphRunnableConfig) {
  const context = contextOf(config, prepared);
  context.allowTaskListeners(config.signal);
  context.attachWriter(config.writer, state[STARTED_AT_CHANNEL]);
  return { context, run: await context.obtain(state, config) };
}

function resultOf(prepared: PreparedPlan, options: GraphRuntimeOptions, context: RunContext, state: Record<string, unknown>): Record<string, unknown> {
  return options.resultChannel && context.current ? resultUpdate(prepared, context.current, state, context.warnings, options.strict) : {};
}

/**
 * A step's node: pauses for approval when the step asks for it (after the rest of the plan has
 * gone as far as it can), then awaits the step's outcome from the scheduler — which has usually
 * started, or finished, the tool already — and writes its record to the step's channel.
 */
export function stepNode(prepared: PreparedPlan, options: GraphRuntimeOptions, step: PreparedStep): NodeFn {
  return async (state, config) => {
    const { context, run } = await enter(prepared, state, config);
    if (step.spec.requires_approval && !run.isResolved(step.id)) {
      const request = await run.approvalRequest(step.id);
      if (!("skipped" in request)) {
        const recorded = options.approveAll ? ({ action: "approve" } as const) : context.answers[step.id];
        if (recorded) run.answerApproval(step.id, recorded);
        else {
          await run.whenIdle();
          const answer: unknown = interrupt({ step: step.id, tool: step.spec.tool, params: request.input, pending: run.pendingApprovals() });
          run.answerApproval(step.id, parseApprovalAnswer(answer, step.id));
        }
      }
    }
    run.demand(step.id);
    const iteration = passIteration(prepared, step.id, state);
    await run.whenSettled(step.id, iteration);
    return { [stepChannel(step.id)]: escapeForState(run.stepRecord(step.id, iteration)), ...resultOf(prepared, options, context, state) };
  };
}

/** A decision's node: awaits the scheduler's outcome and writes it to the decision's channel. */
export function decisionNode(prepared: PreparedPlan, options: GraphRuntimeOptions, decision: PreparedDecision): NodeFn {
  return async (state, config) => {
    const { context, run } = await enter(prepared, state, config);
    const iteration = passIteration(prepared, decision.id, state);
    await run.whenSettled(decision.id, iteration);
    return { [decisionChannel(decision.id)]: run.decisionOutcome(decision.id, iteration), ...resultOf(prepared, options, context, state) };
  };
}

/**
 * Which loop iteration a node's current pass belongs to. The scheduler may already be iterations
 * ahead; the graph's pass k is known from state: the loop decision's last record says it sent the
 * run back after iteration k-1.
 */
export function passIteration(prepared: PreparedPlan, id: string, state: Record<string, unknown>): number {
  const loopId = prepared.loopOf.get(id);
  if (loopId === undefined) return 1;
  const loop = prepared.loops.get(loopId)!;
  const last = state[decisionChannel(loopId)] as DecisionOutcome | null | undefined;
  if (last?.status === "decided" && last.branch === loop.branch) return (last.iteration ?? 1) + 1;
  return 1;
}
