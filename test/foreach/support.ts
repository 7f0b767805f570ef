/** Fixtures of the for_each suites: a list source and an element tool that logs every call. */
import { z } from "zod";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { defineTool } from "../../src/tools/define.js";
import { abortableDelay } from "../../src/tools/builtin.js";

/** One element of a test list: how long its call takes and whether it fails. */
export interface Element {
  id: string;
  ms: number;
  fail: boolean;
}

export interface ElementLog {
  tools: StructuredToolInterface[];
  /** Element ids in call order (a repeated id is a second call). */
  calls: string[];
  /** [start, end] per call of each element id, on `Date.now`. */
  spans: Map<string, Array<[number, number]>>;
  maxActive: number;
}

/** `rows` returns its `rows` param as `{ data: { rows } }`; `visit` calls one element, failing when it says so. */
export function elementTools(): ElementLog {
  let active = 0;
  const log: ElementLog = { tools: [], calls: [], spans: new Map(), maxActive: 0 };
  const elementSchema = z.object({ id: z.string(), ms: z.number(), fail: z.boolean() });
  const rows = defineTool({
    name: "rows",
    description: "Returns its rows.",
    input: z.object({ rows: z.array(elementSchema) }),
    output: z.object({ data: z.object({ rows: z.array(elementSchema), count: z.number() }) }),
    run: async ({ rows }) => ({ data: { rows, count: rows.length } }),
  });
  const visit = defineTool({
    name: "visit",
    description: "Visits one element.",
    input: z.object({ id: z.string(), ms: z.number(), fail: z.boolean(), index: z.number().int() }),
    output: z.object({ data: z.object({ id: z.string(), index: z.number() }) }),
    run: async ({ id, ms, fail, index }, config) => {
      log.calls.push(id);
      active++;
      log.maxActive = Math.max(log.maxActive, active);
      const start = Date.now();
      try {
        await abortableDelay(ms, config.signal);
      } finally {
        active--;
        log.spans.set(id, [...(log.spans.get(id) ?? []), [start, Date.now()]]);
      }
      if (fail) throw new Error(`element ${id} is broken`);
      return { data: { id, index } };
    },
  });
  log.tools = [rows, visit];
  return log;
}

/** A plan: `list` makes the rows, `each` visits them, `after` reads the whole list. */
export function fanOutPlan(elements: readonly Element[], step: Record<string, unknown> = {}) {
  return {
    steps: [
      { id: "list", tool: "rows", params: { rows: elements } },
      { id: "each", tool: "visit", for_each: "{list.data.rows}", params: { id: "{item.id}", ms: "{item.ms}", fail: "{item.fail}", index: "{item_index}" }, ...step },
      { id: "after", tool: "echo", params: { n: "{list.data.count}" }, depends_on: ["each"] },
    ],
  };
}
