/**
 * State channel names. A step's record lives in `step:<id>` and a decision's in
 * `decision:<id>`: the prefix keeps channel names apart from node names (LangGraph forbids a
 * node and a channel sharing a name), and ':' cannot occur in a plan id.
 */
export const stepChannel = (id: string): string => `step:${id}`;
export const decisionChannel = (id: string): string => `decision:${id}`;
/** The step or decision a channel name belongs to, if any (inverse of the two above). */
export const channelOwner = (channel: string): { kind: "step" | "decision"; id: string } | undefined =>
  channel.startsWith("step:") ? { kind: "step", id: channel.slice(5) } : channel.startsWith("decision:") ? { kind: "decision", id: channel.slice(9) } : undefined;
export const RUN_ID_CHANNEL = "run_id";
export const STARTED_AT_CHANNEL = "started_at";
export const RUN_CONTEXT_KEY = "__plangraph_run";
/** Optional channel holding the run's result (docs/RESULT-FORMAT.md), kept current as nodes finish (server graphs). */
export const RESULT_CHANNEL = "result";
