import { isGraphInterrupt } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { PreparedPlan } from "../analysis/prepare.js";
import { MemoryCompletionStore, type CompletionStore } from "../durability/completion-store.js";
import { isDurableCheckpointer } from "../langgraph/durable-guards.js";
import { isPlangraphError, PlangraphError } from "../model/errors.js";
import type { RunMode } from "../telemetry/index.js";

/**
 * What a run is allowed to do and how it runs, decided in one place for every entry point (runPlan,
 * the CLI, the plan tool): approvals, modes, durability, and when the sequential fallback applies.
 */

/** How a run executes, as telemetry reports it. */
export function runMode(options: { enableOrchestration?: boolean; sequential?: boolean; lazy?: boolean }): RunMode {
  return options.enableOrchestration === false ? "legacy" : options.sequential ? "sequential" : options.lazy ? "lazy" : "eager";
}

/** The steps of a plan that pause for a human before their tool runs. */
export function stepsNeedingApproval(prepared: PreparedPlan): string[] {
  return [...prepared.steps.values()].filter((step) => step.spec.requires_approval).map((step) => step.id);
}

/** Where a caller's run could wait for a human: what it offers, and what to tell the user otherwise. */
export interface ApprovalHome {
  /** Every step that asks for approval is approved up front (no human in the loop). */
  approveAll?: boolean;
  /** The run can pause and be resumed later (a checkpointer and a thread). */
  canPause: boolean;
  /** What this caller must do to make it possible, e.g. "run with --thread <id> --db <file>". */
  remedy: string;
}

/**
 * Refuses, before anything runs, a plan with approval steps that has nowhere to wait for the
 * answer: `APPROVAL_REQUIRED` naming the first such step, with the caller's remedy.
 */
export function requireApprovalHome(prepared: PreparedPlan, home: ApprovalHome): void {
  if (home.approveAll || home.canPause) return;
  const waiting = stepsNeedingApproval(prepared);
  if (!waiting.length) return;
  const many = waiting.length > 1;
  throw new PlangraphError("APPROVAL_REQUIRED", `step${many ? "s" : ""} ${waiting.map((id) => `'${id}'`).join(", ")} need${many ? "" : "s"} approval: ${home.remedy}`, {
    step: waiting[0]!,
  });
}

/**
 * The completion store of a run. A durable checkpointer needs a durable store: eager completions
 * kept only in memory would be lost by the crash the checkpoints are there to survive, and the
 * resumed run would call those tools again. That is `NOT_DURABLE`, not a silent downgrade.
 */
export function completionStoreFor(options: { checkpointer?: BaseCheckpointSaver; store?: CompletionStore }): CompletionStore {
  const durable = isDurableCheckpointer(options.checkpointer);
  if (durable && (!options.store || !options.store.durable)) {
    throw new PlangraphError(
      "NOT_DURABLE",
      `a durable checkpointer (${options.checkpointer!.constructor.name}) needs a durable completion store (SqliteCompletionStore, PgCompletionStore), not ${options.store ? options.store.constructor.name : "none"}: completions made ahead of their node would not survive a crash`,
    );
  }
  return options.store ?? new MemoryCompletionStore();
}

/**
 * True only for a genuine orchestration bug of ours: an INTERNAL error, or an error that is no
 * plangraph error at all (LangGraph's or a runtime's). Everything typed — invalid input, a
 * checkpointer or store failure, a refused approval — is the run's outcome and is rethrown, and
 * so is an interrupt.
 */
export function isOrchestrationBug(error: unknown): boolean {
  if (isGraphInterrupt(error)) return false;
  return !isPlangraphError(error) || error.code === "INTERNAL";
}

/** A checkpointer keeps runs by thread: a run given one without a thread id is a usage error. */
export function requireThread(options: { checkpointer?: BaseCheckpointSaver; threadId?: string }): void {
  if (options.checkpointer && !options.threadId) {
    throw new PlangraphError("USAGE", "a run with a checkpointer needs a threadId: the checkpoints are kept per thread");
  }
}
