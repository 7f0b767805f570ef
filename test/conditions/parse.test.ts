import { describe, expect, it } from "vitest";
import { conditionReferences, formatCondition } from "../../src/conditions/index.js";
import { parse, parseError } from "./helpers.js";

describe("parseCondition: structure", () => {
  it("parses the contract's example condition", () => {
    const condition = parse(`{primary.data.total} > 0 && ({topology.data.rows[0].status} == "degraded" || !{flags.data.ok})`);
    expect(condition.root.kind).toBe("and");
    expect(formatCondition(condition)).toBe(
      `{primary.data.total} > 0 && ({topology.data.rows[0].status} == "degraded" || !{flags.data.ok})`,
    );
  });

  it("gives && precedence over ||", () => {
    const condition = parse("true || false && false");
    expect(condition.root).toMatchObject({ kind: "or", operands: [{ kind: "literal" }, { kind: "and" }] });
  });

  it("gives comparisons precedence over && and ||", () => {
    const condition = parse("1 < 2 && 3 == 3 || 4 != 5");
    expect(condition.root).toMatchObject({
      kind: "or",
      operands: [{ kind: "and", operands: [{ kind: "compare", operator: "<" }, { kind: "compare", operator: "==" }] }, { kind: "compare", operator: "!=" }],
    });
  });

  it("gives ordering precedence over equality", () => {
    expect(parse("1 < 2 == true").root).toMatchObject({ kind: "compare", operator: "==", left: { kind: "compare", operator: "<" } });
  });

  it("binds ! tighter than comparisons", () => {
    expect(parse("!{flags.data.ok} == false").root).toMatchObject({ kind: "compare", left: { kind: "not" } });
  });

  it("lets parentheses override precedence", () => {
    expect(parse("(true || false) && false").root).toMatchObject({ kind: "and", operands: [{ kind: "or" }, { kind: "literal" }] });
    expect(formatCondition(parse("(true || false) && false"))).toBe("(true || false) && false");
    expect(formatCondition(parse("((1 == 1))"))).toBe("1 == 1");
  });

  it("reads every literal kind", () => {
    const values = ["0", "-0.5", "12", "1e3", "-2.5E-2", '"a\\"b"', "'it\\'s'", '"\\u00e9\\n\\t\\\\\\/"', "true", "false", "null"].map(
      (text) => (parse(text).root as { value: unknown }).value,
    );
    expect(values).toEqual([0, -0.5, 12, 1000, -0.025, 'a"b', "it's", "é\n\t\\/", true, false, null]);
  });

  it("accepts whitespace, tabs and newlines between tokens, and none at all", () => {
    expect(formatCondition(parse("{primary.data.total}>-1&&!false"))).toBe("{primary.data.total} > -1 && !false");
    expect(formatCondition(parse("\n\t1\r\n==\t1 "))).toBe("1 == 1");
  });

  it("lists references in the order written, with their parsed paths", () => {
    const refs = conditionReferences(parse(`{flags.data.ok} || {primary.data.rows[-1]['name']} == {topology}`));
    expect(refs.map((r) => r.text)).toEqual(["{flags.data.ok}", "{primary.data.rows[-1]['name']}", "{topology}"]);
    expect(refs[1]).toEqual({
      step: "primary",
      text: "{primary.data.rows[-1]['name']}",
      segments: [
        { kind: "member", name: "data" },
        { kind: "member", name: "rows" },
        { kind: "index", index: -1 },
        { kind: "member", name: "name" },
      ],
    });
  });

  it("produces plain data (safe to store in graph state)", () => {
    const condition = parse(`{primary.data.total} > 0`);
    expect(JSON.parse(JSON.stringify(condition))).toEqual(condition);
  });
});

describe("parseCondition: syntax errors name the column and show a caret", () => {
  const cases: Array<[string, string, number, RegExp]> = [
    ["empty", "   ", 0, /condition is empty/],
    ["missing right operand", "{primary.data.total} > ", 24, /expected a value after '>' but the condition ends/],
    ["missing operand after &&", "true && ", 9, /expected a value after '&&'/],
    ["operator where a value belongs", "1 == && 2", 6, /expected a value after '==' but found '&&'/],
    ["leading binary operator", "> 1", 1, /expected a value but found '>'/],
    ["unclosed parenthesis", "(1 == 1", 8, /expected '\)' to close the '\(' at column 1/],
    ["unmatched closing parenthesis", "1 == 1)", 7, /unmatched '\)'/],
    ["empty parentheses", "()", 2, /expected a value after '\(' but found '\)'/],
    ["two values in a row", "1 2", 3, /expected an operator before value 2/],
    ["chained comparison", "1 < 2 < 3", 7, /comparisons cannot be chained/],
    ["chained equality", "1 == 1 == true", 8, /comparisons cannot be chained/],
    ["single =", "{primary.data.total} = 1", 22, /'=' is not an operator; use '=='/],
    ["===", "1 === 1", 3, /'===' is not an operator; use '=='/],
    ["!==", "1 !== 1", 3, /'!==' is not an operator; use '!='/],
    ["single &", "true & false", 6, /use '&&'/],
    ["single |", "true | false", 6, /use '\|\|'/],
    ["unterminated string", `"abc == 1`, 1, /unterminated string/],
    ["bad escape", `"a\\x"`, 3, /bad escape '\\x'/],
    ["bad unicode escape", `"\\u12g4"`, 2, /bad \\u escape/],
    ["raw control character in a string", `"a\u0001"`, 3, /control character in string/],
    ["leading zero", "01 == 1", 1, /malformed number '01'/],
    ["trailing dot", "1. == 1", 1, /malformed number '1\.'/],
    ["leading dot", ".5 == 1", 1, /unexpected character '\.'/],
    ["dangling exponent", "1e == 1", 1, /malformed number '1e'/],
    ["lone minus", "- 1 == 1", 1, /'-' must be followed by a number/],
    ["subtraction", "{primary.data.total}-1 > 0", 21, /expected an operator before value -1/],
    ["number out of range", "1e999 > 0", 1, /out of range/],
    ["unknown word", "TRUE", 1, /unknown word 'TRUE'/],
    ["NaN", "NaN == NaN", 1, /unknown word 'NaN'/],
    ["brace without a step id", "{1} == 1", 2, /expected a step id after '\{'/],
    ["stray closing brace", "1 == 1}", 7, /unmatched '\}'/],
    ["unexpected character", "1 == 1 ; 2", 8, /unexpected character ';'/],
  ];
  for (const [name, text, column, message] of cases) {
    it(`rejects ${name} at column ${column}`, () => {
      const error = parseError(text);
      expect(error.code).toBe("BAD_CONDITION");
      expect(error.path).toBe("$.decisions[0].condition");
      expect(error.step).toBe("drill");
      expect(error.message).toMatch(message);
      if (column > 0) {
        expect(error.message).toContain(`column ${column}`);
        const [, shown, caret] = error.message.split("\n");
        // Control characters show as U+FFFD (one column each) so the caret stays aligned.
        expect(shown).toBe(`  ${text.replace(/[\t\n\r]/g, " ").replace(/[\u0000-\u001f]/g, "\ufffd")}`);
        expect(caret).toBe(`  ${" ".repeat(column - 1)}^`);
      }
    });
  }

  it("shows a window of a long condition with the caret under the error", () => {
    const text = `${"{primary.data.total} > 0 && ".repeat(8)}1 =`;
    const error = parseError(text);
    expect(error.message).toContain(`column ${text.length}`);
    const [, shown, caret] = error.message.split("\n");
    expect(shown!.startsWith("  …")).toBe(true);
    expect(shown![caret!.indexOf("^")]).toBe("=");
  });

  it("names the condition by path when it has no owner", () => {
    const error = parseError("1 ==", { owner: undefined });
    expect(error.message).toMatch(/^condition \$\.decisions\[0\]\.condition: syntax error at column 5/);
  });
});

describe("parseCondition: limits", () => {
  it("rejects a condition longer than the limit (default 2,000 characters)", () => {
    const long = `${"1 == 1 && ".repeat(199)}1 == 1`;
    expect(long.length).toBeLessThanOrEqual(2000);
    expect(() => parse(long)).not.toThrow();
    const error = parseError(`${long} && true`);
    expect(error.code).toBe("BAD_CONDITION");
    expect(error.message).toMatch(/2004 characters long; the limit is 2000/);
  });

  it("takes the length limit as a parameter", () => {
    expect(parseError("1 == 1", { maxLength: 5 }).message).toMatch(/limit is 5/);
  });

  it("rejects nesting deeper than the limit (default 32), naming the column", () => {
    expect(() => parse(`${"(".repeat(32)}true${")".repeat(32)}`)).not.toThrow();
    const error = parseError(`${"(".repeat(33)}true${")".repeat(33)}`);
    expect(error.code).toBe("BAD_CONDITION");
    expect(error.message).toMatch(/too deeply nested at column 33: more than 32 levels/);
    expect(parseError(`${"!".repeat(40)}true`).message).toMatch(/too deeply nested at column 33/);
    expect(parseError(`((((true))))`, { maxDepth: 3 }).message).toMatch(/more than 3 levels/);
  });

  it("parses a condition at the length limit without deep recursion", () => {
    const wide = Array.from({ length: 400 }, () => "true").join("||");
    expect(parse(wide, { maxLength: 5000 }).root).toMatchObject({ kind: "or" });
  });
});

describe("parseCondition: references", () => {
  it("rejects an unknown step with a did-you-mean", () => {
    const error = parseError("{primray.data.total} > 0");
    expect(error.code).toBe("UNKNOWN_STEP");
    expect(error.message).toContain("references unknown step 'primray' at column 2 (did you mean 'primary'?)");
    expect(error.step).toBe("drill");
    expect(error.path).toBe("$.decisions[0].condition");
  });

  it("rejects an unknown step even without a path (braces always mean a reference here)", () => {
    expect(parseError("{nothing} == 1").code).toBe("UNKNOWN_STEP");
  });

  it("rejects a reference to a decision", () => {
    const error = parseError("{has_hits} == true");
    expect(error.code).toBe("BAD_REFERENCE");
    expect(error.message).toMatch(/references decision 'has_hits' at column 2: only step outputs can be referenced/);
  });

  const bad: Array<[string, string, RegExp]> = [
    ["a wildcard", "{primary.data.rows[*]} == 1", /wildcards, slices and filters are not allowed/],
    ["a slice", "{primary.data.rows[0:2]} == 1", /expected '\]'/],
    ["a filter", "{primary.data.rows[?@.x]} == 1", /wildcards, slices and filters/],
    ["an empty member", "{primary.data.} == 1", /expected a member name after '\.'/],
    ["a leading-zero index", "{primary.data.rows[01]} == 1", /expected an index or a quoted name/],
    ["an unterminated quoted name", "{primary.data['rows} == 1", /unterminated quoted name/],
    ["an operator inside the reference", "{primary.data.total > 0", /unexpected '>'/],
    ["a missing closing brace", "{primary.data.total", /unclosed reference/],
  ];
  for (const [name, text, message] of bad) {
    it(`rejects a malformed path: ${name}`, () => {
      const error = parseError(text);
      expect(error.code).toBe("BAD_REFERENCE");
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/column \d+/);
    });
  }

  for (const text of ["{a.__proto__} == 1", "{a.constructor.constructor} == 1", "{a.prototype}", "{a['__proto__']}", "{primary.data.constructor}"]) {
    it(`rejects a forbidden member: ${text}`, () => {
      const error = parseError(text);
      expect(error.code).toBe("BAD_REFERENCE");
      expect(error.message).toMatch(/is not allowed in a path/);
    });
  }
});

describe("parseCondition: nothing is ever executed", () => {
  const injections = [
    "process.exit()",
    "process.exit(1) || true",
    "${process.exit()}",
    "`${1}`",
    "`rm -rf /`",
    "require('fs')",
    "globalThis",
    "this.constructor",
    "(() => true)()",
    "1; process.exit()",
    "true // comment",
    "true /* c */",
    "[1, 2]",
    "{ } == 1",
    "'a' + 'b'",
    "1 == 1 ? true : false",
    "new Function('return 1')()",
    "eval('1')",
    "x = 1",
    "a.b",
    "'\\x41' == 'A'",
  ];
  for (const text of injections) {
    it(`rejects ${JSON.stringify(text)} as a syntax error`, () => {
      const error = parseError(text);
      expect(error.code).toBe("BAD_CONDITION");
      expect(error.message).toMatch(/syntax error at column \d+/);
    });
  }

  it("treats code inside a string as plain text", () => {
    expect((parse(`"process.exit()" == "\${x}"`).root as { left: { value: unknown } }).left.value).toBe("process.exit()");
  });
});
