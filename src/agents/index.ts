/**
 * plangraph for agents and the LangGraph server: a plan tool any LangChain/LangGraph agent can
 * call, plans as subgraphs of a parent graph, and the ops chat agent that plans with a model.
 */
export { createPlanTool, type PlanToolOptions } from "./plan-tool.js";
export { planSubgraph, planGraphSchemas, type PlanSubgraphOptions } from "./plan-subgraph.js";
export { createOpsAgent, OpsAgentState, OPS_PLAN_TOOL, type OpsAgentOptions, type OpsAgentStateType } from "./ops-agent.js";
export type { QueuedApprovalRequest, QueuedRefusal } from "./ops-agent-queue.js";
export type { PlanToolQueue } from "./plan-tool-queue.js";
export { agentQueueFromEnv, AGENT_QUEUE_ENV } from "./queue-from-env.js";
export { planToolSchema, PlanToolInputSchema, planFromToolInput, type PlanToolInput } from "./plan-schema.js";
export { toolCatalogue, catalogueText, type CatalogueEntry } from "./catalogue.js";
export { resultForModel, validationProblems } from "./result-text.js";
