import { echo } from "../model/echo.js";
import type { Reference } from "../refs/grammar.js";
import { conditionError, wholeConditionError } from "./errors.js";
import {
  DEFAULT_MAX_CONDITION_DEPTH,
  DEFAULT_MAX_CONDITION_LENGTH,
  type ComparisonOperator,
  type Condition,
  type ConditionContext,
  type ConditionNode,
} from "./syntax.js";
import { tokenize, type Token } from "./tokenize.js";

const EQUALITY: ReadonlySet<string> = new Set(["==", "!="]);
const ORDERING: ReadonlySet<string> = new Set(["<", "<=", ">", ">="]);

/**
 * Parses a rule decision's condition, once, at compile time.
 *
 * Grammar, loosest binding first (a hand-written recursive-descent parser, one function a level):
 *
 *     or       = and *( "||" and )
 *     and      = equality *( "&&" equality )
 *     equality = ordering [ ( "==" / "!=" ) ordering ]
 *     ordering = unary [ ( "<" / "<=" / ">" / ">=" ) unary ]
 *     unary    = "!" unary / primary
 *     primary  = number / string / "true" / "false" / "null" / reference / "(" or ")"
 *
 * Comparisons do not chain (`1 < x < 3` is an error: write `1 < x && x < 3`).
 *
 * @throws PlangraphError `BAD_CONDITION` for syntax errors and exceeded limits (the message names
 *   the 1-based column and shows a caret), `UNKNOWN_STEP` for a reference to a step that does not
 *   exist (with a did-you-mean), `BAD_REFERENCE` for a malformed or forbidden path.
 */
export function parseCondition(text: string, context: ConditionContext): Condition {
  const maxLength = context.maxLength ?? DEFAULT_MAX_CONDITION_LENGTH;
  if (typeof text !== "string") throw wholeConditionError("BAD_CONDITION", context, "a condition must be a string");
  if (text.length > maxLength) {
    throw wholeConditionError(
      "BAD_CONDITION",
      context,
      `condition is ${text.length} characters long; the limit is ${maxLength} (split the decision, or compute the value in a step)`,
    );
  }
  if (text.trim() === "") throw wholeConditionError("BAD_CONDITION", context, "condition is empty");
  const parser = new Parser(text, tokenize(text, context), context, context.maxDepth ?? DEFAULT_MAX_CONDITION_DEPTH);
  const root = parser.parse();
  return { text, root, references: parser.references };
}

/** Every reference a condition reads, in the order written (these are the decision's inputs). */
export function conditionReferences(condition: Condition): Reference[] {
  return [...condition.references];
}

class Parser {
  private index = 0;
  private depth = 0;
  readonly references: Reference[] = [];

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
    private readonly context: ConditionContext,
    private readonly maxDepth: number,
  ) {}

  parse(): ConditionNode {
    const root = this.parseOr();
    const token = this.peek();
    if (token.type !== "end") {
      if (token.type === "operator" && token.operator === ")") throw this.fail(token.offset, "unmatched ')'");
      throw this.fail(token.offset, `expected an operator before ${describe(token)}`);
    }
    return root;
  }

  private parseOr(): ConditionNode {
    return this.parseChain("||", "or", () => this.parseAnd());
  }

  private parseAnd(): ConditionNode {
    return this.parseChain("&&", "and", () => this.parseEquality());
  }

  private parseChain(operator: "&&" | "||", kind: "and" | "or", operand: () => ConditionNode): ConditionNode {
    const first = operand();
    const operands = [first];
    while (this.isOperator(operator)) {
      this.index++;
      operands.push(operand());
    }
    return operands.length === 1 ? first : { kind, operands, offset: first.offset };
  }

  private parseEquality(): ConditionNode {
    return this.parseComparison(EQUALITY, () => this.parseOrdering());
  }

  private parseOrdering(): ConditionNode {
    return this.parseComparison(ORDERING, () => this.parseUnary());
  }

  private parseComparison(operators: ReadonlySet<string>, operand: () => ConditionNode): ConditionNode {
    const left = operand();
    const token = this.peek();
    if (token.type !== "operator" || !operators.has(token.operator)) return left;
    this.index++;
    const right = operand();
    const next = this.peek();
    if (next.type === "operator" && operators.has(next.operator)) {
      throw this.fail(next.offset, `comparisons cannot be chained; combine them with '&&' or add parentheses`);
    }
    return { kind: "compare", operator: token.operator as ComparisonOperator, left, right, offset: left.offset };
  }

  private parseUnary(): ConditionNode {
    const token = this.peek();
    if (token.type === "operator" && token.operator === "!") {
      this.index++;
      this.enter(token.offset);
      const operand = this.parseUnary();
      this.depth--;
      return { kind: "not", operand, offset: token.offset };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): ConditionNode {
    const previous = this.index > 0 ? this.tokens[this.index - 1] : undefined;
    const after = previous?.type === "operator" && previous.operator !== ")" ? `after '${previous.operator}' ` : "";
    const token = this.next();
    switch (token.type) {
      case "literal":
        return { kind: "literal", value: token.value, offset: token.offset };
      case "reference":
        this.references.push(token.ref);
        return { kind: "reference", ref: token.ref, offset: token.offset };
      case "end":
        throw this.fail(token.offset, `expected a value ${after}but the condition ends`);
      case "operator": {
        if (token.operator === "(") {
          this.enter(token.offset);
          const inner = this.parseOr();
          const close = this.next();
          if (close.type !== "operator" || close.operator !== ")") {
            throw this.fail(close.offset, `expected ')' to close the '(' at column ${token.offset + 1}, found ${describe(close)}`);
          }
          this.depth--;
          return inner;
        }
        throw this.fail(token.offset, `expected a value ${after}but found ${describe(token)}`);
      }
    }
  }

  private enter(offset: number): void {
    this.depth++;
    if (this.depth > this.maxDepth) {
      throw conditionError(
        "BAD_CONDITION",
        this.context,
        this.text,
        offset,
        "too deeply nested",
        `: more than ${this.maxDepth} levels of parentheses and '!'`,
      );
    }
  }

  private isOperator(operator: string): boolean {
    const token = this.peek();
    return token.type === "operator" && token.operator === operator;
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.type !== "end") this.index++;
    return token;
  }

  private fail(offset: number, message: string) {
    return conditionError("BAD_CONDITION", this.context, this.text, offset, "syntax error", `: ${message}`);
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case "end":
      return "the end of the condition";
    case "operator":
      return `'${token.operator}'`;
    case "reference":
      return `reference ${token.ref.text}`;
    case "literal":
      return typeof token.value === "string" ? `value "${echo(token.value)}"` : `value ${String(token.value)}`;
  }
}
