import { z } from "zod";
import { paramsDigest } from "../../../src/model/audit.js";
import { PlangraphError } from "../../../src/model/errors.js";
import { defineTool } from "../../../src/tools/define.js";
import { EventKind, EventStatus } from "../vocabulary.js";
import { isoSql, text } from "./common.js";
import { databaseFor, type DatabaseProvider } from "./context.js";
import { quote } from "./notes.js";
import { assertSameRequest, assertWritable, newRowId, writeCallOf, writeOutcome, writeOutputShape } from "./write-call.js";

/** Input of `incident_comment`. */
export const incidentCommentInput = z.object({
  event_id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[^\u0000]*$/, "must not contain NUL characters")
    .describe("The incident (inc-…) or other CI event (chg-…, alr-…) to comment on, e.g. from ci_history"),
  body: text(2000)
    .refine((b) => b.trim().length > 0, "the comment is empty")
    .describe("The comment: findings, actions taken, next steps"),
});

/** A comment as stored, with the event and CI it is about. */
export const EventComment = z.object({
  comment_id: z.string(),
  event_id: z.string(),
  event_kind: EventKind,
  event_status: EventStatus,
  event_title: z.string(),
  ci_id: z.string(),
  ci_name: z.string(),
  body: z.string(),
  author: z.string().describe("The user of the run that wrote it"),
  created_at: z.string().describe("ISO-8601 UTC, when it was first written"),
});

/** Output of `incident_comment`. */
export const incidentCommentOutput = z.object({
  data: z.object({ rows: z.array(EventComment).describe("The comment, as stored"), ...writeOutputShape }),
});

type StoredComment = z.infer<typeof EventComment> & { params_digest: string };

/** `incident_comment`: adds a comment to an incident or other event of the caller's tenant, once per call. */
export function createIncidentCommentTool(database: DatabaseProvider) {
  return defineTool({
    name: "incident_comment",
    description:
      "Comment on an incident (or another CI event: a change, an alert) found with ci_history: findings, actions, next steps. " +
      "Side-effecting and idempotent: a repeated call of the same plan step changes nothing and returns the stored comment. " +
      "Returns { data: { rows: [comment], replayed, idempotency_key } }.",
    input: incidentCommentInput,
    output: incidentCommentOutput,
    sideEffects: true,
    idempotent: true,
    run: async (input, config) => {
      const db = await databaseFor(database, config);
      assertWritable(db, "incident_comment");
      const call = writeCallOf(db, config);
      const digest = paramsDigest({ event_id: input.event_id, body: input.body });
      const inserted = await db.client.query<{ comment_id: string }>(
        `INSERT INTO ops.event_comments (tenant, comment_id, event_id, body, author, idempotency_key, params_digest)
         SELECT e.tenant, $2::text, e.event_id, $4::text, $5::text, $6::text, $7::text
           FROM ops.ci_events e WHERE e.tenant = $1::text AND e.event_id = $3::text
         ON CONFLICT (tenant, idempotency_key) DO NOTHING
         RETURNING comment_id`,
        [call.tenant, newRowId("cmt"), input.event_id, input.body, call.user, call.idempotencyKey, digest],
      );
      const [stored] = await db.client.query<StoredComment>(
        `SELECT k.comment_id, k.event_id, e.kind AS event_kind, e.status AS event_status, e.title AS event_title, e.ci_id, c.name AS ci_name,
                k.body, k.author, ${isoSql("k.created_at")} AS created_at, k.params_digest
           FROM ops.event_comments k
           JOIN ops.ci_events e ON e.tenant = k.tenant AND e.event_id = k.event_id
           JOIN ops.cis c ON c.tenant = e.tenant AND c.ci_id = e.ci_id
          WHERE k.tenant = $1::text AND e.tenant = $1::text AND c.tenant = $1::text AND k.idempotency_key = $2::text`,
        [call.tenant, call.idempotencyKey],
      );
      if (!stored) throw new PlangraphError("TOOL_INPUT_INVALID", `incident_comment: event_id ${quote(input.event_id)} is not an event`, { path: "event_id" });
      const { params_digest: storedDigest, ...comment } = stored;
      if (inserted.length === 0) assertSameRequest("incident_comment", call, storedDigest, digest, `comment ${comment.comment_id} on ${comment.event_id}`);
      return { data: { rows: [comment], ...writeOutcome(call, comment.ci_id, inserted.length > 0) } };
    },
  });
}
