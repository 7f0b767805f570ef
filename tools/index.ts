/**
 * Tool packs. `opsTools()` is the ops assistant's pack: CI search, aggregation, relationship walks,
 * metrics and history over a CMDB-like estate, in embedded PGlite by default or PostgreSQL when
 * `DATABASE_URL` is set. `npm run plangraph -- run plan.json --tools tools/index.ts` loads it.
 */
import type { StructuredToolInterface } from "@langchain/core/tools";
import { openOpsDatabase, type OpenOpsDatabaseOptions, type OpsDatabase } from "./ops/db/open.js";
import { createOpsTools } from "./ops/index.js";
import { stderrProgress } from "./ops/warm-up.js";

/** Options of `opsTools`: where the estate lives (see `OpenOpsDatabaseOptions`), or a database to use as is. */
export interface OpsToolsOptions extends OpenOpsDatabaseOptions {
  /** Use this database (or provider) instead of the shared one that `openOpsDatabase(options)` opens. */
  database?: OpsDatabase | (() => Promise<OpsDatabase>);
}

/**
 * The ops tools: `ci_search`, `ci_aggregate`, `ci_graph`, `ci_metric`, `ci_history`, and the write
 * tools `ci_set_maintenance` and `incident_comment`; every one is scoped to the caller's tenant. Nothing is
 * opened when they are defined. Their shared `warmUp` trait (run by `runPlan` before the run's
 * clock starts) opens the process-wide database for `options` and, for PGlite, builds the sample
 * estate on the very first run, reporting through `onProgress` (else on stderr). Without a
 * warm-up the first tool call does the same.
 */
export function opsTools(options: OpsToolsOptions = {}): StructuredToolInterface[] {
  const { database, ...open } = options;
  if (database !== undefined) {
    const provider = typeof database === "function" ? database : () => Promise.resolve(database);
    return createOpsTools(provider);
  }
  return createOpsTools(
    () => openOpsDatabase(open),
    () => openOpsDatabase({ ...open, onProgress: open.onProgress ?? stderrProgress }),
  );
}

export { OPS_TOOL_NAMES, OPS_WRITE_TOOL_NAMES } from "./ops/index.js";
export {
  buildEmbeddedEstate,
  closeOpsDatabase,
  defaultDataDir,
  ensureServerEstate,
  openOpsDatabase,
  type OpenOpsDatabaseOptions,
  type OpsDatabase,
} from "./ops/db/open.js";
export type { EstateMeta, ProgressListener } from "./ops/estate/load.js";
export { generateEstate, estateDigest, estateCounts, DEFAULT_SEED, DEFAULT_SCALE } from "./ops/estate/generate.js";
export { openPglite } from "./ops/db/pglite-client.js";
export { openPostgres } from "./ops/db/pg-client.js";
export type { SqlClient } from "./ops/db/sql-client.js";

/** For `--tools tools/index.ts`: the ops tools with default options (nothing opens until a tool runs). */
export const tools: StructuredToolInterface[] = opsTools();
export default tools;
