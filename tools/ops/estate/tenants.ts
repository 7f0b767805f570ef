import { DEFAULT_TENANT } from "../../../src/model/caller.js";

/**
 * The tenants of the sample estate. Each gets its own estate from its own seed: the same CI ids
 * (every tenant has a `db-prod-01`, an `svc-orders`…) over different topology, statuses, metrics
 * and events, so a query that leaks across tenants returns visibly wrong rows. The default tenant
 * is generated exactly as the single estate of version 1 was, so its answers are unchanged.
 */

/** One tenant of the estate and how large its part is, relative to the estate's scale. */
export interface TenantSpec {
  tenant: string;
  /** Fraction of the estate's scale: the extra tenants are smaller, to keep the first build within budget. */
  scaleFactor: number;
}

/** Every tenant the estate holds; the first is the default tenant of local runs. */
export const ESTATE_TENANTS: readonly TenantSpec[] = [
  { tenant: DEFAULT_TENANT, scaleFactor: 1 },
  { tenant: "globex", scaleFactor: 0.4 },
  { tenant: "initech", scaleFactor: 0.25 },
];

/** The smallest scale the generator accepts. */
const MIN_SCALE = 0.05;

/** FNV-1a of the tenant's name: a stable, tenant-specific offset. */
function nameHash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** The seed a tenant's data is generated from: the estate's seed for the default tenant, a derived one for the others. */
export function tenantSeed(seed: number, tenant: string): number {
  return tenant === DEFAULT_TENANT ? seed : (seed + nameHash(tenant)) % 2 ** 31;
}

/** The scale of a tenant's part: its fraction of the estate's scale, never below what the generator accepts. */
export function tenantScale(scale: number, spec: TenantSpec): number {
  return Math.max(MIN_SCALE, Math.round(scale * spec.scaleFactor * 1000) / 1000);
}
