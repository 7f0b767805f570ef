import { resolveReference, type MissingReference, type OutputLookup } from "../refs/resolve.js";
import { printNode } from "./print.js";
import type { Condition, ConditionNode } from "./syntax.js";
import { compareOrdered, formatValue, isTruthy, jsonEqual } from "./values.js";

/** The outcome of a condition: its truth and a one-line account of how it was reached. */
export interface ConditionResult {
  value: boolean;
  /** e.g. `{primary.data.total} > 0 → 12 > 0 → true`; used as the decision's `reason`. */
  explanation: string;
}

/** Longest single stage of an explanation, so reasons stay readable in reports. */
const MAX_STAGE = 240;

/**
 * Evaluates a parsed condition against step outputs. Pure apart from `onMissing`.
 *
 * Semantics (also in docs/CONDITIONS.md):
 * - No type coercion, ever: `"1" == 1` is false, `0 == false` is false, `null == ""` is false.
 * - `==` / `!=` are deep JSON equality: same type and same content; object key order does not
 *   matter; arrays compare element by element.
 * - `<` `<=` `>` `>=` compare a number with a number, or a string with a string (by UTF-16 code
 *   units, not locale). Any other pairing (a string and a number, null, booleans, arrays, objects)
 *   is simply false, and the explanation says why.
 * - Truthiness: `null`, `false`, `0`, `""`, `[]` and `{}` are falsy; every other value is truthy.
 * - `!x` is the negation of x's truthiness. `&&` and `||` evaluate left to right, stop as soon as
 *   the result is known (references they skip are not read), and always yield a boolean.
 * - The condition's result is the truthiness of the whole expression, so `{a.rows}` alone means
 *   "a returned at least one row".
 * - A reference whose step has no output, or whose path is missing, reads as `null` and is reported
 *   through `onMissing` (the caller makes that a warning or, under `--strict`, a failure).
 */
export function evaluateCondition(
  condition: Condition,
  outputs: OutputLookup,
  onMissing: (missing: MissingReference) => void,
): ConditionResult {
  const values = new Map<ConditionNode, unknown>();
  const notes = new Set<string>();

  const evaluate = (node: ConditionNode): unknown => {
    let value: unknown;
    switch (node.kind) {
      case "literal":
        value = node.value;
        break;
      case "reference":
        value = resolveReference(node.ref, outputs, (missing) => {
          notes.add(`${missing.message}, read as null`);
          onMissing(missing);
        });
        break;
      case "not":
        value = !isTruthy(evaluate(node.operand));
        break;
      case "compare": {
        const left = evaluate(node.left);
        const right = evaluate(node.right);
        if (node.operator === "==") value = jsonEqual(left, right);
        else if (node.operator === "!=") value = !jsonEqual(left, right);
        else {
          const ordered = compareOrdered(node.operator, left, right);
          value = ordered.value;
          if (ordered.why !== undefined) {
            notes.add(`${formatValue(left)} ${node.operator} ${formatValue(right)} is false: ${ordered.why}`);
          }
        }
        break;
      }
      case "and":
        value = node.operands.every((operand) => isTruthy(evaluate(operand)));
        break;
      case "or":
        value = node.operands.some((operand) => isTruthy(evaluate(operand)));
        break;
    }
    values.set(node, value);
    return value;
  };

  const value = isTruthy(evaluate(condition.root));
  return { value, explanation: explain(condition.root, values, value, [...notes]) };
}

/**
 * Stages of the evaluation joined by arrows: the condition, then with references replaced by their
 * values, then (for `&&` / `||`) with each operand reduced, then the result. Operands that were
 * short-circuited show as `…`. Identical consecutive stages are shown once.
 */
function explain(root: ConditionNode, values: ReadonlyMap<ConditionNode, unknown>, result: boolean, notes: string[]): string {
  const stages = [printNode(root)];
  stages.push(
    printNode(root, (node) => (node.kind === "reference" && values.has(node) ? formatValue(values.get(node)) : undefined)),
  );
  if (root.kind === "and" || root.kind === "or") {
    stages.push(
      printNode(root, (node) => {
        if (node.kind === "and" || node.kind === "or") return values.has(node) ? undefined : "…";
        if (!values.has(node)) return "…";
        return formatValue(values.get(node));
      }),
    );
  }
  stages.push(String(result));
  const shown = stages.filter((stage, i) => i === 0 || stage !== stages[i - 1]).map(clip);
  const explanation = shown.join(" → ");
  return notes.length === 0 ? explanation : `${explanation} (${notes.join("; ")})`;
}

function clip(stage: string): string {
  return stage.length <= MAX_STAGE ? stage : `${stage.slice(0, MAX_STAGE - 1)}…`;
}
