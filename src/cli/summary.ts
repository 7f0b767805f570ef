import type { RunResult } from "../engine/result.js";
import { formatMs } from "./progress.js";

/** The human summary printed after a run: outcome, the critical path, and how close we came to it. */
export function formatSummary(result: RunResult): string {
  const lines: string[] = [];
  const done = Object.keys(result.results).length;
  const failed = Object.keys(result.errors).length;
  lines.push(`${result.status.toUpperCase()} · ${result.strategy} · ${done} done, ${failed} failed, ${result.skipped.length} skipped${result.pending.length ? `, ${result.pending.length} waiting for approval` : ""}`);
  const ratio = result.critical_path_ms > 0 ? result.makespan_ms / result.critical_path_ms : 1;
  lines.push(
    `makespan ${formatMs(result.makespan_ms)} · critical path ${formatMs(result.critical_path_ms)} (${result.critical_path.join(" → ") || "none"}) · ratio ${ratio.toFixed(2)}`,
  );
  for (const [id, decision] of Object.entries(result.decisions)) lines.push(`decision ${id} → ${decision.branch} (${decision.source}: ${decision.reason})`);
  for (const [id, message] of Object.entries(result.errors)) lines.push(`error ${id}: ${message}`);
  for (const id of result.skipped) lines.push(`skipped ${id}: ${result.skip_reasons[id] ?? ""}`);
  for (const p of result.pending) lines.push(`waiting ${p.step} (${p.tool}) with ${JSON.stringify(p.params)}`);
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  if (result.answer) lines.push("", result.answer);
  return lines.join("\n");
}

export const EXIT = { completed: 0, failed: 1, invalid: 2, interrupted: 3 } as const;

export function exitCodeFor(result: RunResult): number {
  return result.status === "completed" ? EXIT.completed : result.status === "interrupted" ? EXIT.interrupted : EXIT.failed;
}
