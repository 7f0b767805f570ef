import type { RunResult } from "../engine/result.js";
import { safeLine } from "./escape.js";
import { formatMs } from "./progress.js";

/** Where a durable run lives, so an interrupted run's summary can say how to resume it. */
export interface ResumeHint {
  thread: string;
  db: string;
}

/** The human summary printed after a run: outcome, the critical path, and how close we came to it. */
export function formatSummary(result: RunResult, resume?: ResumeHint): string {
  const lines: string[] = [];
  const done = Object.keys(result.results).length;
  const failed = Object.keys(result.errors).length;
  lines.push(`${result.status.toUpperCase()} · ${result.strategy} · ${done} done, ${failed} failed, ${result.skipped.length} skipped${result.pending.length ? `, ${result.pending.length} waiting for approval` : ""}`);
  lines.push(timingLine(result));
  for (const [id, decision] of Object.entries(result.decisions)) lines.push(safeLine(`decision ${id} → ${decision.branch} (${decision.source}: ${decision.reason})`));
  for (const [id, message] of Object.entries(result.errors)) lines.push(safeLine(`error ${id}: ${message}`));
  for (const id of result.skipped) lines.push(safeLine(`skipped ${id}: ${result.skip_reasons[id] ?? ""}`));
  for (const p of result.pending) lines.push(safeLine(`waiting ${p.step} (${p.tool}) with ${JSON.stringify(p.params)}`));
  for (const warning of result.warnings) lines.push(safeLine(`warning: ${warning}`));
  if (result.status === "completed" && failed) lines.push(`exit 1: ${failed} error${failed > 1 ? "s" : ""} above (a rejected step counts), although the run completed`);
  if (result.pending.length) lines.push(...resumeLines(result, resume));
  if (result.answer) lines.push("", safeLine(result.answer, 20_000));
  return lines.join("\n");
}

/**
 * Makespan, critical path and their ratio. Time spent waiting for a human is shown apart and left
 * out of the ratio: the ratio measures the scheduler, and no scheduler can run ahead of a person.
 */
function timingLine(result: RunResult): string {
  const wait = result.approval_wait_ms ?? 0;
  const running = result.makespan_ms - wait;
  const ratio = result.critical_path_ms > 0 ? running / result.critical_path_ms : 1;
  const makespan = wait > 0 ? `makespan ${formatMs(result.makespan_ms)} (${formatMs(running)} running, ${formatMs(wait)} waiting for approval)` : `makespan ${formatMs(result.makespan_ms)}`;
  return `${makespan} · critical path ${formatMs(result.critical_path_ms)} (${result.critical_path.join(" → ") || "none"}) · ratio ${ratio.toFixed(2)}`;
}

function resumeLines(result: RunResult, resume: ResumeHint | undefined): string[] {
  if (!resume) return ["the answer is rendered once the run is resumed and finished"];
  const quote = (s: string) => (/^[\w./:@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const base = `plangraph resume --thread ${quote(resume.thread)} --db ${quote(resume.db)}`;
  const steps = result.pending.map((p) => p.step);
  return [
    "",
    "to go on, decide the pending step" + (steps.length > 1 ? "s" : "") + ":",
    safeLine(`  ${base} ${steps.map((s) => `--approve ${quote(s)}`).join(" ")}`),
    safeLine(`  ${base} ${steps.map((s) => `--reject ${quote(s)}`).join(" ")}`),
    "the answer is rendered once the run is finished",
  ];
}

export const EXIT = { completed: 0, failed: 1, invalid: 2, interrupted: 3 } as const;

/** 3 while waiting for approval; otherwise 1 if `errors` has any entry (a rejected step included), else 0. */
export function exitCodeFor(result: RunResult): number {
  if (result.status === "interrupted") return EXIT.interrupted;
  return result.status === "failed" || Object.keys(result.errors).length > 0 ? EXIT.failed : EXIT.completed;
}
