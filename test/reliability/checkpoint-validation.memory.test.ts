/**
 * The official checkpointer conformance suite against MemorySaver: what library runs and the
 * in-process tests checkpoint to.
 */
import { MemorySaver } from "@langchain/langgraph-checkpoint";
import { defineValidationSuite } from "./support/validation.js";

await defineValidationSuite({
  checkpointerName: "MemorySaver",
  createCheckpointer: () => new MemorySaver(),
});
