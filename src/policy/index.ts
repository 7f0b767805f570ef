/**
 * The policy layer: pure rules over the caller's roles and tenant — which tools a run may call,
 * which steps pause for approval, who may answer them, and each tenant's limits. docs/POLICY.md.
 */
export { PolicySchema, RoleRulesSchema, TenantLimitsSchema, type Policy, type PolicyInput, type RoleRules, type TenantLimits, type ToolSelector } from "./schema.js";
export { DEFAULT_POLICY } from "./defaults.js";
export { parsePolicy, TRAIT_SELECTORS } from "./parse.js";
export { checkPlanTools, toolVerdict, type PlanVerdict, type StepFacts, type ToolFacts, type ToolVerdict } from "./tools.js";
export { requireApprover, type Approver } from "./approvers.js";
export { budgetUnder, tenantLimits, TenantLimiter, TenantLimitError } from "./limits.js";
