/**
 * The server's per-tenant run limits (PLANGRAPH_TENANT_LIMITS, src/auth/tenant-limits.ts), one
 * counter per server process: the auth handler admits runs against it (HTTP 429 over a limit) and
 * the served graphs free a run's slot when it ends.
 */
import { RunAdmission } from "../src/auth/admission.js";
import { tenantLimitsFromEnv } from "../src/auth/tenant-limits.js";

let admission: RunAdmission | undefined;

export function serverAdmission(): RunAdmission {
  admission ??= new RunAdmission({ limitsFor: tenantLimitsFromEnv(process.env) });
  return admission;
}
