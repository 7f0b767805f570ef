import { readFileSync } from "node:fs";
import { z } from "zod";
import { PlangraphError } from "../model/errors.js";
import type { TenantRunLimits } from "./admission.js";

/**
 * The server's per-tenant run limits, from the JSON file named by `PLANGRAPH_TENANT_LIMITS`, in the
 * shape of the policy file's `limits` section: `{ "default": { "max_concurrent_runs": 5,
 * "runs_per_minute": 60 }, "tenants": { "globex": { "max_concurrent_runs": 1 } } }`. A tenant's own
 * entry replaces the default field by field. No file: no limits.
 */
export const TENANT_LIMITS_ENV = "PLANGRAPH_TENANT_LIMITS";

const LimitsSchema = z
  .object({
    max_concurrent_runs: z.number().int().positive().optional(),
    runs_per_minute: z.number().int().positive().optional(),
    run_time_budget_ms: z.number().int().positive().optional(),
  })
  .strict();

const LimitsFileSchema = z
  .object({
    default: LimitsSchema.default({}),
    tenants: z.record(z.string(), LimitsSchema).default({}),
  })
  .strict();

/** The limits lookup of the env's file; a broken file is a USAGE error naming it and the field. */
export function tenantLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): (tenant: string) => TenantRunLimits {
  const file = env[TENANT_LIMITS_ENV]?.trim();
  if (!file) return () => ({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new PlangraphError("USAGE", `${TENANT_LIMITS_ENV}: cannot read '${file}' as JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = LimitsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PlangraphError("USAGE", `${TENANT_LIMITS_ENV}: '${file}' at ${issue.path.join(".") || "(top)"}: ${issue.message}`);
  }
  const limits = parsed.data;
  return (tenant) => ({ ...limits.default, ...(Object.prototype.hasOwnProperty.call(limits.tenants, tenant) ? limits.tenants[tenant] : {}) });
}
