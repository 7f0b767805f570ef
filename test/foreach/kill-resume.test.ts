/**
 * Exactly once per element across a kill: a real durable run (`plangraph run --thread --db`,
 * SQLite) of a 30-element for_each on the side-effect-logging `work` tool is SIGKILLed mid-way,
 * then resumed. Every element whose completion reached the completion store before the kill is
 * never called again; the resumed run's list equals an uninterrupted run's.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { killAfterEvent, LOGGING_TOOLS, parseJsonOutput, readSideEffectLog, spawnCli } from "../reliability/support/crash.js";

const dir = mkdtempSync(join(tmpdir(), "plangraph-foreach-kill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 30;
const plan = {
  steps: [
    { id: "list", tool: "echo", params: { rows: Array.from({ length: N }, (_, i) => ({ n: i * 10 })) } },
    { id: "each", tool: "work", for_each: "{list.data.rows}", max_concurrency: 3, params: { step: "e{item_index}", ms: 60, n: "{item.n}" } },
    { id: "total", tool: "work", params: { step: "total", ms: 1, n: 0 }, output_mapping: { inputs: ["{each[0].data.value}", "{each[-1].data.value}"] } },
  ],
};

/** Elements whose completion the store holds (`each#<index>`), by their `work` step name. */
function storedElements(db: string): Set<string> {
  const sqlite = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const rows = sqlite.prepare("SELECT id, body FROM plangraph_completions WHERE kind = 'step'").all() as Array<{ id: string; body: string }>;
    return new Set(rows.filter((r) => /^each#\d+$/.test(r.id) && (JSON.parse(r.body) as { status: string }).status === "done").map((r) => `e${r.id.slice(5)}`));
  } finally {
    sqlite.close();
  }
}

describe("for_each across kill and resume", () => {
  it("a 30-element for_each killed mid-way: completed elements never run again", async () => {
    const planFile = join(dir, "plan.json");
    writeFileSync(planFile, JSON.stringify(plan));
    const db = join(dir, "runs.sqlite");
    const log = join(dir, "effects.jsonl");
    const run = spawnCli(["run", planFile, "--thread", "fan", "--db", db, "--tools", LOGGING_TOOLS, "--json"], { log, proc: "run" });
    // Kill once 12 elements have returned: about 4 rounds of 3 in, 6 rounds still to go.
    const { killed } = await killAfterEvent(run, log, "run", 12, 20, { endsOnly: true });
    expect(killed, "the run was killed mid-way").toBe(true);
    const saved = storedElements(db);
    expect(saved.size).toBeGreaterThanOrEqual(6);
    expect(saved.size).toBeLessThan(N);

    const resumed = await spawnCli(["resume", "--thread", "fan", "--db", db, "--tools", LOGGING_TOOLS, "--json"], { log, proc: "resume" }).exit;
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = parseJsonOutput(resumed) as unknown as { status: string; results: Record<string, unknown>; items: Record<string, { total: number; done: number }> };
    expect(result.status).toBe("completed");
    expect(result.results.each).toEqual(Array.from({ length: N }, (_, i) => ({ data: { step: `e${i}`, value: i * 10 } })));
    expect(result.items.each).toMatchObject({ total: N, done: N });

    const starts = readSideEffectLog(log).filter((l) => l.phase === "start");
    const resumedCalls = new Set(starts.filter((l) => l.proc === "resume").map((l) => l.step));
    for (const element of saved) expect(resumedCalls.has(element), `${element} was saved before the kill but ran again`).toBe(false);
    // Every element ran at least once, and only those in flight at the kill ran twice.
    for (let i = 0; i < N; i++) expect(starts.filter((l) => l.step === `e${i}`).length).toBeGreaterThanOrEqual(1);
    const twice = Array.from({ length: N }, (_, i) => `e${i}`).filter((e) => starts.filter((l) => l.step === e).length > 1);
    expect(twice.length).toBeLessThanOrEqual(3);
  }, 60_000);
});
