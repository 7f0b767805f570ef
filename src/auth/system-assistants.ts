import { createHash } from "node:crypto";

/**
 * The ids of the assistants the LangGraph server makes for each graph of langgraph.json: UUID v5
 * of the graph id in the namespace the JS server uses (`NAMESPACE_GRAPH` in
 * @langchain/langgraph-api's graph/load). They carry no owner; every tenant may read and run them,
 * none may change or delete them.
 */
const NAMESPACE_GRAPH = "6ba7b821-9dad-11d1-80b4-00c04fd430c8";

/** RFC 9562 UUID version 5 (SHA-1, name-based). */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replaceAll("-", ""), "hex");
  const bytes = createHash("sha1").update(ns).update(name, "utf8").digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The server's own assistant ids for these graph ids. */
export function systemAssistantIds(graphIds: Iterable<string>): Set<string> {
  return new Set([...graphIds].map((id) => uuidV5(id, NAMESPACE_GRAPH)));
}
