import { PlangraphError } from "../model/errors.js";
import { PolicySchema, type Policy } from "./schema.js";

/** Trait selectors a rule may name besides tool names and `*`. */
export const TRAIT_SELECTORS = ["read_only", "side_effects"] as const;

/**
 * Validates a policy (the parsed JSON of a policy file). Every problem is POLICY_INVALID naming
 * the field (`roles.viewer.allow[0]`) and, when given, the file; nothing is defaulted past a typo.
 */
export function parsePolicy(input: unknown, source = "the policy"): Policy {
  const parsed = PolicySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = fieldPath(issue.path);
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length > 2 ? "s" : ""})` : "";
    throw new PlangraphError("POLICY_INVALID", `${source}: ${field || "(the whole policy)"}: ${issue.message}${more}`, { path: field || "$" });
  }
  const policy = parsed.data;
  const unknownApprover = policy.approvers.roles.findIndex((role) => !(role in policy.roles));
  if (unknownApprover >= 0) {
    throw new PlangraphError("POLICY_INVALID", `${source}: approvers.roles[${unknownApprover}]: role '${policy.approvers.roles[unknownApprover]}' is not defined under roles`, {
      path: `approvers.roles[${unknownApprover}]`,
    });
  }
  return policy;
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "");
}
