import { echo } from "../model/echo.js";
import { PlangraphError } from "../model/errors.js";
import { checkPathAgainstSchema } from "../refs/schema-check.js";
import { producedKinds, schemasAtPath, unionKinds } from "../refs/schema-kinds.js";
import { elementSchema, stepOutputSchema } from "./for-each.js";
import type { PreparedStep } from "./prepared.js";
import type { StepDraft } from "./step-pass.js";
import { producerOf } from "./reference-types.js";

/**
 * Where the source of a for_each list declares an output schema: the path must be a list
 * (rejected before anything runs otherwise, naming the step and the path), and `{item.x}` must
 * exist in its element schema. A path not in the schema at all is reported by checkOutputPaths.
 */
export function checkFanOutSources(drafts: readonly StepDraft[], steps: ReadonlyMap<string, PreparedStep>, issues: PlangraphError[]): void {
  for (const draft of drafts) {
    const fanOut = draft.forEach;
    const source = fanOut && steps.get(fanOut.ref.step);
    const schema = source && stepOutputSchema(source);
    if (!fanOut || !schema) continue;
    const found = schemasAtPath(schema, fanOut.ref.segments);
    if (found === undefined || found.length === 0) continue;
    const kinds = unionKinds(found.map((s) => producedKinds(s)));
    if (kinds !== "any" && !kinds.has("array")) {
      issues.push(
        new PlangraphError(
          "FOR_EACH_NOT_LIST",
          `step '${echo(draft.id)}': for_each ${echo(fanOut.ref.text, 120)} is not a list (${producerOf(source)} returns ${[...kinds].sort().join(" or ")} there)`,
          { path: fanOut.path, step: draft.id },
        ),
      );
      continue;
    }
    const element = elementSchema(fanOut, source);
    if (element === undefined) continue; // several list shapes: any of them may be the one
    for (const ref of draft.elementReferences) {
      if (ref.step !== fanOut.as || ref.segments.length === 0) continue;
      const check = checkPathAgainstSchema(element, ref.segments);
      if (!check.ok) {
        issues.push(
          new PlangraphError(
            "REFERENCE_NOT_IN_SCHEMA",
            `step '${echo(draft.id)}' references ${echo(ref.text, 120)}, but the elements of ${echo(fanOut.ref.text, 120)} cannot have that: ${check.message}`,
            { path: draft.path, step: draft.id },
          ),
        );
      }
    }
  }
}
