import { z } from "zod";
import { PlangraphError } from "../model/errors.js";
import type { ApprovalAnswer } from "../engine/scheduler.js";

/**
 * What a resume may send for a step waiting for approval: `true`/`"approve"`, `false`/`"reject"`,
 * `{ action: "approve", params? }`, `{ action: "reject", reason? }`, or `{ params }` (edit and
 * approve). A map `{ [step]: answer }` is accepted too, so one resume can answer several steps.
 */
const AnswerSchema = z.union([
  z.boolean(),
  z.enum(["approve", "reject"]),
  z.object({ action: z.literal("approve"), params: z.record(z.string(), z.unknown()).optional() }).strict(),
  z.object({ action: z.literal("reject"), reason: z.string().optional() }).strict(),
  z.object({ params: z.record(z.string(), z.unknown()) }).strict(),
]);

export function parseApprovalAnswer(value: unknown, step: string): ApprovalAnswer {
  const own = value !== null && typeof value === "object" && !Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, step)
    ? (value as Record<string, unknown>)[step]
    : value;
  const parsed = AnswerSchema.safeParse(own);
  if (!parsed.success) {
    throw new PlangraphError("USAGE", `the answer for step '${step}' must be approve, reject, or { params }: ${JSON.stringify(own)?.slice(0, 200)}`, { step });
  }
  const answer = parsed.data;
  if (answer === true || answer === "approve") return { action: "approve" };
  if (answer === false || answer === "reject") return { action: "reject" };
  if ("action" in answer) return answer.action === "approve" ? { action: "approve", ...(answer.params ? { params: answer.params } : {}) } : { action: "reject", ...(answer.reason ? { reason: answer.reason } : {}) };
  return { action: "approve", params: answer.params };
}
