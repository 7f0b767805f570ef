import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import {
  askDecision,
  chatModelFromEnv,
  DecisionRecordSchema,
  TRUNCATION_MARKER,
  type AskDecisionOptions,
  type DecisionRecord,
} from "../../src/decide/index.js";
import { reply, requestText, startOpenAIStub, type OpenAIStub } from "../support/openai-stub.js";

let stub: OpenAIStub;
let model: BaseChatModel;

beforeEach(async () => {
  stub = await startOpenAIStub();
  model = chatModelFromEnv({ OPENAI_API_KEY: "test", OPENAI_BASE_URL: stub.url })!;
});

afterEach(async () => {
  await stub.close();
});

const QUESTION = "Is any neighbour unhealthy enough to inspect metrics?";
const GOAL = "Find out why db-prod is slow";
const RESULTS = { topology: { data: { rows: [{ ci_id: "ci-42", status: "degraded" }] } }, primary: { data: { total: 1 } } };

/** Asks and checks that the record matches the shared schema. */
async function ask(options: Partial<AskDecisionOptions> = {}): Promise<DecisionRecord> {
  const record = await askDecision({ model, question: QUESTION, goal: GOAL, results: RESULTS, defaultBranch: "else", ...options });
  expect(DecisionRecordSchema.parse(record)).toEqual(record);
  return record;
}

describe("chatModelFromEnv", () => {
  it("has no model without OPENAI_API_KEY", () => {
    expect(chatModelFromEnv({})).toBeUndefined();
    expect(chatModelFromEnv({ OPENAI_API_KEY: "  ", OPENAI_BASE_URL: "http://127.0.0.1:1/v1" })).toBeUndefined();
  });

  it("talks to OPENAI_BASE_URL with PLANGRAPH_MODEL (default gpt-4o-mini)", async () => {
    stub.enqueue(reply.text("hi"), reply.text("hi"));
    await model.invoke("hello");
    const custom = chatModelFromEnv({ OPENAI_API_KEY: "test", OPENAI_BASE_URL: stub.url, PLANGRAPH_MODEL: "llama-3.1-8b" })!;
    await custom.invoke("hello");
    expect(stub.requests.map((r) => r.model)).toEqual(["gpt-4o-mini", "llama-3.1-8b"]);
    expect(stub.exchanges[0]!.headers.authorization).toBe("Bearer test");
  });
});

describe("askDecision", () => {
  it("takes the model's 'then' answer", async () => {
    stub.enqueue(reply.json({ branch: "then", reason: "ci-42 is degraded" }));
    const record = await ask();
    expect(record).toMatchObject({ branch: "then", source: "llm", reason: "ci-42 is degraded" });
    expect(record.cause).toBeUndefined();
    expect(record.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it("takes the model's 'else' answer", async () => {
    stub.enqueue(reply.json({ branch: "else", reason: "all neighbours are healthy" }));
    expect(await ask({ defaultBranch: "then" })).toMatchObject({ branch: "else", source: "llm", reason: "all neighbours are healthy" });
  });

  it("sends the question, the goal and the results, with structured output named 'decide'", async () => {
    stub.enqueue(reply.json({ branch: "then", reason: "r" }));
    await ask();
    expect(stub.requests).toHaveLength(1);
    const request = stub.requests[0]!;
    const text = requestText(request);
    expect(text).toContain(QUESTION);
    expect(text).toContain(GOAL);
    expect(text).toContain(JSON.stringify(RESULTS.topology));
    expect(text).toContain(JSON.stringify(RESULTS.primary));
    expect(text).not.toContain(TRUNCATION_MARKER + ":");
    expect(request.response_format?.type).toBe("json_schema");
    expect(request.response_format?.json_schema?.name).toBe("decide");
    expect(JSON.stringify(request.response_format?.json_schema?.schema)).toContain('"enum":["then","else"]');
  });

  it("marks truncated results when they exceed the token budget", async () => {
    stub.enqueue(reply.json({ branch: "then", reason: "r" }));
    const big = { data: { rows: Array.from({ length: 500 }, (_, i) => ({ ci_id: `ci-${i}`, status: "ok" })) } };
    await ask({ results: { small: { ok: true }, big }, tokenBudget: 500 });
    const text = requestText(stub.requests[0]!);
    expect(text).toContain('{"ok":true}');
    expect(text).toMatch(/…\[truncated: \d+ of \d+ characters shown\]/);
    expect(text.length).toBeLessThanOrEqual(500 * 4);
  });

  it("falls back to the default branch on HTTP 500, after one retry", { timeout: 15_000 }, async () => {
    stub.enqueue(reply.error(500, "upstream exploded"), reply.error(500, "upstream exploded"));
    const record = await ask({ defaultBranch: "then" });
    expect(record).toMatchObject({ branch: "then", source: "fallback" });
    expect(record.cause).toBe("model API error (HTTP 500): upstream exploded");
    expect(record.reason).toContain("took the default branch \"then\"");
    expect(stub.requests).toHaveLength(2);
  });

  it("does not retry a client error such as HTTP 401", async () => {
    stub.enqueue(reply.error(401, "bad key"));
    expect((await ask()).cause).toBe("model API error (HTTP 401): bad key");
    expect(stub.requests).toHaveLength(1);
  });

  it("aborts the HTTP request when the model hangs past the timeout", async () => {
    stub.enqueue(reply.hang());
    const started = Date.now();
    const record = await ask({ timeoutMs: 300 });
    const took = Date.now() - started;
    expect(record).toMatchObject({ branch: "else", source: "fallback", cause: "timed out after 300 ms" });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(2_000);
    expect(record.latency_ms).toBeGreaterThanOrEqual(290);
    // The client closed the connection itself: the request was aborted, not merely raced.
    await vi.waitFor(() => expect(stub.exchanges[0]!.aborted).toBe(true), { timeout: 1_000 });
    expect(stub.requests).toHaveLength(1);
  });

  it("falls back on malformed JSON", { timeout: 15_000 }, async () => {
    stub.enqueue(reply.text('{"branch": "then", '), reply.text('{"branch": "then", '));
    const record = await ask();
    expect(record).toMatchObject({ branch: "else", source: "fallback" });
    expect(record.cause).toMatch(/^unusable answer: .*JSON/);
  });

  it("falls back on a malformed response body", { timeout: 15_000 }, async () => {
    stub.enqueue(reply.raw("{this is not json"), reply.raw("{this is not json"));
    const record = await ask();
    expect(record).toMatchObject({ branch: "else", source: "fallback" });
    expect(record.cause).toMatch(/^unusable answer: .*JSON/);
  });

  it("falls back on an answer naming a branch that does not exist", { timeout: 15_000 }, async () => {
    stub.enqueue(reply.json({ branch: "maybe", reason: "unsure" }), reply.json({ branch: "maybe", reason: "unsure" }));
    const record = await ask({ defaultBranch: "then" });
    expect(record).toMatchObject({ branch: "then", source: "fallback" });
    expect(record.cause).toMatch(/^unusable answer: branch: .*"then"\|"else"/);
  });

  it("falls back on an answer with a missing field", { timeout: 15_000 }, async () => {
    stub.enqueue(reply.json({ branch: "then" }), reply.json({ branch: "then" }));
    const record = await ask();
    expect(record).toMatchObject({ branch: "else", source: "fallback" });
    expect(record.cause).toMatch(/^unusable answer: reason: /);
  });

  it("falls back on a bad tool-call answer (functionCalling), without retrying", async () => {
    // LangChain warns on console when a tool call's arguments are not JSON; expected here.
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    onTestFinished(() => warn.mockRestore());
    stub.enqueue(reply.toolCall("decide", { branch: "maybe", reason: "unsure" }));
    const wrongBranch = await ask({ method: "functionCalling" });
    expect(wrongBranch.cause).toMatch(/^unusable answer: branch: /);
    stub.enqueue(reply.toolCall("decide", '{"branch": "then"'));
    const malformed = await ask({ method: "functionCalling" });
    expect(malformed.cause).toMatch(/^unusable answer: .*not valid JSON/);
    stub.enqueue(reply.text("I think yes"));
    const noToolCall = await ask({ method: "functionCalling" });
    expect(noToolCall.cause).toMatch(/^unusable answer: /);
    expect(stub.requests).toHaveLength(3);
    expect([wrongBranch, malformed, noToolCall].every((r) => r.source === "fallback" && r.branch === "else")).toBe(true);
  });

  it("takes the default branch without a model, and says so", async () => {
    const record = await askDecision({ question: QUESTION, results: RESULTS, defaultBranch: "then" });
    expect(record).toMatchObject({ branch: "then", source: "fallback", cause: "no chat model configured" });
    expect(stub.requests).toHaveLength(0);
  });

  it("stops when the caller's signal aborts, taking the default branch", async () => {
    stub.enqueue(reply.hang());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const record = await ask({ signal: controller.signal, timeoutMs: 10_000 });
    expect(record).toMatchObject({ branch: "else", source: "fallback", cause: "cancelled" });
    expect(record.latency_ms).toBeLessThan(2_000);
    await vi.waitFor(() => expect(stub.exchanges[0]!.aborted).toBe(true), { timeout: 1_000 });
    const before = await ask({ signal: AbortSignal.abort() });
    expect(before.cause).toBe("cancelled before the model was asked");
  });

  it("never throws for a model that throws synchronously", async () => {
    const broken = {
      withStructuredOutput: () => {
        throw new Error("structured output unsupported");
      },
    } as unknown as BaseChatModel;
    expect(await ask({ model: broken })).toMatchObject({ source: "fallback", cause: "model error: structured output unsupported" });
  });
});
