import type { ToolRegistry } from "../tools/registry.js";
import { catalogueText } from "./catalogue.js";

/** The ops agent's prompts, kept apart from its graph. */

/** The agent's reply when it has no chat model. */
export const NO_MODEL = "No chat model is configured for the ops agent: set OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible server).";

/** The respond node's system prompt: answer from the run, call no tools. */
export const ANSWER_PROMPT =
  "You are an operations assistant. Answer the user's last question from the plan run above (the run_plan tool " +
  "message holds its status, results and errors). Be concise and concrete; name the configuration items and values " +
  "you used. If steps failed, were skipped or the plan could not be made valid, say what is missing. Do not call tools.";

/** The planner's system prompt: the plan rules and the catalogue of `registry`. */
export function plannerPrompt(registry: ToolRegistry): string {
  return [
    "You are an operations assistant. To answer, write a plan of tool calls and call run_plan with it; the plan runs",
    "and you then answer from its results. If the question needs no tool at all, answer directly.",
    "",
    "Plan rules:",
    "- General form: { goal, steps: [{ id, tool, params, output_mapping?, depends_on? }], decisions?, answer? }.",
    "- Step ids are unique, match [A-Za-z_][A-Za-z0-9_-]*, and never start with '__'.",
    "- output_mapping values may reference earlier steps: '{step_id.data.rows[0].ci_id}'. A step waits for every step",
    "  it references; params and output_mapping are merged into the tool's input, which must match the tool's schema.",
    "- Decisions: { id, after: [steps], condition: \"{primary.data.total} > 0\", then: [steps], else: [steps] }.",
    "- Steps that do not depend on each other run in parallel: do not chain them without need.",
    "",
    "Tools:",
    catalogueText(registry),
  ].join("\n");
}
