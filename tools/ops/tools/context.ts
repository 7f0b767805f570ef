import type { RunnableConfig } from "@langchain/core/runnables";
import { tenantOf } from "../../../src/model/caller.js";
import type { OpsDatabase } from "../db/ops-database.js";

/** How a tool reaches its database: lazily, so defining tools never opens or builds anything. */
export type DatabaseProvider = () => Promise<OpsDatabase>;

/** The database as one tool call sees it: scoped to the tenant of the call's caller. */
export interface TenantDatabase extends OpsDatabase {
  /** The caller's tenant (`tenantOf(config)`: the default tenant for a direct call); every query is scoped by it. */
  tenant: string;
}

/**
 * Opens the database for one call, unless the run was cancelled first, with the tenant the call
 * runs for. The tenant comes from the caller context in the call's config, never from the input.
 */
export async function databaseFor(provider: DatabaseProvider, config: RunnableConfig): Promise<TenantDatabase> {
  config.signal?.throwIfAborted();
  const db = await provider();
  config.signal?.throwIfAborted();
  return { ...db, tenant: tenantOf(config) };
}

/** Two decimals: enough for percentages and milliseconds, and free of float4 noise (43.29 rather than 43.2900009). */
export function round2(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}
