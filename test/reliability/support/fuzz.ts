/**
 * fast-check generators of malformed plans: structure-aware (step lists, sections, decisions with
 * every field wrong in turn), mutations of valid plans (one to four edits each), hostile strings
 * and keys everywhere a plan has text, raw JSON text (valid, truncated, garbage), arbitrary
 * values, values nested far past the nesting limit (issue 12 finding 3) and huge strings of
 * braces, references and hostile characters (findings 4 and 13).
 */
import fc from "fast-check";
import { HOSTILE_CONDITIONS, HOSTILE_KEYS, INHERITED_MEMBERS, LITERAL_EXPLOITS, REJECTED_REFERENCES } from "./payloads.js";

const ID_POOL = ["a", "b", "c", "d", "primary", "metric", "gate", "__proto__", "constructor", "prototype", "toString", "__start__", "", "1x", "a b", "x".repeat(70), "é"];
const TOOL_POOL = ["echo", "count", "fail", "sleep", "nope", "__proto__", "constructor", "toString", ""];

const id = fc.oneof({ weight: 6, arbitrary: fc.constantFrom("a", "b", "c", "d") }, { weight: 2, arbitrary: fc.constantFrom(...ID_POOL) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
const tool = fc.oneof({ weight: 6, arbitrary: fc.constantFrom("echo", "count") }, { weight: 2, arbitrary: fc.constantFrom(...TOOL_POOL) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
const hostileKey = fc.constantFrom(...HOSTILE_KEYS);

const segment = fc.oneof(
  fc.constantFrom(".data", ".x", "[0]", "[-1]", "['k']", '["a b"]', ".__proto__", ".constructor", ".prototype", "['__proto__']", "[99999999999999999999]", "[01]", "[*]", "..", "[", "]", "['", "\\u0000"),
  fc.string({ maxLength: 4 }).map((s) => `.${s}`),
);
/** Reference-ish text: well-formed, malformed, hostile, unknown-step, unbalanced. */
export const referenceText = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(id, fc.array(segment, { maxLength: 5 })).map(([step, segs]) => `{${step}${segs.join("")}}`) },
  { weight: 2, arbitrary: fc.constantFrom(...REJECTED_REFERENCES.map((p) => p.text), ...INHERITED_MEMBERS.map((p) => p.text), ...LITERAL_EXPLOITS.map((p) => p.text)) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 6 }), id, fc.array(segment, { maxLength: 3 }), fc.string({ maxLength: 6 })).map(([pre, step, segs, post]) => `${pre}{${step}${segs.join("")}}${post}`) },
  { weight: 1, arbitrary: fc.constantFrom("{", "}", "{}", "{a", "a}", "{{a}}", "{a.data}{b.data}", "{__loop.iteration}", "{__loop.x}", "{a.data.x".repeat(3)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

/** Any JSON-ish value, hostile strings and keys included. */
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -0, "", "x"),
    referenceText,
    fc.integer(),
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(fc.oneof(hostileKey, fc.string({ maxLength: 5 })), tie("v"), { maxKeys: 3 }),
  ),
})).v;

const mapping = fc.dictionary(fc.oneof({ weight: 4, arbitrary: fc.constantFrom("tag", "x", "query", "ms") }, { weight: 1, arbitrary: hostileKey }), value, { maxKeys: 4 });
const idList = fc.oneof({ weight: 5, arbitrary: fc.array(id, { maxLength: 3 }) }, { weight: 1, arbitrary: fc.constantFrom("a", null, [["__proto__"]], [1], {}) as fc.Arbitrary<unknown> });
const garbage = fc.constantFrom<unknown>(null, -1, "x", [], {}, 1e12, NaN, true, { max_attempts: 0 }, JSON.parse('{"__proto__":1}'), JSON.parse('{"__proto__":{"polluted":true}}'));

/** Gives an object an own, enumerable `__proto__` key (as JSON.parse does), not a new prototype. */
function withOwnProto<T extends object>(target: T, payload: unknown): T {
  Object.defineProperty(target, "__proto__", { value: payload, enumerable: true, writable: true, configurable: true });
  return target;
}

const retry = fc.oneof(
  fc.record({ max_attempts: fc.integer({ min: -1, max: 25 }), backoff_ms: fc.integer({ min: -5, max: 10 }), retry_on: fc.constantFrom(["error"], ["timeout"], [], ["boom"]) }, { requiredKeys: ["max_attempts"] }),
  garbage,
);

export const stepArb = fc.record(
  {
    id,
    tool,
    params: fc.oneof({ weight: 5, arbitrary: mapping }, { weight: 1, arbitrary: garbage }),
    output_mapping: fc.oneof({ weight: 5, arbitrary: mapping }, { weight: 1, arbitrary: garbage }),
    depends_on: idList,
    optional_depends_on: idList,
    retry,
    timeout_ms: fc.oneof(fc.integer({ min: -10, max: 5_000 }), garbage),
    cache: fc.oneof(fc.boolean(), fc.record({ ttl_ms: fc.integer({ min: -1, max: 1_000 }) }), garbage),
    requires_approval: fc.oneof(fc.boolean(), garbage),
  },
  { requiredKeys: [] },
);

const condition = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(referenceText, fc.constantFrom("==", "!=", ">", ">=", "<", "<=", "&&", "||", "=", "===", "+"), fc.oneof(referenceText, fc.constantFrom("1", "'x'", "null", "true", "(", ")"))).map((p) => p.join(" ")) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_CONDITIONS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 16 }) },
);

export const decisionArb = fc.record(
  {
    id,
    after: idList,
    condition: fc.oneof(condition, garbage),
    question: fc.oneof(fc.string({ maxLength: 10 }), garbage),
    then: idList,
    else: idList,
    default: fc.constantFrom("then", "else", "maybe", null),
    max_iterations: fc.oneof(fc.integer({ min: -1, max: 500 }), garbage),
  },
  { requiredKeys: ["id"] },
);

const stepList = fc.record(
  {
    goal: fc.oneof(fc.string({ maxLength: 10 }), garbage),
    answer: fc.oneof(referenceText, garbage),
    steps: fc.oneof({ weight: 8, arbitrary: fc.array(stepArb, { maxLength: 6 }) }, { weight: 1, arbitrary: garbage }),
    decisions: fc.oneof({ weight: 4, arbitrary: fc.array(decisionArb, { maxLength: 3 }) }, { weight: 1, arbitrary: garbage }),
    extra: value,
  },
  { requiredKeys: ["steps"] },
);
const stepListWithProto = fc.tuple(stepList, fc.constantFrom<unknown>({ polluted: true }, { steps: [] }, [1])).map(([plan, payload]) => withOwnProto(plan, payload));

const section = fc.oneof(
  { weight: 4, arbitrary: fc.record({ tool, params: mapping, output_mapping: mapping, depends_on: idList }, { requiredKeys: ["tool"] }) },
  { weight: 1, arbitrary: garbage },
);
const sectioned = fc.record(
  {
    primary: section,
    secondary: section,
    aggregate: section,
    graph: section,
    metric: section,
    tool_dependencies: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom("primary", "secondary", "aggregate", "graph", "metric"), hostileKey), idList, { maxKeys: 3 }), garbage),
    execution_strategy: fc.constantFrom("parallel", "serial", "dag", "eager", null),
    decisions: fc.array(decisionArb, { maxLength: 2 }),
  },
  { requiredKeys: [] },
);

/** A valid base plan over echo/count steps (a chain and a fan-in), to be mutated. */
const validBase = fc.integer({ min: 1, max: 6 }).map((n) => ({
  steps: Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    tool: i % 2 ? "echo" : "count",
    params: { tag: `s${i}` },
    ...(i ? { output_mapping: { x: `{s${i - 1}.data.tag}` } } : {}),
  })),
  decisions: [] as unknown[],
}));

/** One edit: a field of a step set to something wrong, a step duplicated, a cycle, an id clash… */
const mutation = fc.tuple(fc.nat(), fc.constantFrom("set", "delete", "duplicate", "cycle", "decision", "ref", "selfref", "key"), value, referenceText, hostileKey, fc.constantFrom("id", "tool", "params", "output_mapping", "depends_on", "retry", "timeout_ms"));

const idOf = (step: Record<string, unknown>) => (typeof step.id === "string" ? step.id : "s0");

function applyMutations(plan: { steps: Array<Record<string, unknown>>; decisions: unknown[] }, edits: Array<[number, string, unknown, string, string, string]>) {
  const steps = plan.steps;
  for (const [at, kind, v, ref, key, field] of edits) {
    const target = steps[at % steps.length]!;
    const other = steps[(at + 1) % steps.length]!;
    switch (kind) {
      case "set":
        target[field] = v;
        break;
      case "delete":
        delete target[field];
        break;
      case "duplicate":
        steps.push({ ...target });
        break;
      case "cycle":
        target.depends_on = [idOf(other)];
        other.depends_on = [idOf(target)];
        break;
      case "decision":
        plan.decisions.push({ id: `d${at % 5}`, after: [target.id], condition: ref, then: [other.id], else: [target.id], max_iterations: at % 4 });
        break;
      case "ref":
        target.output_mapping = { ...(typeof target.output_mapping === "object" ? (target.output_mapping as object) : {}), y: ref };
        break;
      case "selfref":
        target.output_mapping = { z: `{${idOf(target)}.data}` };
        break;
      case "key":
        Object.defineProperty(target, key, { value: v, enumerable: true, writable: true, configurable: true });
        break;
    }
  }
  return plan;
}

export const mutatedPlan = fc
  .tuple(validBase, fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([base, edits]) => applyMutations(structuredClone(base), edits));

/**
 * Shape-valid plans over steps a–d whose references, conditions and branches are drawn at random:
 * they get past the schema and exercise the reference grammar, the condition language, the
 * dependency analysis (cycles, self-references, unknown steps) and loops.
 */
const wellFormedStep = (stepId: string) =>
  fc
    .record({
      id: fc.constant(stepId),
      tool: fc.constantFrom("echo", "count", "count", "fail"),
      output_mapping: fc.dictionary(fc.constantFrom("x", "y", "z"), fc.oneof(referenceText, fc.array(referenceText, { maxLength: 2 })), { maxKeys: 2 }),
      depends_on: fc.subarray(["a", "b", "c", "d"].filter((d) => d !== stepId), { maxLength: 2 }),
    })
    // `fail` takes only a message: its references go there.
    .map((step) =>
      step.tool === "fail"
        ? { ...step, params: {}, output_mapping: Object.keys(step.output_mapping).length ? { message: Object.values(step.output_mapping)[0] } : { message: "on purpose" } }
        : { ...step, params: { tag: stepId } },
    );
export const referencePlan = fc
  .tuple(
    fc.subarray(["a", "b", "c", "d"], { minLength: 1 }),
    fc.array(
      fc.record({
        id: fc.constantFrom("gate", "g2"),
        after: fc.subarray(["a", "b", "c", "d"], { minLength: 1, maxLength: 2 }),
        condition: condition,
        then: fc.subarray(["a", "b", "c", "d"], { maxLength: 2 }),
        else: fc.subarray(["a", "b", "c", "d"], { maxLength: 2 }),
        max_iterations: fc.integer({ min: 1, max: 3 }),
      }, { requiredKeys: ["id", "after", "condition", "then"] }),
      { maxLength: 2 },
    ),
    fc.option(referenceText, { nil: undefined }),
  )
  .chain(([ids, decisions, answer]) =>
    fc.tuple(...ids.map((stepId) => wellFormedStep(stepId))).map((steps) => ({ steps, decisions, ...(answer === undefined ? {} : { answer }) })),
  );

/** JSON text: a plan serialised (sometimes truncated or spliced with a __proto__ key), or garbage. */
const jsonText = fc.oneof(
  fc.tuple(fc.oneof(stepList, mutatedPlan), fc.nat()).map(([plan, cut]) => {
    const text = JSON.stringify(plan) ?? "";
    return cut % 3 === 0 ? text.slice(0, cut % Math.max(1, text.length)) : text;
  }),
  fc.oneof(stepList, mutatedPlan).map((plan) => (JSON.stringify(plan) ?? "{}").replace(/^\{/, '{"__proto__":{"polluted":true},')),
  fc.string({ maxLength: 40 }),
  fc.constantFrom("", "null", "[]", "{}", '{"steps":null}', '{"steps":[{"id":"a","tool":"echo","params":{"__proto__":{"polluted":1}}}]}', "\u0000", "{".repeat(5_000)),
);

const isArrayLevel = (shape: "array" | "object" | "mixed", level: number) => shape === "array" || (shape === "mixed" && level % 2 === 1);

/** A value nested `depth` levels: arrays, objects or both, with a reference or a brace at the bottom. */
function nestedValue(depth: number, shape: "array" | "object" | "mixed", leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = isArrayLevel(shape, i) ? [value] : { k: value };
  return value;
}

/** The JSON text of `nestedValue`, built without JSON.stringify (which recurses). */
function nestedText(depth: number, shape: "array" | "object" | "mixed", leaf: unknown): string {
  const opens: string[] = [];
  const closes: string[] = [];
  for (let i = depth - 1; i >= 0; i--) {
    opens.push(isArrayLevel(shape, i) ? "[" : '{"k":');
    closes.push(isArrayLevel(shape, i) ? "]" : "}");
  }
  return `${opens.join("")}${JSON.stringify(leaf)}${closes.reverse().join("")}`;
}

/**
 * Plans whose params, output_mapping, answer or decisions nest around the nesting limit (64) and
 * far past it (2,500 and 20,000 levels overflowed recursive walks), as objects and as JSON text.
 */
export const deepPlan: fc.Arbitrary<unknown> = fc
  .record({
    depth: fc.constantFrom(10, 58, 59, 60, 61, 62, 64, 65, 100, 1_000, 2_500, 20_000),
    shape: fc.constantFrom<"array" | "object" | "mixed">("array", "object", "mixed"),
    leaf: fc.constantFrom<unknown>("{a.data}", "{a.data[*]}", "{", 1, null, "{nope.x}"),
    where: fc.constantFrom("params", "output_mapping", "answer", "extra", "decision"),
    asText: fc.boolean(),
  })
  .map(({ depth, shape, leaf, where, asText }) => {
    // Deep values go in as a placeholder when the plan is sent as text, so JSON.stringify (which
    // recurses) never sees them; the placeholder is then replaced by the nested text.
    const deep = asText ? "__DEEP__" : nestedValue(depth, shape, leaf);
    const b: Record<string, unknown> = { id: "b", tool: "echo" };
    const plan: Record<string, unknown> = { steps: [{ id: "a", tool: "echo" }, b] };
    if (where === "params" || where === "output_mapping") b[where] = { x: deep };
    else if (where === "answer") plan.answer = deep;
    else if (where === "extra") plan.extra = deep;
    else plan.decisions = [{ id: "d", after: ["a"], condition: deep, then: ["b"] }];
    if (!asText) return plan;
    return JSON.stringify(plan).replace('"__DEEP__"', () => nestedText(depth, shape, leaf));
  });

const HUGE_UNITS = ["{", "{a", "{a.", "{a[", "{a.data}", "}{", "{a ", "{b.data.x} ", "\\", "'", "\u202e", "\u0000", "😀", "\ud800", "x"];

/**
 * Plans with one huge string (up to 900,000 characters: 800k of '{' took 3.9 s to scan when the
 * scan was quadratic) in params, output_mapping, the answer, a condition, an id, a tool name or a
 * parameter name.
 */
export const hugeStringPlan: fc.Arbitrary<unknown> = fc
  .record({
    unit: fc.constantFrom(...HUGE_UNITS),
    length: fc.constantFrom(1_000, 70_000, 300_000, 900_000),
    where: fc.constantFrom("params", "output_mapping", "answer", "condition", "id", "tool", "key", "reference"),
  })
  .map(({ unit, length, where }) => {
    // `{` and `{a` go to 900k (the finding: 800k of them took 3.9 s); other units stop at 300k,
    // which keeps each case far inside the per-case time bound on a busy machine.
    const size = unit === "{" || unit === "{a" ? length : Math.min(length, 300_000);
    const huge = unit.repeat(Math.ceil(size / unit.length));
    const b: Record<string, unknown> = { id: "b", tool: "echo" };
    const plan: Record<string, unknown> = { steps: [{ id: "a", tool: "echo" }, b] };
    switch (where) {
      case "params":
      case "output_mapping":
        b[where] = { x: huge };
        break;
      case "answer":
        plan.answer = huge;
        break;
      case "condition":
        plan.decisions = [{ id: "d", after: ["a"], condition: `{a.data} == '${huge}'`, then: ["b"] }];
        break;
      case "id":
        b.id = huge;
        break;
      case "tool":
        b.tool = huge;
        break;
      case "key":
        b.params = { [huge]: 1 };
        break;
      case "reference":
        b.output_mapping = { x: `{a.data.${huge}}`, y: `{${huge}.data}` };
        break;
    }
    return plan;
  });

/** The whole mix the fuzz suite draws from. */
export const malformedPlan: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: stepList },
  { weight: 1, arbitrary: stepListWithProto },
  { weight: 4, arbitrary: mutatedPlan },
  { weight: 6, arbitrary: referencePlan },
  { weight: 2, arbitrary: sectioned },
  { weight: 2, arbitrary: jsonText },
  { weight: 1, arbitrary: fc.anything({ withNullPrototype: true, withObjectString: true, maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deepPlan },
  { weight: 1, arbitrary: hugeStringPlan },
);
