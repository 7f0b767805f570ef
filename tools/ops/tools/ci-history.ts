import { z } from "zod";
import { defineTool } from "../../../src/tools/define.js";
import { CiType, EventKind, EventStatus, Severity } from "../vocabulary.js";
import { CiId, CiIdList, SqlParams, asList, isoSql, oneOrMany, tenantCondition, text } from "./common.js";
import { databaseFor, type DatabaseProvider } from "./context.js";
import type { SqlClient } from "../db/sql-client.js";
import { EMPTY_ID_LIST, Note, listIds } from "./notes.js";
import { checkWindow, iso, resolveWindow, windowShape } from "./window.js";

/** Most events one call returns. */
export const CI_HISTORY_MAX_LIMIT = 200;

/** Input of `ci_history`. */
export const ciHistoryInput = z
  .object({
    ci_id: CiId.optional().describe("Events of this CI (or ci_ids; neither: all CIs)"),
    ci_ids: CiIdList.optional(),
    kind: oneOrMany(EventKind, 3).optional().describe("change, incident, alert"),
    severity: oneOrMany(Severity, 4).optional(),
    status: oneOrMany(EventStatus, 5).optional(),
    query: text(200).optional().describe("Free text inside the event title (case-insensitive)"),
    ...windowShape("7d"),
    limit: z.number().int().min(1).max(CI_HISTORY_MAX_LIMIT).default(50),
    offset: z.number().int().min(0).max(10_000).default(0),
  })
  .superRefine(checkWindow);

/** An event with the name and type of its CI. */
export const EventRow = z.object({
  event_id: z.string(),
  ci_id: z.string(),
  ci_name: z.string(),
  ci_type: CiType,
  kind: EventKind,
  severity: Severity,
  status: EventStatus,
  title: z.string(),
  started_at: z.string().describe("ISO-8601 UTC"),
  ended_at: z.string().nullable().describe("ISO-8601 UTC; null while open"),
  actor: z.string(),
});

/** Output of `ci_history`. */
export const ciHistoryOutput = z.object({
  data: z.object({
    rows: z.array(EventRow),
    total: z.number().int().describe("Events matching, over all pages"),
    window: z.object({ from: z.string(), to: z.string() }),
    ids: z.array(z.string()).describe("Distinct ci_id of the rows, in order of first appearance"),
    note: Note,
  }),
});

/** Conditions of everything but the window: the CIs, kind, severity, status and title text. */
function eventConditions(tenant: string, input: z.output<typeof ciHistoryInput>, ids: string[] | undefined, params: SqlParams): string[] {
  const where: string[] = [tenantCondition(tenant, params, "e")];
  if (ids) where.push(`e.ci_id = ANY(${params.add(ids)}::text[])`);
  for (const [field, column] of [["kind", "kind"], ["severity", "severity"], ["status", "status"]] as const) {
    const values = asList<string>(input[field]);
    if (values) where.push(`e.${column} = ANY(${params.add(values)}::text[])`);
  }
  if (input.query) where.push(`strpos(lower(e.title), lower(${params.add(input.query)}::text)) > 0`);
  return where;
}

/** Why no event matched: no CI in scope, no such CI, or no matching event in the window (and whether any lies outside it). */
async function historyNote(
  client: SqlClient,
  tenant: string,
  input: z.output<typeof ciHistoryInput>,
  ids: string[] | undefined,
  window: { from: string; to: string },
): Promise<string> {
  if (ids?.length === 0) return EMPTY_ID_LIST;
  if (ids) {
    const [known] = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM ops.cis c WHERE c.tenant = $1::text AND c.ci_id = ANY($2::text[])", [tenant, ids]);
    if ((known?.n ?? 0) === 0) return `none of the ${ids.length} given ci_ids is a CI: ${listIds(ids)}`;
  }
  const params = new SqlParams();
  const where = eventConditions(tenant, input, ids, params);
  const [outside] = await client.query<{ n: number; latest: string | null }>(
    `SELECT count(*)::int AS n, ${isoSql("max(e.started_at)")} AS latest FROM ops.ci_events e ${where.length ? `WHERE ${where.join(" AND ")}` : ""}`,
    params.values,
  );
  const inWindow = `no matching event started in the window ${window.from} – ${window.to}`;
  if (!outside || outside.n === 0) return `${inWindow}, nor in the estate's whole history`;
  return `${inWindow}; ${outside.n === 1 ? "1 matching event lies" : `${outside.n} matching events lie`} outside it, the latest started ${outside.latest}`;
}

/** `ci_history`: change, incident and alert events in a window. */
export function createCiHistoryTool(database: DatabaseProvider) {
  return defineTool({
    name: "ci_history",
    description:
      "Change, incident and alert events of CIs in a time window (default the last 7 days), newest first: deployments, " +
      "patches, parameter changes, incidents and monitoring alerts. Returns { data: { rows, total, ids } }.",
    input: ciHistoryInput,
    output: ciHistoryOutput,
    idempotent: true,
    run: async (input, config) => {
      const { client, meta, tenant } = await databaseFor(database, config);
      const window = resolveWindow(input, meta, "7d");
      const ids = input.ci_id !== undefined || input.ci_ids !== undefined ? [...(input.ci_id !== undefined ? [input.ci_id] : []), ...(input.ci_ids ?? [])] : undefined;
      const windowWhere = (p: SqlParams) => [
        `e.started_at >= ${p.add(iso(window.from))}::timestamptz`,
        `e.started_at < ${p.add(iso(window.to))}::timestamptz`,
        ...eventConditions(tenant, input, ids, p),
      ];
      const params = new SqlParams();
      const where = windowWhere(params);
      const rows = await client.query<z.infer<typeof EventRow> & { total_count: number }>(
        `SELECT e.event_id, e.ci_id, c.name AS ci_name, c.type AS ci_type, e.kind, e.severity, e.status, e.title,
                ${isoSql("e.started_at")} AS started_at, ${isoSql("e.ended_at")} AS ended_at, e.actor,
                count(*) OVER ()::int AS total_count
           FROM ops.ci_events e JOIN ops.cis c ON c.tenant = e.tenant AND c.ci_id = e.ci_id
          WHERE ${[...where, tenantCondition(tenant, params, "c")].join(" AND ")}
          ORDER BY e.started_at DESC, e.event_id COLLATE "C" DESC
          LIMIT ${params.add(input.limit)} OFFSET ${params.add(input.offset)}`,
        params.values,
      );
      let total = rows[0]?.total_count ?? 0;
      if (rows.length === 0 && input.offset > 0) {
        const countParams = new SqlParams();
        const [row] = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ops.ci_events e WHERE ${windowWhere(countParams).join(" AND ")}`, countParams.values);
        total = row?.n ?? 0;
      }
      const events = rows.map(({ total_count: _, ...e }) => e);
      const windowOut = { from: iso(window.from), to: iso(window.to) };
      let note: string | null = null;
      if (events.length === 0) note = total > 0 ? `offset ${input.offset} is past the last of the ${total} matching events` : await historyNote(client, tenant, input, ids, windowOut);
      return { data: { rows: events, total, window: windowOut, ids: [...new Set(events.map((e) => e.ci_id))], note } };
    },
  });
}
