import type { AIMessageChunk } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ChatOpenAI } from "@langchain/openai";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { chatModelFromEnv, DecisionAnswerSchema } from "../../src/decide/index.js";
import { reply, requestText, startOpenAIStub, type OpenAIStub } from "../support/openai-stub.js";

const stubs: OpenAIStub[] = [];

async function start(...args: Parameters<typeof startOpenAIStub>): Promise<{ stub: OpenAIStub; model: ChatOpenAI }> {
  const stub = await startOpenAIStub(...args);
  stubs.push(stub);
  const model = chatModelFromEnv({ OPENAI_API_KEY: "test", OPENAI_BASE_URL: stub.url }, { maxRetries: 0 }) as ChatOpenAI;
  return { stub, model };
}

afterEach(async () => {
  await Promise.all(stubs.splice(0).map((stub) => stub.close()));
});

const lookup = tool(async ({ query }: { query: string }) => query, {
  name: "ci_search",
  description: "Search the CMDB",
  schema: z.object({ query: z.string() }),
});

async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk> {
  let all: AIMessageChunk | undefined;
  for await (const chunk of stream) all = all === undefined ? chunk : all.concat(chunk);
  return all!;
}

describe("openai-stub: scripted replies through the real ChatOpenAI client", () => {
  it("listens on 127.0.0.1 with a /v1 base URL", async () => {
    const { stub } = await start();
    expect(stub.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it("answers with plain text and records the request", async () => {
    const { stub, model } = await start();
    stub.enqueue(reply.text("db-prod looks fine"));
    const message = await model.invoke([["system", "be brief"], ["human", "how is db-prod?"]]);
    expect(message.content).toBe("db-prod looks fine");
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]!.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(requestText(stub.requests[0]!)).toBe("be brief\nhow is db-prod?");
    expect(stub.exchanges[0]).toMatchObject({ method: "POST", path: "/v1/chat/completions", finished: true, aborted: false });
  });

  it("answers with tool calls (name + JSON arguments)", async () => {
    const { stub, model } = await start();
    stub.enqueue(
      reply.toolCalls([
        { name: "ci_search", arguments: { query: "db-prod" }, id: "call_1" },
        { name: "ci_search", arguments: { query: "db-dr" } },
      ]),
    );
    const message = await model.bindTools([lookup]).invoke("find the databases");
    expect(message.tool_calls).toEqual([
      expect.objectContaining({ name: "ci_search", args: { query: "db-prod" }, id: "call_1" }),
      expect.objectContaining({ name: "ci_search", args: { query: "db-dr" } }),
    ]);
    expect(stub.requests[0]!.tools?.[0]?.function.name).toBe("ci_search");
  });

  it("serves structured output with method functionCalling (tool_choice) and jsonSchema (response_format)", async () => {
    const { stub, model } = await start();
    stub.enqueue(reply.toolCall("decide", { branch: "then", reason: "tool" }), reply.json({ branch: "else", reason: "schema" }));
    const viaTool = await model.withStructuredOutput(DecisionAnswerSchema, { name: "decide", method: "functionCalling" }).invoke("q");
    const viaSchema = await model.withStructuredOutput(DecisionAnswerSchema, { name: "decide", method: "jsonSchema" }).invoke("q");
    expect(viaTool).toEqual({ branch: "then", reason: "tool" });
    expect(viaSchema).toEqual({ branch: "else", reason: "schema" });
    const [toolRequest, schemaRequest] = stub.requests;
    expect(toolRequest!.tool_choice).toEqual({ type: "function", function: { name: "decide" } });
    expect(toolRequest!.response_format).toBeUndefined();
    expect(schemaRequest!.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "decide", strict: true } });
    expect(schemaRequest!.tools).toBeUndefined();
  });

  it("answers with an HTTP error status and OpenAI's error body", async () => {
    const { stub, model } = await start();
    stub.enqueue(reply.error(429, "slow down"));
    await expect(model.invoke("hi")).rejects.toMatchObject({ status: 429 });
    stub.enqueue(reply.error(503, "down for maintenance"));
    const response = await fetch(`${stub.url}/chat/completions`, { method: "POST", body: JSON.stringify({ messages: [] }) });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: { message: "down for maintenance", type: "server_error", param: null, code: null } });
  });

  it("sends a raw (malformed) body as is", async () => {
    const { stub, model } = await start();
    stub.enqueue(reply.raw("{ nope"));
    await expect(model.invoke("hi")).rejects.toThrow();
    stub.enqueue(reply.raw("plain words", { status: 502, contentType: "text/plain" }));
    const response = await fetch(`${stub.url}/chat/completions`, { method: "POST", body: JSON.stringify({ messages: [] }) });
    expect([response.status, response.headers.get("content-type"), await response.text()]).toEqual([502, "text/plain", "plain words"]);
  });

  it("answers 500 'no scripted reply' when nothing is queued and there is no handler", async () => {
    const { stub } = await start();
    const response = await fetch(`${stub.url}/chat/completions`, { method: "POST", body: JSON.stringify({ messages: [] }) });
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/no scripted reply/);
  });

  it("uses a handler for dynamic replies, after the queue", async () => {
    const seen: number[] = [];
    const { stub, model } = await start((request, { index }) => {
      seen.push(index);
      return reply.text(`echo ${index}: ${requestText(request)}`);
    });
    stub.enqueue(reply.text("queued first"));
    expect((await model.invoke("a")).content).toBe("queued first");
    expect((await model.invoke("b")).content).toBe("echo 1: b");
    expect((await model.invoke("c")).content).toBe("echo 2: c");
    expect(seen).toEqual([1, 2]);
    expect(stub.pending()).toBe(0);
  });

  it("delays a reply when asked", async () => {
    const { stub, model } = await start();
    stub.enqueue(reply.text("late", { delayMs: 150 }));
    const started = Date.now();
    expect((await model.invoke("hi")).content).toBe("late");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("serves GET /v1/models and 404s anything else", async () => {
    const { stub } = await start();
    expect(((await (await fetch(`${stub.url}/models`)).json()) as { data: unknown[] }).data).toHaveLength(1);
    expect((await fetch(`${stub.url}/embeddings`, { method: "POST", body: "{}" })).status).toBe(404);
    expect((await fetch(`${stub.url}/chat/completions`, { method: "POST", body: "{not json" })).status).toBe(400);
  });
});

describe("openai-stub: streaming (stream: true → SSE)", () => {
  it("streams text as content deltas ending with data: [DONE]", async () => {
    const { stub, model } = await start(undefined, { chunkSize: 4 });
    stub.enqueue(reply.text("db-prod is degraded"));
    const pieces: string[] = [];
    for await (const chunk of await model.stream("status?")) if (typeof chunk.content === "string" && chunk.content) pieces.push(chunk.content);
    expect(pieces.join("")).toBe("db-prod is degraded");
    expect(pieces.length).toBeGreaterThan(1);
    expect(stub.requests[0]!.stream).toBe(true);
  });

  it("writes OpenAI's chunk format on the wire", async () => {
    const { stub } = await start(undefined, { chunkSize: 100 });
    stub.enqueue(reply.toolCall("ci_search", { query: "x" }, { id: "call_9" }));
    const response = await fetch(`${stub.url}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = (await response.text()).split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")) as Record<string, any>);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "m")).toBe(true);
    expect(chunks[0]!.choices[0].delta.role).toBe("assistant");
    expect(chunks.find((c) => c.choices[0]?.delta.tool_calls?.[0]?.id)?.choices[0].delta.tool_calls[0]).toEqual({
      index: 0,
      id: "call_9",
      type: "function",
      function: { name: "ci_search", arguments: "" },
    });
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)!.usage).toMatchObject({ total_tokens: expect.any(Number) });
  });

  it("streams tool calls as deltas that ChatOpenAI reassembles", async () => {
    const { stub, model } = await start(undefined, { chunkSize: 3 });
    stub.enqueue(
      reply.toolCalls([
        { name: "ci_search", arguments: { query: "db-prod", depth: 2 } },
        { name: "ci_search", arguments: { query: "db-dr" } },
      ]),
    );
    const message = await collect(await model.bindTools([lookup]).stream("find"));
    expect(message.tool_calls?.map((c) => [c.name, c.args])).toEqual([
      ["ci_search", { query: "db-prod", depth: 2 }],
      ["ci_search", { query: "db-dr" }],
    ]);
  });

  it("streams structured output with both methods", async () => {
    const { stub, model } = await start(undefined, { chunkSize: 5 });
    stub.enqueue(reply.toolCall("decide", { branch: "then", reason: "streamed tool" }), reply.json({ branch: "else", reason: "streamed json" }));
    const last = async (method: "functionCalling" | "jsonSchema") => {
      let value: unknown;
      for await (const item of await model.withStructuredOutput(DecisionAnswerSchema, { name: "decide", method }).stream("q")) value = item;
      return value;
    };
    expect(await last("functionCalling")).toEqual({ branch: "then", reason: "streamed tool" });
    expect(await last("jsonSchema")).toEqual({ branch: "else", reason: "streamed json" });
    expect(stub.requests.map((r) => r.stream)).toEqual([true, true]);
  });
});

describe("openai-stub: hangs and shutdown", () => {
  it("close() ends a hanging connection promptly", async () => {
    const { stub } = await start();
    stub.enqueue(reply.hang());
    const pending = fetch(`${stub.url}/chat/completions`, { method: "POST", body: JSON.stringify({ messages: [] }) });
    const outcome = pending.then(
      () => "answered",
      () => "connection closed",
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stub.exchanges).toHaveLength(1);
    const started = Date.now();
    await stub.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await outcome).toBe("connection closed");
    expect(stub.exchanges[0]).toMatchObject({ aborted: false, finished: false });
  });

  it("close() also ends streams in progress and pending delays", async () => {
    const { stub } = await start();
    stub.enqueue(reply.text("never sent", { delayMs: 60_000 }));
    const outcome = fetch(`${stub.url}/chat/completions`, { method: "POST", body: JSON.stringify({ messages: [], stream: true }) }).then(
      () => "answered",
      () => "connection closed",
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await stub.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await outcome).toBe("connection closed");
  });

  it("records when the client gives up on a hanging request", async () => {
    const { stub, model } = await start();
    stub.enqueue(reply.hang());
    await expect(model.invoke("hi", { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stub.exchanges[0]!.aborted).toBe(true);
  });
});
