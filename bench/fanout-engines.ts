/**
 * The fan-out competitors. Each runs the same three tools (bench/fanout-workload.ts) in the shape
 * list → one call per element → dependent, the way a user of that engine would write it:
 * plangraph's `for_each` step, a hand-written LangGraph `Send` map-reduce graph, GraphAI's `mapAgent`.
 */
import { Annotation, END, START, Send, StateGraph } from "@langchain/langgraph";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { mapAgent } from "@graphai/vanilla";
import { GraphAI, agentInfoWrapper, type GraphData } from "graphai";
import { runPlan } from "../src/index.js";
import { fanOutTools, type FanOutCase, type ItemOutput, type ListOutput, type RunRecorder } from "./fanout-workload.js";

/** One run as the engine saw it: when it was called, when it returned, its fan-out step's output. */
export interface EngineRun {
  /** performance.now() just before the call into the engine. */
  called_at: number;
  /** performance.now() when the engine returned. */
  returned_at: number;
  /** The list of element outputs as the engine reports it (checked against the expected list). */
  elements: unknown;
}

export interface FanOutEngine {
  name: string;
  description: string;
  run(c: FanOutCase, recorder: RunRecorder): Promise<EngineRun>;
}

type Tools = ReturnType<typeof fanOutTools>;

/** The plan a model would write for the case: list, a `for_each` over its rows, a dependent reading them all. */
export function fanOutPlan(c: FanOutCase): unknown {
  return {
    steps: [
      { id: "list", tool: "fan_list", params: { ms: c.listMs } },
      {
        id: "each",
        tool: "fan_item",
        for_each: "{list.data.rows}",
        params: { ms: "{item.ms}", index: "{item_index}" },
        ...(c.cap !== undefined ? { max_concurrency: c.cap } : {}),
      },
      { id: "after", tool: "fan_after", params: { ms: c.afterMs, results: "{each}" } },
    ],
  };
}

/** plangraph as a user calls it: `runPlan` (prepare, compile, run, result) with the case's tools. */
export const plangraphForEach: FanOutEngine = {
  name: "plangraph",
  description: "`runPlan` of a 3-step plan: list, a `for_each` step (`max_concurrency` = the cap), a dependent",
  async run(c, recorder) {
    const tools = fanOutTools(c, recorder);
    const plan = fanOutPlan(c);
    const called_at = performance.now();
    const result = await runPlan(plan, { tools: [tools.list, tools.item, tools.after] });
    const returned_at = performance.now();
    if (result.status !== "completed") throw new Error(`plangraph run ${result.status}: ${JSON.stringify(result.errors).slice(0, 500)}`);
    return { called_at, returned_at, elements: result.results["each"] };
  },
};

interface ItemTask {
  row: { ms: number };
  index: number;
}

/**
 * The LangGraph map-reduce of its docs, written by hand: `list` node → a conditional edge that
 * returns one `Send("item", …)` per row → `item` nodes appending `{ index, output }` through a
 * reducer → `after`, which puts the outputs in element order and calls the dependent tool.
 */
export function sendGraph(tools: Tools, c: FanOutCase) {
  const State = Annotation.Root({
    rows: Annotation<ListOutput["data"]["rows"]>(),
    outputs: Annotation<Array<{ index: number; output: ItemOutput }>>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    elements: Annotation<ItemOutput[]>(),
  });
  const call = async <T>(tool: StructuredToolInterface, input: Record<string, unknown>) => (await tool.invoke(input)) as T;
  return new StateGraph(State)
    .addNode("list", async () => ({ rows: (await call<ListOutput>(tools.list, { ms: c.listMs })).data.rows }))
    .addNode("item", async (task: unknown) => {
      const { row, index } = task as ItemTask;
      return { outputs: [{ index, output: await call<ItemOutput>(tools.item, { ms: row.ms, index }) }] };
    })
    .addNode("after", async (state) => {
      const elements = [...state.outputs].sort((a, b) => a.index - b.index).map((o) => o.output);
      await call(tools.after, { ms: c.afterMs, results: elements });
      return { elements };
    })
    .addEdge(START, "list")
    .addConditionalEdges("list", (state) => state.rows.map((row, index) => new Send("item", { row, index } satisfies ItemTask)), ["item"])
    .addEdge("item", "after")
    .addEdge("after", END)
    .compile();
}

/** The hand-written `Send` graph; the cap is LangGraph's `maxConcurrency` run option. */
export const langgraphSend: FanOutEngine = {
  name: "LangGraph Send",
  description: "hand-written StateGraph: list node → `Send` per row → item node (reducer) → after node; cap = `maxConcurrency`",
  async run(c, recorder) {
    const graph = sendGraph(fanOutTools(c, recorder), c);
    const called_at = performance.now();
    const state = await graph.invoke({}, c.cap !== undefined ? { maxConcurrency: c.cap } : {});
    return { called_at, returned_at: performance.now(), elements: state.elements };
  },
};

/**
 * GraphAI data for the case: `list` agent → `mapAgent` over its rows (a nested graph per row
 * calling the item tool) → `after` agent. The graph's `concurrency` is the cap, or the element
 * count (GraphAI's default of 8 would cap it); `mapAgent` lends its own slot to the nested graphs.
 */
export function mapAgentGraph(c: FanOutCase): GraphData {
  return {
    version: 0.5,
    concurrency: c.cap ?? Math.max(c.size, 1),
    nodes: {
      list: { agent: "fanListAgent", params: { ms: c.listMs } },
      each: {
        agent: "mapAgent",
        inputs: { rows: ":list.data.rows" },
        params: { compositeResult: true, compositeResultKey: "call" },
        graph: { version: 0.5, nodes: { call: { agent: "fanItemAgent", inputs: { row: ":row", index: ":__mapIndex" }, isResult: true } } },
        isResult: true,
      },
      after: { agent: "fanAfterAgent", params: { ms: c.afterMs }, inputs: { results: ":each" }, isResult: true },
    },
  };
}

function mapAgentAgents(tools: Tools) {
  return {
    mapAgent,
    fanListAgent: agentInfoWrapper(async ({ params }: { params: { ms: number } }) => tools.list.invoke({ ms: params.ms })),
    fanItemAgent: agentInfoWrapper(async ({ namedInputs }: { namedInputs: { row: { ms: number }; index: number } }) =>
      tools.item.invoke({ ms: namedInputs.row.ms, index: namedInputs.index }),
    ),
    fanAfterAgent: agentInfoWrapper(async ({ params, namedInputs }: { params: { ms: number }; namedInputs: { results: unknown[] } }) =>
      tools.after.invoke({ ms: params.ms, results: namedInputs.results }),
    ),
  };
}

/** GraphAI 2.0.18 with `@graphai/vanilla`'s `mapAgent`. */
export const graphaiMapAgent: FanOutEngine = {
  name: "GraphAI mapAgent",
  description: "GraphAI 2.0.18: list agent → `mapAgent` (nested graph per row) → after agent; cap = the graph's `concurrency`",
  async run(c, recorder) {
    const agents = mapAgentAgents(fanOutTools(c, recorder));
    const data = mapAgentGraph(c);
    const called_at = performance.now();
    const results = await new GraphAI(data, agents).run(true);
    return { called_at, returned_at: performance.now(), elements: results["each"] };
  },
};

/** The competitors, in report order. */
export const FAN_OUT_ENGINES: FanOutEngine[] = [plangraphForEach, langgraphSend, graphaiMapAgent];
