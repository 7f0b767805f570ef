import type { PreparedPlan, PreparedStep } from "../analysis/prepare.js";
import { CALL_CONFIG_KEY, CALLER_CONFIG_KEY, type CallerContext } from "../model/caller.js";

/** Input fields a plan might use to try to choose the tenant or the user a tool acts for. */
const IDENTITY_FIELDS: ReadonlySet<string> = new Set(["tenant", "tenant_id", "tenantid", "user", "user_id", "userid", "roles", "caller"]);

/**
 * Plan input that tries to set who a run is for. It never can: a tool learns the caller from its
 * config (`configurable`), which runPlan fills from the caller alone, so the field does nothing
 * but ride along as an input the tool's schema drops. The run goes on, and the result's warnings
 * name each attempt (step and field) with the identity the run really had. A tool whose own
 * input schema declares such a field (an admin tool that takes a user to look up) is left alone:
 * there it is data, not identity.
 */
export function identityParamWarnings(prepared: PreparedPlan, caller: CallerContext): string[] {
  const warnings: string[] = [];
  for (const step of prepared.steps.values()) {
    const given = new Set([...Object.keys(step.spec.params ?? {}), ...Object.keys(step.spec.output_mapping ?? {})]);
    for (const field of given) {
      if (!IDENTITY_FIELDS.has(field.toLowerCase()) || declaresField(step, field)) continue;
      warnings.push(
        `step '${step.id}': input field '${field}' cannot choose who the run is for; ignored (the run is for tenant '${caller.tenant}', user '${caller.user}', set by the caller)`,
      );
    }
  }
  return warnings;
}

/** Config fields a client might write to pass itself off as another caller. */
const SPOOFABLE_CONFIG = [CALLER_CONFIG_KEY, CALL_CONFIG_KEY, "langgraph_auth_user", "langgraph_auth_user_id"] as const;

/**
 * Warnings for identity fields in a run's `configurable` written by its client: ignored (tools
 * receive only the caller runPlan was given), and said so in the result.
 */
export function identityConfigWarnings(configurable: Record<string, unknown> | undefined): string[] {
  if (!configurable) return [];
  return SPOOFABLE_CONFIG.filter((key) => Object.prototype.hasOwnProperty.call(configurable, key)).map(
    (key) => `configurable.${key} cannot choose who the run is for; ignored (the caller context comes from the caller's credentials or options)`,
  );
}

function declaresField(step: PreparedStep, field: string): boolean {
  const schema = step.tool.tool.schema as { shape?: Record<string, unknown>; properties?: Record<string, unknown> } | undefined;
  const fields = schema?.shape ?? schema?.properties;
  return !!fields && Object.prototype.hasOwnProperty.call(fields, field);
}
