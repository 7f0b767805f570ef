import { z } from "zod";
import { defineTool } from "../../../src/tools/define.js";
import { CiStatus, CiType, Environment, RelationType } from "../vocabulary.js";
import type { SqlClient } from "../db/sql-client.js";
import { CiId, CiIdList, asList, oneOrMany } from "./common.js";
import { databaseFor, type DatabaseProvider } from "./context.js";
import { EMPTY_ID_LIST, Note, listIds } from "./notes.js";

/** Limits of a walk: hops, CIs reached, rows returned. */
export const CI_GRAPH_MAX_DEPTH = 6;
export const CI_GRAPH_MAX_NODES = 5000;
export const CI_GRAPH_MAX_LIMIT = 2000;
/** Edges returned at most (all are walked; `edges_total` says how many). */
const MAX_EDGES_RETURNED = 2000;
/** Edges read per walk at most; a walk through a hub (a core router) stops here and says so. */
const EDGE_BUDGET = 20_000;

/** Input of `ci_graph`. */
export const ciGraphInput = z
  .object({
    ci_id: CiId.optional().describe("Start here (or give ci_ids)"),
    ci_ids: CiIdList.optional().describe("Start from all of these"),
    direction: z
      .enum(["dependencies", "dependents", "both"])
      .default("dependencies")
      .describe("dependencies: what the CIs rely on (downstream); dependents: what relies on them (impact, upstream)"),
    relation_types: oneOrMany(RelationType, 13).optional().describe("Follow only these relations"),
    depth: z.number().int().min(1).max(CI_GRAPH_MAX_DEPTH).default(2).describe(`Hops, 1–${CI_GRAPH_MAX_DEPTH}`),
    node_types: oneOrMany(CiType, 7).optional().describe("Return only nodes of these types (the walk still passes through others)"),
    max_nodes: z.number().int().min(1).max(CI_GRAPH_MAX_NODES).default(2000).describe("Stop the walk after reaching this many CIs (of any type)"),
    limit: z.number().int().min(1).max(CI_GRAPH_MAX_LIMIT).default(200).describe("Rows returned at most, nearest first"),
    include_edges: z.boolean().default(true).describe(`Return the walked edges (at most ${MAX_EDGES_RETURNED})`),
  })
  .superRefine((input, ctx) => {
    if (input.ci_id === undefined && input.ci_ids === undefined) {
      ctx.addIssue({ code: "custom", path: ["ci_id"], message: "give ci_id or ci_ids: where the walk starts" });
    }
  });

/** A CI reached by the walk. */
export const GraphNode = z.object({
  ci_id: z.string(),
  name: z.string(),
  type: CiType,
  status: CiStatus,
  environment: Environment,
  location: z.string(),
  depth: z.number().int().describe("Hops from the nearest start CI"),
  via: RelationType.describe("Relation of the edge the node was first reached by"),
  reached_from: z.string().describe("The CI it was first reached from"),
});

/** A relationship walked, as stored. */
export const GraphEdge = z.object({ source_id: z.string(), target_id: z.string(), relation: RelationType });

/** Output of `ci_graph`. */
export const ciGraphOutput = z.object({
  data: z.object({
    rows: z.array(GraphNode).describe("Reached CIs (not the start CIs) of the wanted types, nearest first"),
    edges: z.array(GraphEdge).describe("Edges walked, as stored: source depends on target"),
    edges_total: z.number().int().describe("Edges walked, before the cap on returned edges"),
    total: z.number().int().describe("Reached CIs of the wanted types, before the limit"),
    roots: z.array(z.string()).describe("Start CIs that exist"),
    not_found: z.array(z.string()).describe("Start ids that matched no CI"),
    ids: z.array(z.string()).describe("ci_id of every row, in order"),
    truncated: z.boolean().describe("The walk stopped early: it hit max_nodes or the edge budget"),
    direction: z.enum(["dependencies", "dependents", "both"]),
    depth: z.number().int(),
    note: Note,
  }),
});

type Edge = z.infer<typeof GraphEdge>;
interface Reached {
  depth: number;
  via: Edge["relation"];
  from: string;
}

/** The edges of the caller's tenant touching `frontier` in the walk's direction, at most `budget` + 1. */
async function edgesAround(client: SqlClient, tenant: string, frontier: string[], direction: string, relations: string[] | undefined, budget: number): Promise<Edge[]> {
  const relationFilter = relations ? " AND r.relation = ANY($3::text[])" : "";
  const params: unknown[] = [tenant, frontier, ...(relations ? [relations] : [])];
  const limit = `LIMIT ${budget + 1}`; // a number we computed, not input
  const forward = `SELECT r.source_id, r.target_id, r.relation FROM ops.ci_relationships r WHERE r.tenant = $1::text AND r.source_id = ANY($2::text[])${relationFilter}`;
  const backward = `SELECT r.source_id, r.target_id, r.relation FROM ops.ci_relationships r WHERE r.tenant = $1::text AND r.target_id = ANY($2::text[])${relationFilter}`;
  const sql = direction === "dependencies" ? forward : direction === "dependents" ? backward : `${forward} UNION ${backward}`;
  return client.query<Edge>(`${sql} ${limit}`, params);
}

interface WalkOutcome {
  requested: string[];
  roots: string[];
  reached: ReadonlyArray<{ type: string }>;
  nodeTypes: string[] | undefined;
  relations: string[] | undefined;
  direction: "dependencies" | "dependents" | "both";
  depth: number;
}

/** Why a walk returned no rows: no start, no such start, no edge that way, or nothing of the wanted types. */
function graphNote(walk: WalkOutcome): string {
  if (walk.requested.length === 0) return EMPTY_ID_LIST.replace("no CI is in scope", "the walk has no start");
  if (walk.roots.length === 0) return `none of the start ids is a CI: ${listIds(walk.requested)}`;
  const through = walk.relations ? ` through ${walk.relations.join(", ")}` : "";
  if (walk.reached.length === 0) {
    const what = { dependents: "dependents", dependencies: "dependencies", both: "relationships in either direction" }[walk.direction];
    if (walk.roots.length > 1) return `none of the ${walk.roots.length} start CIs has ${what}${through}`;
    const why = { dependents: " (no relationship points to it)", dependencies: " (no relationship goes from it)", both: "" }[walk.direction];
    return `${walk.roots[0]} has no ${what}${through}${why}`;
  }
  const byType = new Map<string, number>();
  for (const node of walk.reached) byType.set(node.type, (byType.get(node.type) ?? 0) + 1);
  const seen = [...byType].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${n} ${type}`).join(", ");
  return `the walk reached ${walk.reached.length} CIs within ${walk.depth} hop${walk.depth === 1 ? "" : "s"}${through}, none of type ${walk.nodeTypes?.join(" or ")} (reached: ${seen})`;
}

/** `ci_graph`: breadth-first relationship walks. */
export function createCiGraphTool(database: DatabaseProvider) {
  return defineTool({
    name: "ci_graph",
    description:
      "Walk CI relationships from one or more CIs: their dependencies (downstream: app → vm → host), their dependents " +
      "(upstream impact: database ← apps ← services) or both, up to a depth, optionally only some relation types and " +
      "returning only some node types. Cycles in the data are handled. Returns { data: { rows (nodes), edges, total, ids } }.",
    input: ciGraphInput,
    output: ciGraphOutput,
    idempotent: true,
    run: async (input, config) => {
      const { client, tenant } = await databaseFor(database, config);
      const requested = [...new Set([...(input.ci_id !== undefined ? [input.ci_id] : []), ...(input.ci_ids ?? [])])];
      const found = requested.length
        ? (await client.query<{ ci_id: string }>("SELECT c.ci_id FROM ops.cis c WHERE c.tenant = $1::text AND c.ci_id = ANY($2::text[])", [tenant, requested])).map((r) => r.ci_id)
        : [];
      const foundSet = new Set(found);
      const roots = requested.filter((id) => foundSet.has(id));
      const relations = asList(input.relation_types);

      const reached = new Map<string, Reached>();
      const edges = new Map<string, Edge>();
      let truncated = false;
      let budget = EDGE_BUDGET;
      let frontier = roots;
      for (let depth = 1; depth <= input.depth && frontier.length > 0 && !truncated; depth++) {
        config.signal?.throwIfAborted();
        const frontierSet = new Set(frontier);
        const level = await edgesAround(client, tenant, frontier, input.direction, relations, budget);
        if (level.length > budget) {
          truncated = true;
          level.length = budget;
        }
        budget -= level.length;
        // Deterministic order whatever the plan the database chose.
        level.sort((a, b) => (a.source_id + a.relation + a.target_id < b.source_id + b.relation + b.target_id ? -1 : 1));
        const next: string[] = [];
        for (const edge of level) {
          const ends: Array<[string, string]> = [];
          if (frontierSet.has(edge.source_id) && input.direction !== "dependents") ends.push([edge.source_id, edge.target_id]);
          if (frontierSet.has(edge.target_id) && input.direction !== "dependencies") ends.push([edge.target_id, edge.source_id]);
          for (const [from, to] of ends) {
            const known = foundSet.has(to) || reached.has(to);
            if (!known) {
              if (reached.size >= input.max_nodes) {
                truncated = true;
                continue;
              }
              reached.set(to, { depth, via: edge.relation, from });
              next.push(to);
            }
            edges.set(`${edge.source_id}\u0000${edge.relation}\u0000${edge.target_id}`, edge);
          }
        }
        frontier = next;
      }

      const nodeTypes = asList(input.node_types);
      const ids = [...reached.keys()];
      const details = ids.length
        ? await client.query<Omit<z.infer<typeof GraphNode>, "depth" | "via" | "reached_from">>(
            "SELECT c.ci_id, c.name, c.type, c.status, c.environment, c.location FROM ops.cis c WHERE c.tenant = $1::text AND c.ci_id = ANY($2::text[])",
            [tenant, ids],
          )
        : [];
      const matching = details
        .filter((n) => !nodeTypes || nodeTypes.includes(n.type))
        .map((n) => {
          const r = reached.get(n.ci_id)!;
          return { ...n, depth: r.depth, via: r.via, reached_from: r.from };
        })
        .sort((a, b) => a.depth - b.depth || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0) || (a.ci_id < b.ci_id ? -1 : 1));
      const rows = matching.slice(0, input.limit);
      const walked = [...edges.values()].filter(
        (e) => (foundSet.has(e.source_id) || reached.has(e.source_id)) && (foundSet.has(e.target_id) || reached.has(e.target_id)),
      );
      return {
        data: {
          rows,
          edges: input.include_edges ? walked.slice(0, MAX_EDGES_RETURNED) : [],
          edges_total: walked.length,
          total: matching.length,
          roots,
          not_found: requested.filter((id) => !foundSet.has(id)),
          ids: rows.map((r) => r.ci_id),
          truncated,
          direction: input.direction,
          depth: input.depth,
          note: rows.length > 0 ? null : graphNote({ requested, roots, reached: details, nodeTypes, relations, direction: input.direction, depth: input.depth }),
        },
      };
    },
  });
}
