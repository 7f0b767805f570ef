import type { PreparedPlan, PreparedStep } from "../analysis/prepare.js";
import type { AuditTrail } from "../engine/audit-trail.js";
import type { CallerContext } from "../model/caller.js";
import { isPlangraphError } from "../model/errors.js";
import { budgetUnder, checkPlanTools, requireApprover, tenantLimits, TenantLimiter, type Policy, type StepFacts } from "../policy/index.js";

/** Counts every tenant's runs of this process, unless a run brings its own limiter. */
export const defaultTenantLimiter = new TenantLimiter();

/** What a run is admitted with. */
export interface Admission {
  /** The plan as this caller runs it: the policy's approvals forced on, the tenant's budget applied. */
  prepared: PreparedPlan;
  /** Ends the run's count against its tenant's limits; call once when it ends. */
  release(): void;
}

export interface AdmissionInput {
  caller: CallerContext;
  policy: Policy;
  limiter: TenantLimiter;
  audit?: AuditTrail;
  /** The run approves every approval step up front: the caller is then the approver of each. */
  approveAll?: boolean;
  /** Steps that pause for approval whatever this caller's roles (a resumed run's, gated for its starter). */
  gate?: readonly string[];
}

/**
 * Decides, before anything runs, whether the caller may run this plan: every tool allowed to one
 * of the caller's roles (else TOOL_NOT_ALLOWED naming the step, the tool and the roles), approval
 * steps answered up front only by an approver, and the tenant's limits (TENANT_LIMIT). A refusal
 * is on the audit trail before it is thrown. Steps the policy gates for these roles pause for
 * approval as if the plan said `requires_approval`.
 */
export async function admitRun(prepared: PreparedPlan, input: AdmissionInput): Promise<Admission> {
  const { caller, policy } = input;
  try {
    const verdict = checkPlanTools(policy, caller.roles, stepFacts(prepared));
    const gated = withApprovals(prepared, new Set([...verdict.approval, ...(input.gate ?? []).filter((id) => prepared.steps.has(id))]));
    const waiting = [...gated.steps.values()].filter((s) => s.spec.requires_approval);
    if (input.approveAll && waiting.length) requireApprover(policy, caller, waiting[0]!.id, caller.user);
    const limits = tenantLimits(policy, caller.tenant);
    const release = input.limiter.admit(caller.tenant, limits);
    const budget = budgetUnder(limits, gated.limits.maxRunMs);
    return { prepared: budget === gated.limits.maxRunMs ? gated : { ...gated, limits: { ...gated.limits, maxRunMs: budget } }, release };
  } catch (error) {
    if (isPlangraphError(error) && input.audit) {
      const step = error.step ? prepared.steps.get(error.step) : undefined;
      await input.audit.record({
        kind: error.code === "TENANT_LIMIT" ? "run_refused" : "refusal",
        ...(step ? { step: step.id, tool: step.spec.tool } : {}),
        outcome: `refused:${error.code}`,
        detail: error.message,
      });
    }
    throw error;
  }
}

/** The plan's steps as the policy sees them: the step, its tool and whether the tool has side effects. */
export function stepFacts(prepared: PreparedPlan): StepFacts[] {
  return [...prepared.steps.values()].map((s) => ({ step: s.id, tool: { name: s.spec.tool, sideEffects: s.tool.traits.sideEffects === true } }));
}

/**
 * What `validate` checks of a caller: every step's tool allowed to their roles (TOOL_NOT_ALLOWED
 * otherwise); returns the steps the policy would make pause for approval.
 */
export function checkCallerTools(prepared: PreparedPlan, caller: CallerContext, policy: Policy): string[] {
  return checkPlanTools(policy, caller.roles, stepFacts(prepared)).approval;
}

/** The plan with `requires_approval` forced on for `ids` (the same plan when there are none). */
function withApprovals(prepared: PreparedPlan, ids: ReadonlySet<string>): PreparedPlan {
  const add = [...ids].filter((id) => !prepared.steps.get(id)!.spec.requires_approval);
  if (!add.length) return prepared;
  const steps = new Map<string, PreparedStep>();
  for (const [id, step] of prepared.steps) steps.set(id, add.includes(id) ? { ...step, spec: { ...step.spec, requires_approval: true } } : step);
  return { ...prepared, steps };
}
