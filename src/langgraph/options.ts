import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { Clock } from "../engine/clock.js";
import type { CompletionStore } from "../durability/completion-store.js";
import type { DecisionEvaluator, RunEvent } from "../engine/scheduler.js";
import type { StepCache } from "../engine/step-cache.js";
import type { TelemetryOptions } from "../telemetry/index.js";
import type { CallerContext } from "../model/caller.js";

/** How a compiled plan graph runs: the same for every run of the graph (nothing run-specific). */
export interface GraphRuntimeOptions {
  evaluateDecision: DecisionEvaluator;
  clock?: Clock;
  strict?: boolean;
  maxConcurrency?: number;
  store?: CompletionStore;
  checkpointer?: BaseCheckpointSaver | false;
  /** Called for every scheduler event of every run of this graph. */
  onEvent?: (event: RunEvent, runId: string) => void;
  name?: string;
  cache?: StepCache;
  cacheTtlMs?: number;
  /** Plain LangGraph timing: each tool starts only when its node runs (benchmarks, comparisons). */
  lazy?: boolean;
  /**
   * Keep the contract's result object in a `result` state channel, updated by every node, so a
   * client of the LangGraph server reads the result straight from the run's output. Costs O(steps)
   * per node: off for library and CLI runs, which assemble the result once at the end.
   */
  resultChannel?: boolean;
  /** Approve every step that asks for approval, without pausing (no human in the loop). */
  approveAll?: boolean;
  failFast?: boolean;
  /**
   * Spans and metrics of runs this graph starts itself (a parent graph, the LangGraph server);
   * `false` turns them off. A caller that brings its own run context (runPlan) brings its own.
   */
  telemetry?: boolean | TelemetryOptions;
  /**
   * Who a run this graph starts itself (the LangGraph server's) is for, from the run's
   * `configurable` as the server passes it (e.g. its verified `langgraph_auth_user`); undefined: no
   * caller. The auth layer supplies it; a caller that brings its own run context (runPlan) brings its own.
   */
  callerOf?: (configurable: Record<string, unknown> | undefined) => CallerContext | undefined;
}
