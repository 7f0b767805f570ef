/**
 * The safe expression language of rule decisions: parsed once at compile time by a hand-written
 * parser (never `eval`), evaluated at run time over step outputs. See docs/CONDITIONS.md.
 */
export { conditionReferences, parseCondition } from "./parse.js";
export { evaluateCondition, type ConditionResult } from "./evaluate.js";
export { formatCondition } from "./print.js";
export { isTruthy, jsonEqual } from "./values.js";
export {
  DEFAULT_MAX_CONDITION_DEPTH,
  DEFAULT_MAX_CONDITION_LENGTH,
  type ComparisonOperator,
  type Condition,
  type ConditionContext,
  type ConditionNode,
  type LiteralValue,
} from "./syntax.js";
