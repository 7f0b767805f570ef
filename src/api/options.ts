import type { StructuredToolInterface } from "@langchain/core/tools";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { PlanLimitsInput } from "../plan/limits.js";
import type { ToolRegistry } from "../tools/registry.js";
import type { Clock } from "../engine/clock.js";
import type { CompletionStore } from "../durability/completion-store.js";
import type { DecisionEvaluator, RunEvent } from "../engine/scheduler.js";
import type { StepCache } from "../engine/step-cache.js";
import type { TelemetryOptions } from "../telemetry/index.js";
import type { CallerContext } from "../model/caller.js";
import type { AuditSink } from "../model/audit.js";
import type { Policy, TenantLimiter } from "../policy/index.js";

/** Options shared by `compilePlan` and `runPlan`. */
export interface PlanOptions {
  /** Extra LangChain tools, added to the built-ins (and replacing same-named ones). */
  tools?: StructuredToolInterface[];
  /** A registry to use instead of built-ins + `tools`. */
  registry?: ToolRegistry;
  limits?: PlanLimitsInput;
  /** Chat model for `question` decisions; `null` for none. Defaults to the environment's (OPENAI_API_KEY). */
  chatModel?: BaseChatModel | null;
  /** Replace decision evaluation entirely (tests, custom policies). */
  evaluateDecision?: DecisionEvaluator;
  /** A missing reference fails the step instead of becoming null with a warning. */
  strict?: boolean;
  /** At most this many tool calls at once. */
  maxConcurrency?: number;
  clock?: Clock;
  checkpointer?: BaseCheckpointSaver;
  /** Where eager completions are kept; with a durable checkpointer it must be durable too. */
  store?: CompletionStore;
  onEvent?: (event: RunEvent) => void;
  /** Cache for steps that opt in (`"cache": true | { ttl_ms }`); defaults to a process-wide memory cache. */
  cache?: StepCache;
  /** Opt every side-effect-free step of the run into caching, for this many ms. */
  cacheTtlMs?: number;
  /** Plain LangGraph superstep timing (no eager launch): for benchmarks and comparisons only. */
  lazy?: boolean;
  /** Keep the contract's result in a `result` state channel (graphs served by the LangGraph server). */
  resultChannel?: boolean;
  /** Stop the run at the first failed step, aborting tools in flight (default: independent steps go on). */
  failFast?: boolean;
  /**
   * OpenTelemetry spans and metrics for every run (a no-op until an SDK is registered):
   * `false` turns them off, an object picks the tracer / meter providers. See docs/TRACING.md.
   */
  telemetry?: boolean | TelemetryOptions;
  /**
   * Who runs of a compiled graph run for (as `RunPlanOptions.caller`): the LangGraph server's
   * graphs set it from the authenticated user (src/auth/caller.ts).
   */
  caller?: CallerContext;
  /**
   * For graphs the LangGraph server runs: who each run is for, from the run's `configurable` (the
   * auth layer reads its verified `langgraph_auth_user`). runPlan uses `caller` instead.
   */
  callerOf?: (configurable: Record<string, unknown> | undefined) => CallerContext | undefined;
  /**
   * Where runs the graph starts itself (the LangGraph server's) record side-effecting calls,
   * approvals and rejections. runPlan records to `RunPlanOptions.audit` through its own run context.
   */
  audit?: AuditSink;
  /**
   * With `caller`, `compilePlan` builds the graph under this policy (or policy file): a step whose
   * tool the caller's roles may not call is TOOL_NOT_ALLOWED before the graph exists, and the steps
   * the policy gates for those roles pause for approval as if the plan said `requires_approval`.
   */
  policy?: Policy | string;
  /** Steps that pause for approval whatever the caller's roles (a resumed run's, gated for its starter). */
  approvalGate?: readonly string[];
}

export interface RunPlanOptions extends PlanOptions {
  /** Legacy mode: one step at a time in dependency order (plan order among ready steps). */
  sequential?: boolean;
  /** The seed's feature flag: false runs the flat legacy executor without LangGraph. */
  enableOrchestration?: boolean;
  /** Checkpoint thread (with `checkpointer`). */
  threadId?: string;
  /**
   * Cancels the run: tools in flight, also those launched ahead of their nodes, get the abort. An
   * abort whose reason is a PlangraphError RUN_ABORTED (a deliberate cancel, as the queue's workers
   * give) returns the result of what ran — status `failed`, the cut-off steps in `errors` — instead
   * of rejecting; any other reason rejects with it.
   */
  signal?: AbortSignal;
  /** Approve every step that asks for approval (no human in the loop). */
  approveAll?: boolean;
  /**
   * Continue the thread's run instead of starting a new one: `null` continues a killed run from its
   * last checkpoint; any other value is the resume value for pending approvals (see approval.ts).
   */
  resume?: unknown;
  /** The id of a new run (default: a random UUID); reusing one reuses its stored completions. */
  runId?: string;
  /** LangGraph's checkpoint timing (default "async"); bench/durable.ts and the kill-resume trials show which stay exactly-once. */
  durability?: "sync" | "async" | "exit";
  /**
   * Who the run runs for (tenant, user, roles, trace id): from the caller, never the plan. Default:
   * the local caller (tenant `acme`, user `local`, every role). Every tool call receives it.
   */
  caller?: CallerContext;
  /** Where side-effecting calls, approvals and refusals are recorded (default: the durable backend's trail, if any). */
  audit?: AuditSink;
  /**
   * Which tools the caller's roles may call, which steps pause for approval, who may approve, the
   * tenant's limits: a policy, or the path of a policy file. Default: the file named by
   * PLANGRAPH_POLICY, else the built-in policy (docs/POLICY.md).
   */
  policy?: Policy | string;
  /** Counts runs against their tenant's limits (default: one limiter per process). */
  tenantLimiter?: TenantLimiter;
}
