/**
 * LLM decisions: a decision's question asked of the chat model with structured output, falling
 * back to the default branch on any model problem.
 */
export {
  askDecision,
  describeModelError,
  DEFAULT_DECISION_TIMEOUT_MS,
  DEFAULT_DECISION_TOKEN_BUDGET,
  type AskDecisionOptions,
} from "./ask.js";
export { chatModelFromEnv, DEFAULT_CHAT_MODEL } from "./model.js";
export {
  buildDecisionPrompt,
  fairShares,
  CHARS_PER_TOKEN,
  TRUNCATION_MARKER,
  type DecisionPrompt,
  type DecisionPromptInput,
} from "./prompt.js";
export {
  BranchSchema,
  DecisionAnswerSchema,
  DecisionRecordSchema,
  type Branch,
  type DecisionAnswer,
  type DecisionRecord,
} from "./record.js";
