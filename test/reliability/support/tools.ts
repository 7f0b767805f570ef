/**
 * In-process tools for the reliability suite: a call counter, and tools that misbehave on purpose.
 */
import { z } from "zod";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { defineTool } from "../../../src/tools/define.js";
import { abortableDelay } from "../../../src/tools/builtin.js";
import { preparePlan, type PreparedPlan } from "../../../src/analysis/prepare.js";
import { resolveLimits, type PlanLimitsInput } from "../../../src/plan/limits.js";
import { createToolRegistry } from "../../../src/tools/registry.js";

/** preparePlan with the built-ins plus `tools`: every compile-time check, nothing run. */
export function prepare(plan: unknown, tools: StructuredToolInterface[] = [], limits?: PlanLimitsInput): PreparedPlan {
  return preparePlan(plan, { registry: createToolRegistry(tools), limits: resolveLimits(limits) });
}

/** A tool that counts calls per `tag`, optionally waits `ms`, and returns its input as `data`. */
export function counter(name = "count") {
  const calls: string[] = [];
  const tool = defineTool({
    name,
    description: "Counts its calls; returns its input as data.",
    input: z.object({ tag: z.string().default("") }).catchall(z.unknown()),
    run: async (input, config) => {
      calls.push(input.tag);
      const ms = typeof input.ms === "number" ? input.ms : 0;
      if (ms) await abortableDelay(ms, config.signal);
      return { data: input };
    },
  });
  return { tool, calls, count: (tag: string) => calls.filter((c) => c === tag).length };
}

/** Tools that misbehave in every way the outside world can. */
export function hostileTools(observed: { aborted: string[] } = { aborted: [] }) {
  const tag = z.object({ tag: z.string().default("") });
  return {
    observed,
    tools: [
      defineTool({
        name: "throws",
        description: "Throws synchronously.",
        input: tag,
        run: () => {
          throw new Error("synchronous boom");
        },
      }),
      defineTool({
        name: "rejects",
        description: "Returns a rejected promise (with a non-Error reason).",
        input: tag,
        run: () => Promise.reject({ weird: "reason", nested: { deep: true } }),
      }),
      defineTool({
        name: "hangs",
        description: "Never settles; records when its signal aborts.",
        input: tag,
        run: (input, config) =>
          new Promise(() => {
            config.signal?.addEventListener("abort", () => observed.aborted.push(input.tag), { once: true });
          }),
      }),
      defineTool({
        name: "hangs_deaf",
        description: "Never settles and ignores its abort signal.",
        input: tag,
        run: () => new Promise(() => undefined),
      }),
      defineTool({
        name: "cyclic",
        description: "Returns an object that refers to itself.",
        input: tag,
        run: () => {
          const value: Record<string, unknown> = { data: { ok: true } };
          value.self = value;
          return value;
        },
      }),
      defineTool({
        name: "bigint",
        description: "Returns a BigInt inside its output.",
        input: tag,
        run: () => ({ data: { n: 10n } }) as never,
      }),
      defineTool({
        name: "function_value",
        description: "Returns a function (JSON drops it) and a class instance with a getter.",
        input: tag,
        run: () => {
          class Sneaky {
            secret = 1;
            get computed() {
              throw new Error("a getter ran");
            }
          }
          return { data: { fn: () => 1, instance: new Sneaky(), date: new Date(0), undef: undefined } } as never;
        },
      }),
      defineTool({
        name: "to_json_throws",
        description: "Returns an object whose toJSON throws.",
        input: tag,
        run: () => ({ data: { toJSON: () => { throw new Error("toJSON exploded"); } } }) as never,
      }),
      defineTool({
        name: "huge",
        description: "Returns `bytes` characters of output.",
        input: tag.extend({ bytes: z.number().int().min(0) }),
        run: (input) => ({ data: "x".repeat(input.bytes) }),
      }),
      defineTool({
        name: "undefined_output",
        description: "Returns nothing.",
        input: tag,
        run: () => undefined as never,
      }),
      defineTool({
        name: "proto_output",
        description: "Returns JSON text whose parse has an own __proto__ key.",
        input: tag,
        run: () => JSON.parse('{"data":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}'),
      }),
    ] as StructuredToolInterface[],
  };
}
