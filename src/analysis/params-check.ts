import { echo } from "../model/echo.js";
import { PlangraphError } from "../model/errors.js";
import type { Template } from "../refs/template.js";
import { didYouMean } from "../model/suggest.js";
import { IDENTITY_FIELDS } from "../model/caller.js";

interface ZodLike {
  safeParse: (value: unknown) => { success: boolean; error?: { issues: Array<{ path?: PropertyKey[]; message: string }> } };
  _zod?: { def?: { type?: string; shape?: Record<string, ZodLike>; catchall?: ZodLike } };
}

/**
 * Checks a step's input against its tool's zod object schema before anything runs: unknown
 * parameter names (which zod would silently strip), missing required ones, and literal values of
 * the wrong shape. Values that come from references are checked at run time, once known.
 */
export function checkLiteralParams(
  stepId: string,
  toolName: string,
  schema: unknown,
  input: Template,
  path: string,
  fieldPath: (key: string) => string,
): PlangraphError[] {
  const def = (schema as ZodLike | undefined)?._zod?.def;
  if (def?.type !== "object" || !def.shape) return [];
  const shape = def.shape;
  const open = def.catchall !== undefined && def.catchall._zod?.def?.type !== "never";
  const entries = input.kind === "object" ? input.entries : input.kind === "literal" && isRecord(input.value) ? Object.entries(input.value).map(([k, v]) => [k, { kind: "literal", value: v } as Template] as const) : undefined;
  if (!entries) return [];
  const issues: PlangraphError[] = [];
  const given = new Set(entries.map(([key]) => key));
  for (const [key, template] of entries) {
    const field = Object.prototype.hasOwnProperty.call(shape, key) ? shape[key] : undefined;
    if (!field) {
      if (!open && IDENTITY_FIELDS.has(key.toLowerCase())) {
        // Not a typo to suggest a fix for: an attempt to choose who the call runs for.
        issues.push(new PlangraphError("CONTEXT_SPOOFED", `step '${echo(stepId)}': '${echo(key)}' cannot be set by a plan: tool '${toolName}' acts for the run's caller (tenant and user come from the caller, never the plan)`, { path: fieldPath(key), step: stepId }));
      } else if (!open) {
        issues.push(
          new PlangraphError("TOOL_INPUT_INVALID", `step '${echo(stepId)}': tool '${toolName}' has no parameter '${echo(key)}'${didYouMean(key, Object.keys(shape))}`, {
            path: fieldPath(key),
            step: stepId,
          }),
        );
      }
      continue;
    }
    if (template.kind !== "literal") continue;
    const parsed = checkQuietly(field, template.value);
    if (!parsed.success) {
      const issue = parsed.error?.issues[0];
      const inner = issue?.path?.length ? `.${issue.path.map(String).join(".")}` : "";
      issues.push(
        new PlangraphError("TOOL_INPUT_INVALID", `step '${echo(stepId)}': parameter '${echo(key)}${inner}' of tool '${toolName}' is invalid: ${issue?.message ?? "rejected"}`, {
          path: fieldPath(key),
          step: stepId,
        }),
      );
    }
  }
  for (const [key, field] of Object.entries(shape)) {
    if (given.has(key)) continue;
    if (!checkQuietly(field, undefined).success) {
      issues.push(new PlangraphError("TOOL_INPUT_INVALID", `step '${echo(stepId)}': tool '${toolName}' needs parameter '${echo(key)}'`, { path, step: stepId }));
    }
  }
  return issues;
}

/**
 * A schema that throws (a `refine` or `transform` of the tool's own) cannot be judged here: it is
 * left to run time, where the step fails with a typed error and the rest of the plan goes on.
 */
function checkQuietly(field: ZodLike, value: unknown): { success: boolean; error?: { issues: Array<{ path?: PropertyKey[]; message: string }> } } {
  try {
    const parsed = field.safeParse(value);
    // zod builds its issues lazily, calling the schema's message functions: read them here.
    const first = parsed.success ? undefined : parsed.error?.issues[0];
    return parsed.success ? { success: true } : { success: false, error: { issues: first ? [{ path: first.path ?? [], message: String(first.message) }] : [] } };
  } catch {
    return { success: true };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
