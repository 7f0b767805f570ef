/**
 * A reference, not a competitor: the fan-out with no framework at all, `Promise.all` over the
 * element calls between the list call and the dependent call. Its makespan / critical path is
 * what the three tools alone cost on this machine (LangChain's per-call machinery included).
 */
import type { FanOutEngine } from "./fanout-engines.js";
import { fanOutTools, type ItemOutput, type ListOutput } from "./fanout-workload.js";

/** Runs `tasks` with at most `cap` in flight, started in order; results in input order. */
export async function inOrderPool<T>(tasks: ReadonlyArray<() => Promise<T>>, cap = tasks.length): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(cap, tasks.length) }, worker));
  return results;
}

export const rawPromises: FanOutEngine = {
  name: "raw promises",
  description: "no framework: list call, `Promise.all` over the element calls (an in-order pool under a cap), dependent call",
  async run(c, recorder) {
    const tools = fanOutTools(c, recorder);
    const called_at = performance.now();
    const listed = (await tools.list.invoke({ ms: c.listMs })) as ListOutput;
    const calls = listed.data.rows.map((row, index) => () => tools.item.invoke({ ms: row.ms, index }) as Promise<ItemOutput>);
    const elements = await inOrderPool(calls, c.cap);
    await tools.after.invoke({ ms: c.afterMs, results: elements });
    return { called_at, returned_at: performance.now(), elements };
  },
};
