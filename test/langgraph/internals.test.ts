/**
 * Contract tests for every LangGraph internal plangraph relies on (src/langgraph/internals.ts).
 * Each runs a real graph and asserts the shape LangGraph really passes, so the day a LangGraph
 * release changes one of them, this file fails — before a user's run does. package.json's
 * @langchain/langgraph range covers the versions this file was run against.
 */
import { describe, expect, it } from "vitest";
import { Annotation, Command, END, INTERRUPT, MemorySaver, START, StateGraph, interrupt, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { getRuntimeGraphSchema } from "@langchain/langgraph-api/schema";
import { createRequire } from "node:module";
import { planSubgraph } from "../../src/api/plan-subgraph.js";
import {
  CHECKPOINT_NAMESPACE_SEPARATOR,
  CONFIG_KEY_CHECKPOINTER,
  CONFIG_KEY_READ,
  CONFIG_KEY_RESUMING,
  describeRuntimeSchemas,
  graphCheckpointNamespace,
  interruptsOf,
  isParentResuming,
  readTaskChannels,
  runCheckpointer,
} from "../../src/langgraph/internals.js";
import { planGraphSchemas } from "../../src/langgraph/state-schemas.js";

const State = Annotation.Root({ a: Annotation<number>(), b: Annotation<number>(), seen: Annotation<unknown>() });
const last = <T>(items: T[]): T => items[items.length - 1]!;

describe("the LangGraph version these contracts were checked against", () => {
  it("is the one installed, and package.json's range admits no other minor version", () => {
    const require = createRequire(import.meta.url);
    const installed = (require("@langchain/langgraph/package.json") as { version: string }).version;
    const range = (require("../../package.json") as { dependencies: Record<string, string> }).dependencies["@langchain/langgraph"]!;
    const [major, minor] = installed.split(".").map(Number);
    expect(range).toBe(`>=${installed} <${major}.${minor! + 1}.0`);
  });
});

describe(`${CONFIG_KEY_READ}: a node reads channels outside its declared input`, () => {
  it("is a function in a node's configurable, returning the values the superstep started with", async () => {
    const reads: Array<Record<string, unknown> | undefined> = [];
    const graph = new StateGraph(State)
      .addNode("write", () => ({ a: 1, b: 2 }))
      .addNode(
        "narrow",
        (_state: { a: number }, config: LangGraphRunnableConfig) => {
          expect(typeof config.configurable?.[CONFIG_KEY_READ]).toBe("function");
          reads.push(readTaskChannels(config, ["a", "b"]));
          return { seen: true };
        },
        { input: Annotation.Root({ a: Annotation<number>() }) },
      )
      .addEdge(START, "write")
      .addEdge("write", "narrow")
      .addEdge("narrow", END)
      .compile();
    await graph.invoke({});
    expect(reads).toEqual([{ a: 1, b: 2 }]);
  });

  it("is absent outside a graph: the reader says undefined instead of guessing", () => {
    expect(readTaskChannels({ configurable: {} }, ["a"])).toBeUndefined();
  });
});

/** A parent whose node `sub` is a subgraph that pauses for a value; the subgraph's stream calls are recorded. */
function parentWithPausingSubgraph() {
  const calls: Array<Record<string, unknown> | undefined> = [];
  const namespaces: string[] = [];
  const checkpointers: unknown[] = [];
  const sub = new StateGraph(State)
    .addNode("ask", (_state: unknown, config: LangGraphRunnableConfig) => {
      namespaces.push(String(config.configurable?.checkpoint_ns));
      checkpointers.push(runCheckpointer(config));
      const answer = interrupt({ question: "a?" }) as number;
      return { a: answer };
    })
    .addEdge(START, "ask")
    .addEdge("ask", END)
    .compile();
  const stream = sub.stream.bind(sub);
  (sub as unknown as { stream: unknown }).stream = (input: unknown, options?: { configurable?: Record<string, unknown> }) => {
    calls.push(options?.configurable);
    return stream(input as never, options as never);
  };
  const saver = new MemorySaver();
  const parent = new StateGraph(State).addNode("sub", sub).addEdge(START, "sub").addEdge("sub", END).compile({ checkpointer: saver });
  return { parent, saver, calls, namespaces, checkpointers };
}

describe(`${CONFIG_KEY_RESUMING}: a subgraph learns that its parent is resuming`, () => {
  it("is not set when the parent first runs the subgraph, and true when the parent resumes into it", async () => {
    const { parent, calls } = parentWithPausingSubgraph();
    const config = { configurable: { thread_id: "resuming" } };
    const paused = await parent.invoke({}, config);
    expect(interruptsOf(paused)).toHaveLength(1);
    expect(isParentResuming(calls[0])).toBe(false);
    const done = await parent.invoke(new Command({ resume: 7 }), config);
    expect(done.a).toBe(7);
    expect(last(calls)?.[CONFIG_KEY_RESUMING]).toBe(true);
    expect(isParentResuming(last(calls))).toBe(true);
  });
});

describe(`${CONFIG_KEY_CHECKPOINTER}: the checkpointer of the run a task belongs to`, () => {
  it("is the parent's checkpointer inside a subgraph's node, and absent without one", async () => {
    const { parent, saver, checkpointers } = parentWithPausingSubgraph();
    await parent.invoke({}, { configurable: { thread_id: "checkpointer" } });
    expect(checkpointers[0]).toBe(saver);

    let without: unknown = "unset";
    await new StateGraph(State)
      .addNode("n", (_s: unknown, config: LangGraphRunnableConfig) => ((without = runCheckpointer(config)), { seen: 1 }))
      .addEdge(START, "n")
      .compile()
      .invoke({});
    expect(without).toBeUndefined();
  });
});

describe(`checkpoint_ns: nested graphs joined with '${CHECKPOINT_NAMESPACE_SEPARATOR}', the node's own task last`, () => {
  it("names the task as node:task-id, and one level up is where the (sub)graph's checkpoint is kept", async () => {
    const { parent, saver, namespaces } = parentWithPausingSubgraph();
    const thread = "namespaces";
    await parent.invoke({}, { configurable: { thread_id: thread } });
    const taskNs = namespaces[0]!;
    const parts = taskNs.split(CHECKPOINT_NAMESPACE_SEPARATOR);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatch(/^sub:[0-9a-f-]{36}$/);
    expect(parts[1]).toMatch(/^ask:[0-9a-f-]{36}$/);
    const graphNs = graphCheckpointNamespace({ configurable: { checkpoint_ns: taskNs } });
    expect(graphNs).toBe(parts[0]);
    // The subgraph's own checkpoint lives there, with its pending interrupt write.
    const tuple = await saver.getTuple({ configurable: { thread_id: thread, checkpoint_ns: graphNs } });
    expect(tuple?.config.configurable?.checkpoint_ns).toBe(graphNs);
    expect(tuple?.pendingWrites?.some(([, channel]) => channel === INTERRUPT)).toBe(true);
    // A root graph's node: one level up is the root namespace "".
    expect(graphCheckpointNamespace({ configurable: { checkpoint_ns: parts[0] } })).toBe("");
  });
});

describe(`${INTERRUPT}: what invoke returns when a node pauses`, () => {
  it("is a list of { id, value } with the value given to interrupt()", async () => {
    const graph = new StateGraph(State)
      .addNode("gate", () => ({ a: interrupt({ step: "gate", tool: "t", params: { x: 1 }, pending: ["gate"] }) as number }))
      .addEdge(START, "gate")
      .compile({ checkpointer: new MemorySaver() });
    const state = await graph.invoke({}, { configurable: { thread_id: "interrupts" } });
    const items = interruptsOf(state);
    expect(items).toHaveLength(1);
    expect(items[0]!.id).toMatch(/^[0-9a-f]{32}$/);
    expect(items[0]!.value).toEqual({ step: "gate", tool: "t", params: { x: 1 }, pending: ["gate"] });
    expect(interruptsOf({ a: 1 })).toEqual([]);
  });
});

describe("builder._schemaRuntimeDefinition: how the LangGraph server describes a graph's state", () => {
  it("is unset for an Annotation state, and what the server's schema extraction reports once set", async () => {
    const graph = planSubgraph({ steps: [{ id: "a", tool: "echo" }] }, { chatModel: null, telemetry: false });
    const schemas = planGraphSchemas(graph.prepared);
    const extracted = (await getRuntimeGraphSchema(graph as never)) as { state?: unknown; input?: unknown; output?: unknown } | undefined;
    expect(extracted?.state).toEqual(schemas.state);
    expect(extracted?.input).toEqual(schemas.input);
    expect(extracted?.output).toEqual(schemas.output);
    // LangGraph itself still treats the state as annotations: the run is unaffected.
    const output = (await graph.invoke({})) as { result?: { status?: string } };
    expect(output.result?.status).toBe("completed");

    const plain = new StateGraph(State).addNode("n", () => ({ a: 1 })).addEdge(START, "n").compile();
    expect((plain as unknown as { builder: Record<string, unknown> }).builder._schemaRuntimeDefinition).toBeUndefined();
    expect(await getRuntimeGraphSchema(plain as never)).toBeUndefined();
    describeRuntimeSchemas(plain, schemas);
    expect(((await getRuntimeGraphSchema(plain as never)) as { state?: unknown }).state).toEqual(schemas.state);
  });
});
