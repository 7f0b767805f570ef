import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { PlangraphError } from "../model/errors.js";
import { DEFAULT_POLICY, parsePolicy, type Policy } from "../policy/index.js";

/** The environment variable naming the policy file. */
export const POLICY_ENV = "PLANGRAPH_POLICY";

// Loaded once per file version: a long-lived process re-reads a file that changed.
const loaded = new Map<string, { mtimeMs: number; size: number; policy: Policy }>();

/**
 * Reads and validates a policy file (JSON). A missing or unreadable file, bad JSON or a bad field
 * is POLICY_INVALID naming the file and the field, never a fallback to the default policy.
 */
export function loadPolicyFile(path: string): Policy {
  const file = resolve(path);
  let stat;
  try {
    stat = statSync(file);
  } catch (error) {
    throw new PlangraphError("POLICY_INVALID", `policy file ${file} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const cached = loaded.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.policy;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new PlangraphError("POLICY_INVALID", `policy file ${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const policy = parsePolicy(json, `policy file ${file}`);
  loaded.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, policy });
  return policy;
}

/** The run's policy: the option's, else the file named by PLANGRAPH_POLICY, else the default. */
export function policyFor(option: Policy | string | undefined, env: NodeJS.ProcessEnv = process.env): Policy {
  if (typeof option === "string") return loadPolicyFile(option);
  if (option) return parsePolicy(option, "the policy option");
  const path = env[POLICY_ENV]?.trim();
  return path ? loadPolicyFile(path) : DEFAULT_POLICY;
}
