import { IterableReadableStream } from "@langchain/core/utils/stream";
import type { RunAdmission } from "./admission.js";
import { callerFromRunConfig, withCaller } from "./caller.js";

type StreamOptions = Record<string, unknown> & { configurable?: Record<string, unknown> };
type StreamFn = (input: unknown, options?: StreamOptions) => Promise<AsyncIterable<unknown>>;

/**
 * Makes a graph the LangGraph server runs answer to the authenticated caller. Its `stream` — the
 * entry of every server run (`streamEvents` and `invoke` go through it) — gets the run's config
 * with `configurable.plangraph_caller` replaced by the caller of `langgraph_auth_user`, so nodes,
 * subgraphs and tools see the token's tenant and never one the client wrote; and the run's slot in
 * `admission` is held while it runs and freed when it ends, however it ends.
 */
export function serveForCaller<G extends object>(graph: G, admission?: RunAdmission): G {
  const target = graph as unknown as { stream: StreamFn };
  const original = target.stream.bind(graph);
  target.stream = async (input, options = {}) => {
    const caller = callerFromRunConfig(options.configurable);
    const runId = options.configurable?.run_id;
    const slot = admission && typeof runId === "string" ? runId : undefined;
    if (slot) admission!.started(slot, caller.tenant);
    let stream: AsyncIterable<unknown>;
    try {
      stream = await original(input, withCaller(options, caller));
    } catch (error) {
      if (slot) admission!.finished(slot);
      throw error;
    }
    if (!slot) return stream;
    return IterableReadableStream.fromAsyncGenerator(releasing(stream, () => admission!.finished(slot)));
  };
  return graph;
}

async function* releasing(stream: AsyncIterable<unknown>, release: () => void): AsyncGenerator<unknown> {
  try {
    for await (const chunk of stream) yield chunk;
  } finally {
    release();
  }
}
