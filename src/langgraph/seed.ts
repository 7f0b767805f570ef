import type { PreparedPlan } from "../analysis/prepare.js";
import type { StoredRun } from "../durability/completion-store.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import { channelOwner, decisionChannel, stepChannel } from "./channels.js";
import { unescapeFromState } from "./state-escape.js";

/** Records a scheduler starts from: never executed again. */
export interface SchedulerSeed {
  steps: Record<string, StepRecord>;
  decisions: Record<string, DecisionOutcome>;
}

/**
 * What a (resumed) run already knows, merged from the completion store, the checkpoint's state and
 * its pending writes: state wins over the store, and the writes of nodes that finished in the
 * superstep a crash interrupted (not re-run by LangGraph) fill in what state lacks. Pure.
 */
export function seedFrom(
  prepared: PreparedPlan,
  state: Record<string, unknown>,
  stored: StoredRun | undefined,
  pending: ReadonlyArray<readonly [string, unknown]>,
): SchedulerSeed {
  const seed: SchedulerSeed = { steps: { ...stored?.steps }, decisions: { ...stored?.decisions } };
  for (const id of prepared.steps.keys()) {
    const record = state[stepChannel(id)] as StepRecord | null | undefined;
    if (record) seed.steps[id] = record;
  }
  for (const id of prepared.decisions.keys()) {
    const outcome = state[decisionChannel(id)] as DecisionOutcome | null | undefined;
    if (outcome) seed.decisions[id] = outcome;
  }
  for (const [channel, value] of pending) {
    if (!value) continue;
    const owner = channelOwner(channel);
    if (owner?.kind === "step" && prepared.steps.has(owner.id)) seed.steps[owner.id] ??= value as StepRecord;
    if (owner?.kind === "decision" && prepared.decisions.has(owner.id)) seed.decisions[owner.id] ??= value as DecisionOutcome;
  }
  for (const id of Object.keys(seed.steps)) seed.steps[id] = unescapeFromState(seed.steps[id]) as StepRecord;
  return seed;
}
