import { z } from "zod";
import { DecisionSchema, InnerStepSchema, SectionSchema, StepSchema, ToolDependenciesSchema } from "../plan/schema.js";

const REFERENCES =
  "Values may reference earlier results: '{step_id.path}' with path like .data.rows[0].ci_id; a value that is exactly one " +
  "reference keeps its JSON type, a reference inside longer text is interpolated.";

const FOR_EACH =
  "Runs the step once per element of a list: one whole reference such as '{services.data.rows}'. Inside the step '{item}' / " +
  "'{item.ci_id}' is the element (renamed by 'as') and '{item_index}' its position. The step's output is the list of element " +
  "outputs, so later steps read '{step[0].data...}'. max_concurrency bounds parallel elements; on_item_error: fail | skip | collect.";

const SUB_PLAN =
  "A sub-plan, in place of 'tool': inner steps (one level deep, no 'steps' of their own) that may read outer steps, each " +
  "other, and with for_each the element. The step's output is an object keyed by inner step id: '{sub.cpu.data.rows}', " +
  "with for_each a list of them: '{sub[0].cpu.data.rows}'. Use it for 'for each X: do A, then B with A's result'.";

/**
 * The plan as a tool input: either wire form (docs/PLAN-FORMAT.md) in one object schema, because
 * function-calling APIs want an object at the top. `tool` is limited to `toolNames` when given, so
 * a model's structured output is checked against the catalogue before plangraph even sees it.
 * Everything the schema cannot say (ids, references, cycles) is checked by `preparePlan`.
 * `catalogue` (see `catalogueText`) describes each tool's input where the model reads `tool`.
 */
export function planToolSchema(toolNames?: readonly string[], catalogue?: string) {
  const tool = toolNames && toolNames.length ? z.enum(toolNames as [string, ...string[]]) : z.string().min(1);
  // The catalogue goes here rather than in the tool's description, which OpenAI caps at 1024 characters.
  const toolHelp = catalogue ? `Name of a registered tool; its input is params merged with output_mapping. Tools:\n${catalogue}` : "Name of a registered tool";
  const mapping = StepSchema.shape.output_mapping.describe(`Input fields computed from earlier steps. ${REFERENCES}`);
  const forEach = StepSchema.shape.for_each.describe(FOR_EACH);
  const inner = InnerStepSchema.omit({ steps: true, decisions: true }).extend({
    // The catalogue is described once, on the outer step's 'tool'.
    tool: tool.describe("Name of a registered tool (the catalogue is under the outer steps' 'tool')"),
    output_mapping: mapping,
    for_each: forEach,
  });
  const step = StepSchema.extend({
    tool: tool.optional().describe(`${toolHelp}\nOmit it only for a sub-plan ('steps').`),
    output_mapping: mapping,
    for_each: forEach,
    steps: z.array(inner).optional().describe(SUB_PLAN),
    decisions: z.array(DecisionSchema).optional().describe("A sub-plan's decisions over its own inner steps"),
  });
  const section = SectionSchema.extend({ tool: tool.describe("Name of a registered tool") }).nullish();
  return z
    .object({
      goal: z.string().optional().describe("The question this plan answers"),
      answer: z.string().optional().describe(`Text template of the answer for people, rendered after the run. ${REFERENCES}`),
      steps: z
        .array(step)
        .optional()
        .describe("Step-list form: the tool calls (a step may fan out with for_each, or run a sub-plan of inner steps); ids are unique, [A-Za-z_][A-Za-z0-9_-]*"),
      decisions: z.array(DecisionSchema).optional().describe("Conditional edges: after some steps, run 'then' or 'else' steps"),
      primary: section,
      secondary: section,
      aggregate: section,
      graph: section,
      metric: section,
      history: section,
      document: section,
      tool_dependencies: ToolDependenciesSchema.optional(),
      execution_strategy: z.enum(["parallel", "serial", "dag"]).optional(),
    })
    .strict()
    .describe("A plan: either 'steps' (general form) or the sections primary/secondary/aggregate/graph/metric");
}

/** The plan tool's input schema over any tool name (for documentation and other agents). */
export const PlanToolInputSchema = planToolSchema();

/** What a model sends as a plan. */
export type PlanToolInput = z.input<ReturnType<typeof planToolSchema>>;

/**
 * A tool input as a plan: drops what the other form's defaults may have filled in, so that exactly
 * one form reaches `preparePlan` (an explicit mix of both is still rejected there).
 */
export function planFromToolInput(input: Record<string, unknown>): Record<string, unknown> {
  const plan: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) if (value !== undefined && value !== null) plan[key] = value;
  return plan;
}
