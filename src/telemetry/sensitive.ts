import type { PreparedPlan } from "../analysis/prepare.js";
import { templateReferences } from "../refs/template.js";
import { mapStrings, scrubSecrets, type Secret } from "./secrets.js";

/**
 * Steps marked sensitive (`"sensitive": true`, or a tool declaring the `sensitive` trait) keep
 * their params and outputs out of telemetry and the HTML report. What is hidden: the step's input,
 * output, pending params, iterations and error messages; the input of every step that reads it by
 * reference (it is made of the sensitive output); the reasons of the decisions that wait on it, and
 * the answer when its template reads it. And since a value can travel further — echoed in another
 * step's error, quoted by a model — every string of a sensitive value long enough to recognise is
 * scrubbed from everything else too.
 */

/** What is shown in place of a sensitive value. */
export const REDACTED = "[redacted]";

/** Shorter strings would match ordinary text by chance. */
const MIN_SCRUBBED_CHARS = 6;

/** Which parts of a run are sensitive, by id. */
export interface SensitiveParts {
  /** Steps whose input, output and errors are never shown. */
  steps: string[];
  /** Further steps whose input is never shown: they read a sensitive step by reference. */
  inputs: string[];
  /** Decisions whose reason is never shown: they wait on a sensitive step. */
  decisions: string[];
  /** The answer template reads a sensitive step. */
  answer: boolean;
}

/** The sensitive parts of a plan, from the plan's marks and the tools' traits. */
export function sensitiveParts(prepared: PreparedPlan): SensitiveParts {
  const steps = new Set<string>();
  for (const [id, step] of prepared.steps) if (step.spec.sensitive === true || step.tool.traits.sensitive === true) steps.add(id);
  const inputs: string[] = [];
  const decisions: string[] = [];
  if (steps.size) {
    for (const [id, step] of prepared.steps) {
      const read = [...step.references, ...(step.forEach ? [step.forEach.ref] : [])];
      if (!steps.has(id) && read.some((ref) => steps.has(ref.step))) inputs.push(id);
    }
    for (const [id, decision] of prepared.decisions) if (decision.deps.some((dep) => steps.has(dep))) decisions.push(id);
  }
  const answer = prepared.answer !== undefined && templateReferences(prepared.answer).some((ref) => steps.has(ref.step));
  return { steps: [...steps], inputs, decisions, answer };
}

/**
 * Scrubs text of the environment's secrets and of the sensitive values seen so far. Learns values
 * as the run produces them, so a later message echoing one is scrubbed too.
 */
export class Redactor {
  private readonly known = new Set<string>();
  private values: string[] = [];

  constructor(private readonly secrets: readonly Secret[]) {}

  /**
   * Remembers every string value in `value` long enough to recognise. Not the keys: they name
   * fields (`password`), and scrubbing those words everywhere would hide nothing but the meaning.
   */
  learn(value: unknown): void {
    let added = false;
    for (const text of stringValues(value)) {
      const trimmed = text.trim();
      if (trimmed.length >= MIN_SCRUBBED_CHARS && !this.known.has(trimmed)) {
        this.known.add(trimmed);
        added = true;
      }
    }
    // Longest first: a value containing another is replaced whole.
    if (added) this.values = [...this.known].sort((a, b) => b.length - a.length);
  }

  /** `text` without secrets or known sensitive values. */
  text(text: string): string {
    let out = scrubSecrets(text, this.secrets);
    for (const value of this.values) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return out;
  }

  /** A copy of `value` with every string (and key) scrubbed. */
  value<T>(value: T): T {
    return mapStrings(value, (text) => this.text(text));
  }
}

/** Every string value inside `value` (not keys), each object visited once. */
function stringValues(value: unknown, seen = new Set<object>()): string[] {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object" || seen.has(value)) return [];
  seen.add(value);
  return Object.values(value).flatMap((item) => stringValues(item, seen));
}
