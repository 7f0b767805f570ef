import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { GrammarError, parseSegments, type Segment } from "../../src/refs/grammar.js";
import { parseStringTemplate } from "../../src/refs/template.js";
import { parseCondition } from "../../src/conditions/index.js";
import { walkPath } from "../../src/refs/resolve.js";
import { PlangraphError, PlanValidationError } from "../../src/model/errors.js";
import { runPlan } from "../../src/api/run-plan.js";
import { defineTool } from "../../src/tools/define.js";
import { prepare, rejection } from "./helpers.js";

const path = (text: string): Segment[] => parseSegments(text, 0).segments;
const member = (name: string): Segment => ({ kind: "member", name });
const index = (i: number): Segment => ({ kind: "index", index: i });

/** A plan where step `use` maps `x` to `value`, after a step `primary`. */
const mapping = (value: unknown) => ({
  steps: [
    { id: "primary", tool: "echo", params: { rows: [{ name: "db-1" }] } },
    { id: "use", tool: "echo", output_mapping: { x: value } },
  ],
});

describe("references: the RFC 9535 singular-query path grammar", () => {
  it("reads member shorthand .name, nested freely", () => {
    expect(path(".data.rows")).toEqual([member("data"), member("rows")]);
    expect(path(".a_b.C9._x")).toEqual([member("a_b"), member("C9"), member("_x")]);
  });

  it("reads quoted names in single and double quotes, with RFC 9535 escapes", () => {
    expect(path("['odd name']")).toEqual([member("odd name")]);
    expect(path('["odd.name"]')).toEqual([member("odd.name")]);
    expect(path(String.raw`['it\'s']`)).toEqual([member("it's")]);
    expect(path(String.raw`["say \"hi\""]`)).toEqual([member('say "hi"')]);
    expect(path(String.raw`['tab\there\nline\\slash\/']`)).toEqual([member("tab\there\nline\\slash/")]);
    expect(path(String.raw`['\u00e9t\u00E9']`)).toEqual([member("été")]);
    expect(path(String.raw`['\uD83D\uDE00']`)).toEqual([member("😀")]);
    expect(path(`['"']`)).toEqual([member('"')]);
    expect(path(`["'"]`)).toEqual([member("'")]);
  });

  it("rejects escapes RFC 9535 does not have", () => {
    for (const bad of [String.raw`['a\"b']`, String.raw`["a\'b"]`, String.raw`['\x41']`, String.raw`['\u00G0']`, String.raw`['\uD83D']`, String.raw`['\uDE00']`, "['unterminated]", "['ctl\u0001']"]) {
      expect(() => path(bad), bad).toThrow();
    }
  });

  it("reads indices [2] and [-1] (from the end)", () => {
    expect(path("[2]")).toEqual([index(2)]);
    expect(path("[-1]")).toEqual([index(-1)]);
    expect(path(".rows[0].tags[-2]")).toEqual([member("rows"), index(0), member("tags"), index(-2)]);
  });

  it("rejects wildcards, slices, filters, unions, descendants and malformed indices", () => {
    for (const bad of ["[*]", ".*", "[1:2]", "[:]", "[::-1]", "[?@.x]", "[?(@.x)]", "[0,1]", "..x", "[-0]", "[01]", "[1", "[]", "[99999999999999999999]"]) {
      expect(() => path(bad), bad).toThrow();
    }
  });

  it("rejects __proto__, prototype and constructor in any spelling of a member", () => {
    for (const bad of [".__proto__", ".prototype", ".constructor", "['__proto__']", '["constructor"]', String.raw`['\u005f_proto__']`, ".a.constructor.b"]) {
      expect(() => path(bad), bad).toThrow(/not allowed/);
    }
  });

  it("rejects wildcards, slices and filters in a plan, as BAD_REFERENCE naming the field", () => {
    for (const bad of ["{primary.data[*]}", "{primary.data.*}", "{primary.data[0:1]}", "{primary.data[?@.name]}"]) {
      rejection(() => prepare(mapping(bad)), { code: "BAD_REFERENCE", path: "$.steps[1].output_mapping.x", step: "use", message: /malformed reference/ });
    }
  });

  it("rejects __proto__, prototype and constructor segments in a plan", () => {
    for (const bad of ["{primary.__proto__.x}", "{primary.data.prototype}", "{primary['constructor']}"]) {
      rejection(() => prepare(mapping(bad)), { code: "BAD_REFERENCE", path: "$.steps[1].output_mapping.x", message: /not allowed in a path/ });
    }
  });
});

describe("references: which text is a reference", () => {
  it("leaves {notastep} (no path, not a step id) as literal text", async () => {
    const prepared = prepare(mapping("use {notastep} and {} and { primary } and {1x.y}"));
    expect(prepared.steps.get("use")!.references).toEqual([]);
    const result = await runPlan(mapping("keep {notastep} as is"));
    expect(result.results.use).toEqual({ data: { x: "keep {notastep} as is" } });
  });

  it("rejects an unknown step with a path as UNKNOWN_STEP and suggests the nearest id", () => {
    rejection(() => prepare(mapping("{primry.data}")), {
      code: "UNKNOWN_STEP",
      path: "$.steps[1].output_mapping.x",
      step: "use",
      message: /unknown step 'primry' \(did you mean 'primary'\?\)/,
    });
  });

  it("makes a malformed path after a known step id an invalid plan: a typo never becomes a literal", () => {
    for (const typo of ["{primary.}", "{primary..data}", "{primary.data.rows[0}", "{primary.data", "{primary data}", "{primary:data}", "{primary/data}", "{primary.data }"]) {
      rejection(() => prepare(mapping(`host-${typo}`)), { code: "BAD_REFERENCE", path: "$.steps[1].output_mapping.x", step: "use" });
    }
  });

  it("rejects a reference to a decision: only step outputs can be referenced", () => {
    const plan = {
      steps: [{ id: "a", tool: "echo" }, { id: "b", tool: "echo" }, { id: "c", tool: "echo", output_mapping: { x: "{gate.branch}" } }],
      decisions: [{ id: "gate", after: ["a"], question: "go?", then: ["b"] }],
    };
    rejection(() => prepare(plan), { code: "BAD_REFERENCE", path: "$.steps[2].output_mapping.x", message: /'gate' is a decision/ });
  });

  it("finds references inside nested arrays and objects of params and output_mapping", () => {
    const plan = {
      steps: [
        { id: "src", tool: "echo", params: { n: 7, s: "seven" } },
        { id: "other", tool: "echo", params: { k: true } },
        {
          id: "use",
          tool: "echo",
          params: { list: [{ deep: "{src.data.n}" }, ["x", "{other.data.k}"]], plain: [1, { a: "b" }] },
          output_mapping: { nested: { a: ["pre-{src.data.s}", { b: "{src.data}" }] } },
        },
      ],
    };
    const prepared = prepare(plan);
    expect(prepared.steps.get("use")!.references.map((r) => r.text)).toEqual(["{src.data.n}", "{other.data.k}", "{src.data.s}", "{src.data}"]);
    return runPlan(plan).then((result) => {
      expect(result.results.use).toEqual({
        data: {
          list: [{ deep: 7 }, ["x", true]],
          plain: [1, { a: "b" }],
          nested: { a: ["pre-seven", { b: { n: 7, s: "seven" } }] },
        },
      });
    });
  });

  it("reports a malformed reference deep in params at its exact JSON path", () => {
    const plan = { steps: [{ id: "a", tool: "echo" }, { id: "b", tool: "echo", params: { list: [0, { q: "{a.x[*]}" }] } }] };
    rejection(() => prepare(plan), { code: "BAD_REFERENCE", path: "$.steps[1].params.list[1].q", step: "b" });
  });

  it("infers dependencies from references, with no depends_on", async () => {
    const plan = {
      steps: [
        { id: "late", tool: "echo", output_mapping: { v: "{slow.data.slept_ms}" } },
        { id: "slow", tool: "sleep", params: { ms: 30 } },
      ],
    };
    const prepared = prepare(plan);
    expect(prepared.steps.get("late")!.deps).toEqual(["slow"]);
    expect(prepared.levels).toEqual([["slow"], ["late"]]);
    const result = await runPlan(plan);
    expect(result.results.late).toEqual({ data: { v: 30 } });
    expect(result.timings.late!.start_ms).toBeGreaterThanOrEqual(result.timings.slow!.end_ms);
  });
});

describe("references: values at run time", () => {
  const source = { obj: { k: [1, { z: null }] }, arr: [1, "two", false], num: 3.5, int: 0, bool: false, nil: null, str: "s" };
  const plan = (mappingValues: Record<string, unknown>) => ({
    steps: [
      { id: "src", tool: "echo", params: source },
      { id: "use", tool: "echo", output_mapping: mappingValues },
    ],
  });

  it("keeps the JSON type of a value that is exactly one reference", async () => {
    const result = await runPlan(
      plan({ obj: "{src.data.obj}", arr: "{src.data.arr}", num: "{src.data.num}", int: "{src.data.int}", bool: "{src.data.bool}", nil: "{src.data.nil}", str: "{src.data.str}", whole: "{src}" }),
    );
    const data = (result.results.use as { data: Record<string, unknown> }).data;
    expect(data.obj).toEqual(source.obj);
    expect(data.arr).toEqual(source.arr);
    expect(data.num).toBe(3.5);
    expect(data.int).toBe(0);
    expect(data.bool).toBe(false);
    expect(data.nil).toBeNull();
    expect(data.str).toBe("s");
    expect(data.whole).toEqual({ data: source });
    expect(result.warnings).toEqual([]);
  });

  it("interpolates references inside a longer string as text", async () => {
    const result = await runPlan(
      plan({
        host: "host-{src.data.str}-{src.data.num}",
        flags: "{src.data.bool}/{src.data.int}",
        json: "obj={src.data.obj} arr={src.data.arr}",
        nil: "[{src.data.nil}]",
      }),
    );
    expect((result.results.use as { data: unknown }).data).toEqual({
      host: "host-s-3.5",
      flags: "false/0",
      json: 'obj={"k":[1,{"z":null}]} arr=[1,"two",false]',
      nil: "[]",
    });
  });

  it("resolves quoted names and negative indices against real output", async () => {
    const result = await runPlan({
      steps: [
        { id: "src", tool: "echo", params: { "odd key": { "it's": 1 }, list: [10, 20, 30] } },
        { id: "use", tool: "echo", output_mapping: { a: "{src.data['odd key'][\"it's\"]}", last: "{src.data.list[-1]}", first: "{src.data.list[0]}" } },
      ],
    });
    expect((result.results.use as { data: unknown }).data).toEqual({ a: 1, last: 30, first: 10 });
  });

  it("merges output_mapping over params to form the tool's input", async () => {
    const result = await runPlan({
      steps: [
        { id: "src", tool: "echo", params: { v: "mapped" } },
        { id: "use", tool: "echo", params: { x: "param", y: "kept" }, output_mapping: { x: "{src.data.v}", z: "{src.data.v}!" } },
      ],
    });
    expect(result.results.use).toEqual({ data: { x: "mapped", y: "kept", z: "mapped!" } });
  });

  it("turns a path missing at run time into null and a warning naming the path", async () => {
    const result = await runPlan(plan({ gone: "{src.data.nope.deeper}", past: "{src.data.arr[9]}", text: "v={src.data.nope}" }));
    expect(result.status).toBe("completed");
    expect((result.results.use as { data: unknown }).data).toEqual({ gone: null, past: null, text: "v=" });
    expect(result.warnings).toHaveLength(3);
    expect(result.warnings[0]).toContain("{src.data.nope.deeper}");
    expect(result.warnings[0]).toMatch(/'src\.data' has no 'nope'/);
    expect(result.warnings[1]).toContain("{src.data.arr[9]}");
    expect(result.warnings.every((w) => w.includes("'use'"))).toBe(true);
  });

  it("fails the step with MISSING_REFERENCE under strict, and skips its dependents", async () => {
    const strict = {
      steps: [...plan({ gone: "{src.data.nope}" }).steps, { id: "after", tool: "echo", depends_on: ["use"] }, { id: "free", tool: "echo" }],
    };
    const result = await runPlan(strict, { strict: true });
    expect(result.status).toBe("failed");
    expect(result.error_codes.use).toBe("MISSING_REFERENCE");
    expect(result.errors.use).toContain("{src.data.nope}");
    expect(result.results.use).toBeUndefined();
    expect(result.skipped).toEqual(["after"]);
    expect(Object.keys(result.results).sort()).toEqual(["free", "src"]);
  });
});

describe("references: walkPath reads own data properties only", () => {
  it("walks members and indices, negative from the end", () => {
    expect(walkPath({ a: [{ b: 1 }, { b: 2 }] }, [member("a"), index(-1), member("b")])).toEqual({ found: true, value: 2 });
    expect(walkPath({ a: [1] }, [member("a"), index(-2)])).toEqual({ found: false, missingAt: 1 });
  });

  it("does not resolve a property that only the prototype has", () => {
    const inherited = Object.create({ secret: "from the prototype" }) as object;
    expect(walkPath(inherited, [member("secret")])).toEqual({ found: false, missingAt: 0 });
    expect(walkPath({}, [member("toString")])).toEqual({ found: false, missingAt: 0 });
    expect(walkPath({}, [member("hasOwnProperty")])).toEqual({ found: false, missingAt: 0 });
    expect(walkPath([1, 2], [member("length")])).toEqual({ found: false, missingAt: 0 });
    expect(walkPath("text", [member("length")])).toEqual({ found: false, missingAt: 0 });
  });

  it("never invokes a getter", () => {
    const getter = vi.fn(() => "computed");
    const target = Object.defineProperty({ plain: 1 }, "lazy", { get: getter, enumerable: true });
    expect(walkPath(target, [member("lazy")])).toEqual({ found: false, missingAt: 0 });
    class WithAccessor {
      get value() {
        return getter();
      }
    }
    expect(walkPath(new WithAccessor(), [member("value")])).toEqual({ found: false, missingAt: 0 });
    expect(getter).not.toHaveBeenCalled();
    expect(walkPath(target, [member("plain")])).toEqual({ found: true, value: 1 });
  });

  it("resolves an own __proto__ data key only as data", () => {
    const hostile = JSON.parse('{"__proto__": {"x": 1}}') as object;
    expect(walkPath(hostile, [member("__proto__"), member("x")])).toEqual({ found: true, value: 1 });
    expect(walkPath({}, [member("__proto__")])).toEqual({ found: false, missingAt: 0 });
  });
});

describe("references: checked against a tool's declared output schema before running", () => {
  const search = vi.fn(() => ({ data: { total: 2, rows: [{ ci_id: "ci-1", attributes: { type: "db" } }] } }));
  const ciSearch = defineTool({
    name: "ci_search",
    description: "Searches the CMDB.",
    input: z.object({ query: z.string() }),
    output: z.object({ data: z.object({ total: z.number(), rows: z.array(z.object({ ci_id: z.string(), attributes: z.record(z.string(), z.unknown()) })) }) }),
    run: search,
  });
  const planUsing = (reference: string) => ({
    steps: [
      { id: "primary", tool: "ci_search", params: { query: "db" } },
      { id: "use", tool: "echo", output_mapping: { x: reference } },
    ],
  });

  it("rejects a field the output schema lacks, before anything runs, suggesting the nearest field", async () => {
    search.mockClear();
    let caught: unknown;
    await runPlan(planUsing("{primary.data.totl}"), { tools: [ciSearch] }).catch((error: unknown) => (caught = error));
    expect(caught).toBeInstanceOf(PlanValidationError);
    const error = caught as PlanValidationError;
    expect(error.code).toBe("REFERENCE_NOT_IN_SCHEMA");
    expect(error.step).toBe("use");
    expect(error.path).toBe("$.steps[1]");
    expect(error.message).toContain("{primary.data.totl}");
    expect(error.message).toContain("did you mean 'total'?");
    expect(search).not.toHaveBeenCalled();
  });

  it("rejects a member on an array and an index on an object", () => {
    rejection(() => prepare(planUsing("{primary.data.rows.ci_id}"), [ciSearch]), { code: "REFERENCE_NOT_IN_SCHEMA", message: /is an array/ });
    rejection(() => prepare(planUsing("{primary.data[0]}"), [ciSearch]), { code: "REFERENCE_NOT_IN_SCHEMA", message: /is an object/ });
    rejection(() => prepare(planUsing("{primary.data.total.value}"), [ciSearch]), { code: "REFERENCE_NOT_IN_SCHEMA", message: /number/ });
  });

  it("accepts every path the schema allows, including anything below a record", async () => {
    for (const ok of ["{primary.data.total}", "{primary.data.rows[0].ci_id}", "{primary.data.rows[-1].attributes.anything.deeper}", "{primary}"]) {
      expect(() => prepare(planUsing(ok), [ciSearch]), ok).not.toThrow();
    }
    const result = await runPlan(planUsing("{primary.data.rows[0].ci_id}"), { tools: [ciSearch] });
    expect(result.results.use).toEqual({ data: { x: "ci-1" } });
  });

  it("treats a lazy output schema that only returns itself as open, instead of recursing forever", () => {
    const selfish: z.ZodType = z.lazy(() => selfish);
    const loop = defineTool({ name: "loop", description: "declares a degenerate lazy output", input: z.object({}), output: selfish, run: () => ({}) });
    expect(() => prepare({ steps: [{ id: "l", tool: "loop" }, { id: "use", tool: "echo", output_mapping: { x: "{l.data.rows[0]}" } }] }, [loop])).not.toThrow();
  });

  it("does not check references into a tool without an output schema", () => {
    expect(() => prepare({ steps: [{ id: "e", tool: "echo" }, { id: "use", tool: "echo", output_mapping: { x: "{e.anything.at[3].all}" } }] })).not.toThrow();
  });
});

describe("references: blank space exactly where RFC 9535 allows it (issue 13 finding 12)", () => {
  const blanks = [" ", "\t", "\n", "\r", " \t\r\n "];

  it("accepts blank space between the step id and the first segment ($ .a, $ ['a'])", () => {
    for (const b of blanks) {
      expect(path(`${b}.data`), JSON.stringify(b)).toEqual([member("data")]);
      expect(path(`${b}['data']`), JSON.stringify(b)).toEqual([member("data")]);
      expect(path(`${b}[0]`), JSON.stringify(b)).toEqual([index(0)]);
    }
  });

  it("accepts blank space between segments ($['a'] ['b'], $.a .b)", () => {
    for (const b of blanks) {
      expect(path(`['a']${b}['b']`)).toEqual([member("a"), member("b")]);
      expect(path(`.a${b}.b${b}[-1]`)).toEqual([member("a"), member("b"), index(-1)]);
    }
  });

  it("accepts blank space inside brackets around the selector ($[ 'a' ], $[ 1 ])", () => {
    for (const b of blanks) {
      expect(path(`[${b}'a'${b}]`)).toEqual([member("a")]);
      expect(path(`[${b}"a b"]`)).toEqual([member("a b")]);
      expect(path(`[${b}-1${b}]`)).toEqual([index(-1)]);
    }
  });

  it("rejects blank space after the '.' of member shorthand, inside a name or index, and at the end", () => {
    for (const bad of [". a", ".\ta", ".a b", "[1 2]", "[- 1]", "['a' 'b']", ".a ", "['a'] ", " ", "[0]\n"]) {
      expect(() => path(bad), JSON.stringify(bad)).toThrow(GrammarError);
    }
  });

  it("resolves a plan whose references use blank space, with the same values as without", async () => {
    const plan = {
      steps: [
        { id: "primary", tool: "echo", params: { rows: [{ name: "db-1" }] } },
        { id: "use", tool: "echo", output_mapping: { a: "{primary .data ['rows'] [ 0 ] .name}", b: "host-{primary\n.data.rows[\t-1\t].name}" } },
      ],
    };
    expect(prepare(plan).steps.get("use")!.references.map((r) => r.step)).toEqual(["primary", "primary"]);
    const result = await runPlan(plan);
    expect(result.results.use).toEqual({ data: { a: "db-1", b: "host-db-1" } });
  });

  it("rejects blank space after '{' and before '}' in a plan, and a typo with blank space is never a literal", () => {
    rejection(() => prepare(mapping("{primary.data }")), { code: "BAD_REFERENCE", step: "use", message: /may not end in blank space/ });
    rejection(() => prepare(mapping("{primary. data}")), { code: "BAD_REFERENCE", step: "use", message: /member name after '\.'/ });
    // `{ primary.data}` has no step id right after the brace: prose, as before.
    expect(prepare(mapping("{ primary.data}")).steps.get("use")!.references).toEqual([]);
    // An unknown id followed by blank space and a segment is a misspelt reference, not prose.
    rejection(() => prepare(mapping("{primray .data}")), { code: "UNKNOWN_STEP", step: "use", message: /did you mean 'primary'/ });
  });
});

describe("references and conditions: one quoted-string scanner (RFC 9535 rules)", () => {
  const condition = (text: string) =>
    parseCondition(text, { steps: new Set(["a"]), path: "$.decisions[0].condition", owner: "d" });
  const literal = (text: string) => (condition(text).root as { value: unknown }).value;
  const name = (text: string) => path(`[${text}]`)[0];

  it("reads the same escapes in a quoted name and in a condition string", () => {
    const samples: Array<[string, string]> = [
      [String.raw`'it\'s'`, "it's"],
      [String.raw`"say \"hi\""`, 'say "hi"'],
      [String.raw`'tab\tline\nback\\slash\/'`, "tab\tline\nback\\slash/"],
      [String.raw`"\b\f\r"`, "\b\f\r"],
      [String.raw`'\u00e9\u00E9'`, "éé"],
      [String.raw`"\uD83D\uDE00"`, "😀"],
      ["'😀 raw pair'", "😀 raw pair"],
      [`'"'`, '"'],
      [`"'"`, "'"],
    ];
    for (const [text, value] of samples) {
      expect(name(text), text).toEqual(member(value));
      expect(literal(text), text).toBe(value);
    }
  });

  it("rejects the same things in both: a quote escape of the other quote, unknown escapes, unpaired surrogates, raw controls", () => {
    const bad = [
      String.raw`"it\'s"`, // `\'` only inside single quotes
      String.raw`'say \"hi\"'`, // `\"` only inside double quotes
      String.raw`'\x41'`,
      String.raw`'\u00G0'`,
      String.raw`'\uD83D'`, // high surrogate escape without its low half
      String.raw`'\uD83Dx'`,
      String.raw`'\uD83D\u0041'`, // followed by an escape that is not a low surrogate
      String.raw`'\uDE00'`, // lone low surrogate escape
      "'\ud83d raw lone high'",
      "'raw lone low \ude00'",
      "'ctl\u0001'",
      "'unterminated",
    ];
    for (const text of bad) {
      expect(() => name(text), `quoted name ${text}`).toThrow(GrammarError);
      let caught: unknown;
      try {
        condition(`${text} == 'x'`);
      } catch (error) {
        caught = error;
      }
      expect(caught, `condition ${text}`).toBeInstanceOf(PlangraphError);
      expect((caught as PlangraphError).code, `condition ${text}`).toBe("BAD_CONDITION");
    }
  });

  it("points at the offending escape in both users", () => {
    expect(() => path(String.raw`['ab\q']`)).toThrow(/bad escape '\\q' at position 4/);
    expect(() => condition(String.raw`'ab\q' == 1`)).toThrow(/syntax error at column 4: bad escape '\\q'/);
  });
});

describe("references: the template scan is linear on every input (issue 12 finding 4)", () => {
  /** Fastest of a few runs: the least noisy estimate of what the scan itself costs. */
  const fastest = (text: string) => {
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      parseStringTemplate(text, { steps: new Set(["primary"]), path: "$.x" });
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };

  it("scans n and 16n characters of '{', '{a' and '{primary' prose in proportion (quadratic would be 256×)", () => {
    for (const unit of ["{", "{a", "{a ", "{primary x"]) {
      const small = unit.repeat(Math.ceil(20_000 / unit.length));
      const large = unit.repeat(Math.ceil(320_000 / unit.length));
      fastest(large); // warm up
      const ratio = fastest(large) / Math.max(fastest(small), 0.05);
      // Linear scanning gives about 16 (up to twice that with cache effects); the quadratic scan
      // this replaces gave about 256.
      expect(ratio, `unit ${JSON.stringify(unit)}`).toBeLessThan(80);
    }
  });
});
