import type { PreparedPlan, PreparedStep } from "../analysis/prepare.js";
import { IDENTITY_FIELDS, type CallerContext } from "../model/caller.js";

/**
 * Plan input that tries to set who a run is for, on a tool that takes any field (an open zod
 * schema, an MCP tool's JSON Schema) — on a tool with a closed schema the plan is refused before
 * anything runs (CONTEXT_SPOOFED, plan validation). It never changes the context: a tool learns the
 * caller from its config (`configurable`), which runPlan fills from the caller alone, so the field
 * is just data. The run goes on, and the result's warnings name each attempt (step and field) with
 * the identity the run really had. A tool whose own input schema declares such a field (an admin
 * tool that takes a user to look up) is left alone: there it is data, not identity.
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

function declaresField(step: PreparedStep, field: string): boolean {
  const schema = step.tool.tool.schema as { shape?: Record<string, unknown>; properties?: Record<string, unknown> } | undefined;
  const fields = schema?.shape ?? schema?.properties;
  return !!fields && Object.prototype.hasOwnProperty.call(fields, field);
}
