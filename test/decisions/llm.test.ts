/**
 * Question decisions through `runPlan`, with the real ChatOpenAI client talking HTTP to the
 * OpenAI-compatible stub. Whatever the model does, the run completes and the decision record says
 * how the branch was chosen.
 *
 * ChatOpenAI (maxRetries 1) sends a failed or unusable answer a second time, so those cases script
 * two replies.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { chatModelFromEnv } from "../../src/decide/index.js";
import { createDecisionEvaluator } from "../../src/engine/decisions.js";
import { runPlan } from "../../src/api/run-plan.js";
import { reply, requestText, startOpenAIStub, type OpenAIStub } from "../support/openai-stub.js";
import { probeStep, probeTool, type Probe } from "./support.js";

const QUESTION = "Is any neighbour unhealthy enough to inspect metrics?";
const GOAL = "Find out why db-prod-01 is slow";

let stub: OpenAIStub;
let chatModel: BaseChatModel;
let probe: Probe;

beforeEach(async () => {
  stub = await startOpenAIStub();
  chatModel = chatModelFromEnv({ OPENAI_API_KEY: "test", OPENAI_BASE_URL: stub.url })!;
  probe = probeTool();
});

afterEach(async () => {
  await stub.close();
});

/** topology and health run first; D asks the question about both; then → metrics, else → report. */
function questionPlan(defaultBranch: "then" | "else" = "then") {
  return {
    goal: GOAL,
    steps: [
      probeStep("topology", { params: { neighbours: ["ci-41", "ci-42"] } }),
      probeStep("health", { params: { unhealthy: ["ci-42"], cpu: 97 } }),
      probeStep("metrics", { params: { metric: "cpu" } }),
      probeStep("report"),
    ],
    decisions: [{ id: "D", after: ["topology", "health"], question: QUESTION, then: ["metrics"], else: ["report"], default: defaultBranch }],
  };
}

/** The run completed, took `branch`, and ran exactly that branch's step. */
function expectRouted(result: Awaited<ReturnType<typeof runPlan>>, branch: "then" | "else") {
  const [ran, skipped] = branch === "then" ? ["metrics", "report"] : ["report", "metrics"];
  expect(result.status).toBe("completed");
  expect(result.decisions.D!.branch).toBe(branch);
  expect(Object.keys(result.results).sort()).toEqual(["health", ran, "topology"].sort());
  expect(result.skipped).toEqual([skipped]);
  expect(result.skip_reasons[skipped!]).toBe(`decision 'D' took '${branch}'`);
  expect(probe.count(skipped!)).toBe(0);
  expect(probe.count(ran!)).toBe(1);
}

describe("question decisions with a chat model", () => {
  it("routes `then` on a yes answer, recorded with source 'llm' and the model's reason", async () => {
    stub.enqueue(reply.json({ branch: "then", reason: "ci-42 runs at 97% CPU" }));
    const result = await runPlan(questionPlan("else"), { tools: [probe.tool], chatModel });

    expectRouted(result, "then");
    expect(result.decisions.D).toMatchObject({ branch: "then", source: "llm", reason: "ci-42 runs at 97% CPU" });
    expect(result.decisions.D!.cause).toBeUndefined();
    expect(stub.requests).toHaveLength(1);
  });

  it("routes `else` on a no answer", async () => {
    stub.enqueue(reply.json({ branch: "else", reason: "every neighbour is healthy enough" }));
    const result = await runPlan(questionPlan("then"), { tools: [probe.tool], chatModel });

    expectRouted(result, "else");
    expect(result.decisions.D).toMatchObject({ branch: "else", source: "llm", reason: "every neighbour is healthy enough" });
  });

  it("sends the model the question, the goal and every `after` step's result", async () => {
    stub.enqueue(reply.json({ branch: "then", reason: "r" }));
    const result = await runPlan(questionPlan(), { tools: [probe.tool], chatModel });

    const text = requestText(stub.requests[0]!);
    expect(text).toContain(QUESTION);
    expect(text).toContain(GOAL);
    expect(text).toContain(JSON.stringify(result.results.topology));
    expect(text).toContain(JSON.stringify(result.results.health));
    // Only the `after` steps' results: the branch steps have not run when the question is asked.
    expect(text).not.toContain('"step":"metrics"');
    expect(stub.requests[0]!.response_format?.json_schema?.name).toBe("decide");
  });

  it("asks only once the `after` steps are done, and runs the branch only after the answer", async () => {
    stub.enqueue(reply.json({ branch: "then", reason: "r" }, { delayMs: 50 }));
    const result = await runPlan(questionPlan(), { tools: [probe.tool], chatModel });

    expect(result.decisions.D!.at_ms).toBeGreaterThanOrEqual(result.timings.health!.end_ms);
    expect(result.decisions.D!.at_ms).toBeGreaterThanOrEqual(result.timings.topology!.end_ms);
    expect(result.timings.metrics!.start_ms).toBeGreaterThanOrEqual(result.decisions.D!.at_ms!);
    expect(result.decisions.D!.latency_ms).toBeGreaterThanOrEqual(45);
  });
});

describe("question decisions fall back to `default`, and the run still completes", () => {
  it("on HTTP 500 (after the client's one retry)", { timeout: 15_000 }, async () => {
    stub.enqueue(reply.error(500, "upstream exploded"), reply.error(500, "upstream exploded"));
    const result = await runPlan(questionPlan("else"), { tools: [probe.tool], chatModel });

    expectRouted(result, "else");
    expect(result.decisions.D).toMatchObject({ branch: "else", source: "fallback", cause: "model API error (HTTP 500): upstream exploded" });
    expect(result.decisions.D!.reason).toContain('took the default branch "else"');
    expect(stub.requests).toHaveLength(2);
    expect(requestText(stub.requests[0]!)).toContain(QUESTION);
  });

  it("when the model hangs past the question timeout, aborting the HTTP request", { timeout: 10_000 }, async () => {
    stub.enqueue(reply.hang());
    const evaluateDecision = createDecisionEvaluator({ chatModel, questionTimeoutMs: 300 });
    const started = Date.now();
    const result = await runPlan(questionPlan("then"), { tools: [probe.tool], evaluateDecision });

    expect(Date.now() - started).toBeLessThan(3_000);
    expectRouted(result, "then");
    expect(result.decisions.D).toMatchObject({ branch: "then", source: "fallback", cause: "timed out after 300 ms" });
    expect(result.decisions.D!.latency_ms).toBeGreaterThanOrEqual(290);
    expect(requestText(stub.requests[0]!)).toContain(QUESTION);
    await vi.waitFor(() => expect(stub.exchanges[0]!.aborted).toBe(true), { timeout: 1_000 });
  });

  it("on malformed JSON in the answer", { timeout: 15_000 }, async () => {
    stub.enqueue(reply.text('{"branch": "then", '), reply.text('{"branch": "then", '));
    const result = await runPlan(questionPlan("else"), { tools: [probe.tool], chatModel });

    expectRouted(result, "else");
    expect(result.decisions.D).toMatchObject({ branch: "else", source: "fallback" });
    expect(result.decisions.D!.cause).toMatch(/^unusable answer: .*JSON/);
    expect(requestText(stub.requests[0]!)).toContain(JSON.stringify(result.results.health));
  });

  it("on an answer naming a branch that does not exist", { timeout: 15_000 }, async () => {
    stub.enqueue(reply.json({ branch: "maybe", reason: "unsure" }), reply.json({ branch: "maybe", reason: "unsure" }));
    const result = await runPlan(questionPlan("then"), { tools: [probe.tool], chatModel });

    expectRouted(result, "then");
    expect(result.decisions.D).toMatchObject({ branch: "then", source: "fallback" });
    expect(result.decisions.D!.cause).toMatch(/^unusable answer: branch: /);
    expect(requestText(stub.requests[0]!)).toContain(QUESTION);
  });

  it("without a chat model (`chatModel: null`), saying no model is configured", async () => {
    const result = await runPlan(questionPlan("else"), { tools: [probe.tool], chatModel: null });

    expectRouted(result, "else");
    expect(result.decisions.D).toMatchObject({ branch: "else", source: "fallback", cause: "no chat model configured" });
    expect(stub.requests).toHaveLength(0);
  });

  it("when the evaluator itself throws, recording the error as the cause", async () => {
    const result = await runPlan(questionPlan("else"), {
      tools: [probe.tool],
      evaluateDecision: async () => {
        throw new Error("policy service unreachable");
      },
    });

    expectRouted(result, "else");
    expect(result.decisions.D).toMatchObject({ branch: "else", source: "fallback", cause: "policy service unreachable" });
  });
});
