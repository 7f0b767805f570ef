import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RunResultSchema } from "../../src/model/result.js";
import { generateSchemas } from "../../scripts/schema.js";
import { jsonBlocks } from "./markdown.js";

const resultDoc = readFileSync("docs/RESULT-FORMAT.md", "utf8");

describe("docs: the result format", () => {
  it("documents every field of the result schema in its table", () => {
    for (const field of Object.keys(RunResultSchema.shape)) expect(resultDoc, field).toMatch(new RegExp(`^\\| \`${field}\` \\|`, "m"));
  });

  it("documents no field the schema does not have", () => {
    const rows = [...resultDoc.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!);
    const fields = new Set(Object.keys(RunResultSchema.shape));
    expect(rows.filter((row) => !fields.has(row) && !/^[0-3]$/.test(row))).toEqual([]);
  });

  it("shows example results that are valid results, with no field outside the schema", () => {
    const examples = jsonBlocks("docs/RESULT-FORMAT.md").filter((b) => typeof b.value === "object" && b.value !== null && "status" in b.value);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      const parsed = RunResultSchema.strict().safeParse(example.value);
      expect(parsed.success ? [] : parsed.error.issues, `docs/RESULT-FORMAT.md:${example.line}`).toEqual([]);
    }
  });
});

describe("schema/: the checked-in JSON Schemas", () => {
  const fresh = generateSchemas();

  it("are exactly what `npm run schema` generates from the zod schemas now", () => {
    expect(Object.keys(fresh).sort()).toEqual(["plan.schema.json", "result.schema.json"]);
    for (const [name, text] of Object.entries(fresh)) {
      let checkedIn = "";
      try {
        checkedIn = readFileSync(`schema/${name}`, "utf8");
      } catch {
        // missing: compared as empty, so the failure names the file
      }
      expect(checkedIn, `schema/${name} is stale: run npm run schema`).toBe(text);
    }
  });

  it("describe the plan's input side (defaults optional) and every result field as required", () => {
    const plan = JSON.parse(fresh["plan.schema.json"]!) as { anyOf: Array<{ properties: Record<string, unknown>; required?: string[] }> };
    const stepList = plan.anyOf.find((form) => "steps" in form.properties)!;
    expect(stepList.required).toEqual(["steps"]);
    const step = (stepList.properties.steps as { items: { required: string[]; properties: Record<string, unknown> } }).items;
    // A step names a tool or carries a sub-plan (steps): neither is required on its own.
    expect(step.required.sort()).toEqual(["id"]);
    expect(Object.keys(step.properties)).toEqual(expect.arrayContaining(["tool", "steps", "decisions"]));
    expect(Object.keys(step.properties)).toContain("requires_approval");
    const result = JSON.parse(fresh["result.schema.json"]!) as { required: string[] };
    expect(result.required).toContain("approval_wait_ms");
    expect(result.required).not.toContain("answer");
  });
});
