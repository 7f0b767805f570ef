import { PlangraphError } from "../model/errors.js";
import type { Policy, ToolSelector } from "./schema.js";

/** What the policy needs to know of a tool: its name and whether calling it changes the world. */
export interface ToolFacts {
  name: string;
  sideEffects: boolean;
}

/** What a caller's roles allow for one tool. */
export type ToolVerdict =
  | { allowed: true; approval: boolean; role: string }
  | { allowed: false; roles: readonly string[] };

function matches(selector: ToolSelector, tool: ToolFacts): boolean {
  if (selector === "*") return true;
  if (selector === "read_only") return !tool.sideEffects;
  if (selector === "side_effects") return tool.sideEffects;
  return selector === tool.name;
}

/**
 * Whether a caller holding `roles` may call `tool`, and whether the call waits for approval. The
 * most permissive of the caller's roles wins: a tool is allowed when one role allows it (and that
 * role does not deny it), and needs approval only when every role that allows it asks for one.
 * Roles the policy does not define allow nothing.
 */
export function toolVerdict(policy: Policy, roles: readonly string[], tool: ToolFacts): ToolVerdict {
  let granted: { approval: boolean; role: string } | undefined;
  for (const role of roles) {
    const rules = Object.prototype.hasOwnProperty.call(policy.roles, role) ? policy.roles[role] : undefined;
    if (!rules || rules.deny.some((s) => matches(s, tool)) || !rules.allow.some((s) => matches(s, tool))) continue;
    const approval = rules.approval.some((s) => matches(s, tool));
    if (!granted || (granted.approval && !approval)) granted = { approval, role };
  }
  return granted ? { allowed: true, ...granted } : { allowed: false, roles };
}

/** One step of a plan as the policy sees it. */
export interface StepFacts {
  step: string;
  tool: ToolFacts;
}

/** The outcome of checking a plan's steps against the caller's roles. */
export interface PlanVerdict {
  /** Steps the policy makes pause for approval (besides those the plan marks itself). */
  approval: string[];
}

/**
 * Checks every step before anything runs: the first step whose tool the caller's roles do not
 * allow is TOOL_NOT_ALLOWED naming the step, the tool and the roles; otherwise the steps that must
 * pause for approval.
 */
export function checkPlanTools(policy: Policy, roles: readonly string[], steps: readonly StepFacts[]): PlanVerdict {
  const approval: string[] = [];
  for (const { step, tool } of steps) {
    const verdict = toolVerdict(policy, roles, tool);
    if (!verdict.allowed) {
      const who = roles.length ? `role${roles.length > 1 ? "s" : ""} ${roles.map((r) => `'${r}'`).join(", ")}` : "a caller with no role";
      const kind = tool.sideEffects ? "side-effecting" : "read-only";
      throw new PlangraphError("TOOL_NOT_ALLOWED", `step '${step}': tool '${tool.name}' (${kind}) is not allowed for ${who}`, { step });
    }
    if (verdict.approval) approval.push(step);
  }
  return { approval };
}
