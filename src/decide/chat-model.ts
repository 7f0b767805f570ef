import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { chatModelFromEnv } from "./index.js";

/** The chat model the environment configures (OPENAI_API_KEY, OPENAI_BASE_URL, PLANGRAPH_MODEL), or null. */
export function chatModelFromEnvironment(env: NodeJS.ProcessEnv = process.env): BaseChatModel | null {
  return chatModelFromEnv(env) ?? null;
}
