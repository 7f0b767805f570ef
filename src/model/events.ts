import { z } from "zod";
import { DecisionOutcomeSchema, StepRecordSchema } from "./records.js";

/** A human's answer to an approval request. */
export const ApprovalAnswerSchema = z.union([
  z.object({ action: z.literal("approve"), params: z.record(z.string(), z.unknown()).optional() }),
  z.object({ action: z.literal("reject"), reason: z.string().optional() }),
]);
export type ApprovalAnswer = z.output<typeof ApprovalAnswerSchema>;

/** Progress events, for live displays, streaming and tracing. */
export const RunEventSchema = z.discriminatedUnion("type", [
  /** `ready_at`: when the step's inputs were all available; `at` - `ready_at` is time spent queued. */
  z.object({ type: z.literal("step_start"), step: z.string(), tool: z.string(), at: z.number(), ready_at: z.number(), attempt: z.number().int().positive() }),
  z.object({ type: z.literal("cache_hit"), step: z.string(), tool: z.string(), at: z.number() }),
  z.object({ type: z.literal("step_end"), step: z.string(), record: StepRecordSchema }),
  z.object({ type: z.literal("decision"), decision: z.string(), outcome: DecisionOutcomeSchema }),
  /** A for_each step's element `index` (of `total`) starts its tool call. */
  z.object({ type: z.literal("item_start"), step: z.string(), index: z.number().int().nonnegative(), total: z.number().int().nonnegative(), at: z.number() }),
  /** A for_each step's element ended. */
  z.object({ type: z.literal("item_end"), step: z.string(), index: z.number().int().nonnegative(), total: z.number().int().nonnegative(), status: z.enum(["done", "failed"]), at: z.number() }),
  z.object({ type: z.literal("approval_needed"), step: z.string(), tool: z.string(), params: z.unknown() }),
]);
export type RunEvent = z.output<typeof RunEventSchema>;
