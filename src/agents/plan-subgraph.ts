/** Moved to the public API layer (src/api/plan-subgraph.ts); kept so existing imports keep working. */
export { planSubgraph, planGraphSchemas, type PlanSubgraphOptions } from "../api/plan-subgraph.js";
