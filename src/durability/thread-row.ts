import { PlangraphError } from "../model/errors.js";
import { ThreadRecordSchema, type ThreadRecord, type ToolsModuleRef } from "./backend.js";

/** A `plangraph_threads` row as both SQL backends store it. */
export interface ThreadRow {
  plan: string;
  tools: string | null;
  tools_sha256: string | null;
  run_id: string | null;
  status: string | null;
}

/** The columns for a thread's tools module. */
export function toolsColumns(tools: ToolsModuleRef | undefined): [string | null, string | null] {
  return tools ? [tools.path, tools.sha256] : [null, null];
}

/**
 * A stored row, checked as the untrusted data it is: a malformed row is DATABASE_UNUSABLE naming
 * the thread, never a half-read record. A path without a digest (written before digests were
 * kept) is `"unverifiable"`: nothing can show it is the module the run used.
 */
export function threadRecordFromRow(row: ThreadRow, thread: string, where: string): ThreadRecord {
  const tools = row.tools === null ? undefined : row.tools_sha256 === null ? "unverifiable" : { path: row.tools, sha256: row.tools_sha256 };
  const parsed = ThreadRecordSchema.safeParse({
    plan: row.plan,
    ...(row.run_id === null ? {} : { runId: row.run_id }),
    ...(tools === undefined ? {} : { tools }),
    ...(row.status === null ? {} : { status: row.status }),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PlangraphError("DATABASE_UNUSABLE", `the stored record of thread '${thread}' in ${where} is malformed (${issue?.path.join(".") || "row"}: ${issue?.message ?? "invalid"})`);
  }
  return parsed.data;
}
