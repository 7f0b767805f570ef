import { z } from "zod";
import { paramsDigest } from "../../../src/model/audit.js";
import { PlangraphError } from "../../../src/model/errors.js";
import { defineTool } from "../../../src/tools/define.js";
import { DAY_MS } from "../estate/model.js";
import { CiType } from "../vocabulary.js";
import { CiId, isoSql, text } from "./common.js";
import { databaseFor, type DatabaseProvider } from "./context.js";
import { quote } from "./notes.js";
import { iso } from "./window.js";
import { assertSameRequest, assertWritable, newRowId, writeCallOf, writeOutcome, writeOutputShape } from "./write-call.js";

/** Longest maintenance window one call may set. */
export const MAX_MAINTENANCE_MS = 30 * DAY_MS;

/** Input of `ci_set_maintenance`. */
export const ciSetMaintenanceInput = z
  .object({
    ci_id: CiId.describe("The CI going into maintenance"),
    from: z.iso.datetime({ offset: true }).describe("Window start, ISO-8601"),
    to: z.iso.datetime({ offset: true }).describe("Window end, ISO-8601, after from, at most 30 days later"),
    reason: text(500)
      .refine((r) => r.trim().length > 0, "give a reason: what the maintenance is for")
      .describe("Why, for the people who see the window (change ticket, what is done)"),
  })
  .superRefine((input, ctx) => {
    const from = Date.parse(input.from);
    const to = Date.parse(input.to);
    if (!(to > from)) ctx.addIssue({ code: "custom", path: ["to"], message: "to must be after from" });
    else if (to - from > MAX_MAINTENANCE_MS) ctx.addIssue({ code: "custom", path: ["to"], message: "a maintenance window is at most 30 days long" });
  });

/** A maintenance window as stored. */
export const MaintenanceWindow = z.object({
  window_id: z.string(),
  ci_id: z.string(),
  ci_name: z.string(),
  ci_type: CiType,
  from: z.string().describe("ISO-8601 UTC"),
  to: z.string().describe("ISO-8601 UTC"),
  reason: z.string(),
  requested_by: z.string().describe("The user of the run that set it"),
  created_at: z.string().describe("ISO-8601 UTC, when it was first written"),
});

/** Output of `ci_set_maintenance`. */
export const ciSetMaintenanceOutput = z.object({
  data: z.object({ rows: z.array(MaintenanceWindow).describe("The window, as stored"), ...writeOutputShape }),
});

type StoredWindow = z.infer<typeof MaintenanceWindow> & { params_digest: string };

/** `ci_set_maintenance`: records a maintenance window on one CI of the caller's tenant, once per call. */
export function createCiSetMaintenanceTool(database: DatabaseProvider) {
  return defineTool({
    name: "ci_set_maintenance",
    description:
      "Set a maintenance window (from, to, reason) on one CI, e.g. before patching a host or failing over a database. " +
      "Side-effecting and idempotent: a repeated call of the same plan step changes nothing and returns the stored window. " +
      "Returns { data: { rows: [window], replayed, idempotency_key } }.",
    input: ciSetMaintenanceInput,
    output: ciSetMaintenanceOutput,
    sideEffects: true,
    idempotent: true,
    run: async (input, config) => {
      const db = await databaseFor(database, config);
      assertWritable(db, "ci_set_maintenance");
      const call = writeCallOf(db, config);
      const request = { ci_id: input.ci_id, from: iso(Date.parse(input.from)), to: iso(Date.parse(input.to)), reason: input.reason };
      const digest = paramsDigest(request);
      // The CI must be the caller's tenant's: selected by (tenant, ci_id), and the foreign key says so again.
      const inserted = await db.client.query<{ window_id: string }>(
        `INSERT INTO ops.ci_maintenance (tenant, window_id, ci_id, starts_at, ends_at, reason, requested_by, idempotency_key, params_digest)
         SELECT c.tenant, $2::text, c.ci_id, $4::timestamptz, $5::timestamptz, $6::text, $7::text, $8::text, $9::text
           FROM ops.cis c WHERE c.tenant = $1::text AND c.ci_id = $3::text
         ON CONFLICT (tenant, idempotency_key) DO NOTHING
         RETURNING window_id`,
        [call.tenant, newRowId("mw"), request.ci_id, request.from, request.to, request.reason, call.user, call.idempotencyKey, digest],
      );
      const [stored] = await db.client.query<StoredWindow>(
        `SELECT m.window_id, m.ci_id, c.name AS ci_name, c.type AS ci_type, ${isoSql("m.starts_at")} AS "from", ${isoSql("m.ends_at")} AS "to",
                m.reason, m.requested_by, ${isoSql("m.created_at")} AS created_at, m.params_digest
           FROM ops.ci_maintenance m JOIN ops.cis c ON c.tenant = m.tenant AND c.ci_id = m.ci_id
          WHERE m.tenant = $1::text AND c.tenant = $1::text AND m.idempotency_key = $2::text`,
        [call.tenant, call.idempotencyKey],
      );
      if (!stored) throw new PlangraphError("TOOL_INPUT_INVALID", `ci_set_maintenance: ci_id ${quote(input.ci_id)} is not a CI`, { path: "ci_id" });
      const { params_digest: storedDigest, ...window } = stored;
      if (inserted.length === 0) assertSameRequest("ci_set_maintenance", call, storedDigest, digest, `maintenance window ${window.window_id} on ${window.ci_id}`);
      return { data: { rows: [window], ...writeOutcome(call, window.ci_id, inserted.length > 0) } };
    },
  });
}
