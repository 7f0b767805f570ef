import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { PlangraphError, describeError } from "../model/errors.js";
import type { ThreadRecord, ToolsModuleRef } from "./backend.js";

/**
 * The identity of a `--tools` module named by the caller: its absolute path (resolved against the
 * caller's directory) and the sha-256 of its bytes. Computed before the module is loaded.
 */
export function identifyToolsModule(path: string, cwd: string = process.cwd()): ToolsModuleRef {
  const absolute = resolve(cwd, path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(absolute);
  } catch (error) {
    throw new PlangraphError("USAGE", `--tools: cannot read module '${path}': ${describeError(error)}`);
  }
  return { path: absolute, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/**
 * Checks the module a `resume` caller names against the one its run was started with. Stored data
 * never names code to load: the caller must name the same module (same path, same bytes), or
 * none when the run had none. Anything else is TOOLS_MODULE_MISMATCH saying what to pass.
 */
export function checkResumeTools(thread: string, stored: ThreadRecord["tools"], given: ToolsModuleRef | undefined): void {
  const refuse = (message: string) => new PlangraphError("TOOLS_MODULE_MISMATCH", `resume of thread '${thread}': ${message}`);
  if (stored === "unverifiable") {
    throw refuse("the run was started before tools modules were recorded with a digest, so its module cannot be checked; start it again with run --thread … --restart");
  }
  if (!stored) {
    if (given) throw refuse(`the run was started without --tools; resume it without --tools (got '${given.path}')`);
    return;
  }
  if (!given) throw refuse(`the run was started with --tools '${stored.path}'; pass --tools '${stored.path}'`);
  if (given.path !== stored.path) throw refuse(`the run was started with --tools '${stored.path}', not '${given.path}'; pass --tools '${stored.path}'`);
  if (given.sha256 !== stored.sha256) {
    throw refuse(`the tools module '${stored.path}' has changed since the run started (sha-256 ${given.sha256.slice(0, 12)}…, recorded ${stored.sha256.slice(0, 12)}…); restore it, or start over with run --thread … --restart`);
  }
}
