/**
 * Seeded random plans for the queue's chaos trials: every step calls `effect`
 * (test/queue/chaos-tools.ts) with the run's tag and its own id, so the side-effect log names the
 * call; values flow along the dependencies, and some plans branch on a rule decision, so a result
 * depends on every earlier output and a wrong takeover shows in the comparison.
 */
import { seededRandom } from "../../bench/random.js";

export { seededRandom };

export const randomInt = (rng: () => number, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));

interface EffectStep {
  id: string;
  tool: "effect";
  params: { run: string; step: string; ms: number; n: number };
  output_mapping?: { inputs: string[] };
  optional_depends_on?: string[];
}

export interface ChaosPlan {
  steps: EffectStep[];
  decisions?: Array<{ id: string; after: string[]; condition: string; then: string[]; else: string[] }>;
}

/**
 * A plan of 3–7 `effect` steps taking `minMs`–`maxMs` each: each step after the first reads 0–2
 * earlier steps' values; one plan in three adds a rule decision choosing between two branch
 * steps that the last step joins.
 */
export function chaosPlan(rng: () => number, run: string, options: { minMs?: number; maxMs?: number } = {}): ChaosPlan {
  const size = randomInt(rng, 3, 7);
  const ms = () => randomInt(rng, options.minMs ?? 40, options.maxMs ?? 250);
  const decide = size >= 5 && rng() < 1 / 3;
  const ids = Array.from({ length: size }, (_, i) => `s${i}`);
  const branches = decide ? [ids[size - 3]!, ids[size - 2]!] : [];
  const steps: EffectStep[] = ids.map((id, i) => {
    const pool = ids.slice(0, i).filter((d) => !branches.includes(d));
    const deps = new Set<string>();
    const count = pool.length ? randomInt(rng, i === size - 1 ? 1 : 0, Math.min(2, pool.length)) : 0;
    for (let k = 0; k < count; k++) deps.add(pool[randomInt(rng, 0, pool.length - 1)]!);
    const optional = i === size - 1 ? branches : [];
    const refs = [...deps, ...optional].map((d) => `{${d}.data.value}`);
    return {
      id,
      tool: "effect",
      params: { run, step: id, ms: ms(), n: randomInt(rng, 1, 100) },
      ...(refs.length ? { output_mapping: { inputs: refs } } : {}),
      ...(optional.length ? { optional_depends_on: optional } : {}),
    };
  });
  if (!decide) return { steps };
  const gate = ids[randomInt(rng, 0, size - 4)]!;
  return { steps, decisions: [{ id: "gate", after: [gate], condition: `{${gate}.data.value} > ${randomInt(rng, 1, 150)}`, then: [branches[0]!], else: [branches[1]!] }] };
}
