import { echo } from "../model/echo.js";
import { PlangraphError, PlanValidationError } from "../model/errors.js";
import type { Reference } from "../refs/grammar.js";
import { LOOP_REF } from "./loops.js";

/** Runs `make`; a typed error (or every issue of a validation error) is collected, not thrown. */
export function collect<T>(issues: PlangraphError[], make: () => T): T | undefined {
  try {
    return make();
  } catch (error) {
    if (error instanceof PlanValidationError) issues.push(...error.issues);
    else if (error instanceof PlangraphError) issues.push(error);
    else throw error;
    return undefined;
  }
}

/** `{__loop.iteration}` is the only thing a loop reference may name; records who uses one. */
export function checkLoopReferences(
  references: readonly Reference[],
  owner: string,
  path: string,
  loopRefs: Map<string, string>,
  issues: PlangraphError[],
): void {
  for (const ref of references) {
    if (ref.step !== LOOP_REF) continue;
    loopRefs.set(owner, path);
    const [first, ...rest] = ref.segments;
    if (rest.length || first?.kind !== "member" || first.name !== "iteration") {
      issues.push(new PlangraphError("BAD_REFERENCE", `'${echo(owner)}' references ${echo(ref.text, 120)}; a loop offers only {${LOOP_REF}.iteration}`, { path, step: owner }));
    }
  }
}
