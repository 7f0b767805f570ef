import type { StructuredToolInterface } from "@langchain/core/tools";
import { createCiAggregateTool } from "./tools/ci-aggregate.js";
import { createCiGraphTool } from "./tools/ci-graph.js";
import { createCiHistoryTool } from "./tools/ci-history.js";
import { createCiMetricTool } from "./tools/ci-metric.js";
import { createCiSearchTool } from "./tools/ci-search.js";
import type { DatabaseProvider } from "./tools/context.js";

/** The five ops tools, reading the estate through `database`. */
export function createOpsTools(database: DatabaseProvider): StructuredToolInterface[] {
  return [
    createCiSearchTool(database),
    createCiAggregateTool(database),
    createCiGraphTool(database),
    createCiMetricTool(database),
    createCiHistoryTool(database),
  ];
}

/** Names of the ops tools, in the order `createOpsTools` returns them. */
export const OPS_TOOL_NAMES = ["ci_search", "ci_aggregate", "ci_graph", "ci_metric", "ci_history"] as const;
