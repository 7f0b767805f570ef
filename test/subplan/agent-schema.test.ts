import { describe, expect, it } from "vitest";
import { z } from "zod";
import { planToolSchema } from "../../src/agents/plan-schema.js";
import { perServicePlan } from "./support.js";

describe("the plan tool's schema (what a model writes plans against)", () => {
  const schema = planToolSchema(["services", "hosts_of", "cpu_of", "echo"]);

  it("accepts a for_each sub-plan and checks its inner tools against the catalogue", () => {
    expect(schema.safeParse(perServicePlan()).success).toBe(true);
    const wrong = perServicePlan();
    (wrong.steps[1] as { steps: Array<{ tool: string }> }).steps[1]!.tool = "cpu_off";
    const parsed = schema.safeParse(wrong);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(["steps", 1, "steps", 1, "tool"]);
  });

  it("tells the model about for_each and sub-plans", () => {
    const text = JSON.stringify(z.toJSONSchema(schema));
    expect(text).toMatch(/once per element of a list/);
    expect(text).toMatch(/A sub-plan, in place of 'tool'/);
    expect(text).toMatch(/\{sub\[0\]\.cpu\.data\.rows\}/);
  });
});
