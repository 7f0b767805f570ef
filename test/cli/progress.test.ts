import { describe, expect, it } from "vitest";
import { ProgressDisplay } from "../../src/cli/progress.js";

describe("cli: progress lines in logs", () => {
  it("cuts a long error at a word boundary, saying how much was left out, and escapes control characters", () => {
    const lines: string[] = [];
    const display = new ProgressDisplay((text) => lines.push(text), false);
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
    const message = `step 'a' failed: \u001b[31m${words}\u202E`;
    display.onEvent({ type: "step_start", step: "a", tool: "fail", at: 0, ready_at: 0, attempt: 1 });
    display.onEvent({ type: "step_end", step: "a", record: { status: "failed", error: { code: "TOOL_FAILED", message }, attempts: 1, started_at: 0, ended_at: 5 } });
    display.finish();
    const line = lines.join("").trimEnd();
    expect(line).toMatch(/^✗ a 5 ms {2}step 'a' failed: \\u\{1b\}\[31mword0 word1 /);
    expect(line).toMatch(/ word\d+ … \(\d+ more characters\)$/);
    expect(line).not.toMatch(/[\u001b\u202E]/);
  });
});
