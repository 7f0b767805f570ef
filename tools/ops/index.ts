import type { StructuredToolInterface } from "@langchain/core/tools";
import { declareToolTraits } from "../../src/tools/traits.js";
import { createCiAggregateTool } from "./tools/ci-aggregate.js";
import { createCiGraphTool } from "./tools/ci-graph.js";
import { createCiHistoryTool } from "./tools/ci-history.js";
import { createCiMetricTool } from "./tools/ci-metric.js";
import { createCiSearchTool } from "./tools/ci-search.js";
import { createCiSetMaintenanceTool } from "./tools/ci-set-maintenance.js";
import { createIncidentCommentTool } from "./tools/incident-comment.js";
import type { DatabaseProvider } from "./tools/context.js";
import { estateWarmUp } from "./warm-up.js";

/**
 * The ops tools — five that read the estate and two that write to it (maintenance windows, event
 * comments), all through `database` and scoped to the caller's tenant. They share one warm-up
 * (opening the database through `warmUpDatabase`, default `database`), so a run opens or builds
 * the estate once, before its clock starts.
 */
export function createOpsTools(database: DatabaseProvider, warmUpDatabase: DatabaseProvider = database): StructuredToolInterface[] {
  const warmUp = estateWarmUp(warmUpDatabase);
  return [
    createCiSearchTool(database),
    createCiAggregateTool(database),
    createCiGraphTool(database),
    createCiMetricTool(database),
    createCiHistoryTool(database),
    createCiSetMaintenanceTool(database),
    createIncidentCommentTool(database),
  ].map((tool) => declareToolTraits(tool, { warmUp }));
}

/** Names of the ops tools, in the order `createOpsTools` returns them. */
export const OPS_TOOL_NAMES = ["ci_search", "ci_aggregate", "ci_graph", "ci_metric", "ci_history", "ci_set_maintenance", "incident_comment"] as const;

/** The ops tools that change the estate (side-effecting, idempotent per call). */
export const OPS_WRITE_TOOL_NAMES = ["ci_set_maintenance", "incident_comment"] as const;
