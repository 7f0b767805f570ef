/**
 * A scriptable OpenAI-compatible server for tests: node:http on 127.0.0.1, a random port, no
 * network. It speaks enough of `POST /v1/chat/completions` (plain and `stream: true`) for the real
 * ChatOpenAI client: text replies, tool calls, JSON content for `response_format` structured
 * output, HTTP errors, hangs and raw bodies.
 *
 *     const stub = await startOpenAIStub();
 *     stub.enqueue(reply.toolCall("decide", { branch: "then", reason: "x" }), reply.error(500));
 *     const model = chatModelFromEnv({ OPENAI_API_KEY: "test", OPENAI_BASE_URL: stub.url });
 *     …
 *     expect(requestText(stub.requests[0]!)).toContain("the question");
 *     await stub.close();
 *
 * Replies are taken from the queue first, then from the handler given to `startOpenAIStub`; with
 * neither, the stub answers HTTP 500 "no scripted reply" so a missing script is visible.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One message of a chat completions request, as the client sent it. */
export interface StubChatMessage {
  role: string;
  content?: unknown;
  name?: string;
  tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
  [key: string]: unknown;
}

/** A parsed `POST /v1/chat/completions` body. */
export interface StubChatRequest {
  model?: string;
  messages: StubChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown; strict?: boolean } }>;
  tool_choice?: unknown;
  response_format?: { type: string; json_schema?: { name: string; schema?: unknown; strict?: boolean } };
  [key: string]: unknown;
}

/** A tool call to answer with. `arguments` that are not a string are sent as their JSON. */
export interface StubToolCall {
  name: string;
  arguments: unknown;
  id?: string;
}

/** Options every answering reply accepts. */
export interface StubTiming {
  /** Wait this long before answering (the client may give up first). */
  delayMs?: number;
}

/** What the stub does with one request. Build these with {@link reply}. */
export type StubReply =
  | ({ kind: "text"; content: string } & StubTiming)
  | ({ kind: "tool_calls"; calls: StubToolCall[]; content?: string } & StubTiming)
  | ({ kind: "json"; value: unknown } & StubTiming)
  | ({ kind: "error"; status: number; message: string; type?: string; code?: string } & StubTiming)
  | { kind: "hang" }
  | ({ kind: "raw"; body: string; status?: number; contentType?: string } & StubTiming);

/** Builders for scripted replies. */
export const reply = {
  /** A plain assistant message. */
  text: (content: string, timing: StubTiming = {}): StubReply => ({ kind: "text", content, ...timing }),
  /** One tool call (function calling, and ChatOpenAI's `method: "functionCalling"` structured output). */
  toolCall: (name: string, args: unknown, timing: StubTiming & { id?: string } = {}): StubReply => {
    const { id, ...rest } = timing;
    return { kind: "tool_calls", calls: [{ name, arguments: args, ...(id === undefined ? {} : { id }) }], ...rest };
  },
  /** Several tool calls in one assistant message. */
  toolCalls: (calls: StubToolCall[], timing: StubTiming = {}): StubReply => ({ kind: "tool_calls", calls, ...timing }),
  /** Content that is the JSON of `value` (answers `response_format` json_schema / json_object). */
  json: (value: unknown, timing: StubTiming = {}): StubReply => ({ kind: "json", value, ...timing }),
  /** An HTTP error with OpenAI's error body. */
  error: (status: number, message = `stub error ${status}`, timing: StubTiming = {}): StubReply => ({
    kind: "error",
    status,
    message,
    ...timing,
  }),
  /** Never answer; the connection stays open until the client aborts or the stub closes. */
  hang: (): StubReply => ({ kind: "hang" }),
  /** Exactly this body (malformed JSON, broken SSE…), status 200 and application/json unless set. */
  raw: (body: string, options: { status?: number; contentType?: string } & StubTiming = {}): StubReply => ({
    kind: "raw",
    body,
    ...options,
  }),
};

/** Answers requests dynamically; `index` counts chat completion requests from 0. */
export type StubHandler = (
  request: StubChatRequest,
  context: { index: number; headers: IncomingHttpHeaders },
) => StubReply | Promise<StubReply>;

/** Everything the stub saw of one request. */
export interface StubExchange {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  reply?: StubReply;
  /** The client went away before the reply was complete (an abort or timeout on its side). */
  aborted: boolean;
  /** The reply was written completely. */
  finished: boolean;
}

export interface OpenAIStub {
  /** Base URL for OpenAI clients, e.g. `http://127.0.0.1:53121/v1`. */
  url: string;
  /** Parsed bodies of the chat completion requests, in arrival order. */
  requests: StubChatRequest[];
  /** Every HTTP request, with how it ended. */
  exchanges: StubExchange[];
  /** Adds replies to the queue, used in order before the handler. */
  enqueue(...replies: StubReply[]): void;
  /** Queued replies not used yet. */
  pending(): number;
  /** Stops the server and destroys every open connection, hanging ones included. */
  close(): Promise<void>;
}

/** Starts a stub on 127.0.0.1 with a random port. */
export async function startOpenAIStub(handler?: StubHandler, options: { chunkSize?: number } = {}): Promise<OpenAIStub> {
  const chunkSize = Math.max(1, options.chunkSize ?? 8);
  const queue: StubReply[] = [];
  const requests: StubChatRequest[] = [];
  const exchanges: StubExchange[] = [];
  const sockets = new Set<Socket>();
  const timers = new Map<NodeJS.Timeout, () => void>();
  let closing = false;
  let sequence = 0;

  const server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) sendError(res, 500, `openai-stub failed: ${String(error)}`);
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const path = (req.url ?? "/").split("?")[0]!;
    let body: unknown = text;
    let parsedOk = text === "";
    if (text !== "") {
      try {
        body = JSON.parse(text);
        parsedOk = true;
      } catch {
        parsedOk = false;
      }
    }
    const exchange: StubExchange = { method: req.method ?? "GET", path, headers: req.headers, body, aborted: false, finished: false };
    exchanges.push(exchange);
    res.on("close", () => {
      if (!res.writableFinished && !closing) exchange.aborted = true;
    });
    res.on("finish", () => {
      exchange.finished = true;
    });

    if (req.method === "GET" && path === "/v1/models") {
      sendJson(res, 200, { object: "list", data: [{ id: "stub-model", object: "model", created: 0, owned_by: "openai-stub" }] });
      return;
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      sendError(res, 404, `openai-stub does not serve ${req.method} ${path}`, "invalid_request_error");
      return;
    }
    if (!parsedOk || body === null || typeof body !== "object" || !Array.isArray((body as StubChatRequest).messages)) {
      sendError(res, 400, "openai-stub: the request body is not a chat completions request", "invalid_request_error");
      return;
    }
    const request = body as StubChatRequest;
    const index = requests.length;
    requests.push(request);
    const scripted = queue.shift() ?? (handler ? await handler(request, { index, headers: req.headers }) : undefined);
    const chosen = scripted ?? reply.error(500, "openai-stub: no scripted reply left for this request");
    exchange.reply = chosen;
    if (chosen.kind === "hang") return;
    if (chosen.delayMs !== undefined && chosen.delayMs > 0) {
      await sleep(chosen.delayMs);
      if (res.destroyed || closing) return;
    }
    answer(request, chosen, res, ++sequence);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.set(timer, resolve);
    });
  }

  function answer(request: StubChatRequest, chosen: Exclude<StubReply, { kind: "hang" }>, res: ServerResponse, n: number): void {
    if (chosen.kind === "error") {
      sendError(res, chosen.status, chosen.message, chosen.type, chosen.code);
      return;
    }
    if (chosen.kind === "raw") {
      res.writeHead(chosen.status ?? 200, { "content-type": chosen.contentType ?? "application/json" });
      res.end(chosen.body);
      return;
    }
    const message = assistantMessage(chosen, n);
    const model = request.model ?? "stub-model";
    const id = `chatcmpl-stub-${n}`;
    const created = Math.floor(Date.now() / 1000);
    const finishReason = message.tool_calls ? "tool_calls" : "stop";
    const usage = estimateUsage(request, message);
    if (request.stream === true) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
      const base = { id, object: "chat.completion.chunk", created, model, system_fingerprint: "stub" };
      for (const delta of streamDeltas(message, chunkSize)) {
        writeEvent(res, { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] });
      }
      writeEvent(res, { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }] });
      if (request.stream_options?.include_usage) writeEvent(res, { ...base, choices: [], usage });
      res.end("data: [DONE]\n\n");
      return;
    }
    sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      system_fingerprint: "stub",
      choices: [{ index: 0, message: { ...message, refusal: null }, logprobs: null, finish_reason: finishReason }],
      usage,
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    exchanges,
    enqueue: (...replies) => void queue.push(...replies),
    pending: () => queue.length,
    close: () => {
      closing = true;
      // Wake delayed replies; they find their connection destroyed and give up.
      for (const [timer, wake] of timers) {
        clearTimeout(timer);
        wake();
      }
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}

/** All text of a request's messages (string contents and text parts), for assertions. */
export function requestText(request: StubChatRequest): string {
  return request.messages
    .map((message) => {
      if (typeof message.content === "string") return message.content;
      if (Array.isArray(message.content)) {
        return message.content
          .map((part: unknown) => {
            const text = part !== null && typeof part === "object" ? (part as { text?: unknown }).text : undefined;
            return typeof text === "string" ? text : "";
          })
          .join("");
      }
      return "";
    })
    .join("\n");
}

interface AssistantMessage {
  role: "assistant";
  content: string | null;
  tool_calls?: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>;
}

function assistantMessage(chosen: Extract<StubReply, { kind: "text" | "json" | "tool_calls" }>, n: number): AssistantMessage {
  switch (chosen.kind) {
    case "text":
      return { role: "assistant", content: chosen.content };
    case "json":
      return { role: "assistant", content: JSON.stringify(chosen.value) };
    case "tool_calls":
      return {
        role: "assistant",
        content: chosen.content ?? null,
        tool_calls: chosen.calls.map((call, i) => ({
          id: call.id ?? `call_stub_${n}_${i}`,
          type: "function" as const,
          function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments) },
        })),
      };
  }
}

/** The deltas OpenAI streams for a message: role first, then content and tool-call pieces. */
function* streamDeltas(message: AssistantMessage, chunkSize: number): Generator<Record<string, unknown>> {
  yield { role: "assistant", content: message.tool_calls && message.content === null ? null : "" };
  for (const piece of pieces(message.content ?? "", chunkSize)) yield { content: piece };
  for (const [index, call] of (message.tool_calls ?? []).entries()) {
    yield { tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] };
    for (const piece of pieces(call.function.arguments, chunkSize)) {
      yield { tool_calls: [{ index, function: { arguments: piece } }] };
    }
  }
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function estimateUsage(request: StubChatRequest, message: AssistantMessage) {
  const prompt_tokens = Math.ceil(JSON.stringify(request.messages).length / 4);
  const completion_tokens = Math.ceil(JSON.stringify(message).length / 4);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

function writeEvent(res: ServerResponse, data: unknown): void {
  res.write(`data: ${JSON.stringify(data)}\n\n`);
}

function sendJson(res: ServerResponse, status: number, data: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(data));
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type = status >= 500 ? "server_error" : "invalid_request_error",
  code?: string,
): void {
  sendJson(res, status, { error: { message, type, param: null, code: code ?? null } });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
