/**
 * Issue 13 finding 11: a reference whose type can never fit the parameter it feeds is found before
 * anything runs, where both schemas are known (the referenced step's output schema and the
 * consuming tool's input schema). Only definite clashes are rejected.
 *
 * Reproduce: npx vitest run test/core/reference-types.test.ts
 */
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { runPlan } from "../../src/api/run-plan.js";
import { PlanValidationError } from "../../src/model/errors.js";
import { defineTool } from "../../src/tools/define.js";
import { prepare, rejection } from "./helpers.js";

const source = defineTool({
  name: "source",
  description: "rows with a name, a count, an optional note and a nullable score",
  input: z.object({}),
  output: z.object({
    data: z.object({
      rows: z.array(z.object({ name: z.string(), count: z.number().int(), note: z.string().optional(), score: z.number().nullable(), tags: z.array(z.string()) })),
      either: z.union([z.string(), z.number()]),
      anything: z.unknown(),
    }),
  }),
  run: () => ({ data: { rows: [{ name: "db-1", count: 3, score: null, tags: ["a"] }], either: 1, anything: 1 } }),
});

const consumer = vi.fn();
const sink = defineTool({
  name: "sink",
  description: "takes parameters of every kind",
  input: z.object({
    limit: z.number().int().optional(),
    label: z.string().optional(),
    flag: z.boolean().optional(),
    loose: z.union([z.number(), z.string()]).optional(),
    coerced: z.coerce.number().optional(),
    nullable: z.number().nullable().optional(),
    defaulted: z.number().default(5),
    caught: z.number().catch(0).optional(),
    preprocessed: z.preprocess((v) => Number(v), z.number()).optional(),
    filter: z.object({ name: z.string(), size: z.number().optional() }).optional(),
    ids: z.array(z.number()).optional(),
  }),
  run: (input) => {
    consumer(input);
    return { data: input };
  },
});

const plan = (params: Record<string, unknown>) => ({
  steps: [
    { id: "a", tool: "source" },
    { id: "b", tool: "sink", output_mapping: params },
  ],
});
const tools = [source, sink];

describe("reference types are checked against the consuming tool's input schema", () => {
  it("rejects a string into a number, naming the step, the parameter, the reference and both types", async () => {
    const issue = rejection(() => prepare(plan({ limit: "{a.data.rows[0].name}" }), tools), {
      code: "REFERENCE_TYPE_MISMATCH",
      path: "$.steps[1].output_mapping.limit",
      step: "b",
    });
    expect(issue.message).toBe("step 'b': parameter 'limit' of tool 'sink' takes a number, but {a.data.rows[0].name} is a string");
    consumer.mockClear();
    await expect(runPlan(plan({ limit: "{a.data.rows[0].name}" }), { tools })).rejects.toBeInstanceOf(PlanValidationError);
    expect(consumer).not.toHaveBeenCalled();
  });

  it("treats a reference inside a longer string as a string", () => {
    const issue = rejection(() => prepare(plan({ limit: "n-{a.data.rows[0].count}" }), tools), { code: "REFERENCE_TYPE_MISMATCH", step: "b" });
    expect(issue.message).toMatch(/takes a number, but \{a\.data\.rows\[0\]\.count\} inside a longer string gives a string/);
    expect(() => prepare(plan({ label: "n-{a.data.rows[0].count}" }), tools)).not.toThrow();
  });

  it("rejects other definite clashes: number into boolean, array into string, object into number", () => {
    rejection(() => prepare(plan({ flag: "{a.data.rows[0].count}" }), tools), { code: "REFERENCE_TYPE_MISMATCH", message: /takes a boolean, but .* is a number/ });
    rejection(() => prepare(plan({ label: "{a.data.rows[0].tags}" }), tools), { code: "REFERENCE_TYPE_MISMATCH", message: /takes a string, but .* is an array/ });
    rejection(() => prepare(plan({ limit: "{a.data.rows[0]}" }), tools), { code: "REFERENCE_TYPE_MISMATCH", message: /takes a number, but .* is an object/ });
  });

  it("checks references nested in objects and arrays against the nested schema", () => {
    rejection(() => prepare(plan({ filter: { name: "{a.data.rows[0].count}" } }), tools), {
      code: "REFERENCE_TYPE_MISMATCH",
      path: "$.steps[1].output_mapping.filter.name",
      message: /parameter 'filter\.name' .* takes a string, but .* is a number/,
    });
    rejection(() => prepare(plan({ ids: [1, "{a.data.rows[0].name}"] }), tools), {
      code: "REFERENCE_TYPE_MISMATCH",
      path: "$.steps[1].output_mapping.ids[1]",
    });
    rejection(() => prepare(plan({ ids: { x: "{a.data.rows[0].count}" } }), tools), { code: "REFERENCE_TYPE_MISMATCH", message: /takes an array, but an object is given/ });
  });

  it("accepts what could fit: unions on either side, coercions, catch, preprocess, defaults", () => {
    for (const params of [
      { limit: "{a.data.rows[0].count}" },
      { loose: "{a.data.rows[0].name}" },
      { limit: "{a.data.either}" }, // string | number may be a number
      { coerced: "{a.data.rows[0].name}" }, // z.coerce accepts anything
      { caught: "{a.data.rows[0].name}" }, // catch replaces a bad value
      { preprocessed: "{a.data.rows[0].name}" },
      { defaulted: "{a.data.rows[0].count}" },
      { limit: "{a.data.anything}" }, // unknown says nothing
      { filter: { name: "{a.data.rows[0].name}", size: "{a.data.rows[0].count}" } },
      { ids: ["{a.data.rows[0].count}"] },
    ]) {
      expect(() => prepare(plan(params), tools), JSON.stringify(params)).not.toThrow();
    }
  });

  it("accepts a nullable or optional reference into a required number: null is a run-time matter", () => {
    // Decision: only definite clashes are rejected. A value that may be null (nullable in its
    // schema, optional, or missing at run time) reads as null with a warning at run time, and the
    // tool's input validation then decides; a number that may be null may also be a number.
    expect(() => prepare(plan({ defaulted: "{a.data.rows[0].score}" }), tools)).not.toThrow();
    expect(() => prepare(plan({ label: "{a.data.rows[0].note}" }), tools)).not.toThrow();
    rejection(() => prepare(plan({ label: "{a.data.rows[0].score}" }), tools), { code: "REFERENCE_TYPE_MISMATCH", message: /takes a string, but .* is null or a number/ });
  });

  it("does not check references into a tool without an output schema", () => {
    expect(() => prepare({ steps: [{ id: "a", tool: "echo" }, { id: "b", tool: "sink", output_mapping: { limit: "{a.data.x}" } }] }, tools)).not.toThrow();
  });
});
