import type { Condition, ConditionNode } from "./syntax.js";

/**
 * Replaces a node's printed form (with a value, say); a replaced node prints as an atom. Return
 * `undefined` to print the node normally.
 */
export type NodeView = (node: ConditionNode) => string | undefined;

/** Binding strength, loosest first; parentheses are added exactly where these require them. */
function precedence(node: ConditionNode): number {
  switch (node.kind) {
    case "or":
      return 1;
    case "and":
      return 2;
    case "compare":
      return node.operator === "==" || node.operator === "!=" ? 3 : 4;
    case "not":
      return 5;
    case "literal":
    case "reference":
      return 6;
  }
}

/** The canonical text of a parsed condition: single spaces around operators, minimal parentheses. */
export function formatCondition(condition: Condition): string {
  return printNode(condition.root);
}

/** Prints one node, optionally replacing some nodes through `view`. */
export function printNode(node: ConditionNode, view: NodeView = () => undefined): string {
  const replaced = view(node);
  if (replaced !== undefined) return replaced;
  const child = (operand: ConditionNode, min: number): string => {
    const text = printNode(operand, view);
    return view(operand) === undefined && precedence(operand) < min ? `(${text})` : text;
  };
  switch (node.kind) {
    case "literal":
      return typeof node.value === "string" ? JSON.stringify(node.value) : String(node.value);
    case "reference":
      return node.ref.text;
    case "not":
      return `!${child(node.operand, 5)}`;
    case "compare": {
      // Comparisons do not chain, so both sides must bind tighter than the comparison itself.
      const own = precedence(node);
      return `${child(node.left, own + 1)} ${node.operator} ${child(node.right, own + 1)}`;
    }
    case "and":
    case "or": {
      const own = precedence(node);
      return node.operands.map((operand) => child(operand, own + 1)).join(node.kind === "and" ? " && " : " || ");
    }
  }
}
