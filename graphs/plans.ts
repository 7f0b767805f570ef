import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { PlangraphError } from "../src/model/errors.js";
import { EXAMPLES_DIR } from "../src/cli/examples-dir.js";

/** Where the example plans live (`npm start` runs them; each is also a graph of the server). */
export { EXAMPLES_DIR };

/** The plan an orchestrator assistant runs when its config names none. */
export const DEFAULT_PLAN_ID = "decision-branches";

/** Names of the example plans (file names without `.json`). */
export function examplePlanIds(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

/** The text of an example plan, by id (`decision-branches` or `decision-branches.json`). */
export function examplePlan(id: string): string {
  const name = id.endsWith(".json") ? id.slice(0, -".json".length) : id;
  const file = join(EXAMPLES_DIR, `${name}.json`);
  // Only plain names of files in examples/: a plan id is never a path.
  if (!/^[A-Za-z0-9_-]+$/.test(name) || !existsSync(file)) {
    throw new PlangraphError("USAGE", `unknown plan_id '${id}': use one of ${examplePlanIds().join(", ")}`);
  }
  return readFileSync(file, "utf8");
}

/**
 * The plan an orchestrator run or assistant is for: `configurable.plan` (a plan object or its JSON
 * text), else `configurable.plan_id` (an example's name), else the default example.
 */
export function planFromConfig(config: LangGraphRunnableConfig | undefined): { plan: unknown; source: string } {
  const configurable = (config?.configurable ?? {}) as Record<string, unknown>;
  const plan = configurable.plan;
  if (plan !== undefined && plan !== null && plan !== "") return { plan, source: "configurable.plan" };
  const id = configurable.plan_id;
  if (id !== undefined && id !== null && id !== "") {
    if (typeof id !== "string") throw new PlangraphError("USAGE", "configurable.plan_id must be the name of an example plan");
    return { plan: examplePlan(id), source: `examples/${id}` };
  }
  return { plan: examplePlan(DEFAULT_PLAN_ID), source: `examples/${DEFAULT_PLAN_ID}` };
}
