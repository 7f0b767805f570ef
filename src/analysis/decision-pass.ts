import { parseCondition, type Condition } from "../conditions/index.js";
import type { PlangraphError } from "../model/errors.js";
import type { Plan } from "../plan/schema.js";
import type { Reference } from "../refs/grammar.js";
import { unique } from "../model/unique.js";
import { checkLoopReferences, collect } from "./issues.js";
import { LOOP_REF } from "./loops.js";
import type { PreparedDecision } from "./prepared.js";

/**
 * Parses every decision's condition (once, here, at compile time) and works out what each
 * decision waits for: its `after` steps and the steps its condition reads. (Conditions are bounded
 * by their own length limit, so they do not count against the template budget.)
 */
export function prepareDecisions(
  plan: Plan,
  referable: ReadonlySet<string>,
  decisionIds: ReadonlySet<string>,
  loopRefs: Map<string, string>,
  issues: PlangraphError[],
): Map<string, PreparedDecision> {
  const decisions = new Map<string, PreparedDecision>();
  plan.decisions.forEach((spec, index) => {
    const path = `$.decisions[${index}]`;
    let condition: Condition | undefined;
    let conditionRefs: Reference[] = [];
    if (spec.condition !== undefined) {
      const conditionPath = `${path}.condition`;
      condition = collect(issues, () => parseCondition(spec.condition!, { steps: referable, unreferenceable: decisionIds, path: conditionPath, owner: spec.id }));
      if (condition) {
        checkLoopReferences(condition.references, spec.id, conditionPath, loopRefs, issues);
        conditionRefs = condition.references.filter((r) => r.step !== LOOP_REF);
      }
    }
    decisions.set(spec.id, {
      id: spec.id,
      index,
      spec,
      ...(condition === undefined ? {} : { condition }),
      deps: unique([...spec.after, ...conditionRefs.map((r) => r.step)]),
      loopTargets: { then: [], else: [] },
    });
  });
  return decisions;
}
