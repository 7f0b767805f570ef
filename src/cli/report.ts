import { writeFile } from "node:fs/promises";
import { basename } from "node:path";
import type { PreparedPlan } from "../analysis/prepare.js";
import { planGraphView } from "../analysis/view.js";
import { renderReport, sensitiveParts } from "../report/index.js";
import type { RunResult } from "../engine/result.js";

/** Writes the self-contained HTML report of a run (`--report`). */
export async function writeReport(file: string, result: RunResult, prepared: PreparedPlan, title: string): Promise<void> {
  const html = renderReport({
    title: basename(title),
    ...(prepared.plan.goal ? { goal: prepared.plan.goal } : {}),
    generatedAt: new Date().toISOString(),
    graph: planGraphView(prepared),
    result,
    sensitive: sensitiveParts(prepared),
  });
  await writeFile(file, html, "utf8");
}
