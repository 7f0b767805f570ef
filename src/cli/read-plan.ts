import { readFile } from "node:fs/promises";
import { PlangraphError, describeError } from "../model/errors.js";
import type { CliIO } from "./io.js";

/** The plan text named on the command line: a file, or stdin for `-`. */
export async function readPlan(path: string, io?: Pick<CliIO, "readStdin" | "stdinIsTTY">): Promise<string> {
  if (path === "-") {
    if (io?.stdinIsTTY) throw new PlangraphError("USAGE", "plan '-' reads the plan from stdin, but stdin is a terminal: pipe the plan in (plangraph run - < plan.json)");
    if (!io?.readStdin) throw new PlangraphError("USAGE", "cannot read the plan from stdin here");
    const text = await io.readStdin();
    if (!text.trim()) throw new PlangraphError("USAGE", "plan '-': stdin was empty");
    return text;
  }
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new PlangraphError("USAGE", `cannot read plan '${path}': ${describeError(error)}`);
  }
}
