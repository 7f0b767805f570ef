import { PlangraphError, PlanValidationError } from "../model/errors.js";
import { pathMember } from "../model/json-path.js";

/**
 * Rejects a plan value nested deeper than `maxDepth` (objects and arrays; the plan itself is at
 * depth 1), naming the JSON path where the limit is crossed. Iterative with an explicit stack, so
 * it is safe on any depth; it runs before anything recursive (JSON.stringify, templates, zod)
 * reads the plan. A value with more containers than `maxNodes` is refused too, which bounds the
 * walk on values that share sub-objects (a JavaScript caller's DAG can be exponentially wide when
 * unfolded; its JSON text could never be that small).
 */
export function checkNesting(value: unknown, maxDepth: number, maxNodes: number): void {
  const stack: Array<{ value: unknown; depth: number; parent: number; key: string }> = [{ value, depth: 1, parent: -1, key: "$" }];
  // Each visited container's parent and key, to rebuild the path of the one at fault.
  const trail: Array<{ parent: number; key: string }> = [];
  let nodes = 0;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.value === null || typeof frame.value !== "object") continue;
    const at = trail.push({ parent: frame.parent, key: frame.key }) - 1;
    if (frame.depth > maxDepth) {
      throw tooDeep(`the plan nests deeper than ${maxDepth} levels at ${pathOf(trail, at)} (limits.maxNestingDepth)`, pathOf(trail, at));
    }
    if (++nodes > maxNodes) {
      throw new PlanValidationError([
        new PlangraphError("PLAN_TOO_LARGE", `the plan holds more than ${maxNodes} objects and arrays (limits.maxPlanBytes)`, { path: "$" }),
      ]);
    }
    if (Array.isArray(frame.value)) {
      for (let i = frame.value.length - 1; i >= 0; i--) stack.push({ value: frame.value[i], depth: frame.depth + 1, parent: at, key: `[${i}]` });
    } else {
      const keys = Object.keys(frame.value);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        stack.push({ value: (frame.value as Record<string, unknown>)[key], depth: frame.depth + 1, parent: at, key: pathMember(key) });
      }
    }
  }
}

function pathOf(trail: ReadonlyArray<{ parent: number; key: string }>, at: number): string {
  const keys: string[] = [];
  for (let i = at; i >= 0; i = trail[i]!.parent) keys.push(trail[i]!.key);
  return keys.reverse().join("");
}

function tooDeep(message: string, path: string): PlanValidationError {
  return new PlanValidationError([new PlangraphError("LIMIT_EXCEEDED", message, { path })]);
}
