import type { RunnableConfig } from "@langchain/core/runnables";
import type { OpsDatabase } from "../db/ops-database.js";

/** How a tool reaches its database: lazily, so defining tools never opens or builds anything. */
export type DatabaseProvider = () => Promise<OpsDatabase>;

/** Opens the database, unless the run was cancelled first. */
export async function databaseFor(provider: DatabaseProvider, config: RunnableConfig): Promise<OpsDatabase> {
  config.signal?.throwIfAborted();
  const db = await provider();
  config.signal?.throwIfAborted();
  return db;
}

/** Two decimals: enough for percentages and milliseconds, and free of float4 noise (43.29 rather than 43.2900009). */
export function round2(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}
