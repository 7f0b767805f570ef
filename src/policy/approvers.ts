import { PlangraphError } from "../model/errors.js";
import type { Policy } from "./schema.js";

/** Who answers a pending step. */
export interface Approver {
  user: string;
  roles: readonly string[];
}

/**
 * Refuses an approval or rejection by a user the policy does not let approve: APPROVER_NOT_ALLOWED
 * naming the step, the user and their roles. With `approver_not_starter`, the user who started the
 * run may not answer its steps (`starter` unknown: the rule cannot be checked and refuses).
 */
export function requireApprover(policy: Policy, approver: Approver, step: string, starter: string | undefined): void {
  const { roles, approver_not_starter: notStarter } = policy.approvers;
  if (!approver.roles.some((role) => roles.includes(role))) {
    const held = approver.roles.length ? approver.roles.map((r) => `'${r}'`).join(", ") : "none";
    throw new PlangraphError("APPROVER_NOT_ALLOWED", `step '${step}': user '${approver.user}' (roles ${held}) may not approve; approvers need one of the roles ${roles.map((r) => `'${r}'`).join(", ")}`, { step });
  }
  if (notStarter && (starter === undefined || starter === approver.user)) {
    const why = starter === undefined ? "the run's starter is not on record" : `user '${approver.user}' started the run`;
    throw new PlangraphError("APPROVER_NOT_ALLOWED", `step '${step}': ${why}, and the policy lets no one approve their own run (approver_not_starter)`, { step });
  }
}
