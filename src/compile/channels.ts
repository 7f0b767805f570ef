/**
 * State channel names. A step's record lives in `step:<id>` and a decision's in
 * `decision:<id>`: the prefix keeps channel names apart from node names (LangGraph forbids a
 * node and a channel sharing a name), and ':' cannot occur in a plan id.
 */
export const stepChannel = (id: string): string => `step:${id}`;
export const decisionChannel = (id: string): string => `decision:${id}`;
export const RUN_ID_CHANNEL = "run_id";
export const STARTED_AT_CHANNEL = "started_at";
export const RUN_CONTEXT_KEY = "__plangraph_run";
/** Optional channel holding the contract's result object, kept current as nodes finish (server graphs). */
export const RESULT_CHANNEL = "result";
