/**
 * Generates the JSON Schema files under schema/ from the zod schemas, the single source of both
 * formats: the plan (src/plan/schema.ts) and the run result (src/model/result.ts). For editors
 * (`"$schema"` in a plan file) and for clients in other languages.
 *
 *   npm run schema            writes schema/*.json
 *   npm run schema -- --check exits 1 if the checked-in files differ from fresh ones
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { SectionedPlanSchema, StepListPlanSchema } from "../src/plan/schema.js";
import { RunResultSchema } from "../src/model/result.js";

/** File name → file text, as `npm run schema` writes them. */
export function generateSchemas(): Record<string, string> {
  // A plan is what people and models write, so its schema is the input side: defaults are optional.
  const plan = z.union([StepListPlanSchema.describe("Step-list form"), SectionedPlanSchema.describe("Sectioned form (the ops planner's)")]).describe(
    "A plangraph plan, in either form. References, ids, decisions and limits are checked by `plangraph validate` beyond this shape: see docs/PLAN-FORMAT.md.",
  );
  const result = RunResultSchema.describe("The result of a run: what `plangraph run --json` prints and runPlan returns. See docs/RESULT-FORMAT.md.");
  return {
    "plan.schema.json": render(z.toJSONSchema(plan, { io: "input", target: "draft-2020-12" }), "plangraph plan"),
    "result.schema.json": render(z.toJSONSchema(result, { io: "output", target: "draft-2020-12" }), "plangraph run result"),
  };
}

function render(schema: Record<string, unknown>, title: string): string {
  const { $schema, ...rest } = schema;
  return `${JSON.stringify({ $schema, title, ...rest }, null, 2)}\n`;
}

const dir = new URL("../schema/", import.meta.url);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const [name, text] of Object.entries(generateSchemas())) {
    const file = new URL(name, dir);
    if (!check) writeFileSync(file, text);
    else if ((() => { try { return readFileSync(file, "utf8"); } catch { return ""; } })() !== text) {
      console.error(`schema/${name} is out of date: run npm run schema`);
      stale++;
    }
  }
  process.exitCode = stale ? 1 : 0;
}
