/**
 * The server's per-tenant run limits, one counter per server process: the auth handler admits runs
 * against it (HTTP 429 over a limit) and the served graphs free a run's slot when it ends. The
 * limits are PLANGRAPH_TENANT_LIMITS's file (src/auth/tenant-limits.ts) when it is set, else the
 * policy file's `limits` (PLANGRAPH_POLICY, docs/POLICY.md): one file drives library and server.
 */
import { RunAdmission, type TenantRunLimits } from "../src/auth/admission.js";
import { TENANT_LIMITS_ENV, tenantLimitsFromEnv } from "../src/auth/tenant-limits.js";
import { tenantLimits } from "../src/policy/index.js";
import { callerPolicy } from "./policy.js";

let admission: RunAdmission | undefined;

export function serverAdmission(): RunAdmission {
  admission ??= new RunAdmission({ limitsFor: serverTenantLimits(process.env) });
  return admission;
}

/** Read once, at start: a broken file stops the server (USAGE / POLICY_INVALID naming it) rather than admitting runs unlimited. */
function serverTenantLimits(env: NodeJS.ProcessEnv): (tenant: string) => TenantRunLimits {
  if (env[TENANT_LIMITS_ENV]?.trim()) return tenantLimitsFromEnv(env);
  const policy = callerPolicy();
  return (tenant) => tenantLimits(policy, tenant);
}
