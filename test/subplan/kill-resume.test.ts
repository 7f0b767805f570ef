/**
 * Exactly once across a kill: a real durable run (`plangraph run --thread --db`, SQLite) of a
 * 12-element for_each sub-plan (two side-effect-logging `work` steps per element) is SIGKILLed
 * mid-way, then resumed. Every inner step whose completion reached the completion store
 * (`each#<index>/<inner>`) before the kill is never called again; the resumed run's list equals
 * an uninterrupted run's.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { killAfterEvent, LOGGING_TOOLS, parseJsonOutput, readSideEffectLog, spawnCli } from "../reliability/support/crash.js";

const dir = mkdtempSync(join(tmpdir(), "plangraph-subplan-kill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 12;
const plan = {
  steps: [
    { id: "list", tool: "echo", params: { rows: Array.from({ length: N }, (_, i) => ({ n: i * 10 })) } },
    {
      id: "each",
      for_each: "{list.data.rows}",
      max_concurrency: 2,
      steps: [
        { id: "a", tool: "work", params: { step: "a{item_index}", ms: 60, n: "{item.n}" } },
        { id: "b", tool: "work", params: { step: "b{item_index}", ms: 60, n: 1 }, output_mapping: { inputs: ["{a.data.value}"] } },
      ],
    },
    { id: "total", tool: "work", params: { step: "total", ms: 1, n: 0 }, output_mapping: { inputs: ["{each[0].b.data.value}", "{each[-1].b.data.value}"] } },
  ],
};

/** Inner steps whose completion the store holds (`each#<index>/<inner>`), by their `work` step name. */
function storedInner(db: string): Set<string> {
  const sqlite = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const rows = sqlite.prepare("SELECT id, body FROM plangraph_completions WHERE kind = 'step'").all() as Array<{ id: string; body: string }>;
    const done = rows.filter((r) => (JSON.parse(r.body) as { status: string }).status === "done");
    const inner = done.map((r) => /^each#(\d+)\/(a|b)$/.exec(r.id)).filter((m): m is RegExpExecArray => m !== null);
    return new Set(inner.map((m) => `${m[2]}${m[1]}`));
  } finally {
    sqlite.close();
  }
}

describe("sub-plans across kill and resume", () => {
  it("a for_each sub-plan killed mid-way: completed inner steps never run again", async () => {
    const planFile = join(dir, "plan.json");
    writeFileSync(planFile, JSON.stringify(plan));
    const db = join(dir, "runs.sqlite");
    const log = join(dir, "effects.jsonl");
    const run = spawnCli(["run", planFile, "--thread", "sub", "--db", db, "--tools", LOGGING_TOOLS, "--json"], { log, proc: "run" });
    // Kill once 9 inner calls have returned: about 4 of 12 elements done.
    const { killed } = await killAfterEvent(run, log, "run", 9, 20, { endsOnly: true });
    expect(killed, "the run was killed mid-way").toBe(true);
    const saved = storedInner(db);
    expect(saved.size).toBeGreaterThanOrEqual(5);
    expect(saved.size).toBeLessThan(2 * N);

    const resumed = await spawnCli(["resume", "--thread", "sub", "--db", db, "--tools", LOGGING_TOOLS, "--json"], { log, proc: "resume" }).exit;
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = parseJsonOutput(resumed) as unknown as { status: string; results: Record<string, unknown>; items: Record<string, { total: number; done: number }> };
    expect(result.status).toBe("completed");
    expect(result.results.each).toEqual(
      Array.from({ length: N }, (_, i) => ({ a: { data: { step: `a${i}`, value: i * 10 } }, b: { data: { step: `b${i}`, value: i * 10 + 1 } } })),
    );
    expect(result.items.each).toMatchObject({ total: N, done: N });
    expect(result.results.total).toEqual({ data: { step: "total", value: 1 + (N - 1) * 10 + 1 } });

    const starts = readSideEffectLog(log).filter((l) => l.phase === "start");
    const resumedCalls = new Set(starts.filter((l) => l.proc === "resume").map((l) => l.step));
    for (const inner of saved) expect(resumedCalls.has(inner), `${inner} was saved before the kill but ran again`).toBe(false);
    // Every inner step ran at least once; only those in flight at the kill (at most 2) ran twice.
    const names = Array.from({ length: N }, (_, i) => [`a${i}`, `b${i}`]).flat();
    for (const name of names) expect(starts.filter((l) => l.step === name).length, name).toBeGreaterThanOrEqual(1);
    expect(names.filter((name) => starts.filter((l) => l.step === name).length > 1).length).toBeLessThanOrEqual(2);
  }, 60_000);
});
