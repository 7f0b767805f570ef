/**
 * plangraph's public API: compile a tool Plan into a LangGraph graph and run it at its critical
 * path. Everything here is also reachable from the CLI (`plangraph run | validate | draw | resume`).
 */
export { compilePlan, runPlan, isPreparedPlan, type PlanOptions, type RunPlanOptions } from "./api/run-plan.js";
export type { PlanGraph } from "./langgraph/graph.js";
export type { RunResult, PendingApproval } from "./engine/result.js";
export type { RunEvent, ApprovalAnswer, DecisionEvaluator } from "./engine/scheduler.js";
export { preparePlan, type PreparedPlan, type PreparedStep, type PreparedDecision } from "./analysis/prepare.js";
export { planGraphView, type PlanGraphView } from "./analysis/view.js";
export { normalizePlan } from "./plan/normalize.js";
export {
  StepListPlanSchema,
  SectionedPlanSchema,
  StepSchema,
  DecisionSchema,
  RetrySchema,
  CacheSchema,
  type Plan,
  type PlanInput,
  type PlanStep,
  type PlanDecision,
} from "./plan/schema.js";
export { PlanLimitsSchema, DEFAULT_LIMITS, type PlanLimits, type PlanLimitsInput } from "./plan/limits.js";
export { PlangraphError, PlanValidationError, isPlangraphError, type ErrorCode } from "./model/errors.js";
export { defineTool, type ToolDefinition } from "./tools/define.js";
export { declareToolTraits, toolTraits, type ToolTraits } from "./tools/traits.js";
export { ToolRegistry, createToolRegistry, type RegisteredTool } from "./tools/registry.js";
export { echoTool, sleepTool, failTool, builtinTools } from "./tools/builtin.js";
export { createDecisionEvaluator } from "./engine/decisions.js";
export { chatModelFromEnv, chatModelFromEnv as chatModelFromEnvironment, DEFAULT_CHAT_MODEL } from "./decide/model.js";
export { MemoryCompletionStore, type CompletionStore } from "./durability/completion-store.js";
export { SqliteCompletionStore, openSqliteBackend } from "./durability/sqlite.js";
export { PgCompletionStore, schemaForDb, openPostgresBackend } from "./durability/postgres.js";
export { openMemoryBackend } from "./durability/memory.js";
export { openDurable, BACKENDS, type BackendKind } from "./durability/open.js";
export { holdThread, DEFAULT_LEASE_TTL_MS, type ThreadHold } from "./durability/lease.js";
export { MemoryAuditTrail } from "./durability/audit-memory.js";
export { SqliteAuditTrail } from "./durability/audit-sqlite.js";
export { PgAuditTrail } from "./durability/audit-postgres.js";
export { openAuditTrail, defaultAuditDb } from "./durability/audit-open.js";
export type { AuditTrail, AuditFilter, AuditVerification, AuditAnchor } from "./durability/audit-trail.js";
export type { DurableBackend, PlanRegistry, ThreadLeases, ThreadRecord, LeaseOwner, ToolsModuleRef } from "./durability/backend.js";
export { createPlanTool, planSubgraph, createOpsAgent, PlanToolInputSchema, type PlanToolOptions, type PlanSubgraphOptions, type OpsAgentOptions, type PlanToolQueue, type QueuedApprovalRequest } from "./agents/index.js";
export { loadMcpTools, type McpTools, type McpConfigInput } from "./mcp/index.js";
export { MemoryStepCache, type StepCache } from "./engine/step-cache.js";
export type { Clock } from "./engine/clock.js";
export type { TelemetryOptions } from "./telemetry/index.js";
export {
  CallerContextSchema,
  localCaller,
  callerFromConfig,
  callIdentityFromConfig,
  tenantOf,
  idempotencyKey,
  DEFAULT_TENANT,
  CALLER_CONFIG_KEY,
  CALL_CONFIG_KEY,
  type CallerContext,
  type ToolCallIdentity,
} from "./model/caller.js";
export { AuditEntrySchema, paramsDigest, type AuditEntry, type AuditSink } from "./model/audit.js";
export { PolicySchema, DEFAULT_POLICY, parsePolicy, tenantLimits, TenantLimiter, TenantLimitError, type Policy, type PolicyInput, type TenantLimits } from "./policy/index.js";
export { loadPolicyFile, POLICY_ENV } from "./api/policy-file.js";
export {
  submitRun,
  getRun,
  listRuns,
  cancelRun,
  resumeRun,
  pruneRuns,
  waitForRun,
  startWorker,
  DEFAULT_QUEUE_SCHEMA,
  QUEUE_METRIC,
  SubmitRunSchema,
  QueuedRunSchema,
  QueuedRunStatusSchema,
  QueuedRunDetailSchema,
  SubmittedRunSchema,
  ResumeAnswerSchema,
  RunFilterSchema,
  type SubmitOptions,
  type WaitOptions,
  type QueuedRunResult,
  type CancelledRunError,
  type ResumeOptions,
  type WorkerOptions,
  type WorkerHandle,
  type TenantConcurrency,
  type QueueConnection,
  type SubmitRunInput,
  type QueuedRun,
  type QueuedRunStatus,
  type QueuedRunDetail,
  type SubmittedRun,
  type ResumeAnswerInput,
  type RunFilterInput,
} from "./queue/index.js";
