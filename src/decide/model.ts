import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatOpenAI, type ChatOpenAIFields } from "@langchain/openai";

/** The model used when `PLANGRAPH_MODEL` is not set. */
export const DEFAULT_CHAT_MODEL = "gpt-4o-mini";

/**
 * The chat model configured by the environment, and the only place one is built from it (the CLI,
 * the graphs and the public API all call this; see docs/PLAN-FORMAT.md, "Decisions"):
 * `OPENAI_API_KEY` (required; without it there is no model and this returns `undefined`),
 * `OPENAI_BASE_URL` (any OpenAI-compatible server) and `PLANGRAPH_MODEL` (default `gpt-4o-mini`).
 *
 * Retries are kept to one so that a failing server costs a run little; callers bound the whole call
 * with their own timeout. `overrides` are passed to ChatOpenAI last (e.g. `{ maxRetries: 0 }`).
 *
 * Do not pass `{ streaming: true }` for decisions: `invoke` on a streaming ChatOpenAI estimates
 * token usage with tiktoken, whose encodings it downloads from tiktoken.pages.dev (retrying for
 * many seconds when offline). `.stream()` does not do this.
 */
export function chatModelFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Partial<ChatOpenAIFields> = {},
): BaseChatModel | undefined {
  const apiKey = env.OPENAI_API_KEY?.trim();
  if (!apiKey) return undefined;
  const baseURL = env.OPENAI_BASE_URL?.trim();
  const model = env.PLANGRAPH_MODEL?.trim() || DEFAULT_CHAT_MODEL;
  return new ChatOpenAI({
    model,
    apiKey,
    maxRetries: 1,
    ...(baseURL ? { configuration: { baseURL } } : {}),
    ...overrides,
  });
}
