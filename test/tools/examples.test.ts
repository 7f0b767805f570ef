import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preparePlan } from "../../src/analysis/prepare.js";
import { runPlan } from "../../src/api/run-plan.js";
import { createToolRegistry, type ToolRegistry } from "../../src/tools/registry.js";
import { opsTools } from "../../tools/index.js";
import { openTestPglite, type TestDatabase } from "./harness.js";

const EXAMPLES = resolve(import.meta.dirname, "../../examples");
const files = readdirSync(EXAMPLES).filter((f) => f.startsWith("ops-") && f.endsWith(".json")).sort();
const plan = (file: string) => JSON.parse(readFileSync(join(EXAMPLES, file), "utf8")) as Record<string, unknown>;

describe("the ops example plans", () => {
  let handle: TestDatabase;
  let registry: ToolRegistry;
  beforeAll(async () => {
    handle = await openTestPglite();
    registry = createToolRegistry(opsTools({ database: handle.db }));
  });
  afterAll(async () => handle?.close());

  it("are at least six ops questions, in both plan forms", () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
    const forms = files.map((f) => ("steps" in plan(f) ? "steps" : "sectioned"));
    expect(new Set(forms)).toEqual(new Set(["steps", "sectioned"]));
    for (const f of files) expect(plan(f).goal, f).toMatch(/\?$/);
  });

  it.each(files)("%s passes every compile-time check (references against the tools' output schemas)", (file) => {
    expect(() => preparePlan(plan(file), { registry })).not.toThrow();
  });

  it("would be rejected if a reference named a field a tool does not return", () => {
    const broken = plan("ops-db-prod-01-impact.json");
    (broken.steps as Array<Record<string, unknown>>)[1]!.output_mapping = { ci_id: "{primary.data.rows[0].hostname}" };
    expect(() => preparePlan(broken, { registry })).toThrow(/hostname/);
  });

  it.each(files)("%s runs to completion on the sample estate and renders its answer", async (file) => {
    const result = await runPlan(plan(file), { registry, approveAll: true });
    expect(result.errors, file).toEqual({});
    expect(result.status).toBe("completed");
    expect(result.answer).toBeTruthy();
    expect(result.answer).not.toMatch(/\{|null|undefined/);
  });
});
