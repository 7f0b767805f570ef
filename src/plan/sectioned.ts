import { echo } from "../model/echo.js";
import { PlangraphError, PlanValidationError } from "../model/errors.js";
import { unique } from "../model/unique.js";
import { emptySectionReason } from "./empty-sections.js";
import { recordMappingPaths, recordToolField } from "./field-path.js";
import {
  SECTION_NAMES,
  STRUCTURAL_DEPENDENCIES,
  SectionedPlanSchema,
  StepSchema,
  type Plan,
  type PlanStep,
  type SectionName,
} from "./schema.js";
import { readToolDependencies, type SectionOverride } from "./tool-dependencies.js";
import { zodFailure } from "./zod-issues.js";

/** For sectioned steps: the JSON path where each entry of `depends_on` was written. */
export const dependencyPaths = new WeakMap<PlanStep, string[]>();

type Section = NonNullable<ReturnType<typeof SectionedPlanSchema.parse>[SectionName]>;

/**
 * The sectioned form as the one plan model: each present section becomes the step named after it,
 * with its structural dependencies unless `tool_dependencies` names it, the list form's mappings
 * merged into its `output_mapping`, and a section whose spec is empty listed in `notRun`. Every
 * shape problem of the plan is reported at once.
 */
export function fromSectioned(record: Record<string, unknown>): Plan {
  // tool_dependencies is read on its own, so its errors name the accepted shapes, not zod's union.
  const { tool_dependencies: dependencies, ...rest } = record;
  const parsed = SectionedPlanSchema.safeParse(rest);
  const present = SECTION_NAMES.filter((name) => record[name] != null);
  const { overrides, issues } = readToolDependencies(dependencies, present);
  if (!parsed.success) issues.unshift(...zodFailure(parsed.error, record).issues);
  if (!parsed.success || issues.length) throw new PlanValidationError(issues);
  const data = parsed.data;
  const steps: PlanStep[] = [];
  const notRun: Record<string, string> = {};
  for (const name of present) {
    const step = sectionStep(name, data[name]!, present, overrides.get(name), issues);
    if (!step) continue;
    steps.push(step.step);
    if (step.notRun !== undefined) notRun[name] = step.notRun;
  }
  if (issues.length) throw new PlanValidationError(issues);
  return {
    form: "sectioned",
    ...(data.goal === undefined ? {} : { goal: data.goal }),
    ...(data.answer === undefined ? {} : { answer: data.answer }),
    steps,
    decisions: data.decisions,
    ...(data.execution_strategy === undefined ? {} : { strategyHint: data.execution_strategy }),
    ...(Object.keys(notRun).length ? { notRun } : {}),
  };
}

function sectionStep(
  name: SectionName,
  section: Section,
  present: readonly SectionName[],
  override: SectionOverride | undefined,
  issues: PlangraphError[],
): { step: PlanStep; notRun?: string } | undefined {
  const tool = toolOf(name, section, issues);
  const output_mapping = mergedMapping(name, section.output_mapping ?? {}, override, issues);
  if (tool === undefined || output_mapping === undefined) return undefined;
  const structural = STRUCTURAL_DEPENDENCIES[name].filter((dep) => present.includes(dep));
  // Where each dependency was written, so errors point at tool_dependencies or the section's own
  // depends_on rather than at a merged list the user never wrote.
  const written: Array<readonly [string, string]> = [
    ...(override ? override.depends_on.map((dep) => [dep.id, dep.path] as const) : structural.map((dep) => [dep, `$.${name}`] as const)),
    ...(section.depends_on ?? []).map((dep, i) => [dep, `$.${name}.depends_on[${i}]`] as const),
  ];
  const depends_on = unique(written.map(([dep]) => dep));
  const { tool: _tool, tool_type: _toolType, enabled, ...fields } = section;
  // A section has no sub-plan fields (SectionSchema omits them): the parsed step is a plain one.
  const { steps: _steps, decisions: _decisions, ...step } = StepSchema.parse({ ...fields, tool, output_mapping, id: name, depends_on });
  dependencyPaths.set(step, depends_on.map((dep) => written.find(([d]) => d === dep)![1]));
  if (section.tool === undefined) recordToolField(step, "tool_type");
  recordMappingPaths(step.output_mapping, new Map((override?.output_mapping ?? []).map(({ key, path }) => [key, path])));
  const reason = emptySectionReason(name, { ...(enabled === undefined ? {} : { enabled }), input: ownMerge(step.params, step.output_mapping) });
  return { step, ...(reason === undefined ? {} : { notRun: reason }) };
}

/** The section's tool: `tool`, or the original planner's `tool_type`; one of them, or both alike. */
function toolOf(name: SectionName, section: Section, issues: PlangraphError[]): string | undefined {
  const { tool, tool_type } = section;
  if (tool !== undefined && tool_type !== undefined && tool !== tool_type) {
    issues.push(
      new PlangraphError("PLAN_INVALID", `section '${name}' names two tools, 'tool' '${echo(tool)}' and 'tool_type' '${echo(tool_type)}'; give one`, {
        path: `$.${name}.tool_type`,
        step: name,
      }),
    );
    return undefined;
  }
  const chosen = tool ?? tool_type;
  if (chosen === undefined) {
    issues.push(new PlangraphError("PLAN_INVALID", `section '${name}' needs 'tool' (or the original planner's 'tool_type'): the tool it calls`, { path: `$.${name}.tool`, step: name }));
  }
  return chosen;
}

/**
 * The section's `output_mapping` with the list form's mappings merged in. The same key written in
 * both places with different values is an error naming both: neither silently wins.
 */
function mergedMapping(name: SectionName, own: Record<string, unknown>, override: SectionOverride | undefined, issues: PlangraphError[]): Record<string, unknown> | undefined {
  const merged = ownMerge(own);
  let clash = false;
  for (const { key, value, path } of override?.output_mapping ?? []) {
    if (Object.prototype.hasOwnProperty.call(merged, key) && JSON.stringify(merged[key]) !== JSON.stringify(value)) {
      issues.push(
        new PlangraphError("PLAN_INVALID", `section '${name}' maps '${echo(key)}' twice, differently: in its output_mapping and at ${path}`, { path, step: name }),
      );
      clash = true;
      continue;
    }
    define(merged, key, value);
  }
  return clash ? undefined : merged;
}

/** Own-property merge: a hostile key such as "__proto__" stays a plain data key. */
function ownMerge(...sources: ReadonlyArray<Readonly<Record<string, unknown>>>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const source of sources) for (const key of Object.keys(source)) define(merged, key, source[key]);
  return merged;
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
