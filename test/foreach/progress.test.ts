import { describe, expect, it } from "vitest";
import { ProgressDisplay } from "../../src/cli/progress.js";

describe("cli: a for_each step in the live table", () => {
  it('shows "n/N done, f failed" while elements end, and the counts on the finished row', () => {
    let screen = "";
    const display = new ProgressDisplay((text) => (screen = text), true, () => 0);
    for (let index = 0; index < 4; index++) display.onEvent({ type: "item_start", step: "per_host", index, total: 4, at: 0 });
    display.onEvent({ type: "item_end", step: "per_host", index: 0, total: 4, status: "done", at: 1 });
    display.onEvent({ type: "item_end", step: "per_host", index: 2, total: 4, status: "failed", at: 2 });
    expect(screen).toContain("… per_host 0 ms 1/4 done, 1 failed");
    display.onEvent({
      type: "step_end",
      step: "per_host",
      record: { status: "done", attempts: 4, started_at: 0, ended_at: 9, output: [], items: { total: 4, done: 3, failed: 1, elements: [] } },
    });
    display.finish();
    expect(screen).toContain("✓ per_host 9 ms 3/4 done, 1 failed");
  });
});
