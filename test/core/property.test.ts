import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PlangraphError } from "../../src/model/errors.js";
import { runPlan } from "../../src/api/run-plan.js";
import type { RunEvent } from "../../src/engine/scheduler.js";
import { callLog, declaredDeps, prepare } from "./helpers.js";

// Budget: the whole file runs in a few seconds. Failing seeds are printed by fast-check; replay
// one with `{ seed, path }` in the fc.assert options.

interface GeneratedStep {
  id: string;
  tool: string;
  params: Record<string, unknown>;
  depends_on?: string[];
  output_mapping?: Record<string, string>;
}

/**
 * Random valid DAG plans: 5–40 steps of `echo` or `sleep` (0–5 ms), each depending on up to three
 * earlier steps, some through `depends_on` and some through references into their output. The
 * plan lists the steps in a random order, so plan order is not dependency order.
 */
const dagPlan = fc
  .integer({ min: 5, max: 40 })
  .chain((n) =>
    fc.tuple(
      fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.record({
            deps: fc.subarray(Array.from({ length: i }, (_, d) => d), { maxLength: Math.min(3, i) }),
            byReference: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
            sleep: fc.boolean(),
            ms: fc.integer({ min: 0, max: 5 }),
          }),
        ),
      ),
      fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n }),
    ),
  )
  .map(([specs, order]) => {
    const steps: GeneratedStep[] = specs.map((spec, i) => {
      const byRef = spec.deps.filter((_, k) => spec.byReference[k]);
      const byDep = spec.deps.filter((_, k) => !spec.byReference[k]);
      return {
        id: `s${i}`,
        tool: spec.sleep ? "sleep" : "echo",
        params: spec.sleep ? { ms: spec.ms, tag: `s${i}` } : { tag: `s${i}` },
        ...(byDep.length ? { depends_on: byDep.map((d) => `s${d}`) } : {}),
        ...(byRef.length ? { output_mapping: Object.fromEntries(byRef.map((d) => [`from_s${d}`, `{s${d}.data.tag}`])) } : {}),
      };
    });
    return { steps: order.map((i) => steps[i]!) };
  });

describe("property: random valid DAG plans", () => {
  it("run every step once, after all of its dependencies, with every output present", async () => {
    await fc.assert(
      fc.asyncProperty(dagPlan, async (plan) => {
        const starts = new Map<string, number>();
        const result = await runPlan(plan, {
          onEvent: (event: RunEvent) => {
            if (event.type === "step_start") starts.set(event.step, (starts.get(event.step) ?? 0) + 1);
          },
        });
        expect(result.status).toBe("completed");
        expect(Object.keys(result.results).sort()).toEqual(plan.steps.map((s) => s.id).sort());
        for (const step of plan.steps) {
          expect(starts.get(step.id), `${step.id} started once`).toBe(1);
          expect(result.attempts[step.id]).toBe(1);
          const data = (result.results[step.id] as { data: Record<string, unknown> }).data;
          expect(data.tag).toBe(step.id);
          for (const [key, reference] of Object.entries(step.output_mapping ?? {})) {
            expect(data[key], reference).toBe(reference.slice(1, reference.indexOf(".")));
          }
        }
        for (const [id, deps] of declaredDeps(plan)) {
          for (const dep of deps) expect(result.timings[dep]!.end_ms, `${dep} ends before ${id} starts`).toBeLessThanOrEqual(result.timings[id]!.start_ms);
        }
        expect(result.makespan_ms).toBeGreaterThanOrEqual(result.critical_path_ms - 0.01);
      }),
      { numRuns: 25 },
    );
  });

  it("in sequential mode, run one step at a time and never before a dependency", async () => {
    await fc.assert(
      fc.asyncProperty(dagPlan, async (generated) => {
        const log = callLog("record", { ms: 0 });
        const plan = { steps: generated.steps.map((s) => ({ ...s, tool: "record" })) };
        const result = await runPlan(plan, { tools: [log.tool], sequential: true });
        expect(result.status).toBe("completed");
        expect(log.maxActive).toBe(1);
        expect(log.calls).toHaveLength(plan.steps.length);
        for (const [id, deps] of declaredDeps(plan)) for (const dep of deps) expect(log.calls.indexOf(dep)).toBeLessThan(log.calls.indexOf(id));
      }),
      { numRuns: 10 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Random malformed plans

const base = () => ({
  goal: "g",
  steps: [
    { id: "a", tool: "echo", params: { x: 1 } as Record<string, unknown> },
    { id: "b", tool: "sleep", params: { ms: 1 } as Record<string, unknown>, depends_on: ["a"] },
    { id: "c", tool: "echo", output_mapping: { y: "{a.data.x}" } as Record<string, unknown>, retry: { max_attempts: 2 } },
  ] as Array<Record<string, unknown>>,
});

/** References no plan may contain (step `a` exists in every base plan). */
const BAD_REFERENCES = [
  "{a.__proto__.x}",
  "{a.data.__proto__}",
  "{a['__proto__']}",
  "{a.constructor.prototype}",
  '{a["prototype"]}',
  "{a[*]}",
  "{a.*}",
  "{a..x}",
  "{a[0:2]}",
  "{a[?@.x]}",
  "{a[01]}",
  "{a[-0]}",
  "{a.x",
  "{a x}",
  "{a.}",
  "{nope.x}",
  "{a[99999999999999999999]}",
];

const anyValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, -1, 0.5),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
);
const stepField = fc.constantFrom("id", "tool", "params", "output_mapping", "depends_on", "retry", "timeout_ms", "requires_approval", "cache", "description");
const stepIndex = fc.integer({ min: 0, max: 2 });
const STEP_FIELDS = new Set(["id", "tool", "params", "output_mapping", "depends_on", "optional_depends_on", "retry", "timeout_ms", "requires_approval", "cache", "description"]);

/** A mutation: the (possibly invalid) plan, and whether it is certainly invalid. */
type Mutated = { plan: unknown; invalid: boolean; kind: string };

const mutation: fc.Arbitrary<Mutated> = fc.oneof(
  fc.tuple(stepIndex, stepField, anyValue).map(([i, field, value]) => {
    const plan = base();
    plan.steps[i]![field] = value;
    return { plan, invalid: false, kind: "wrong type" };
  }),
  fc.tuple(stepIndex, fc.constantFrom("id", "tool")).map(([i, field]) => {
    const plan = base();
    delete plan.steps[i]![field];
    return { plan, invalid: true, kind: "missing field" };
  }),
  fc.tuple(stepIndex, fc.string({ maxLength: 80 })).map(([i, id]) => {
    const plan = base();
    plan.steps[i]!.id = id;
    return { plan, invalid: false, kind: "random id" };
  }),
  fc.tuple(fc.constantFrom(1, 2), fc.constantFrom(...BAD_REFERENCES), fc.constantFrom("output_mapping", "params"), fc.string({ maxLength: 5 })).map(([i, ref, where, pad]) => {
    const plan = base();
    plan.steps[i]![where] = { ...(plan.steps[i]![where] as object), z: [{ deep: `${pad.replace(/[{}]/g, "")}${ref}` }] };
    return { plan, invalid: true, kind: "bad reference" };
  }),
  fc.tuple(fc.constantFrom(1, 2), fc.string({ maxLength: 20 })).map(([i, inside]) => {
    const plan = base();
    plan.steps[i]!.output_mapping = { z: `{a${inside}}` };
    return { plan, invalid: false, kind: "random reference" };
  }),
  fc.tuple(stepIndex, fc.constantFrom<[string, unknown]>(["timeout_ms", 1e400], ["timeout_ms", 1e20], ["timeout_ms", -1e308], ["timeout_ms", 0.5], ["retry", { max_attempts: 1e20 }], ["retry", { max_attempts: 2 ** 53 }], ["retry", { max_attempts: 3, backoff_ms: 1e400 }])).map(([i, [field, value]]) => {
    const plan = base();
    plan.steps[i]![field] = value;
    return { plan, invalid: true, kind: "huge number" };
  }),
  fc.tuple(stepIndex, fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !STEP_FIELDS.has(k) && k !== "__proto__"), anyValue).map(([i, key, value]) => {
    const plan = base();
    plan.steps[i]![key] = value;
    return { plan, invalid: true, kind: "unknown field" };
  }),
  fc.tuple(fc.nat(), fc.constantFrom(0, 1)).map(([cut, section]) => {
    const text = JSON.stringify(section ? base() : { primary: { tool: "echo" }, aggregate: { tool: "echo" } });
    return { plan: text.slice(0, cut % text.length), invalid: true, kind: "truncated text" };
  }),
  fc.tuple(fc.constantFrom('"__proto__":{"polluted":true}', '"constructor":{"prototype":{"polluted":true}}', '"__proto__":{"__proto__":{"polluted":true}}'), fc.constantFrom("top", "step", "params", "mapping")).map(([injection, where]) => {
    const plan = base();
    const text = JSON.stringify(plan);
    const at = { top: "{", step: '{"id":"a",', params: '"params":{', mapping: '"output_mapping":{' }[where];
    const injected = text.replace(at, `${at}${injection},`);
    return { plan: injected, invalid: false, kind: "prototype injection" };
  }),
  fc.anything().map((plan) => ({ plan, invalid: false, kind: "anything" })),
  fc.tuple(fc.jsonValue(), fc.constantFrom("steps", "decisions", "primary", "tool_dependencies")).map(([value, key]) => {
    const plan: Record<string, unknown> = key === "steps" || key === "decisions" ? base() : { primary: { tool: "echo" } };
    plan[key] = value;
    return { plan, invalid: false, kind: "random section" };
  }),
);

describe("property: random malformed plans", () => {
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  it("make preparePlan throw a PlangraphError and nothing else, never hang, never pollute Object.prototype", () => {
    fc.assert(
      fc.property(mutation, ({ plan, invalid, kind }) => {
        let thrown: unknown;
        try {
          prepare(plan);
        } catch (error) {
          thrown = error;
        }
        if (thrown !== undefined) {
          expect(thrown, `${kind}: ${String(thrown)}`).toBeInstanceOf(PlangraphError);
          expect((thrown as PlangraphError).code).toMatch(/^[A-Z_]+$/);
          expect((thrown as PlangraphError).message.length).toBeGreaterThan(0);
        } else {
          expect(invalid, `${kind} was accepted`).toBe(false);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
      }),
      { numRuns: 600 },
    );
  }, 30_000);

  it("leave Object.prototype clean even when a plan with hostile keys runs", async () => {
    const hostile =
      '{"steps":[{"id":"a","tool":"echo","params":{"__proto__":{"polluted":1},"nested":{"__proto__":{"polluted":2},"constructor":{"prototype":{"polluted":3}}}}},' +
      '{"id":"b","tool":"echo","output_mapping":{"copy":"{a.data.nested}","__proto__":{"polluted":4}}}]}';
    const result = await runPlan(hostile);
    expect(result.status).toBe("completed");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    const copy = (result.results.b as { data: { copy: Record<string, unknown> } }).data.copy;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });
});
