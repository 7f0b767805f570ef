import type { Reference } from "../refs/grammar.js";

/** Comparison operators of the condition language. */
export type ComparisonOperator = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** A literal value written in a condition. */
export type LiteralValue = null | boolean | number | string;

/**
 * One node of a parsed condition. `offset` is where the node starts in the condition text
 * (0-based), for messages. `&&` and `||` chains are n-ary: `a && b && c` is one node.
 */
export type ConditionNode =
  | { kind: "literal"; value: LiteralValue; offset: number }
  | { kind: "reference"; ref: Reference; offset: number }
  | { kind: "not"; operand: ConditionNode; offset: number }
  | { kind: "compare"; operator: ComparisonOperator; left: ConditionNode; right: ConditionNode; offset: number }
  | { kind: "and" | "or"; operands: readonly ConditionNode[]; offset: number };

/** A condition parsed once at compile time; evaluation only walks `root`. Plain data. */
export interface Condition {
  /** The condition as written. */
  text: string;
  root: ConditionNode;
  /** Every reference, in the order written. */
  references: readonly Reference[];
}

/** Where a condition comes from, and what it may reference. */
export interface ConditionContext {
  /** Step ids a reference may name. */
  steps: ReadonlySet<string>;
  /** JSON path of the condition field, e.g. `$.decisions[0].condition`, for errors. */
  path: string;
  /** The decision that owns the condition, for errors. */
  owner?: string;
  /** Ids that exist but cannot be referenced (decisions), for a precise message. */
  unreferenceable?: ReadonlySet<string>;
  /** Longest accepted condition text, in characters (default {@link DEFAULT_MAX_CONDITION_LENGTH}). */
  maxLength?: number;
  /** Deepest accepted nesting of parentheses and `!` (default {@link DEFAULT_MAX_CONDITION_DEPTH}). */
  maxDepth?: number;
}

/** Default limit on a condition's length: generous for people, small enough to bound parsing. */
export const DEFAULT_MAX_CONDITION_LENGTH = 2000;

/** Default limit on nesting depth; keeps the recursive parser and evaluator far from the stack limit. */
export const DEFAULT_MAX_CONDITION_DEPTH = 32;
